package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RulesCommandTest {

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void testsEveryRuleInRulesDirectoryAndWritesJUnitXml(@TempDir Path tmp) throws Exception {
        Path xml = tmp.resolve("rules.xml");
        Run r = run("rules", "test", "rules", "--junit-xml", xml.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).containsPattern("Rule tests: \\d+ passed, 0 failed, \\d+ skipped");
        String junit = Files.readString(xml);
        assertThat(junit)
                .contains("<testsuites name=\"tripline rules\"")
                .contains("classname=\"AWS.CloudTrail.EnableRegion\"");
        assertThat(junit).doesNotContain("<failure");
    }

    @Test
    void validateReportsEveryErrorWithLocationAndExitsOne(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("a.yml"), """
                title: bad modifier
                logsource: {product: aws, service: cloudtrail}
                detection:
                    selection:
                        eventName|containz: x
                    condition: selection
                """);
        Files.writeString(tmp.resolve("b.yml"), """
                AnalysisType: rule
                RuleID: Bad.Python
                Filename: bad.py
                Enabled: true
                Severity: Low
                LogTypes: [AWS.CloudTrail]
                """);
        Files.writeString(tmp.resolve("c.yml"), "title: [unclosed\n");
        Run r = run("rules", "validate", tmp.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(tmp.resolve("a.yml") + ":5:").contains("containz");
        assertThat(r.err()).contains(tmp.resolve("b.yml") + ":").containsIgnoringCase("python");
        assertThat(r.err()).contains(tmp.resolve("c.yml") + ":");
        assertThat(r.out()).contains("3 errors");
    }

    @Test
    void validateCountsElasticRulesByKindAndNamesEachRefusedFile() {
        Run r = run("rules", "validate", "../shared/corpus/elastic-detection-rules/aws");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out())
                .contains("elastic query/eql 111")
                .contains("elastic sequence 1")
                .contains("elastic threshold 5")
                .contains("elastic new_terms 49")
                .contains("28 files refused");
        assertThat(r.err())
                .contains("ml_cloudtrail_rare_error_code.toml:")
                .contains("machine-learning rule")
                .contains("ES|QL rule")
                .doesNotContain("new_terms rule");
    }

    @Test
    void failingTestIsPrintedWithReasonAndExitsOne(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("r.yml"), """
                AnalysisType: rule
                RuleID: Test.Wrong
                Enabled: true
                Severity: Low
                LogTypes: [AWS.CloudTrail]
                Detection:
                  - Key: eventName
                    Condition: Equals
                    Value: EnableRegion
                Tests:
                  - Name: wrong expectation
                    ExpectedResult: true
                    Log: {eventVersion: '1.08', eventTime: '2024-01-01T00:00:00Z', eventSource: s3.amazonaws.com,
                          eventName: ListBuckets, userIdentity: {type: IAMUser, arn: 'arn:aws:iam::1:user/a'}}
                """);
        Run r = run("rules", "test", tmp.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out())
                .contains("FAIL")
                .contains("[Test.Wrong] wrong expectation")
                .contains("expected a match");
        assertThat(r.out()).contains("0 passed, 1 failed");
    }

    @Test
    void explainShowsSelections(@TempDir Path tmp) throws Exception {
        Path event = tmp.resolve("e.json");
        Files.writeString(
                event,
                "{\"eventName\":\"EnableRegion\",\"eventSource\":\"account.amazonaws.com\","
                        + "\"eventTime\":\"2024-01-01T00:00:00Z\",\"awsRegion\":\"us-east-1\",\"eventID\":\"e1\"}");
        Run r = run("rules", "explain", "aws_enable_region", "--event", event.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("MATCH on event e1")
                .contains("[true]  selection selection")
                .contains("eventName equals 'enableregion'");
    }

    @Test
    void badConfigNamesTheKeyAndExitsTwo(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("tripline.yml");
        Files.writeString(config, "regions:\n  aproved: [us-east-1]\n");
        Run r = run("rules", "validate", "rules", "--config", config.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("regions.aproved").contains(config + ":2:3");
        Run flag = run("rules", "validate", "rules", "--approved-regions", "us-east-1,mars-1");
        assertThat(flag.exit()).isEqualTo(2);
        assertThat(flag.err()).contains("--approved-regions").contains("mars-1");
    }
}
