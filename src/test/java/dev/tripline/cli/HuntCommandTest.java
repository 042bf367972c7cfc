package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.testing.SharedData;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline hunt} end to end through Main: BATCH mode gives what the live job gives and what a run over the
 * same files gives, the range filter.
 */
class HuntCommandTest {
    static final String SAMPLE = RunCommandTest.SAMPLE;

    @TempDir
    Path dir;

    record Result(int code, String err) {}

    static Result main(String... args) {
        return mainWithStdin(new byte[0], args);
    }

    static Result mainWithStdin(byte[] stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                Main.run(new ByteArrayInputStream(stdin), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, err.toString());
    }

    static List<String> sortedLines(Path file) throws Exception {
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        lines.sort(null);
        return lines;
    }

    /** Alert lines, sorted, from {@code run} and {@code hunt} over the same files (both BATCH mode). */
    List<List<String>> liveAndHunted(String parallelism, List<String> inputs) throws Exception {
        Path live = dir.resolve("live.jsonl");
        Path hunted = dir.resolve("hunted.jsonl");
        List<String> runArgs = new ArrayList<>(List.of("run", "--parallelism", parallelism, "-o", live.toString()));
        runArgs.addAll(inputs);
        List<String> huntArgs = new ArrayList<>(
                List.of("hunt", "--parallelism", parallelism, "--progress", "none", "-o", hunted.toString()));
        huntArgs.addAll(inputs);
        Result run = main(runArgs.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isZero();
        Result hunt = main(huntArgs.toArray(String[]::new));
        assertThat(hunt.code()).as(hunt.err()).isZero();
        assertThat(hunt.err()).contains("0 outside the time range");
        return List.of(sortedLines(live), sortedLines(hunted));
    }

    @Test
    void aCorrelationFoundInHistoryIsReportedExactlyAsLive() throws Exception {
        // Live: the sample on stdin, read as it arrives in STREAMING mode with watermarks.
        Path live = dir.resolve("live.jsonl");
        Result run = mainWithStdin(
                Files.readAllBytes(Path.of(SAMPLE)), "run", "--parallelism", "2", "-o", live.toString(), "-");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains(", 0 late records");
        List<String> hunted = liveAndHunted("2", List.of(SAMPLE)).get(1);
        assertThat(sortedLines(live))
                .anySatisfy(
                        l -> assertThat(l).contains("\"kind\":\"correlation\"").contains(RunCommandTest.REGION_PLAN));
        assertThat(sortedLines(live)).hasSizeGreaterThan(3);
        assertThat(hunted).isEqualTo(sortedLines(live));
    }

    /**
     * Archives as delivered are not in event-time order: here the sample (2026), then the Stratus files (2024,
     * months apart from one file to the next); CloudTrail times have one-second resolution. A run over files
     * sorts by event time as a hunt does (and hands dedup the matches of one key and second in one order), so the
     * two give the same alerts, line for line. A run that followed the watermark sent the older matches to the
     * late output and split dedup periods by arrival order: other alerts than the hunt's, most times.
     */
    @Test
    void outOfOrderArchivesRaiseTheSameAlertsPerDedupKey() throws Exception {
        Path stratus = SharedData.path("data/stratus-red-team-detonation-logs");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(stratus), "needs ../shared");
        List<List<String>> both = liveAndHunted("1", List.of(SAMPLE, stratus.toString()));
        assertThat(keys(both.get(1))).isEqualTo(keys(both.get(0)));
        assertThat(both.get(1)).isEqualTo(both.get(0));
        assertThat(both.get(0)).anyMatch(l -> l.contains("\"kind\":\"correlation\""));
    }

    static List<String> keys(List<String> alerts) throws Exception {
        List<String> out = new ArrayList<>();
        for (String a : alerts) {
            JsonNode n = RunCommandTest.JSON.readTree(a);
            out.add(n.path("rule").path("id").asText() + " "
                    + n.path("dedup_key").asText() + " " + n.path("count").asText());
        }
        out.sort(null);
        return out;
    }

