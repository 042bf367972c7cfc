package dev.tripline.alert;

import static dev.tripline.alert.AlertFixtures.enableRegion;
import static dev.tripline.alert.AlertFixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.Event;
import dev.tripline.rule.Level;
import dev.tripline.rule.Rule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertIdTest {
    private static final String EVENT_TIME = "2024-03-01T10:00:00Z";

    @Test
    void twoBuildsFromSeparatelyParsedCopiesOfTheInputGiveTheSameAlert() {
        Rule r = rule(AlertFixtures.PANTHER_ENABLE_REGION);
        Alert a = Alerts.single(r, enableRegion("ev-1", EVENT_TIME, "alice", "ap-east-1"));
        Alert b = Alerts.single(r, enableRegion("ev-1", EVENT_TIME, "alice", "ap-east-1"));
        assertThat(b.alertId()).isEqualTo(a.alertId());
        assertThat(AlertFormat.JSONL.encode(b)).isEqualTo(AlertFormat.JSONL.encode(a));
        assertThat(AlertFormat.OCSF.encode(b)).isEqualTo(AlertFormat.OCSF.encode(a));
    }

    @Test
    void idChangesWithTheEventTheRuleAndTheKey() {
        Rule panther = rule(AlertFixtures.PANTHER_ENABLE_REGION);
        Rule sigma = rule(AlertFixtures.SIGMA_ENABLE_REGION);
        Event e = enableRegion("ev-1", EVENT_TIME, "alice", "ap-east-1");
        String base = Alerts.single(panther, e).alertId();
        assertThat(Alerts.single(panther, enableRegion("ev-2", EVENT_TIME, "alice", "ap-east-1"))
                        .alertId())
                .isNotEqualTo(base);
        assertThat(Alerts.single(sigma, e).alertId()).isNotEqualTo(base);
        // The same event id, another region: the rule groups by it, so only the dedup key differs.
        Alert otherKey = Alerts.single(panther, enableRegion("ev-1", EVENT_TIME, "alice", "eu-south-1"));
        assertThat(otherKey.dedupKey()).isNotEqualTo(Alerts.single(panther, e).dedupKey());
        assertThat(otherKey.alertId()).isNotEqualTo(base);
    }

    @Test
    void correlationIdDoesNotDependOnEvidenceOrderButOnItsEvents() {
        Evidence x = Evidence.of(enableRegion("ev-x", EVENT_TIME, "alice", "ap-east-1"), List.of());
        Evidence y = Evidence.of(enableRegion("ev-y", "2024-03-01T10:05:00Z", "alice", "ap-east-1"), List.of());
        Evidence z = Evidence.of(enableRegion("ev-z", "2024-03-01T10:06:00Z", "alice", "ap-east-1"), List.of());
        RuleRef ref = RuleRef.of("corr", "Correlation", Level.HIGH, List.of(), List.of());
        Map<String, String> group = Map.of("account", "123456789012");
        String xy = Alerts.correlation(ref, group, List.of(x, y), 2, null).alertId();
        assertThat(Alerts.correlation(ref, group, List.of(y, x), 2, null).alertId())
                .isEqualTo(xy);
        assertThat(Alerts.correlation(ref, group, List.of(x, z), 2, null).alertId())
                .isNotEqualTo(xy);
        assertThat(Alerts.correlation(ref, Map.of("account", "210987654321"), List.of(x, y), 2, null)
                        .alertId())
                .isNotEqualTo(xy);
    }

    @Test
    void recordsWithoutEventIdAreIdentifiedByWhatTheEvidenceShows() {
        Rule sigma = rule(AlertFixtures.SIGMA_ENABLE_REGION);
        String noId = """
                {"eventVersion":"1.08","userIdentity":{"type":"Root","arn":"arn:aws:iam::123456789012:root",
                 "accountId":"123456789012"},"eventTime":"%s","eventSource":"account.amazonaws.com",
                 "eventName":"EnableRegion","awsRegion":"us-east-1","requestParameters":{"RegionName":"%s"},
                 "recipientAccountId":"123456789012"}""";
        String a = Alerts.single(sigma, AlertFixtures.parse(noId.formatted(EVENT_TIME, "ap-east-1")))
                .alertId();
        assertThat(Alerts.single(sigma, AlertFixtures.parse(noId.formatted(EVENT_TIME, "ap-east-1")))
                        .alertId())
                .isEqualTo(a);
        assertThat(Alerts.single(sigma, AlertFixtures.parse(noId.formatted(EVENT_TIME, "me-south-1")))
                        .alertId())
                .isNotEqualTo(a);
    }
}
