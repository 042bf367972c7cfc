package dev.tripline.io;

import static dev.tripline.io.CloudTrailScenario.REGION_PLAN;
import static dev.tripline.io.CloudTrailScenario.describe;
import static dev.tripline.io.CloudTrailScenario.enable;
import static dev.tripline.io.CloudTrailScenario.run;
import static dev.tripline.io.KafkaTestCluster.header;
import static dev.tripline.io.KafkaTestCluster.kv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.cli.Main;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline run} over Kafka as a user runs it: the command line, a config file naming the broker, and
 * {@code --source kafka --sink kafka}; the command builds its own local environment, so this class has no
 * MiniCluster extension.
 */
class KafkaCommandLineTest {
    static KafkaTestCluster kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = new KafkaTestCluster();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theCommandLineSwitchesToKafkaByConfigAndFlags(@TempDir Path dir) throws Exception {
        kafka.createTopic("ct-cli", 1);
        kafka.createTopic("alerts-cli", 1);
        kafka.createTopic("dead-cli", 1);
        kafka.produce(
                "ct-cli",
                List.of(
                        kv("a", enable("cli-enable", "ap-southeast-1", 1, "mallory")),
                        kv("a", "not json"),
                        kv("a", run("cli-run", "ap-southeast-1", 10, "mallory"))));
        // The file names Kafka for both ends but says file; the flags switch them, as a user would.
        Path config = dir.resolve("tripline.yml");
        // The records are from 2024: a live source would refuse them as too old (time.max-event-age, 30 days).
        Files.writeString(config, """
                time:
                  max-event-age: 3650d
                source:
                  kind: file
                  kafka: {bootstrap-servers: '%1$s', topics: [ct-cli], group-id: tripline-cli, start: earliest,
                          bounded: true}
                sink:
                  kind: file
                  checkpoint-interval: 100ms
                  kafka: {bootstrap-servers: '%1$s', topic: alerts-cli, dead-letter-topic: dead-cli}
                """.formatted(kafka.bootstrap()));
        StringWriter err = new StringWriter();
        int code = Main.run(
                InputStream.nullInputStream(),
                new PrintWriter(new StringWriter()),
                new PrintWriter(err),
                "run",
                "--config",
                config.toString(),
                "--source",
                "kafka",
                "--sink",
                "kafka",
                "--parallelism",
                "1");
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("3 records", "1 dead letters");
        assertThat(kafka.readCommitted("alerts-cli"))
                .filteredOn(r -> REGION_PLAN.equals(header(r, KafkaConnectors.H_RULE_ID)))
                .singleElement()
                .satisfies(r ->
                        assertThat(r.value()).asString(StandardCharsets.UTF_8).contains("cli-enable", "cli-run"));
        assertThat(kafka.readCommitted("dead-cli"))
                .singleElement()
                .satisfies(r -> assertThat(header(r, KafkaConnectors.H_REASON)).isEqualTo("MALFORMED_JSON"));
    }

    @Test
    void filesToKafkaCommitTheirAlertsAndDeadLetters(@TempDir Path dir) throws Exception {
        kafka.createTopic("alerts-files", 1);
        kafka.createTopic("dead-files", 1);
        // The creation's file sorts first; within the out-of-orderness bound, so the EnableRegion is on time.
        // (This path runs in STREAMING mode: the exactly-once sink commits on checkpoints.)
        Path logs = dir.resolve("logs");
        Files.createDirectories(logs);
        Files.write(
                logs.resolve("a.jsonl"),
                List.of(run("files-run", "ap-southeast-1", 10, "mallory"), describe("files-describe", 11, "mallory")));
        Files.write(
                logs.resolve("b.jsonl"), List.of(enable("files-enable", "ap-southeast-1", 1, "mallory"), "not json"));
        Path config = dir.resolve("tripline.yml");
        Files.writeString(config, """
                sink:
                  kind: kafka
                  checkpoint-interval: 100ms
                  kafka: {bootstrap-servers: '%1$s', topic: alerts-files, dead-letter-topic: dead-files}
                """.formatted(kafka.bootstrap()));
        StringWriter err = new StringWriter();
        int code = Main.run(
                InputStream.nullInputStream(),
                new PrintWriter(new StringWriter()),
                new PrintWriter(err),
                "run",
                "--config",
                config.toString(),
                "--parallelism",
                "2",
                logs.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("2 files, 4 records", "1 dead letters");
        assertThat(kafka.readCommitted("alerts-files"))
                .filteredOn(r -> REGION_PLAN.equals(header(r, KafkaConnectors.H_RULE_ID)))
                .singleElement()
                .satisfies(r ->
                        assertThat(r.value()).asString(StandardCharsets.UTF_8).contains("files-enable", "files-run"));
        assertThat(kafka.readCommitted("dead-files"))
                .singleElement()
                .satisfies(r -> assertThat(header(r, KafkaConnectors.H_REASON)).isEqualTo("MALFORMED_JSON"));
    }
}
