package dev.tripline.rule.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.match.RuleTestRunner;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleTestCase;
import dev.tripline.rule.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Test helpers: Elastic rule files written in a test, loaded, and run on one event by both evaluators. */
final class ElasticRules {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ElasticRules() {}

    /** A rule file of {@code type} and {@code language} with {@code query}, reading CloudTrail and Azure Activity. */
    static String toml(String type, String language, String query, String extra) {
        return """
                [metadata]
                maturity = "production"

                [rule]
                author = ["Tripline tests"]
                description = "test rule"
                index = ["logs-aws.cloudtrail-*", "logs-azure.activitylogs-*"]
                language = "%s"
                name = "Test rule"
                risk_score = 47
                rule_id = "test-rule"
                severity = "medium"
                type = "%s"
                %s
                query = '''
                %s
                '''
                """.formatted(language, type, extra, query);
    }

    static RuleLoader.Result load(String name, String text) {
        return RuleLoader.standard(RuleLoadOptions.defaults()).loadFiles(List.of(new SourceFile(name, null, text)));
    }

    /** The one rule a KQL or single-event EQL query loads into. */
    static Rule single(String language, String query) {
        RuleLoader.Result r = load("t.toml", toml(language.equals("eql") ? "eql" : "query", language, query, ""));
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().rules()).hasSize(1);
        return r.ruleSet().rules().get(0);
    }

    /**
     * Whether {@code rule} matches the event (CloudTrail or Azure Activity JSON), after checking that the reference
     * evaluator and the compiled matcher agree.
     */
    static boolean fires(Rule rule, String event) {
        try {
            RuleTestCase test = new RuleTestCase("t", JSON.readTree(event), true, Map.of(), null);
            RuleTestRunner.TestResult result = RuleTestRunner.runOne(rule, test, RuleTestRunner.Origin.RULE);
            assertThat(result.actual()).as(result.reason()).isNotNull();
            assertThat(String.valueOf(result.reason())).doesNotContain("compiled matcher says");
            return result.actual();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CloudTrail record of {@code eventName} with the given extra top-level JSON members (may be empty). */
    static String cloudTrail(String eventSource, String eventName, String extra) {
        return """
                {"eventVersion": "1.08", "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                 "arn": "arn:aws:iam::123456789012:user/mallory", "accountId": "123456789012",
                 "accessKeyId": "AKIAEXAMPLEKEY", "userName": "mallory"},
                 "eventTime": "2024-03-05T10:00:00Z", "eventSource": "%s", "eventName": "%s",
                 "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15.0",
                 "eventID": "b5f6c0de-0000-4000-8000-000000000001", "eventType": "AwsApiCall",
                 "recipientAccountId": "123456789012"%s}
                """.formatted(eventSource, eventName, extra.isEmpty() ? "" : ", " + extra);
    }
}
