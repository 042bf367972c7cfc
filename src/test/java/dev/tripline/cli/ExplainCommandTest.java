package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ExplainCommandTest {

    /**
     * Picocli's own writer is a buffered, auto-flushing PrintWriter over stdout: only println/printf flush it.
     * The test writes through the same kind of writer and reads the bytes without flushing it itself.
     */
    @Test
    void theLastEventsExplanationReachesTheOutput(@TempDir Path tmp) throws Exception {
        Path events = tmp.resolve("e.jsonl");
        Files.writeString(events, """
                {"eventName":"EnableRegion","eventSource":"account.amazonaws.com","eventTime":"2024-01-01T00:00:00Z","awsRegion":"us-east-1","eventID":"e1"}
                {"eventName":"EnableRegion","eventSource":"account.amazonaws.com","eventTime":"2024-01-01T00:00:01Z","awsRegion":"us-east-1","eventID":"e2"}
                """);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(bytes, true));
        cli.setErr(new PrintWriter(new ByteArrayOutputStream(), true));
        int exit = cli.execute("rules", "explain", "aws_enable_region", "--event", events.toString());
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        String last = out.substring(out.indexOf("MATCH on event e2"));
        assertThat(last).contains("[true]  selection selection").contains("eventName equals 'enableregion'");
    }
}
