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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every rule of elastic/detection-rules' AWS and Azure folders (../shared) loads, or is refused with its reason. */
class ElasticCorpusTest {
    static final Path CORPUS = Path.of("../shared/corpus/elastic-detection-rules");

    @Test
    void printsOutcome() throws IOException {
        for (String dir : List.of("aws", "azure")) {
            Map<String, int[]> byType = new TreeMap<>();
            try (Stream<Path> files = Files.list(CORPUS.resolve(dir))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".toml"))
                        .sorted()
                        .toList()) {
                    JsonNode rule = new TomlMapper().readTree(f.toFile()).path("rule");
                    String type = rule.path("type").asText() + "/"
                            + rule.path("language").asText();
                    RuleProgram p = RuleProgram.load("t", List.of(f), RuleLoadOptions.defaults());
                    int[] counts = byType.computeIfAbsent(type, k -> new int[2]);
                    counts[p.ok() ? 0 : 1]++;
                    if (!p.ok()) {
                        System.out.println("REJECT "
                                + p.errors().stream().map(LoadError::toString).toList());
                    }
                }
            }
            byType.forEach((k, v) -> System.out.println(dir + " " + k + " loaded=" + v[0] + " rejected=" + v[1]));
        }
        assertThat(true).isTrue();
    }
}
