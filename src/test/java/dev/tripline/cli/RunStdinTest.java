package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code tripline run -}: alerts while stdin is still open; {@code --web} serves the running job. */
class RunStdinTest {

    /** A run of {@code tripline run} on a background thread, fed by a pipe the test keeps open. */
    static final class Live implements AutoCloseable {
        final PipedOutputStream feed = new PipedOutputStream();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit;

        Live(String... args) throws Exception {
            PipedInputStream stdin = new PipedInputStream(feed, 1 << 20);
            exit = CompletableFuture.supplyAsync(
                    () -> Main.run(stdin, new PrintWriter(out, true), new PrintWriter(err, true), args));
        }

        void write(List<String> lines) throws Exception {
            for (String l : lines) {
                feed.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
            feed.flush();
        }

        int closeAndWait() throws Exception {
            feed.close();
            return exit.get(60, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws Exception {
            feed.close();
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(end);
            Thread.sleep(50);
        }
    }

    @Test
    void alertsComeOutWhileStdinIsStillOpen() throws Exception {
        List<String> sample = Files.readAllLines(Path.of(RunCommandTest.SAMPLE), StandardCharsets.UTF_8);
        try (Live run = new Live("run", "--parallelism", "1", "-")) {
            run.write(sample);
            await(
                    "the composite alert",
                    Duration.ofSeconds(60),
                    () -> run.out.toString().contains("\"kind\":\"correlation\"") || run.exit.isDone());
            assertThat(run.exit)
                    .as("the run must still be reading stdin: " + run.err)
                    .isNotDone();
            assertThat(run.out.toString()).contains(RunCommandTest.REGION_PLAN);

            assertThat(run.closeAndWait()).as(run.err.toString()).isZero();
            assertThat(run.err.toString()).contains("tripline run: 0 files, " + sample.size() + " records");
        }
    }

    @Test
    void webUiShowsTheRunningJob() throws Exception {
        try (Live run = new Live("run", "--parallelism", "1", "--web", "--web-port", "0", "-")) {
            await(
                    "the web UI address",
                    Duration.ofSeconds(30),
                    () -> run.err.toString().contains("web UI at") || run.exit.isDone());
            Matcher m = Pattern.compile("Flink web UI at (http://127\\.0\\.0\\.1:\\d+/)")
                    .matcher(run.err.toString());
            assertThat(m.find()).as(run.err.toString()).isTrue();
            URI jobs = URI.create(m.group(1) + "jobs/overview");
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            String[] body = {""};
            await("a running job at " + jobs, Duration.ofSeconds(60), () -> {
                try {
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(jobs)
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    body[0] = r.body();
                    return r.statusCode() == 200 && r.body().contains("\"state\":\"RUNNING\"");
                } catch (Exception e) {
                    return false; // the REST endpoint is still starting
                }
            });
            assertThat(body[0]).contains("tripline run");
            assertThat(run.closeAndWait()).isZero();
        }
    }

    @Test
    void aPrettyPrintedCloudTrailFileOnStdinIsOneDocument() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode file = json.createObjectNode();
        com.fasterxml.jackson.databind.node.ArrayNode records = file.putArray("Records");
        List<String> sample = Files.readAllLines(Path.of(RunCommandTest.SAMPLE), StandardCharsets.UTF_8);
        for (String l : sample) {
            records.add(json.readTree(l));
        }
        try (Live run = new Live("run", "--parallelism", "1", "-")) {
            run.write(List.of(json.writerWithDefaultPrettyPrinter().writeValueAsString(file)));
            assertThat(run.closeAndWait()).as(run.err.toString()).isZero();
            assertThat(run.err.toString()).contains("1 records, " + sample.size() + " events");
            assertThat(run.out.toString()).contains("\"kind\":\"correlation\"");
        }
    }
}
