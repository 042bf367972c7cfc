package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the summary of {@code run} and {@code hunt} says about input it did not use: skipped files, late matches,
 * matches a correlation could not group.
 */
class RunSummaryTest {
    @TempDir
    Path dir;

    @Test
    void filesADirectoryHoldsThatAreNotAuditLogsAreNamedAndCounted() throws Exception {
        Path logs = dir.resolve("logs");
        Files.createDirectories(logs.resolve("sub"));
        Files.copy(Path.of(RunCommandTest.SAMPLE), logs.resolve("events.jsonl"));
        Files.copy(Path.of(RunCommandTest.SAMPLE), logs.resolve("sub/export.csv"));
        Files.writeString(logs.resolve("README.txt"), "not events");

        for (String cmd : List.of("run", "hunt")) {
            HuntCommandTest.Result r = HuntCommandTest.main(
                    cmd, "--parallelism", "1", "-o", dir.resolve(cmd + ".jsonl").toString(), logs.toString());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err())
                    .contains("tripline " + cmd + ": skipping 2 files whose names are not .json, .jsonl, "
                            + ".ndjson and their .gz forms: " + logs.resolve("README.txt") + ", "
                            + logs.resolve("sub/export.csv"))
                    .contains("tripline " + cmd + ": 1 files (2 other files skipped), 34 records");
        }
        // A file named on the command line is read whatever its name.
        HuntCommandTest.Result named = HuntCommandTest.main(
                "run",
                "--parallelism",
                "1",
                "-o",
                dir.resolve("named.jsonl").toString(),
                logs.resolve("sub/export.csv").toString());
        assertThat(named.err())
                .contains("tripline run: 1 files, 1 records, 34 events")
                .doesNotContain("skipp");
    }

    @Test
    void aStreamingRunSaysHowManyAlertsLatenessMayHaveCostAndHowToAvoidIt() throws Exception {
        List<String> sample = Files.readAllLines(Path.of(RunCommandTest.SAMPLE), StandardCharsets.UTF_8);
        // The same records three hours earlier, with their own ids: far behind the watermark once the sample
        // has been read, so every match among them is late.
        List<String> earlier = new ArrayList<>();
        for (String line : sample) {
            ObjectNode r = (ObjectNode) RunCommandTest.JSON.readTree(line);
            r.put(
                    "eventTime",
                    Instant.parse(r.path("eventTime").asText())
                            .minus(Duration.ofHours(3))
                            .toString());
            r.put("eventID", "earlier-" + r.path("eventID").asText());
            earlier.add(r.toString());
        }
        Path late = dir.resolve("late.jsonl");
        try (RunStdinTest.Live run =
                new RunStdinTest.Live("run", "--parallelism", "1", "--late-records", late.toString(), "-")) {
            run.write(sample);
            RunStdinTest.await(
                    "the sample's composite alert",
                    Duration.ofSeconds(60),
                    () -> run.out.toString().contains("\"kind\":\"correlation\"") || run.exit.isDone());
            // Watermarks are emitted every 200 ms; give the sample's one time to reach every operator.
            Thread.sleep(2000);
            run.write(earlier);
            assertThat(run.closeAndWait()).as(run.err.toString()).isZero();

            List<JsonNode> lateRecords = RunCommandTest.lines(late);
            long candidates = lateRecords.stream()
                    .filter(l -> l.path("stage").asText().equals("dedup"))
                    .count();
            long signals = lateRecords.stream()
                    .filter(l -> l.path("stage").asText().equals("correlate"))
                    .count();
            assertThat(candidates).isPositive();
            assertThat(signals).isPositive();
            String err = run.err.toString();
            assertThat(err).contains(", " + lateRecords.size() + " late records");
            Matcher m = Pattern.compile("late: up to (\\d+) alerts may be missing: (\\d+) alert candidates \\((\\d+) "
                            + "rules\\) and (\\d+) correlation signals \\((\\d+) correlations\\)")
                    .matcher(err);
            assertThat(m.find()).as(err).isTrue();
            assertThat(Long.parseLong(m.group(1))).isEqualTo(lateRecords.size());
            assertThat(Long.parseLong(m.group(2))).isEqualTo(candidates);
            assertThat(Long.parseLong(m.group(4))).isEqualTo(signals);
            assertThat(Integer.parseInt(m.group(3))).isPositive();
            assertThat(Integer.parseInt(m.group(5))).isPositive();
            assertThat(err)
                    .contains("Raise time.out-of-orderness (--out-of-orderness) or time.allowed-lateness")
                    .contains("'tripline hunt'");
        }
    }

    @Test
    void aRunWithNothingLateSaysNothingAboutLateness() throws Exception {
        HuntCommandTest.Result r = HuntCommandTest.main(
                "run", "--parallelism", "1", "-o", dir.resolve("a.jsonl").toString(), RunCommandTest.SAMPLE);
        assertThat(r.err()).contains(", 0 late records").doesNotContain("may be missing");
    }

    /** An Azure resource group written in japaneast (unapproved by default), by {@code identity} if any. */
    static String resourceGroupWrite(String time, String identity) {
        return "{\"time\":\"" + time + "\",\"resourceId\":\"/subscriptions/11111111-2222-3333-4444-555555555555"
                + "/resourceGroups/rg1\",\"operationName\":\"MICROSOFT.RESOURCES/RESOURCEGROUPS/WRITE\","
                + "\"category\":\"Administrative\",\"resultType\":\"Success\",\"location\":\"japaneast\"" + identity
                + "}";
    }

    @Test
    void matchesACorrelationCannotGroupAreCountedInTheSummary() throws Exception {
        String withCaller = resourceGroupWrite(
                "2024-03-05T10:00:00Z",
                ",\"identity\":{\"claims\":{\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\":"
                        + "\"mallory@contoso.example\"}}");
        String noCaller = resourceGroupWrite("2024-03-05T10:01:00Z", ",\"identity\":{}");
        Path both = dir.resolve("both.jsonl");
        Files.writeString(both, withCaller + "\n" + noCaller + "\n", StandardCharsets.UTF_8);
        Path one = dir.resolve("one.jsonl");
        Files.writeString(one, withCaller + "\n", StandardCharsets.UTF_8);

        HuntCommandTest.Result r = HuntCommandTest.main(
                "run",
                "--parallelism",
                "1",
                "-o",
                dir.resolve("both-alerts.jsonl").toString(),
                both.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err())
                .containsPattern("correlations skipped [1-9]\\d* matches whose event lacks a group-by " + "field")
                .contains("0 dead letters");

        HuntCommandTest.Result quiet = HuntCommandTest.main(
                "run",
                "--parallelism",
                "1",
                "-o",
                dir.resolve("one-alerts.jsonl").toString(),
                one.toString());
        assertThat(quiet.code()).as(quiet.err()).isZero();
        assertThat(quiet.err()).doesNotContain("correlations skipped");
    }
}
