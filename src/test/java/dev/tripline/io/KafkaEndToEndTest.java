package dev.tripline.io;

import static dev.tripline.io.CloudTrailScenario.REGION_PLAN;
import static dev.tripline.io.CloudTrailScenario.arn;
import static dev.tripline.io.CloudTrailScenario.describe;
import static dev.tripline.io.CloudTrailScenario.enable;
import static dev.tripline.io.CloudTrailScenario.run;
import static dev.tripline.io.KafkaTestCluster.header;
import static dev.tripline.io.KafkaTestCluster.kv;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.RawRecord;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.job.TriplineConfig;
import dev.tripline.program.RuleProgram;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The detection job between a real Kafka broker (in this JVM) and itself: CloudTrail records in, composite and
 * single alerts out through the transactional sink, bad records to the dead-letter topic with their raw bytes,
 * reason and source position; and a run that fails once after a checkpoint still shows a read_committed
 * consumer every alert exactly once.
 */
class KafkaEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

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

    /** The configuration a user would write, pointed at the test broker. */
    static TriplineConfig config(String in, String out, String dead, String delivery) throws Exception {
        return TriplineConfig.parse("test.yml", """
                source:
                  kind: kafka
                  kafka:
                    bootstrap-servers: %1$s
                    topics: [%2$s]
                    group-id: tripline-test-%2$s
                    start: earliest
                    bounded: true
                sink:
                  kind: kafka
                  checkpoint-interval: 100ms
                  kafka:
                    bootstrap-servers: %1$s
                    topic: %3$s
                    dead-letter-topic: %4$s
                    delivery: %5$s
                    transactional-id-prefix: tx-%3$s
                    transaction-timeout: 1m
                """.formatted(kafka.bootstrap(), in, out, dead, delivery));
    }

    static StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        env.setParallelism(2);
        return env;
    }

    static String utf8(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void recordsInCompositeAlertOutDeadLettersWithRawBytesAndPosition() throws Exception {
        kafka.createTopic("ct-e2e", 1);
        kafka.createTopic("alerts-e2e", 2);
        kafka.createTopic("dead-e2e", 1);
        String logFile = "{\"Records\":[" + describe("n1", 0, "alice") + ","
                + enable("m-enable", "ap-southeast-1", 1, "mallory") + "]}"; // a CloudTrail log file, batched
        List<byte[][]> in = List.of(
                kv("a", logFile), // offset 0
                kv("a", "{\"eventVersion\":\"1.08\",\"eventName\":"), // offset 1: malformed
                kv("a", run("m-run-1", "ap-southeast-1", 10, "mallory")), // offset 2
                kv("a", "\u0000\u0001garbage\u0000"), // offset 3: binary
                kv("a", describe("n2", 130, "alice"))); // offset 4
        kafka.produce("ct-e2e", in);

        TriplineConfig cfg = config("ct-e2e", "alerts-e2e", "dead-e2e", "exactly-once");
        StreamExecutionEnvironment env = env();
        EmbeddedRun.enableCheckpointing(env, cfg.sink().checkpointInterval());
        DataStream<RawRecord> source = Connectors.source(env, cfg.source(), List.of(), new RawRecordFormat());
        EmbeddedRun.Summary summary = new EmbeddedRun(
                        RuleProgram.of(CloudTrailScenario.rules()),
                        DetectionJob.Options.defaults(),
                        AlertFormat.JSONL,
                        new RawRecordFormat())
                .runAttached(
                        env,
                        RuntimeExecutionMode.STREAMING,
                        source,
                        0,
                        0,
                        Connectors.alertSink(cfg.sink(), AlertFormat.JSONL),
                        Connectors.deadLetterSink(cfg.sink()));
        assertThat(summary.records()).isEqualTo(5);
        assertThat(summary.deadLetters()).isEqualTo(2);

        List<ConsumerRecord<byte[], byte[]>> alerts = kafka.readCommitted("alerts-e2e");
        List<ConsumerRecord<byte[], byte[]>> composite = alerts.stream()
                .filter(r -> REGION_PLAN.equals(header(r, KafkaConnectors.H_RULE_ID)))
                .toList();
        assertThat(composite).singleElement().satisfies(r -> {
            JsonNode a = JSON.readTree(r.value());
            assertThat(header(r, KafkaConnectors.H_KIND)).isEqualTo("correlation");
            assertThat(utf8(r.key())).isEqualTo(a.path("dedup_key").asText()).isNotEmpty();
            assertThat(header(r, KafkaConnectors.H_ALERT_ID))
                    .isEqualTo(a.path("alert_id").asText());
            assertThat(r.value())
                    .asString(StandardCharsets.UTF_8)
                    .contains(arn("mallory"), "ap-southeast-1", "m-enable", "m-run-1");
        });
        // Every alert carries its rule id and kind; keys are the dedup keys, so no two alerts share one.
        assertThat(alerts).allSatisfy(r -> {
            assertThat(header(r, KafkaConnectors.H_RULE_ID)).isNotBlank();
            assertThat(header(r, KafkaConnectors.H_KIND)).isIn("single", "correlation");
        });
        assertThat(alerts.stream().map(r -> utf8(r.key())).toList()).doesNotHaveDuplicates();

        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readCommitted("dead-e2e");
        assertThat(dead).hasSize(2);
        Map<String, ConsumerRecord<byte[], byte[]>> byOffset = new HashMap<>();
        dead.forEach(r -> byOffset.put(header(r, KafkaConnectors.H_SOURCE_OFFSET), r));
        assertThat(byOffset).containsOnlyKeys("1", "3");
        assertThat(header(byOffset.get("1"), KafkaConnectors.H_REASON)).isEqualTo("MALFORMED_JSON");
        assertThat(header(byOffset.get("3"), KafkaConnectors.H_REASON)).isEqualTo("BINARY_INPUT");
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            int offset = Integer.parseInt(header(r, KafkaConnectors.H_SOURCE_OFFSET));
            assertThat(r.value()).isEqualTo(in.get(offset)[1]);
            assertThat(header(r, KafkaConnectors.H_SOURCE_TOPIC)).isEqualTo("ct-e2e");
            assertThat(header(r, KafkaConnectors.H_SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(r, KafkaConnectors.H_MESSAGE)).isNotBlank();
        }
    }

    @Test
    void failureAfterCheckpointStillDeliversEveryAlertExactlyOnce() throws Exception {
        int users = 40;
        List<byte[][]> in = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            String user = "user" + u;
            in.add(kv(user, enable(user + "-enable", "ap-southeast-1", 1, user)));
            in.add(kv(user, run(user + "-run", "ap-southeast-1", 5, user)));
            if (u % 8 == 0) {
                String b = "{\"broken\": " + u;
                bad.add(b);
                in.add(kv(user, b));
            }
        }
        kafka.createTopic("ct-eo", 2);
        for (String t : List.of("alerts-ref", "dead-ref", "alerts-eo", "dead-eo")) {
            kafka.createTopic(t, 2);
        }
        kafka.produce("ct-eo", in);

        // Reference: the same input without a failure.
        runJob(config("ct-eo", "alerts-ref", "dead-ref", "exactly-once"), false);
        FailOnce.reset();
        runJob(config("ct-eo", "alerts-eo", "dead-eo", "exactly-once"), true);
        assertThat(FailOnce.FAILED.get()).as("the injected failure happened").isTrue();
        assertThat(FailOnce.RECORDS_BEFORE_FAILURE.get())
                .as("records seen before the failure")
                .isBetween(1, in.size() - 1);

        List<String> expected = alertIds(kafka.readCommitted("alerts-ref"));
        List<String> actual = alertIds(kafka.readCommitted("alerts-eo"));
        assertThat(expected.stream().filter(s -> s.startsWith(REGION_PLAN))).hasSize(users);
        assertThat(actual).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);

        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readCommitted("dead-eo");
        assertThat(dead.stream().map(r -> utf8(r.value())).toList()).containsExactlyInAnyOrderElementsOf(bad);
        assertThat(dead)
                .allSatisfy(r -> assertThat(header(r, KafkaConnectors.H_REASON)).isEqualTo("MALFORMED_JSON"));
    }

    /**
     * An alert line's identity: rule, dedup key and revision (an alert and its update share the key). Not the
     * alert id, which derives from the first event of the period, and at parallelism 2 which of two users' events
     * reaches an account-wide dedup key first differs between runs.
     */
    private static List<String> alertIds(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream()
                .map(r -> header(r, KafkaConnectors.H_RULE_ID) + " " + utf8(r.key()) + " r" + revision(r))
                .toList();
    }

    private static int revision(ConsumerRecord<byte[], byte[]> r) {
        try {
            return JSON.readTree(r.value()).path("revision").asInt();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void runJob(TriplineConfig cfg, boolean failOnce) throws Exception {
        StreamExecutionEnvironment env = env();
        EmbeddedRun.enableCheckpointing(env, cfg.sink().checkpointInterval());
        DataStream<RawRecord> source = Connectors.source(env, cfg.source(), List.of(), new RawRecordFormat());
        if (failOnce) {
            source = source.map(new FailOnce()).returns(RawRecord.TYPE).name("fail once");
        }
        new EmbeddedRun(
                        RuleProgram.of(CloudTrailScenario.rules()),
                        DetectionJob.Options.defaults(),
                        AlertFormat.JSONL,
                        new RawRecordFormat())
                .runAttached(
                        env,
                        RuntimeExecutionMode.STREAMING,
                        source,
                        0,
                        0,
                        Connectors.alertSink(cfg.sink(), AlertFormat.JSONL),
                        Connectors.deadLetterSink(cfg.sink()));
    }

    /**
     * Passes records through slowly and throws once, on the first record after a checkpoint that completed
     * once some records had passed, so that the restart replays from a checkpoint with output already
     * committed before it and output in flight after it.
     */
    static final class FailOnce extends RichMapFunction<RawRecord, RawRecord> implements CheckpointListener {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicInteger SEEN = new AtomicInteger();
        static final AtomicInteger RECORDS_BEFORE_FAILURE = new AtomicInteger();
        private transient boolean checkpointAfterRecords;

        static void reset() {
            FAILED.set(false);
            SEEN.set(0);
            RECORDS_BEFORE_FAILURE.set(0);
        }

        @Override
        public void open(OpenContext ctx) {
            checkpointAfterRecords = false;
        }

        @Override
        public RawRecord map(RawRecord r) throws Exception {
            Thread.sleep(20);
            if (checkpointAfterRecords && FAILED.compareAndSet(false, true)) {
                RECORDS_BEFORE_FAILURE.set(SEEN.get());
                throw new IllegalStateException("injected failure after a completed checkpoint");
            }
            SEEN.incrementAndGet();
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            if (SEEN.get() >= 10) {
                checkpointAfterRecords = true;
            }
        }
    }
}
