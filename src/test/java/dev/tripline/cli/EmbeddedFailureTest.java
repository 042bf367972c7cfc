package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded job when it cannot go on: a failing operator restarts up to the configured limit, each restart
 * told, then the run exits 4 naming the cause (and no secret); a heap over its limit after a garbage collection
 * stops the run at once with what to change; state in RocksDB gives the alerts state on the heap gives.
 */
class EmbeddedFailureTest {
    private static final String SECRET = "S3cr3t-hunter2-in-the-wrong-key";

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    static Result tripline(java.io.InputStream stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(stdin, new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aFailingSinkRestartsUpToTheLimitThenTheRunExitsNamingTheCauseWithoutTheSecret() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        // A secret put by mistake in a property Kafka validates: the producer fails in every attempt, quoting it.
        Path secret = Files.writeString(dir.resolve("password"), SECRET + "\n");
        Path config = Files.writeString(dir.resolve("kafka-sink.yml"), """
                sink:
                  kind: kafka
                  kafka:
                    bootstrap-servers: '127.0.0.1:%d'
                    topic: alerts
                    properties:
                      security.protocol: {file: %s}
                embedded:
                  restart-attempts: 2
                  restart-delay: 600ms
                """.formatted(port, secret));

        Result r = CompletableFuture.supplyAsync(() -> tripline(
                        new ByteArrayInputStream(new byte[0]),
                        "run",
                        "--config",
                        config.toString(),
                        RunCommandTest.SAMPLE))
                .get(120, TimeUnit.SECONDS);

        assertThat(r.code).as(r.err).isEqualTo(JobOptions.JOB_ERROR);
        assertThat(r.err)
                .contains("the job failed and restarts (1 of 2, embedded.restart-attempts)")
                .contains("the job failed and restarts (2 of 2, embedded.restart-attempts)")
                .contains("the job failed: after 2 restarts (embedded.restart-attempts: 2): ConfigException")
                .contains("security.protocol")
                .doesNotContain(SECRET);
        assertThat(r.out).isEmpty();
    }

    @Test
    void aHeapOverItsLimitAfterACollectionStopsTheRunSayingWhatToChange() throws Exception {
        // A limit of 1 % stands for a heap full of state: the first collection during the run is over it.
        Path config = Files.writeString(dir.resolve("heap.yml"), "embedded:\n  heap-limit-percent: 1\n");
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(feed, 1 << 16);
        CompletableFuture<Result> run =
                CompletableFuture.supplyAsync(() -> tripline(stdin, "run", "--config", config.toString(), "-"));
        feed.write(Files.readAllBytes(Path.of(RunCommandTest.SAMPLE)));
        feed.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!run.isDone() && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(300);
        }
        Result r = run.get(5, TimeUnit.SECONDS);
        feed.close();

        assertThat(r.code).as(r.err).isEqualTo(JobOptions.JOB_ERROR);
        assertThat(r.err)
                .contains("the job failed: the heap is full")
                .contains("embedded.heap-limit-percent, 1%")
                .contains("embedded.state-backend: rocksdb")
                .contains("-Xmx");
    }

    @Test
    void stateInRocksDbGivesTheAlertsOfStateOnTheHeap() throws Exception {
        byte[] sample = Files.readAllBytes(Path.of(RunCommandTest.SAMPLE));
        Path stateDir = dir.resolve("rocksdb");
        Path rocks = Files.writeString(
                dir.resolve("rocks.yml"), "embedded:\n  state-backend: rocksdb\n  state-dir: " + stateDir + "\n");

        Result heap = tripline(new ByteArrayInputStream(sample), "run", "-");
        // stdin stays open until RocksDB has made its instances in the state dir (it removes them at the end).
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(feed, 1 << 20);
        CompletableFuture<Result> run =
                CompletableFuture.supplyAsync(() -> tripline(stdin, "run", "--config", rocks.toString(), "-"));
        feed.write(sample);
        feed.flush();
        boolean used = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!used && !run.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            try (var files = Files.walk(stateDir)) {
                used = files.anyMatch(f -> f.getFileName().toString().startsWith("job_"));
            } catch (java.io.IOException | java.io.UncheckedIOException notYet) {
                // the directory is made when the first keyed operator starts
            }
        }
        feed.close();
        Result rocksdb = run.get(60, TimeUnit.SECONDS);

        assertThat(used)
                .as("RocksDB instances in " + stateDir + "; " + rocksdb.err)
                .isTrue();
        assertThat(heap.code).as(heap.err).isZero();
        assertThat(rocksdb.code).as(rocksdb.err).isZero();
        assertThat(rocksdb.out.lines().sorted().toList())
                .isNotEmpty()
                .isEqualTo(heap.out.lines().sorted().toList());
    }
}
