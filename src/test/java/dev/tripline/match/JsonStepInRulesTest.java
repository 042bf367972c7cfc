package dev.tripline.match;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.alert.Alert;
import dev.tripline.alert.Alerts;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code [json]} step as each rule format spells it, through the loaders, both evaluators and alerts. */
class JsonStepInRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Rule load(String text) {
        RuleLoader.Result r =
                RuleLoader.standard(RuleLoadOptions.defaults()).loadFiles(List.of(new SourceFile("t.yml", null, text)));
        assertThat(r.errors()).as("load errors").isEmpty();
        assertThat(r.ruleSet().rules()).hasSize(1);
        return r.ruleSet().rules().get(0);
    }

    private static Event putRolePolicy(String policy) throws Exception {
        ObjectNode r = JSON.createObjectNode();
        r.put("eventSource", "iam.amazonaws.com")
                .put("eventName", "PutRolePolicy")
                .put("eventTime", "2024-03-05T10:00:00Z")
                .put("eventID", "e1")
                .put("recipientAccountId", "123456789012");
        r.putObject("userIdentity").put("type", "IAMUser").put("arn", "arn:aws:iam::123456789012:user/mallory");
        r.putObject("requestParameters").put("roleName", "admin").put("policyDocument", policy);
        return new Event(LogType.CLOUDTRAIL, r);
    }

    /** Whether the rule fires; the compiled matcher (index included) and the reference evaluator must agree. */
    private static boolean fires(Rule rule, Event event) {
        List<Rule> fired = new ArrayList<>();
        CompiledMatcher.compile(List.of(rule)).match(event, fired::add);
        assertThat(ReferenceEvaluator.matches(rule, event))
                .as("reference evaluator")
                .isEqualTo(!fired.isEmpty());
        return !fired.isEmpty();
    }

    private static final String ALL =
            "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"*\"],\"Resource\":\"*\"}]}";
    private static final String NARROW =
            "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}";
    private static final String SPLIT = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"},"
            + "{\"Effect\":\"Deny\",\"Action\":\"*\"}]}";

    @Test
    void sigmaFieldNamesTakeTheStepBeforeTheirModifiers() throws Exception {
        Rule rule = load("""
                title: policy action wildcard
                id: s1
                logsource: {product: aws, service: cloudtrail}
                detection:
                    selection:
                        eventName: PutRolePolicy
                        requestParameters.policyDocument[json].Statement.Action: '\\*'
                        requestParameters.policyDocument[json].Statement.Resource|endswith: '\\*'
                    condition: selection
                fields:
                    - requestParameters.policyDocument[json].Statement.Action
                level: high
                """);
        assertThat(fires(rule, putRolePolicy(ALL))).isTrue();
        assertThat(fires(rule, putRolePolicy(NARROW))).isFalse();
        assertThat(fires(rule, putRolePolicy("not json"))).isFalse();
        // As docs/sigma.md warns, fields of one selection fan out separately: pinned here so it stays documented.
        Rule unscoped = load("""
                title: unscoped
                id: s2
                logsource: {product: aws, service: cloudtrail}
                detection:
                    selection:
                        requestParameters.policyDocument[json].Statement.Effect: Allow
                        requestParameters.policyDocument[json].Statement.Action: '\\*'
                    condition: selection
                """);
        assertThat(fires(unscoped, putRolePolicy(SPLIT))).isTrue();

        Alert alert = Alerts.single(rule, putRolePolicy(ALL));
        assertThat(alert.evidence().get(0).fields().get("requestParameters.policyDocument[json].Statement.Action"))
                .hasToString("[\"s3:*\",\"*\"]");
    }

    @Test
    void aSigmaRuleIndexedOnlyByAnEmbeddedFieldStillFires() throws Exception {
        // No eventName or eventSource: the matcher's index files the rule under the [json] field itself.
        Rule rule = load("""
                title: only embedded
                id: s3
                logsource: {product: aws, service: cloudtrail}
                detection:
                    selection:
                        requestParameters.policyDocument[json].Statement.Effect: Deny
                    condition: selection
                """);
        assertThat(CompiledMatcher.compile(List.of(rule)).describeIndex()).contains("policyDocument[json]");
        assertThat(fires(rule, putRolePolicy(SPLIT))).isTrue();
        assertThat(fires(rule, putRolePolicy(ALL))).isFalse();
    }

    private static String panther(String keySpec) {
        return """
                AnalysisType: rule
                RuleID: P1
                Enabled: true
                Severity: High
                LogTypes: [AWS.CloudTrail]
                Detection:
                  - %s
                    Condition: AnyElement
                    Expressions:
                      - {Key: effect, Condition: Equals, Value: Allow}
                      - {Key: action, Condition: Equals, Value: "*"}
                AlertTitle: "{requestParameters.policyDocument[json].Statement[0].Effect} all on {requestParameters.roleName}"
                """.formatted(keySpec);
    }

    @Test
    void pantherKeyPathAndDeepKeyTakeTheSameStep() throws Exception {
        for (String spec : List.of(
                "KeyPath: requestParameters.policyDocument[json].Statement",
                "KeyPath: requestParameters.policyDocument[json].Statement[*]",
                "DeepKey: [requestParameters, policyDocument, \"[json]\", Statement]")) {
            Rule rule = load(panther(spec));
            assertThat(fires(rule, putRolePolicy(ALL))).as(spec).isTrue();
            assertThat(fires(rule, putRolePolicy(SPLIT)))
                    .as(spec + ": Allow and * in different statements")
                    .isFalse();
            assertThat(fires(rule, putRolePolicy("{\"Statement\":[{\"Effect\":\"Allow\"")))
                    .as(spec)
                    .isFalse();
            assertThat(Alerts.single(rule, putRolePolicy(ALL)).title()).isEqualTo("Allow all on admin");
        }
    }
}
