package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tripline.rule.LoadError;
import dev.tripline.testing.FuzzSeeds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the configuration reader ({@link TriplineConfig#parse}): any text is a
 * configuration or a {@link TriplineConfig.ConfigException} whose errors each have a location; nothing else
 * escapes. {@code mvn verify} replays {@code TriplineConfigFuzzTestInputs/parse/} and the project's own
 * configurations; {@code JAZZER_FUZZ=1} fuzzes (docs/fuzzing.md).
 */
class TriplineConfigFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void parse(byte[] input) {
        check(input);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void projectConfigsParseWithoutEscapingExceptions(Path file) throws IOException {
        check(Files.readAllBytes(file));
    }

    static Stream<Path> configs() {
        return FuzzSeeds.yamlFiles(FuzzSeeds.CONFIG);
    }

    private static void check(byte[] input) {
        try {
            TriplineConfig.parse("fuzz.yaml", new String(input, StandardCharsets.UTF_8));
        } catch (TriplineConfig.ConfigException e) {
            assertThat(e.errors()).isNotEmpty();
            for (LoadError error : e.errors()) {
                assertThat(error.location()).as("location of %s", error).isNotNull();
            }
        }
    }
}