    @Test
    void eventsOutsideTheRangeAreDroppedAndCountedNotDeadLettered() throws Exception {
        Instant cut = Instant.parse("2026-11-20T10:30:00Z");
        long before = 0;
        for (String line : Files.readAllLines(Path.of(SAMPLE))) {
            JsonNode n = RunCommandTest.JSON.readTree(line);
            if (Instant.parse(n.path("eventTime").asText()).isBefore(cut)) {
                before++;
            }
        }
        assertThat(before).isPositive();
        Path alerts = dir.resolve("alerts.jsonl");
        Path dead = dir.resolve("dead.jsonl");

        Result r = main(
                "hunt",
                "--progress",
                "none",
                "--from",
                "2026-11-20T10:30:00Z",
                "--to",
                "2026-11-21",
                "-o",
                alerts.toString(),
                "--dead-letters",
                dead.toString(),
                SAMPLE);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("34 events, " + before + " outside the time range");
        assertThat(Files.readString(dead)).isEmpty();
        for (JsonNode a : RunCommandTest.lines(alerts)) {
            assertThat(Instant.parse(a.path("first_seen").asText())).isAfterOrEqualTo(cut);
        }
        // Everything before the range: the region was enabled outside it, so the correlation cannot fire.
        assertThat(RunCommandTest.lines(alerts))
                .noneMatch(a -> a.path("kind").asText().equals("correlation"));

        Result nothing = main("hunt", "--progress", "none", "--to", "2026-11-20", "-o", alerts.toString(), SAMPLE);
        assertThat(nothing.err()).contains("34 events, 34 outside the time range, 0 alerts");
    }

    @Test
    void progressLinesCarryTheJobsLiveTotals() throws Exception {
        Result r = main(
                "hunt",
                "--progress",
                "lines",
                "--progress-interval",
                "200ms",
                "--parallelism",
                "1",
                "-o",
                dir.resolve("a.jsonl").toString(),
                SAMPLE);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err().lines().filter(l -> l.startsWith("tripline hunt: files ")))
                .isNotEmpty()
                .allMatch(l -> l.matches("tripline hunt: files [01]/1, [0-9,]+ events, [0-9,]+ events/s, ETA .*"));
    }

    @Test
    void progressFormatAndEta() {
        assertThat(ProgressLine.format("p:", new EmbeddedRun.Progress(10_000, 40, 10, 500, 200_000, 3, 1)))
                .isEqualTo("p: files 10/40, 200,000 events, 20,000 events/s, ETA 0:30");
        assertThat(ProgressLine.format("p:", new EmbeddedRun.Progress(1_000, 3, 0, 0, 0, 0, 0)))
                .endsWith("ETA --");
        assertThat(ProgressLine.clock(3_725)).isEqualTo("1:02:05");
    }

    @Test
    void timesAreInstantsOrUtcDays() {
        assertThat(HuntCommand.parseTime("2024-05-01")).isEqualTo(Instant.parse("2024-05-01T00:00:00Z"));
        assertThat(HuntCommand.parseTime("2024-05-01T12:30:00Z")).isEqualTo(Instant.parse("2024-05-01T12:30:00Z"));
        assertThat(HuntCommand.parseTime("2024-05-01T12:30:00+02:00")).isEqualTo(Instant.parse("2024-05-01T10:30:00Z"));
        assertThat(HuntCommand.parseTime("2024-05-01T12:30:00")).isEqualTo(Instant.parse("2024-05-01T12:30:00Z"));
        assertThatThrownBy(() -> HuntCommand.parseTime("yesterday")).hasMessageContaining("'yesterday'");
    }

    @Test
    void badRangesAndStdinAreUsageErrors() {
        Result bad = main("hunt", "--from", "soon", SAMPLE);
        assertThat(bad.code()).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(bad.err()).contains("--from").contains("'soon'");
        Result empty = main("hunt", "--from", "2024-05-02", "--to", "2024-05-01", SAMPLE);
        assertThat(empty.code()).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(empty.err()).contains("must be before --to");
        assertThat(main("hunt", "-").code()).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(main("hunt").err()).contains("no input");
    }
}
