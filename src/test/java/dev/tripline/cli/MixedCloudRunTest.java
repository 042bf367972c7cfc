package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.LogType;
import dev.tripline.rule.Rule;
import dev.tripline.testing.Corpus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline run} over CloudTrail and Azure Activity input together: each cloud's correlation and unapproved-region
 * rule fire, and every alert's evidence is of its rule's own log type (no cross-cloud alerts).
 */
class MixedCloudRunTest {
    static final String AZURE_SAMPLE = "samples/azure-activity-quickstart.json";
    static final String AZURE_PLAN = "7f3b2c1e-5a64-4d0b-9c2e-8e1f0a4b6d20";
    static final String AZURE_SEED = "7f3b2c1e-5a64-4d0b-9c2e-8e1f0a4b6d01";
    static final String AWS_SEED = "c488ddab-892c-4aa0-9d39-11ccb735c106";

    @TempDir
    Path dir;

    @Test
    void bothCloudsFireTheirOwnRulesAndNoneOfTheOthers() throws Exception {
        Path alerts = dir.resolve("alerts.jsonl");
        Path dead = dir.resolve("dead.jsonl");
        int code = Main.run(
                "run",
                "--rules",
                "rules",
                "--output",
                alerts.toString(),
                "--dead-letters",
                dead.toString(),
                "--parallelism",
                "2",
                RunCommandTest.SAMPLE,
                AZURE_SAMPLE);
        assertThat(code).isZero();
        List<JsonNode> out = RunCommandTest.lines(alerts);

        assertThat(out)
                .filteredOn(a -> a.path("rule").path("id").asText().equals(AZURE_PLAN))
                .singleElement()
                .satisfies(a -> {
                    assertThat(a.path("kind").asText()).isEqualTo("correlation");
                    assertThat(a.path("group").path("region").asText()).isEqualTo("japaneast");
                    assertThat(a.path("group").path("principal").asText()).isEqualTo("mallory@contoso.example");
                    assertThat(a.path("group").path("account").asText())
                            .isEqualTo("11111111-2222-3333-4444-555555555555");
                    // the resource group (diagnostic export) then the VM (REST shape)
                    assertThat(a.path("evidence"))
                            .extracting(e -> e.path("eventName").asText().toUpperCase())
                            .containsExactly(
                                    "MICROSOFT.RESOURCES/RESOURCEGROUPS/WRITE",
                                    "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE");
                });
        assertThat(out)
                .filteredOn(a -> a.path("rule").path("id").asText().equals(RunCommandTest.REGION_PLAN))
                .hasSize(1);
        Set<String> fired =
                out.stream().map(a -> a.path("rule").path("id").asText()).collect(Collectors.toSet());
        assertThat(fired).contains(AZURE_SEED, AWS_SEED, "Azure.MonitorActivity.DiagnosticSettings.Deleted");

        // Every single alert's evidence is of its rule's log type: Azure operations contain a '/', CloudTrail
        // event names never do.
        Map<String, Set<LogType>> types =
                Corpus.defaultLoader().load(List.of(Path.of("rules"))).ruleSet().rules().stream()
                        .collect(Collectors.toMap(Rule::id, Rule::logTypes));
        for (JsonNode a : out) {
            if (!a.path("kind").asText().equals("single")) {
                continue;
            }
            Set<LogType> t = types.get(a.path("rule").path("id").asText());
            for (JsonNode e : a.path("evidence")) {
                boolean azure = e.path("eventName").asText().contains("/");
                assertThat(t)
                        .as(a.path("rule").path("id").asText())
                        .contains(azure ? LogType.AZURE_ACTIVITY : LogType.CLOUDTRAIL);
            }
        }
        // The Resource Health record names no caller: it is read and evaluated all the same, not dead-lettered.
        assertThat(RunCommandTest.lines(dead)).isEmpty();
    }
}
