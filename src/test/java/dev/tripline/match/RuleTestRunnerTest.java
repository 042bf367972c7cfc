package dev.tripline.match;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.panther.PantherLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleTestRunnerTest {
    /** A CloudTrail record the job reads, as YAML flow or JSON, with its eventName left open. */
    private static String record(String eventName) {
        return "{\"eventVersion\": \"1.08\", \"eventTime\": \"2024-01-01T00:00:00Z\", \"eventSource\": "
                + "\"s3.amazonaws.com\", \"eventName\": \"" + eventName + "\", \"userIdentity\": {\"type\": "
                + "\"IAMUser\", \"arn\": \"arn:aws:iam::123456789012:user/alice\"}}";
    }

    private static final String RULE = "AnalysisType: rule\nRuleID: T.Rule\nSeverity: Low\nEnabled: false\n"
            + "LogTypes: [AWS.CloudTrail]\nLists:\n  ALLOW: []\n"
            + "Detection:\n  - {Key: eventName, Condition: Equals, Value: Delete}\n  - None:\n      - List: ALLOW\n"
            + "Tests:\n"
            + "  - Name: hit\n    ExpectedResult: true\n    Log: " + record("Delete") + "\n"
            + "  - Name: wrong\n    ExpectedResult: true\n    Log: " + record("Create") + "\n"
            + "  - Name: allowed\n    ExpectedResult: false\n"
            + "    Mocks:\n      - {objectName: ALLOW, returnValue: '[{\"eventName\": \"Delete\"}]'}\n"
            + "    Log: " + record("Delete") + "\n"
            + "  - Name: not an object\n    ExpectedResult: true\n    Log: '[1, 2]'\n"
            + "  - Name: okta\n    ExpectedResult: true\n    LogType: Okta.SystemLog\n    Log: {eventName: Delete}\n"
            // The rule matches both fragments, but the job would dead-letter them (no time, no identity).
            + "  - Name: fragment hit\n    ExpectedResult: true\n    Log: {eventSource: s3.amazonaws.com, eventName: Delete}\n"
            + "  - Name: fragment miss\n    ExpectedResult: false\n"
            + "    Log: {eventSource: s3.amazonaws.com, eventName: Create, eventTime: '2024-01-01T00:00:00Z'}\n"
            + "  - Name: declared Azure\n    ExpectedResult: true\n    LogType: Azure.MonitorActivity\n"
            + "    Log: " + record("Delete") + "\n";

    private static RuleSet load(Path dir) {
        RuleLoader.Result r =
                new RuleLoader(RuleLoadOptions.defaults(), List.of(new PantherLoader())).load(List.of(dir));
        assertThat(r.errors()).isEmpty();
        return r.ruleSet();
    }

    @Test
    void runsRuleTestsWithStructuredResults(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("r.yml"), RULE);
        RuleTestRunner.Report report = RuleTestRunner.run(load(dir));
        assertThat(report.total()).isEqualTo(8);
        assertThat(report.passed()).isEqualTo(2);
        assertThat(report.failed()).isEqualTo(5);
        assertThat(report.skipped()).isEqualTo(1);
        assertThat(report.ok()).isFalse();

        RuleTestRunner.TestResult hit = report.results().get(0);
        assertThat(hit.ruleId()).isEqualTo("T.Rule");
        assertThat(hit.ruleEnabled()).isFalse(); // disabled rules' tests still run
        assertThat(hit.status()).isEqualTo(RuleTestRunner.Status.PASSED);
        assertThat(hit.origin()).isEqualTo(RuleTestRunner.Origin.RULE);
        assertThat(hit.location().line()).isEqualTo(13);

        RuleTestRunner.TestResult wrong = report.results().get(1);
        assertThat(wrong.status()).isEqualTo(RuleTestRunner.Status.FAILED);
        assertThat(wrong.actual()).isFalse();
        assertThat(wrong.reason())
                .contains("expected a match")
                .contains("did not hold: Detection[0] (line 9)")
                .contains("held: Detection[1] (line 10)");

        assertThat(report.results().get(2).status()).isEqualTo(RuleTestRunner.Status.PASSED); // the mock applied
        RuleTestRunner.TestResult notObject = report.results().get(3);
        assertThat(notObject.status()).isEqualTo(RuleTestRunner.Status.FAILED);
        assertThat(notObject.reason()).contains("not a JSON object");
        assertThat(report.results().get(4).reason()).contains("Okta.SystemLog");

        // Through the job's parser: a fragment it dead-letters fails whichever way the test is labelled.
        assertThat(report.results().get(5).status()).isEqualTo(RuleTestRunner.Status.FAILED);
        assertThat(report.results().get(5).reason()).contains("the job dead-letters this event (MISSING_EVENT_TIME");
        assertThat(report.results().get(6).status()).isEqualTo(RuleTestRunner.Status.FAILED);
        assertThat(report.results().get(6).reason()).contains("the job dead-letters this event (MISSING_IDENTITY");
        assertThat(report.results().get(7).reason())
                .contains("Azure.MonitorActivity")
                .contains("CLOUDTRAIL");
    }

    @Test
    void externalLabelledEvents(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("r.yml"), RULE);
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        String lines = String.join(
                        "\n",
                        "{\"rule_id\":\"T.Rule\",\"test_name\":\"ext hit\",\"expected_result\":true,\"event\":"
                                + record("Delete") + "}",
                        "{\"rule_id\":\"T.Rule\",\"test_name\":\"ext miss\",\"expected_result\":true,\"event\":{\"eventName\":\"Nope\"}}",
                        "{\"rule_id\":\"T.Rule\",\"test_name\":\"hit\",\"expected_result\":false,\"event\":{}}",
                        "",
                        "{\"rule_id\":\"Other.Rule\",\"test_name\":\"x\",\"expected_result\":true,\"event\":{}}",
                        "{\"rule_id\":\"Other.Rule\",\"test_name\":\"y\",\"expected_result\":true,\"event\":{}}",
                        "{\"rule_id\":\"T.Rule\",\"test_name\":\"broken\"}")
                + "\n";
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(data.resolve("events.jsonl.gz")))) {
            out.write(lines.getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(
                dir.resolve("test-sources.yml"),
                "sources:\n"
                        + "  - {path: data/events.jsonl.gz, format: panther-analysis}\n"
                        + "  - {path: data/missing.jsonl, format: panther-analysis}\n");
        RuleSet rules = load(dir); // test-sources.yml is not taken for a rule
        RuleTestRunner.ExternalTests ext = RuleTestRunner.loadExternal(List.of(dir), rules);
        assertThat(ext.byRule().get("T.Rule")).extracting(t -> t.name()).containsExactly("ext hit", "ext miss");
        assertThat(ext.byRule().get("T.Rule").get(1).location().toString()).endsWith("events.jsonl.gz:2:1");
        assertThat(ext.unknownRuleRecords()).containsEntry("Other.Rule", 2);
        assertThat(ext.shadowed()).isEqualTo(1);
        assertThat(ext.warnings())
                .singleElement()
                .asString()
                .contains("missing.jsonl")
                .contains("does not exist");
        assertThat(ext.errors()).singleElement().asString().contains(":7:1").contains("expected_result");

        RuleTestRunner.Report report = RuleTestRunner.run(rules, ext);
        assertThat(report.total()).isEqualTo(10);
        assertThat(report.results().get(8).origin()).isEqualTo(RuleTestRunner.Origin.EXTERNAL);
        assertThat(report.results().get(8).status()).isEqualTo(RuleTestRunner.Status.PASSED);
        assertThat(report.results().get(9).status()).isEqualTo(RuleTestRunner.Status.FAILED);
        assertThat(report.externalRecordsForUnknownRules()).containsEntry("Other.Rule", 2);
        assertThat(report.errors()).hasSize(1);
    }

    @Test
    void plainJsonLinesAndBadSourcesFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("r.yml"), RULE);
        Files.writeString(
                dir.resolve("e.jsonl"),
                "{\"rule_id\":\"T.Rule\",\"test_name\":\"p\",\"expected_result\":true,\"event\":{\"eventName\":\"Delete\"}}\n");
        Files.writeString(dir.resolve("test-sources.yml"), "sources:\n  - {path: e.jsonl, format: panther-analysis}\n");
        RuleSet rules = load(dir);
        assertThat(RuleTestRunner.loadExternal(List.of(dir), rules).byRule().get("T.Rule"))
                .hasSize(1);

        Files.writeString(dir.resolve("test-sources.yml"), "sources:\n  - {path: e.jsonl, format: csv}\n");
        RuleTestRunner.ExternalTests bad = RuleTestRunner.loadExternal(List.of(dir), rules);
        assertThat(bad.errors())
                .singleElement()
                .asString()
                .contains("test-sources.yml:2:")
                .contains("panther-analysis");
    }
}
