package dev.tripline.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.Event;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import dev.tripline.rule.panther.PantherLoader;
import dev.tripline.rule.sigma.SigmaLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Per-rule dedup keys that name fields: Sigma's {@code dedup_by} and Panther's {@code GroupBy} make different
 * targets different alerts; a bad field reference is a load error at its position.
 */
class DedupKeyFieldsTest {
    private static final String SIGMA = """
            title: Access key created
            id: key-created
            logsource:
              product: aws
              service: cloudtrail
            detection:
              sel:
                eventName: CreateAccessKey
              condition: sel
            """;

    private static RuleLoader.Result load(String name, String text) {
        return new RuleLoader(RuleLoadOptions.defaults(), List.of(new SigmaLoader(), new PantherLoader()))
                .loadFiles(List.of(new SourceFile(name, null, text)));
    }

    private static Rule rule(String name, String text) {
        RuleLoader.Result r = load(name, text);
        assertThat(r.errors()).as("load errors").isEmpty();
        return r.ruleSet().rules().get(0);
    }

    /** A CreateAccessKey by bert-jan for {@code target}, at {@code time}. */
    private static Event createAccessKey(String eventId, String time, String target) {
        return AlertFixtures.parse("""
                {"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDATFQR7NSC5AU2ZV3IE",
                 "arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027","userName":"bert-jan"},
                 "eventTime":"%s","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey",
                 "awsRegion":"us-east-1","sourceIPAddress":"192.168.10.20","userAgent":"stratus-red-team",
                 "requestParameters":{"userName":"%s"},"eventID":"%s","readOnly":false,
                 "eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123837392027"}
                """.formatted(time, target, eventId));
    }

    @Test
    void sigmaDedupByNamesTheFieldsOfTheKeySoDifferentTargetsAreDifferentAlerts() {
        Rule byTarget = rule("t.yml", SIGMA + "dedup_by: requestParameters.userName\n");
        Rule byCaller = rule("t.yml", SIGMA);
        Event one = createAccessKey("e1", "2023-07-10T12:24:29Z", "stratus-red-team-backdoor-u-user");
        Event other = createAccessKey("e2", "2023-07-10T12:24:50Z", "stratus-red-team-admin-user");

        assertThat(DedupKeys.single(byTarget, one)).isEqualTo("key-created|stratus-red-team-backdoor-u-user");
        assertThat(DedupKeys.single(byTarget, other)).isEqualTo("key-created|stratus-red-team-admin-user");
        assertThat(DedupKeys.single(byCaller, one)).isEqualTo(DedupKeys.single(byCaller, other));
        assertThat(Alerts.single(byTarget, one).group())
                .containsEntry("requestParameters.userName", "stratus-red-team-backdoor-u-user");
    }

    @Test
    void aListOfFieldsAndListIndexesAreAccepted() {
        Rule r = rule("t.yml", SIGMA + "dedup_by:\n  - recipientAccountId\n  - requestParameters.userName\n");
        assertThat(r.groupBy())
                .extracting(p -> p.text())
                .containsExactly("recipientAccountId", "requestParameters.userName");
        assertThat(rule("t.yml", SIGMA + "dedup_by: resources[0].ARN\n").groupBy())
                .hasSize(1);
    }

    @Test
    void badSigmaFieldReferencesAreErrorsAtTheirPosition() {
        List<LoadError> empty =
                load("t.yml", SIGMA + "dedup_by: requestParameters..userName\n").errors();
        assertThat(empty).singleElement().satisfies(e -> {
            assertThat(e.location().toString()).isEqualTo("t.yml:10:11");
            assertThat(e.message()).contains("'dedup_by'").contains("empty step");
        });
        List<LoadError> twice =
                load("t.yml", SIGMA + "dedup_by:\n  - a.b\n  - a.b\n").errors();
        assertThat(twice).singleElement().satisfies(e -> {
            assertThat(e.location().toString()).isEqualTo("t.yml:12:5");
            assertThat(e.message()).contains("names 'a.b' twice");
        });
        assertThat(load("t.yml", SIGMA + "dedup_by: []\n").errors())
                .singleElement()
                .satisfies(e -> assertThat(e.toString()).contains("t.yml:10:1").contains("1 to 16 fields"));
        assertThat(load("t.yml", SIGMA + "dedup_by:\n  - {a: b}\n").errors())
                .singleElement()
                .satisfies(e -> assertThat(e.location().toString()).isEqualTo("t.yml:11:5"));
        assertThat(load("t.yml", SIGMA + "dedup_by: 'x[y]'\n").errors())
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("list index"));
    }

    private static final String PANTHER = """
            AnalysisType: rule
            RuleID: Key.Created
            Severity: Medium
            LogTypes: [AWS.CloudTrail]
            Detection:
              - Key: eventName
                Condition: Equals
                Value: CreateAccessKey
            GroupBy:
              - KeyPath: requestParameters.userName
            """;

    @Test
    void pantherGroupByNamesTheTargetAndRejectsAKeyNamedTwice() {
        Rule r = rule("p.yml", PANTHER);
        assertThat(DedupKeys.single(r, createAccessKey("e1", "2023-07-10T12:24:29Z", "u1")))
                .isNotEqualTo(DedupKeys.single(r, createAccessKey("e2", "2023-07-10T12:24:50Z", "u2")));
        List<LoadError> twice = load("p.yml", PANTHER + "  - DeepKey: [requestParameters, userName]\n")
                .errors();
        assertThat(twice).singleElement().satisfies(e -> {
            assertThat(e.location().toString()).isEqualTo("p.yml:11:5");
            assertThat(e.message()).contains("GroupBy names 'requestParameters.userName' twice");
        });
        assertThat(load("p.yml", PANTHER.replace("KeyPath: requestParameters.userName", "KeyPath: a..b"))
                        .errors())
                .singleElement()
                .satisfies(e -> assertThat(e.toString()).contains("p.yml:10:"));
    }
}
