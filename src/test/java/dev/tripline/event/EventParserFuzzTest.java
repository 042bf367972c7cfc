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

    /** A few fields, one of them case-insensitive: most of every record is skipped. */
    private static final FieldSet FEW = FieldSet.builder()
            .add(FieldPath.of("userIdentity.arn"))
            .add(FieldPath.caseInsensitive("requestParameters.userName"))
            .add(FieldPath.of("requestParameters.policyDocument[json].Statement"))
            .build();

    private static final EventParser SMALL_SELECTIVE =
            new EventParser(new ParseLimits(4096, 16, 1024, 1 << 20, 64), true, FEW);
    private static final EventParser DEFAULT_SELECTIVE = EventParser.forDetection(FEW);

    static void check(byte[] input) {
        for (EventParser parser : List.of(SMALL, DEFAULT)) {
            checkResult(parser.parse(input));
            checkResult(parser.parseAll(new ByteArrayInputStream(input)));
        }
        // Skipping a part of a record must not change what becomes of it: the same dead letters, the same events.
        checkSelective(SMALL, SMALL_SELECTIVE, input);
        checkSelective(DEFAULT, DEFAULT_SELECTIVE, input);
    }

    private static void checkSelective(EventParser whole, EventParser selective, byte[] input) {
        ParseResult w = whole.parse(input);
        ParseResult s = selective.parse(input);
        assertThat(s.failures()).isEqualTo(w.failures());
        assertThat(s.events()).hasSameSizeAs(w.events());
        for (int i = 0; i < w.events().size(); i++) {
            Event a = w.events().get(i);
            Event b = s.events().get(i);
            assertThat(b.logType()).isEqualTo(a.logType());
            assertThat(b.eventTimeMillis()).isEqualTo(a.eventTimeMillis());
            for (FieldPath p : FEW.paths()) {
                assertThat(b.values(p)).as(p.text()).isEqualTo(a.values(p));
            }
        }
    }

    private static void checkResult(ParseResult result) {
        for (ParseFailure f : result.failures()) {
            assertThat(f.reason()).isNotNull();
            assertThat(f.snippet().length()).isLessThanOrEqualTo(ParseFailure.MAX_SNIPPET);
        }
    }
}
