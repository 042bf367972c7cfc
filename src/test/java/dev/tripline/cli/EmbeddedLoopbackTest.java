package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.testing.ListeningSockets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** An embedded run listens on loopback only: REST, RPC and blob server alike. */
class EmbeddedLoopbackTest {

    @Test
    void everySocketTheEmbeddedClusterOpensIsOnLoopback() throws Exception {
        Set<String> before = ListeningSockets.ofThisProcess();
        Set<String> opened = new TreeSet<>();
        List<String> sample = Files.readAllLines(Path.of(RunCommandTest.SAMPLE), StandardCharsets.UTF_8);
        try (RunStdinTest.Live run = new RunStdinTest.Live("run", "--parallelism", "1", "-")) {
            run.write(sample);
            // The job holds its services while stdin is open: look until an alert shows it is running.
            RunStdinTest.await("the job to run", Duration.ofSeconds(60), () -> {
                try {
                    Set<String> now = ListeningSockets.ofThisProcess();
                    now.removeAll(before);
                    opened.addAll(now);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return run.out.toString().contains("\"kind\":\"correlation\"") || run.exit.isDone();
            });
            opened.addAll(ListeningSockets.ofThisProcess());
            opened.removeAll(before);
            assertThat(run.closeAndWait()).as(run.err.toString()).isZero();
        }
        assertThat(opened).as("sockets the embedded cluster listened on").isNotEmpty();
        assertThat(opened)
                .allSatisfy(s -> assertThat(ListeningSockets.isLoopback(s))
                        .as(s + " is not a loopback address")
                        .isTrue());
    }
}
