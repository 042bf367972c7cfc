package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline rules coverage}: Sigma tags and Panther Reports both count, a technique whose rules are all
 * informational is called out, and the Navigator layer scores only the rules above informational.
 */
class CoverageCommandTest {
    @TempDir
    Path dir;

    record Out(int code, String out, String err) {}

    static Out main(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(
                new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Out(code, out.toString(), err.toString());
    }

    private Path rules() throws Exception {
        Path d = dir.resolve("rules");
        Files.createDirectories(d);
        Files.writeString(d.resolve("sigma_stop_logging.yml"), """
                title: CloudTrail logging stopped
                id: 11111111-1111-4111-8111-111111111111
                status: test
                level: high
                tags:
                  - attack.defense_evasion
                  - attack.t1562.008
                logsource: {product: aws, service: cloudtrail}
                detection:
                  selection: {eventName: StopLogging}
                  condition: selection
                """);
        Files.writeString(d.resolve("sigma_list_users.yml"), """
                title: Users listed
                id: 22222222-2222-4222-8222-222222222222
                status: test
                level: informational
                tags: [attack.discovery, attack.t1087.004]
                logsource: {product: aws, service: cloudtrail}
                detection:
                  selection: {eventName: ListUsers}
                  condition: selection
                """);
        Files.writeString(d.resolve("panther_delete_trail.yml"), """
                AnalysisType: rule
                RuleID: Test.DeleteTrail
                DisplayName: Trail deleted
                Enabled: true
                LogTypes: [AWS.CloudTrail]
                Severity: Medium
                Reports:
                  MITRE ATT&CK:
                    - TA0005:T1562.008
                Detection:
                  - Key: eventName
                    Condition: Equals
                    Value: DeleteTrail
                """);
        Files.writeString(d.resolve("sigma_untagged.yml"), """
                title: Untagged
                id: 33333333-3333-4333-8333-333333333333
                status: test
                level: low
                logsource: {product: aws, service: cloudtrail}
                detection:
                  selection: {eventName: GetCallerIdentity}
                  condition: selection
                """);
        return d;
    }

    @Test
    void theTableCountsSigmaTagsAndPantherReportsAndNamesInformationalOnlyTechniques() throws Exception {
        Out r = main("rules", "coverage", rules().toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines)
                .anySatisfy(l -> assertThat(l)
                        .startsWith("T1562.008")
                        .contains(" 2 ")
                        .contains("high 1, medium 1")
                        .contains("11111111-1111-4111-8111-111111111111, Test.DeleteTrail"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("T1087.004").contains("informational 1"));
        assertThat(r.out())
                .contains(
                        "2 techniques covered by 4 rules and 0 correlations; 1 rules or correlations name no technique")
                .contains("Techniques with only informational rules: T1087.004");
    }

    @Test
    void theNavigatorLayerScoresRulesAboveInformationalAndGreysTheRest() throws Exception {
        Path layer = dir.resolve("layer.json");
        Out r = main("rules", "coverage", "--format", "navigator", "-o", layer.toString(), rules().toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode l = new ObjectMapper().readTree(layer.toFile());
        assertThat(l.path("domain").asText()).isEqualTo("enterprise-attack");
        assertThat(l.at("/versions/layer").asText()).isEqualTo("4.5");
        List<String> ids = new ArrayList<>();
        l.path("techniques").forEach(t -> ids.add(t.path("techniqueID").asText()));
        assertThat(ids).containsExactly("T1087.004", "T1562.008");
        JsonNode stop = l.path("techniques").get(1);
        assertThat(stop.path("score").asInt()).isEqualTo(2);
        assertThat(stop.path("comment").asText()).contains("Test.DeleteTrail (medium)");
        JsonNode list = l.path("techniques").get(0);
        assertThat(list.path("score").asInt()).isZero();
        assertThat(list.path("color").asText()).isEqualTo("#d3d3d3");
    }

    @Test
    void theShippedRulesHaveCoverage() {
        Out r = main("rules", "coverage", "rules");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("T1535").contains("T1078.004");
    }
}
