package dev.tripline.rule.panther;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tripline.rule.RuleLoaderFuzzing;
import dev.tripline.testing.FuzzSeeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of {@link PantherLoader} through the rule loader ({@link RuleLoaderFuzzing#check}).
 * {@code mvn verify} replays {@code PantherLoaderFuzzTestInputs/load/} and every Panther rule of ../shared/corpus;
 * {@code JAZZER_FUZZ=1} fuzzes (docs/fuzzing.md).
 */
class PantherLoaderFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void load(byte[] input) {
        RuleLoaderFuzzing.check(new PantherLoader(), input);
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void corpusLoadsWithoutEscapingExceptions(Path file) throws IOException {
        RuleLoaderFuzzing.check(new PantherLoader(), Files.readAllBytes(file));
    }

    static Stream<Path> corpus() throws IOException {
        return FuzzSeeds.yamlFiles(FuzzSeeds.PANTHER);
    }
}
