package dev.tripline.alert;

import static dev.tripline.alert.AlertFixtures.enableRegion;
import static dev.tripline.alert.AlertFixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.Event;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-match path the Flink layer runs, driven here by a map standing in for keyed state. */
class SingleAlertsTest {

    private static List<Alert> runAll(Rule rule, List<Event> events, Map<String, DedupState> states) {
        List<Alert> alerts = new ArrayList<>();
        for (Event e : events) {
            assertThat(ReferenceEvaluator.matches(rule, e))
                    .as("the rule matches " + e)
                    .isTrue();
            String key = DedupKeys.single(rule, e);
            SingleAlerts.Result r = SingleAlerts.offer(rule, e, states.get(key), 60);
            if (r.state() != null) {
                states.put(key, r.state());
            }
            if (r.alert() != null) {
                alerts.add(r.alert());
            }
        }
        return alerts;
    }

    @Test
    void groupByKeysDedupPerRegionWithinTheRulesPeriod() {
        Rule r = rule(AlertFixtures.PANTHER_ENABLE_REGION);
        Map<String, DedupState> states = new HashMap<>();
        List<Alert> alerts = runAll(
                r,
                List.of(
                        enableRegion("e1", "2024-03-01T10:30:00Z", "alice", "ap-east-1"),
                        enableRegion("e2", "2024-03-01T10:05:00Z", "bob", "ap-east-1"), // same key, earlier: counted
                        enableRegion("e3", "2024-03-01T10:40:00Z", "alice", "me-south-1"), // other region: own alert
                        enableRegion("e4", "2024-03-01T11:04:59Z", "alice", "ap-east-1"), // still in [10:05, 11:05)
                        enableRegion("e5", "2024-03-01T11:05:00Z", "alice", "ap-east-1")), // next period
                states);
        assertThat(alerts).extracting(a -> a.evidence().get(0).eventId()).containsExactly("e1", "e3", "e5");
        assertThat(alerts.get(0).count()).isEqualTo(1);
        assertThat(alerts.get(2).firstSeenMillis()).isEqualTo(alerts.get(2).lastSeenMillis());
        assertThat(states).hasSize(2);
        assertThat(states.get("AWS.CloudTrail.EnableRegion|123456789012|ap-east-1")
                        .count())
                .isEqualTo(1);
    }

    @Test
    void withoutGroupByTheKeyIsAccountAndPrincipal() {
        Rule r = rule(AlertFixtures.SIGMA_ENABLE_REGION);
        List<Alert> alerts = runAll(
                r,
                List.of(
                        enableRegion("e1", "2024-03-01T10:00:00Z", "alice", "ap-east-1"),
                        enableRegion("e2", "2024-03-01T10:10:00Z", "alice", "me-south-1"),
                        enableRegion("e3", "2024-03-01T10:20:00Z", "bob", "ap-east-1")),
                new HashMap<>());
        assertThat(alerts)
                .extracting(Alert::dedupKey)
                .containsExactly(
                        AlertFixtures.SIGMA_ENABLE_REGION + "|123456789012|arn:aws:iam::123456789012:user/alice",
                        AlertFixtures.SIGMA_ENABLE_REGION + "|123456789012|arn:aws:iam::123456789012:user/bob");
    }

    @Test
    void thresholdFromTheRuleCountsIntoTheEmittedAlert() {
        Rule r = rule(AlertFixtures.PANTHER_ENABLE_REGION);
        Rule thrice = new Rule(
                r.id(),
                r.name(),
                r.title(),
                r.description(),
                r.format(),
                r.level(),
                r.tags(),
                r.authors(),
                r.references(),
                r.runbook(),
                r.logTypes(),
                r.detection(),
                r.enabled(),
                false,
                r.dedupPeriodMinutes(),
                3,
                r.outputFields(),
                r.alertTitle(),
                r.alertContext(),
                r.groupBy(),
                r.tests(),
                r.location());
        List<Alert> alerts = runAll(
                thrice,
                List.of(
                        enableRegion("e1", "2024-03-01T10:10:00Z", "alice", "ap-east-1"),
                        enableRegion("e2", "2024-03-01T10:00:00Z", "alice", "ap-east-1"),
                        enableRegion("e3", "2024-03-01T10:20:00Z", "alice", "ap-east-1"),
                        enableRegion("e4", "2024-03-01T10:30:00Z", "alice", "ap-east-1")),
                new HashMap<>());
        assertThat(alerts).hasSize(1);
        Alert a = alerts.get(0);
        assertThat(a.count()).isEqualTo(3);
        assertThat(a.evidence().get(0).eventId()).isEqualTo("e3");
        assertThat(JsonLinesEncoding.time(a.firstSeenMillis())).isEqualTo("2024-03-01T10:00:00Z");
        assertThat(JsonLinesEncoding.time(a.lastSeenMillis())).isEqualTo("2024-03-01T10:20:00Z");
    }

    @Test
    void signalOnlyRulesNeverRaiseAnAlertAndKeepNoState() {
        Rule r = rule(AlertFixtures.SIGNAL_ONLY);
        assertThat(r.signalOnly()).isTrue();
        Event assumeRole = AlertFixtures.parse("""
                {"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice",
                 "accountId":"123456789012","userName":"alice"},"eventTime":"2024-03-01T10:00:00Z",
                 "eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1",
                 "requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/admin","roleSessionName":"s"},
                 "eventID":"e1","recipientAccountId":"123456789012"}""");
        Map<String, DedupState> states = new HashMap<>();
        assertThat(runAll(r, List.of(assumeRole), states)).isEmpty();
        assertThat(states).isEmpty();
        SingleAlerts.Result res = SingleAlerts.offer(r, assumeRole, null, 60);
        assertThat(res.outcome()).isNull();
        // The same rule, not signal-only, alerts: the flag is what suppresses it.
        assertThat(SingleAlerts.offer(r.withSignalOnly(false), assumeRole, null, 60)
                        .alert())
                .isNotNull();
    }
}
