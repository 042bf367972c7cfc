package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tripline.testing.SharedData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of {@link EventParser} over every envelope it reads (JSON Lines, CloudTrail log files,
 * arrays, EventBridge, CloudWatch Logs, Azure records, gzip of each). Whatever the bytes, parsing returns events
 * and failures and throws nothing; every failure carries a reason and a bounded snippet.
 *
 * <p>{@code mvn verify} replays {@code EventParserFuzzTestInputs/parse/} (hand-made malformed envelopes and every
 * input a fuzzing run ever found failing) and every file of ../shared/data; {@code JAZZER_FUZZ=1} fuzzes
 * (docs/fuzzing.md). Small limits make every limit reachable by short inputs; the default parser runs too.
 */
class EventParserFuzzTest {
    private static final EventParser SMALL = new EventParser(new ParseLimits(4096, 16, 1024, 1 << 20, 64), true);
    private static final EventParser DEFAULT = EventParser.forDetection();

    @FuzzTest(maxDuration = "10m")
    void parse(byte[] input) {
        check(input);
    }

    @ParameterizedTest
    @MethodSource("sharedData")
    void sharedDataParsesWithoutEscapingExceptions(Path file) throws IOException {
        check(Files.readAllBytes(file));
    }

    static Stream<Path> sharedData() throws IOException {
        try (Stream<Path> walk = Files.walk(SharedData.path("data"))) {
            List<Path> files = walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("LICENSE"))
                    .sorted()
                    .toList();
            assertThat(files).hasSizeGreaterThan(50);
            return files.stream();
        }
    }

    static void check(byte[] input) {
        for (EventParser parser : List.of(SMALL, DEFAULT)) {
            checkResult(parser.parse(input));
            checkResult(parser.parseAll(new ByteArrayInputStream(input)));
        }
    }

    private static void checkResult(ParseResult result) {
        for (ParseFailure f : result.failures()) {
            assertThat(f.reason()).isNotNull();
            assertThat(f.snippet().length()).isLessThanOrEqualTo(ParseFailure.MAX_SNIPPET);
        }
    }
}
