package dev.tripline.rule.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleLoadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every rule of elastic/detection-rules' AWS and Azure folders (../shared) loads, or is refused with a reason that
 * names what is unsupported; each file is loaded on its own so that its outcome is its own.
 */
class ElasticCorpusTest {
    static final Path CORPUS = Path.of("../shared/corpus/elastic-detection-rules");
    static final List<String> SUPPORTED = List.of("query", "eql", "threshold", "new_terms");

    /** One file's outcome: its type/language, whether it loaded, its errors. */
    record Outcome(String file, String type, boolean activityLogs, boolean loaded, String errors) {}

    static List<Outcome> outcomes(String dir) throws IOException {
        List<Outcome> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(CORPUS.resolve(dir))) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".toml")).sorted().toList()) {
                JsonNode rule = new TomlMapper().readTree(f.toFile()).path("rule");
                String type = rule.path("type").asText();
                boolean activity = rule.path("index").toString().contains("logs-azure.activitylogs")
                        || rule.path("index").toString().contains("logs-azure.*");
                RuleProgram p = RuleProgram.load("t", List.of(f), RuleLoadOptions.defaults());
                out.add(new Outcome(
                        f.getFileName().toString(),
                        type,
                        activity,
                        p.ok(),
                        p.errors().stream().map(LoadError::toString).toList().toString()));
            }
        }
        return out;
    }

    static Map<String, int[]> countByType(List<Outcome> outcomes) {
        Map<String, int[]> byType = new TreeMap<>();
        for (Outcome o : outcomes) {
            byType.computeIfAbsent(o.type(), k -> new int[2])[o.loaded() ? 0 : 1]++;
        }
        return byType;
    }

    @Test
    void everyAwsQueryEqlThresholdAndNewTermsRuleLoadsAndTheOthersSayWhy() throws IOException {
        List<Outcome> aws = outcomes("aws");
        Map<String, int[]> byType = countByType(aws);
        byType.forEach((k, v) -> System.out.println("aws " + k + ": loaded " + v[0] + ", refused " + v[1]));
        assertThat(aws)
                .filteredOn(o -> SUPPORTED.contains(o.type()))
                .allSatisfy(o ->
                        assertThat(o.loaded()).as(o.file() + " " + o.errors()).isTrue())
                .hasSize(85 + 27 + 5 + 49);
        assertThat(aws).filteredOn(o -> o.type().equals("new_terms")).hasSize(49);
        assertThat(aws).filteredOn(Outcome::loaded).hasSize(166);
        assertThat(aws)
                .filteredOn(o -> o.type().equals("esql"))
                .hasSize(23)
                .allSatisfy(o -> assertThat(o.errors()).contains(o.file()).contains("ES|QL rule"));
        assertThat(aws)
                .filteredOn(o -> o.type().equals("machine_learning"))
                .hasSize(5)
                .allSatisfy(o -> assertThat(o.errors()).contains(o.file()).contains("machine-learning rule"));
        assertThat(aws)
                .filteredOn(o -> !o.loaded())
                .hasSize(23 + 5)
                .allSatisfy(o -> assertThat(o.errors()).contains(o.file()));
    }

    @Test
    void azureActivityRulesLoadAndOtherDatasetsAreNamed() throws IOException {
        List<Outcome> azure = outcomes("azure");
        countByType(azure)
                .forEach((k, v) -> System.out.println("azure " + k + ": loaded " + v[0] + ", refused " + v[1]));
        List<Outcome> activity = azure.stream()
                .filter(o -> o.activityLogs() && SUPPORTED.contains(o.type()))
                .toList();
        assertThat(activity).hasSizeGreaterThanOrEqualTo(25);
        assertThat(activity)
                .allSatisfy(o ->
                        assertThat(o.loaded()).as(o.file() + " " + o.errors()).isTrue());
        assertThat(azure)
                .filteredOn(o -> !o.activityLogs() && SUPPORTED.contains(o.type()))
                .isNotEmpty()
                .allSatisfy(o -> assertThat(o.errors())
                        .contains("which Tripline does not ingest")
                        .containsPattern("azure\\.[a-z_]+"));
    }
}
