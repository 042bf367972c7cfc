package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.io.KinesisLocal;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * {@code tripline run} with a Kinesis source asks the stream first (a real Kinesis API, kinesis-local): an
 * endpoint that does not answer is reported attempt by attempt and fails within 30 s, a stream that does not
 * exist fails at once naming {@code source.kinesis.stream-arn}, both with the source-unreachable exit status and
 * nothing on stdout.
 */
class KinesisReachabilityTest {
    static final String ARN_PREFIX = "arn:aws:kinesis:us-east-1:000000000000:stream/";

    @TempDir
    static Path dir;

    static KinesisLocal kinesis;

    @BeforeAll
    static void start() throws Exception {
        kinesis = new KinesisLocal();
    }

    @AfterAll
    static void stop() throws Exception {
        if (kinesis != null) {
            kinesis.close();
        }
    }

    record Result(int code, String out, String err) {}

    static Result tripline(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(
                new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    static Path config(String name, String arn, String endpoint) throws Exception {
        Path config = dir.resolve(name + ".yml");
        Files.writeString(config, """
                source:
                  kind: kinesis
                  kinesis:
                    stream-arn: %s
                    endpoint: %s
                    start: trim-horizon
                    properties:
                      aws.credentials.provider: BASIC
                      aws.credentials.provider.basic.accesskeyid: %s
                      aws.credentials.provider.basic.secretkey: %s
                """.formatted(arn, endpoint, KinesisLocal.ACCESS_KEY, KinesisLocal.SECRET_KEY));
        return config;
    }

    @Test
    void anEndpointThatDoesNotAnswerIsReportedWithinThirtySeconds() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path config = config("unreachable", ARN_PREFIX + "cloudtrail", "http://127.0.0.1:" + port);
        long started = System.nanoTime();
        Result r = CompletableFuture.supplyAsync(() -> tripline("run", "--config", config.toString()))
                .get(60, TimeUnit.SECONDS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertThat(r.code()).as(r.err()).isEqualTo(JobOptions.SOURCE_UNREACHABLE);
        assertThat(seconds).isLessThan(30);
        assertThat(r.err()
                        .lines()
                        .filter(l -> l.contains("Kinesis at http://127.0.0.1:" + port + " does not answer (attempt ")))
                .hasSize(RunCommand.SOURCE_ATTEMPTS);
        assertThat(r.err()).contains("check source.kinesis").doesNotContain(KinesisLocal.SECRET_KEY);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aMissingStreamFailsAtOnceNamingTheKey() throws Exception {
        Path config = config("missing", ARN_PREFIX + "no-such-stream", kinesis.endpoint());
        long started = System.nanoTime();
        Result r = CompletableFuture.supplyAsync(() -> tripline("run", "--config", config.toString()))
                .get(60, TimeUnit.SECONDS);
        assertThat(r.code()).as(r.err()).isEqualTo(JobOptions.SOURCE_UNREACHABLE);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(15);
        assertThat(r.err())
                .contains("source.kinesis.stream-arn: no stream " + ARN_PREFIX + "no-such-stream")
                .contains("ResourceNotFoundException")
                .doesNotContain("does not answer");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anExistingStreamPassesTheCheck() throws Exception {
        String arn;
        try (KinesisClient client = kinesis.client()) {
            client.createStream(b -> b.streamName("present").shardCount(1));
            client.waiter().waitUntilStreamExists(b -> b.streamName("present"));
            arn = client.describeStreamSummary(b -> b.streamName("present"))
                    .streamDescriptionSummary()
                    .streamARN();
        }
        var options = dev.tripline.job.TriplineConfig.parse(
                        "present.yml", Files.readString(config("present", arn, kinesis.endpoint())))
                .source()
                .kinesis();
        assertThat(dev.tripline.io.KinesisConnectors.unreachable(options, java.time.Duration.ofSeconds(8)))
                .isNull();
    }
}
