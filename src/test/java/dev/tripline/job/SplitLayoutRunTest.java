package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.EventTimeBounds;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.MultiRegionArchive;
import dev.tripline.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline run} over one JSON Lines file (the records of {@link MultiRegionArchive}, planted correlations
 * included, with malformed lines, blank lines and CRLF endings among them) gives the same alerts and the same
 * dead letters, positions included, whether the file is read as one split or cut into many small ones read by
 * two or three subtasks, with the check of event times against the recent records of their source widened so
 * that it rejects nothing: that check follows each split as a source of its own, so its outliers depend on the
 * layout (this file's times jump by months). With the check as it is by default, a given layout gives the same
 * alerts and dead letters, outliers included, at any parallelism.
 */
class SplitLayoutRunTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path file;
    static RuleProgram rules;

    @BeforeAll
    static void oneFile() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(SharedData.path("data/invictus-aws-stratus")), "needs ../shared");
        List<Path> archive = MultiRegionArchive.write(dir.resolve("archive"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = 0;
        for (Path gz : archive) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                for (JsonNode record : JSON.readTree(in).path("Records")) {
                    n++;
                    out.writeBytes(JSON.writeValueAsBytes(record));
                    out.writeBytes((n % 7 == 0 ? "\r\n" : "\n").getBytes(StandardCharsets.UTF_8));
                    if (n % 250 == 0) {
                        out.writeBytes("{\"eventName\": not json\n\n".getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
        file = dir.resolve("one.jsonl");
        Files.write(file, out.toByteArray());
        RuleLoader.Result loaded =
                RuleLoader.standard(TriplineConfig.defaults().ruleLoadOptions()).load(List.of(Path.of("rules")));
        assertThat(loaded.errors()).isEmpty();
        rules = RuleProgram.of(loaded.ruleSet());
    }

    @Test
    void manySmallSplitsGiveTheAlertsAndDeadLettersOfOneSplit() throws Exception {
        Output whole = run(2, Long.MAX_VALUE, WIDE);
        assertThat(whole.alerts).hasSizeGreaterThan(100);
        assertThat(whole.alerts).anyMatch(a -> a.contains("\"kind\":\"correlation\""));
        assertThat(whole.deadLetters).hasSizeGreaterThan(3).allMatch(d -> d.contains("\"reason\":\"MALFORMED_JSON\""));
        assertThat(run(2, splitBytes(), WIDE)).isEqualTo(whole);
        assertThat(run(3, splitBytes(), WIDE)).isEqualTo(whole);
    }

    @Test
    void theOutlierCheckGivesTheSameDeadLettersAtAnyParallelism() throws Exception {
        Output one = run(1, splitBytes(), EventTimeBounds.ARCHIVE);
        assertThat(one.deadLetters).anyMatch(d -> d.contains("\"reason\":\"EVENT_TIME_OUTLIER\""));
        assertThat(run(2, splitBytes(), EventTimeBounds.ARCHIVE)).isEqualTo(one);
        assertThat(run(3, splitBytes(), EventTimeBounds.ARCHIVE)).isEqualTo(one);
    }

    /** About ten splits of the file. */
    static long splitBytes() throws Exception {
        return Files.size(file) / 10;
    }

    /** Event-time bounds under which no record of the file is an outlier. */
    static final EventTimeBounds WIDE = EventTimeBounds.ARCHIVE.withMaxAheadOfSource(Duration.ofDays(3650));

    record Output(List<String> alerts, List<String> deadLetters) {}

    /** The sorted alert and dead-letter lines of a BATCH run, as {@code tripline run} makes it. */
    static Output run(int parallelism, long splitBytes, EventTimeBounds bounds) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                EmbeddedRun.slots(EmbeddedRun.loopbackConfiguration(), parallelism));
        env.setParallelism(parallelism);
        List<String> alerts = Collections.synchronizedList(new ArrayList<>());
        List<String> dead = Collections.synchronizedList(new ArrayList<>());
        RawRecordFormat format = new RawRecordFormat(
                RawRecordFormat.DEFAULT_MAX_FILE_BYTES,
                RawRecordFormat.DEFAULT_MAX_LINE_BYTES,
                dev.tripline.event.ParseLimits.DEFAULT_MAX_DECOMPRESSED_BYTES,
                splitBytes);
        DetectionJob.Options options = DetectionJob.Options.defaults().withEventTimeBounds(bounds);
        new EmbeddedRun(rules, options, AlertFormat.JSONL, format)
                .run(
                        env,
                        RuntimeExecutionMode.BATCH,
                        EmbeddedRun.Input.files(List.of(file)),
                        alerts::add,
                        dead::add,
                        null,
                        0);
        List<String> a = new ArrayList<>(alerts);
        List<String> d = new ArrayList<>(dead);
        Collections.sort(a);
        Collections.sort(d);
        return new Output(a, d);
    }
}
