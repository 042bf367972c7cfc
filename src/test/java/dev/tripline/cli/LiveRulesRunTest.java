package dev.tripline.cli;

import static dev.tripline.cli.RunStdinTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.testing.Flagship;
import dev.tripline.testing.LiveRuleSets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live rule updates end to end through {@code tripline run --watch-rules -}: the rules directory changes under a
 * running job, which applies a valid set without a restart (a flagship sequence opened under the old set still
 * completes) and rejects a bad one with file:line:col on stderr while the previous set keeps firing.
 */
class LiveRulesRunTest {
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    static void write(Path dir, Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue(), StandardCharsets.UTF_8);
        }
    }

    static Instant at(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    static long count(String text, String needle) {
        return text.lines().filter(l -> l.contains(needle)).count();
    }

    @Test
    void aValidSetTakesEffectWithoutARestartAndABadOneIsRejected() throws Exception {
        Path rules = tmp.resolve("rules");
        write(rules, LiveRuleSets.v1());
        Path config = tmp.resolve("tripline.yml");
        Files.writeString(config, "rules:\n  watch-interval: 100ms\n");
        try (RunStdinTest.Live run = new RunStdinTest.Live(
                "run",
                "--parallelism",
                "1",
                "--config",
                config.toString(),
                "--rules",
                rules.toString(),
                "--watch-rules",
                "-")) {
            // v1: the flagship sequence opens; the single rule fires with its v1 title.
            run.write(List.of(
                    LiveRuleSets.enableRegion("ap-southeast-1", at(0), "e1"),
                    LiveRuleSets.trail("StopLogging", at(1), "s1")));
            await("the v1 alert", WAIT, () -> run.out.toString().contains("Trail Stopped v1") || run.exit.isDone());
            assertThat(run.exit).as(run.err.toString()).isNotDone();

            // v2 on disk: accepted while the job runs.
            write(rules, LiveRuleSets.v2());
            await("v2 accepted", WAIT, () -> run.err.toString().contains("accepted") || run.exit.isDone());
            assertThat(run.err.toString())
                    .containsPattern(
                            "tripline run: rule update dir:[0-9a-f]{12} accepted: " + "5 rules, 2 correlations");
            // The new rule fires once the update has reached detect (the inputs are not ordered): probe for it.
            int[] probe = {0};
            await("the new v2 rule", WAIT, () -> {
                if (run.out.toString().contains(LiveRuleSets.DELETE_RULE) || run.exit.isDone()) {
                    return true;
                }
                try {
                    run.write(List.of(LiveRuleSets.trail("DeleteTrail", at(2), "d" + probe[0]++)));
                    Thread.sleep(200);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                return false;
            });
            assertThat(run.out.toString()).contains("Trail Deleted v2");

            // The sequence opened under v1 completes under v2 (its correlation did not change).
            run.write(List.of(
                    LiveRuleSets.runInstances("ap-southeast-1", at(20), "r1"),
                    LiveRuleSets.trail("StopLogging", at(70), "s2")));
            await(
                    "the flagship alert and the changed rule",
                    WAIT,
                    () -> (run.out.toString().contains(Flagship.REGION_PLAN)
                                    && run.out.toString().contains("Trail Stopped v2"))
                            || run.exit.isDone());

            // v3 has a broken file: rejected with its location, and v2 keeps firing.
            write(rules, LiveRuleSets.v3());
            await("v3 rejected", WAIT, () -> run.err.toString().contains("rejected") || run.exit.isDone());
            assertThat(run.err.toString())
                    .containsPattern(
                            Pattern.compile(
                                    "tripline run: rule update dir:[0-9a-f]{12} rejected: \\d+ errors?: [^\\n]*broken\\.yml:\\d+:\\d+: "));
            long before = count(run.out.toString(), LiveRuleSets.DELETE_RULE);
            run.write(List.of(LiveRuleSets.trail("DeleteTrail", at(140), "d-after-v3")));
            await(
                    "v2's rule after the rejection",
                    WAIT,
                    () -> count(run.out.toString(), LiveRuleSets.DELETE_RULE) > before || run.exit.isDone());
            assertThat(run.out.toString()).contains("d-after-v3");

            assertThat(run.closeAndWait())
                    .as("stdin closed: the watcher ends with it. " + run.err)
                    .isZero();
            assertThat(run.err.toString()).contains("rule updates: 1 accepted, 1 rejected");
            assertThat(run.out.toString()).doesNotContain("Broken");
        }
    }

    @Test
    void watchingNeedsAnUnboundedInput() throws Exception {
        Path rules = tmp.resolve("rules");
        write(rules, LiveRuleSets.v1());
        Path events = tmp.resolve("events.jsonl");
        Files.writeString(events, LiveRuleSets.trail("StopLogging", at(1), "s1") + "\n");
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = Main.run(
                java.io.InputStream.nullInputStream(),
                new java.io.PrintWriter(out, true),
                new java.io.PrintWriter(err, true),
                "run",
                "--rules",
                rules.toString(),
                "--watch-rules",
                events.toString());
        assertThat(code).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(err.toString()).contains("--watch-rules needs an unbounded input");
    }
}
