package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline run -} in its own JVM, stdin left open, stopped by a signal: it ends its input, writes every
 * alert, prints the summary and exits 128 + the signal, promptly.
 */
class SignalTest {
    @TempDir
    Path dir;

    @Test
    void sigintEndsStdinAndPrintsTheSummary() throws Exception {
        // A child inherits an ignored SIGINT, and the JVM then never sees it: a build started in the background
        // by a non-interactive shell runs so. Nothing can be learnt about the run from that.
        assumeFalse(sigintIgnoredHere(), "SIGINT is ignored in this process tree (started in the background)");
        stopWith("INT", JobOptions.INTERRUPTED);
    }

    /** Whether this process ignores SIGINT (Linux: bit 2 of SigIgn in /proc/self/status); false where unknown. */
    static boolean sigintIgnoredHere() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2) != 0;
            }
        }
        return false;
    }

    @Test
    void sigtermEndsStdinAndPrintsTheSummary() throws Exception {
        stopWith("TERM", JobOptions.TERMINATED);
    }

    private void stopWith(String signal, int expectedStatus) throws Exception {
        Path out = dir.resolve("alerts.jsonl");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "run",
                        "--parallelism",
                        "1",
                        "-")
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        List<String> sample = Files.readAllLines(Path.of(RunCommandTest.SAMPLE), StandardCharsets.UTF_8);
        try (OutputStream stdin = p.getOutputStream()) {
            for (String l : sample) {
                stdin.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
            stdin.flush();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.readString(out).contains("\"kind\":\"correlation\"")) {
                assertThat(p.isAlive()).as(Files.readString(err)).isTrue();
                assertThat(System.nanoTime())
                        .as("no alert yet: " + Files.readString(err))
                        .isLessThan(end);
                Thread.sleep(100);
            }
            // stdin stays open: the signal alone must end the run.
            assertThat(new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid()))
                            .start()
                            .waitFor())
                    .isZero();
            assertThat(p.waitFor(30, TimeUnit.SECONDS))
                    .as("exited within 30 s of the signal")
                    .isTrue();
        } finally {
            p.destroyForcibly();
        }
        String stderr = Files.readString(err);
        assertThat(p.exitValue()).as(stderr).isEqualTo(expectedStatus);
        assertThat(stderr).contains("tripline run: 0 files, " + sample.size() + " records");
        // The output is whole: every line is a complete alert.
        assertThat(Files.readAllLines(out))
                .isNotEmpty()
                .allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
    }
}
