package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.job.TriplineConfig;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.yaml.SafeYaml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceSinkOptionsTest {

    private static List<LoadError> errors(String yaml) {
        try {
            TriplineConfig.parse("c.yml", yaml);
            return List.of();
        } catch (TriplineConfig.ConfigException e) {
            return e.errors();
        }
    }

    @Test
    void defaultsAreFilesInFilesOut() throws Exception {
        TriplineConfig c = TriplineConfig.parse("c.yml", "regions: {approved: [us-east-1]}\n");
        assertThat(c.source().kind()).isEqualTo(SourceOptions.Kind.FILE);
        assertThat(c.sink().kind()).isEqualTo(SourceOptions.Kind.FILE);
    }

    @Test
    void kafkaSourceAndSinkWithDefaults() throws Exception {
        TriplineConfig c = TriplineConfig.parse("c.yml", """
                source:
                  kind: kafka
                  kafka: {bootstrap-servers: b:9092, topics: cloudtrail}
                sink:
                  kind: kafka
                  kafka: {bootstrap-servers: [b:9092, c:9092], topic: alerts}
                """);
        KafkaSourceOptions s = c.source().kafka();
        assertThat(s.topics()).containsExactly("cloudtrail");
        assertThat(s.groupId()).isEqualTo("tripline");
        assertThat(s.start()).isEqualTo(KafkaSourceOptions.Start.COMMITTED);
        KafkaSinkOptions k = c.sink().kafka();
        assertThat(k.delivery()).isEqualTo(KafkaSinkOptions.Delivery.EXACTLY_ONCE);
        assertThat(k.deadLetterTopic()).isEqualTo("tripline-dead-letters");
        assertThat(k.transactionTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.sink().checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void errorsNameTheKeyAndPosition() {
        List<LoadError> e = errors("""
                source:
                  kind: kafka
                  kafka:
                    topics: []
                    start: yesterday
                    bogus: 1
                sink:
                  kind: kinesis
                  checkpoint-interval: soon
                  kinesis: {stream: a, dead-letter-stream: a, endpoint: "ftp://x"}
                """);
        assertThat(e)
                .extracting(LoadError::toString)
                .anySatisfy(s ->
                        assertThat(s).contains("c.yml:5:").contains("source.kafka.start: 'yesterday' is not one of"))
                .anySatisfy(s -> assertThat(s).contains("unknown configuration key 'source.kafka.bogus'"))
                .anySatisfy(s -> assertThat(s).contains("source.kafka.bootstrap-servers is required"))
                .anySatisfy(s -> assertThat(s).contains("source.kafka.topics"))
                .anySatisfy(s -> assertThat(s).contains("sink.checkpoint-interval: 'soon'"))
                .anySatisfy(s -> assertThat(s).contains("sink.kinesis.region is required"))
                .anySatisfy(s -> assertThat(s).contains("sink.kinesis.dead-letter-stream must differ"))
                .anySatisfy(s -> assertThat(s).contains("sink.kinesis.endpoint: 'ftp://x'"));
    }

    @Test
    void kindWithoutItsSectionAndTimestampWithoutInstant() {
        assertThat(errors("source: {kind: kinesis}\n"))
                .extracting(LoadError::message)
                .containsExactly("source.kind is kinesis but source.kinesis is missing");
        assertThat(errors("""
                source:
                  kind: kafka
                  kafka: {bootstrap-servers: b, topics: t, start: timestamp}
                """))
                .extracting(LoadError::message)
                .containsExactly("source.kafka.start: timestamp needs source.kafka.start-timestamp");
        assertThat(errors("""
                source:
                  kinesis: {stream-arn: "arn:aws:kinesis:eu-west-1:12:stream/x"}
                """))
                .extracting(LoadError::message)
                .singleElement()
                .asString()
                .contains("source.kinesis.stream-arn", "is not a Kinesis stream ARN");
    }

    @Test
    void kinesisRegionFromArnAndClientProperties() throws Exception {
        TriplineConfig c = TriplineConfig.parse("c.yml", """
                source:
                  kind: kinesis
                  kinesis:
                    stream-arn: arn:aws:kinesis:eu-west-1:123456789012:stream/ct
                    endpoint: http://127.0.0.1:4567
                """);
        KinesisSourceOptions k = c.source().kinesis();
        assertThat(k.region()).isEqualTo("eu-west-1");
        assertThat(k.streamName()).isEqualTo("ct");
        assertThat(k.start()).isEqualTo(KinesisSourceOptions.Start.LATEST);
        assertThat(KinesisConnectors.clientProperties(k.region(), k.endpoint(), k.properties()))
                .containsEntry("aws.region", "eu-west-1")
                .containsEntry("aws.endpoint", "http://127.0.0.1:4567")
                .containsEntry("aws.http.protocol.version", "HTTP1_1")
                .doesNotContainKey("aws.credentials.provider"); // the AWS default chain
    }

    @Test
    void secretsFromEnvironmentAndFileAreNeverPrinted(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("pw");
        Files.writeString(secret, "file-secret-value\n");
        String yaml = """
                properties:
                  security.protocol: SASL_SSL
                  sasl.jaas.config: {env: TEST_JAAS}
                  ssl.truststore.password: {file: %s}
                  ssl.keystore.password: inline-secret
                """.formatted(secret);
        List<LoadError> errors = new ArrayList<>();
        ConfigReader r = new ConfigReader("c.yml", errors, Map.of("TEST_JAAS", "env-secret-value")::get);
        ClientProperties p = r.properties(
                SafeYaml.map(
                        "c.yml", SafeYaml.parseAll("c.yml", yaml).documents().get(0), "top"),
                "source.kafka",
                "properties");
        assertThat(errors).isEmpty();
        assertThat(p.get("sasl.jaas.config")).isEqualTo("env-secret-value");
        assertThat(p.get("ssl.truststore.password")).isEqualTo("file-secret-value");
        assertThat(p.toString())
                .contains("security.protocol=SASL_SSL")
                .doesNotContain("env-secret-value", "file-secret-value", "inline-secret");

        ConfigReader missing = new ConfigReader("c.yml", errors, name -> null);
        missing.properties(
                SafeYaml.map(
                        "c.yml", SafeYaml.parseAll("c.yml", """
                properties:
                  a: {env: NOPE}
                  b: {file: /nonexistent/secret}
                  c: {vault: x}
                """).documents().get(0), "top"),
                "source.kafka",
                "properties");
        assertThat(errors)
                .extracting(LoadError::message)
                .containsExactly(
                        "source.kafka.properties.a: environment variable NOPE is not set",
                        "source.kafka.properties.b: cannot read secret file /nonexistent/secret (NoSuchFileException)",
                        "source.kafka.properties.c must be a value, {env: NAME} or {file: PATH}");
    }

    @Test
    void longPartitionKeysAreHashedToKinesisLimit() {
        assertThat(KinesisConnectors.partitionKey("short")).isEqualTo("short");
        assertThat(KinesisConnectors.partitionKey("x".repeat(300))).hasSize(64);
        assertThat(KinesisConnectors.partitionKey("")).isEqualTo("-");
    }

    @Test
    void optionRecordsRefuseIncompleteSettings() {
        assertThatThrownBy(() -> new KafkaSourceOptions(
                        List.of("b"),
                        List.of("t"),
                        "g",
                        KafkaSourceOptions.Start.TIMESTAMP,
                        null,
                        false,
                        ClientProperties.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
