package dev.tripline.job;

import static dev.tripline.io.CloudTrailScenario.arn;
import static dev.tripline.io.CloudTrailScenario.describe;
import static dev.tripline.io.CloudTrailScenario.enable;
import static dev.tripline.io.CloudTrailScenario.run;
import static dev.tripline.io.KafkaTestCluster.kv;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tripline.io.KafkaTestCluster;
import dev.tripline.io.KinesisLocal;
import dev.tripline.testing.Flagship;
import dev.tripline.testing.LocalFlinkCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * The TaskManager process of deploy/local's real cluster is killed with SIGKILL in the middle of a stream while
 * flagship sequences are open; Flink's restart strategy restores the job from its last checkpoint on a new
 * TaskManager, and the alerts at the sink are those of a run of the same job over the same records without the
 * failure. Once with a Kafka source and the exactly-once Kafka sink (a read_committed consumer sees every alert
 * exactly once), once with a Kinesis source and the Kinesis sink, which is at-least-once (every alert arrives,
 * the replayed ones again, identical, under the same alert_id; deduplicated by alert_id the stream is exactly the
 * failure-free run's).
 *
 * <p>Checkpoints are taken on demand ({@code flink checkpoint}; the periodic interval is an hour), so the test
 * knows what the failure rolls back:
 *
 * <ol>
 *   <li>A: fourteen principals enable a region; four of them use it at once (their composite alerts fire);
 *       checkpoint;</li>
 *   <li>B: four more use it (composites fire, after the checkpoint), two more principals enable a region;</li>
 *   <li>SIGKILL the TaskManager; start a new one; the job restores the checkpoint and replays B;</li>
 *   <li>C: the remaining eight use their region: sequences opened in A before the checkpoint and in B after it
 *       complete across the failure; {@code flink stop --drain} ends the input.</li>
 * </ol>
 *
 * The failure-free run is the same job on the same cluster over the same (by then complete) stream, also ended
 * with {@code stop --drain}.
 */
class LocalClusterFailureIT {
    static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    static final int PRINCIPALS = 14;
    static final String REGION = "ap-southeast-1";

    @TempDir
    static Path dir;

    static LocalFlinkCluster cluster;
    static KafkaTestCluster kafka;
    static KinesisLocal kinesis;
    static KinesisClient kinesisClient;

    @BeforeAll
    static void start() throws Exception {
        kafka = new KafkaTestCluster();
        kinesis = new KinesisLocal();
        kinesisClient = kinesis.client();
        cluster = new LocalFlinkCluster(
                dir.resolve("cluster"),
                List.of(
                        // Only the checkpoints the test asks for: it knows what a failure rolls back.
                        "execution.checkpointing.interval: 1h",
                        "restart-strategy.fixed-delay.attempts: 5",
                        "restart-strategy.fixed-delay.delay: 1s"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (kinesisClient != null) {
            kinesisClient.close();
        }
        if (kinesis != null) {
            kinesis.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    // ---- the records: three phases, event time never decreasing, so no record is late in any run ----

    static String user(int i) {
        return String.format("victim-%02d", i);
    }

    /** Phase A: principals 0..11 enable the region; 0..3 use it; a later event moves the watermark past them. */
    static List<String> phaseA() {
        List<String> r = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            r.add(enable("open-" + i, REGION, i, user(i)));
        }
        for (int i = 0; i < 4; i++) {
            r.add(run("close-a-" + i, REGION, 12 + i, user(i)));
        }
        r.add(describe("tick-a", 20, "bystander"));
        return r;
    }

    /** Phase B, after the checkpoint: 4..7 use the region, 12 and 13 enable it. */
    static List<String> phaseB() {
        List<String> r = new ArrayList<>();
        for (int i = 4; i < 8; i++) {
            r.add(run("close-b-" + i, REGION, 17 + i, user(i)));
        }
        r.add(enable("open-12", REGION, 25, user(12)));
        r.add(enable("open-13", REGION, 26, user(13)));
        r.add(describe("tick-b", 30, "bystander"));
        return r;
    }

    /** Phase C, after the failure: 8..13 use the region. */
    static List<String> phaseC() {
        List<String> r = new ArrayList<>();
        for (int i = 8; i < PRINCIPALS; i++) {
            r.add(run("close-c-" + i, REGION, 23 + i, user(i)));
        }
        r.add(describe("tick-c", 45, "bystander"));
        return r;
    }

    // ---- Kafka in, Kafka out exactly-once ----

    @Test
    void killingTheTaskManagerLosesAndDuplicatesNoAlertWithKafkaExactlyOnce() throws Exception {
        for (String t : List.of("ct", "alerts", "dead", "alerts-ref", "dead-ref")) {
            kafka.createTopic(t, 1);
        }
        Path rules = flagshipRules("kafka");
        String job = cluster.submit(1, jobArgs(kafkaConfig("failure", "alerts", "dead"), rules));
        cluster.awaitTasksRunning(job, Duration.ofMinutes(1));

        produce(phaseA());
        await("phase A's composites", () -> kafkaAlerts("alerts", false), "close-a-3");
        long checkpoint = cluster.checkpoint(job);

        produce(phaseB());
        await("phase B's composites (in the open transaction)", () -> kafkaAlerts("alerts", false), "close-b-7");

        crashAndRecover(job, checkpoint);

        produce(phaseC());
        await("phase C's composites", () -> kafkaAlerts("alerts", false), "close-c-13");
        cluster.stopAndDrain(job);

        List<String> committed = kafkaAlerts("alerts", true);
        // The transaction open at the crash was aborted: a read_uncommitted consumer sees its alerts, rolled back.
        assertThat(kafkaAlerts("alerts", false).size())
                .as("alerts of the aborted transaction")
                .isGreaterThan(committed.size());

        String reference = cluster.submit(1, jobArgs(kafkaConfig("reference", "alerts-ref", "dead-ref"), rules));
        await("the failure-free run's composites", () -> kafkaAlerts("alerts-ref", false), "close-c-13");
        cluster.stopAndDrain(reference);
        List<String> expected = kafkaAlerts("alerts-ref", true);

        assertFlagshipComposites(expected);
        assertThat(sorted(committed))
                .as("read_committed alerts after the failure")
                .isEqualTo(sorted(expected));
    }

    private static String kafkaConfig(String group, String alerts, String dead) throws Exception {
        Path config = dir.resolve(group + ".yml");
        Files.writeString(config, """
                time:
                  max-event-age: 3650d
                  out-of-orderness: 1s
                source:
                  kind: kafka
                  kafka: {bootstrap-servers: '%1$s', topics: [ct], group-id: %2$s, start: earliest}
                sink:
                  kind: kafka
                  kafka:
                    bootstrap-servers: '%1$s'
                    topic: %3$s
                    dead-letter-topic: %4$s
                    transactional-id-prefix: tripline-%2$s
                """.formatted(kafka.bootstrap(), group, alerts, dead));
        return config.toString();
    }

    private static void produce(List<String> records) throws Exception {
        List<byte[][]> kvs = new ArrayList<>();
        for (String r : records) {
            kvs.add(kv("k", r));
        }
        kafka.produce("ct", kvs);
    }

    private static List<String> kafkaAlerts(String topic, boolean committed) {
        return (committed ? kafka.readCommitted(topic) : kafka.readUncommitted(topic))
                .stream()
                        .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                        .toList();
    }

    // ---- Kinesis in, Kinesis out at-least-once ----

    @Test
    void killingTheTaskManagerLosesNoAlertWithKinesisAndAlertIdsMakeItExact() throws Exception {
        String source = createStream("ct-kinesis");
        createStream("alerts-kinesis");
        createStream("dead-kinesis");
        createStream("alerts-kinesis-ref");
        createStream("dead-kinesis-ref");
        Path rules = flagshipRules("kinesis");
        String job =
                cluster.submit(1, jobArgs(kinesisConfig("failure", source, "alerts-kinesis", "dead-kinesis"), rules));
        cluster.awaitTasksRunning(job, Duration.ofMinutes(1));

        put(phaseA());
        await("phase A's composites", () -> kinesisAlerts("alerts-kinesis"), "close-a-3");
        long checkpoint = cluster.checkpoint(job);

        put(phaseB());
        await("phase B's composites", () -> kinesisAlerts("alerts-kinesis"), "close-b-7");

        crashAndRecover(job, checkpoint);

        put(phaseC());
        await("phase C's composites", () -> kinesisAlerts("alerts-kinesis"), "close-c-13");
        cluster.stopAndDrain(job);
        List<String> delivered = kinesisAlerts("alerts-kinesis");

        String reference = cluster.submit(
                1, jobArgs(kinesisConfig("reference", source, "alerts-kinesis-ref", "dead-kinesis-ref"), rules));
        await("the failure-free run's composites", () -> kinesisAlerts("alerts-kinesis-ref"), "close-c-13");
        cluster.stopAndDrain(reference);
        List<String> expected = kinesisAlerts("alerts-kinesis-ref");
        assertFlagshipComposites(expected);
        assertThat(byAlertId(expected))
                .as("the failure-free run has no duplicate")
                .hasSize(expected.size());

        // At least once: what B raised before the crash was delivered, and again after the replay.
        Map<String, List<String>> delivery = byAlertId(delivered);
        List<String> repeated = delivery.values().stream()
                .filter(copies -> copies.size() > 1)
                .map(copies -> copies.get(0))
                .toList();
        assertThat(repeated)
                .as("alerts delivered twice")
                .isNotEmpty()
                .allSatisfy(a -> assertThat(a)
                        .as("only what came after the checkpoint is replayed")
                        .doesNotContain("close-a-"));
        for (List<String> copies : delivery.values()) {
            assertThat(copies).as("copies of one alert_id are the same alert").containsOnly(copies.get(0));
        }
        List<String> deduplicated =
                delivery.values().stream().map(copies -> copies.get(0)).toList();
        assertThat(sorted(deduplicated))
                .as("alerts by alert_id after the failure")
                .isEqualTo(sorted(expected));
    }

    private static String kinesisConfig(String name, String sourceArn, String alerts, String dead) throws Exception {
        Path config = dir.resolve("kinesis-" + name + ".yml");
        Files.writeString(config, """
                time:
                  max-event-age: 3650d
                  out-of-orderness: 1s
                source:
                  kind: kinesis
                  kinesis:
                    stream-arn: %1$s
                    endpoint: %2$s
                    start: trim-horizon
                    shard-discovery-interval: 500ms
                    properties:
                      aws.credentials.provider: BASIC
                      aws.credentials.provider.basic.accesskeyid: %3$s
                      aws.credentials.provider.basic.secretkey: %4$s
                sink:
                  kind: kinesis
                  kinesis:
                    stream: %5$s
                    dead-letter-stream: %6$s
                    region: us-east-1
                    endpoint: %2$s
                    max-buffer-time: 200ms
                    properties:
                      aws.credentials.provider: BASIC
                      aws.credentials.provider.basic.accesskeyid: %3$s
                      aws.credentials.provider.basic.secretkey: %4$s
                """.formatted(
                        sourceArn, kinesis.endpoint(), KinesisLocal.ACCESS_KEY, KinesisLocal.SECRET_KEY, alerts, dead));
        return config.toString();
    }

    private static String createStream(String name) {
        kinesisClient.createStream(b -> b.streamName(name).shardCount(1));
        kinesisClient.waiter().waitUntilStreamExists(b -> b.streamName(name));
        return kinesisClient
                .describeStreamSummary(b -> b.streamName(name))
                .streamDescriptionSummary()
                .streamARN();
    }

    private static void put(List<String> records) {
        for (String r : records) {
            kinesisClient.putRecord(b ->
                    b.streamName("ct-kinesis").partitionKey("k").data(SdkBytes.fromString(r, StandardCharsets.UTF_8)));
        }
    }

    /** Every record on the stream's single shard so far, as text. */
    private static List<String> kinesisAlerts(String stream) {
        String shard = kinesisClient
                .listShards(b -> b.streamName(stream))
                .shards()
                .get(0)
                .shardId();
        String it = kinesisClient
                .getShardIterator(
                        b -> b.streamName(stream).shardId(shard).shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                .shardIterator();
        List<String> out = new ArrayList<>();
        while (it != null) {
            String current = it;
            var r = kinesisClient.getRecords(b -> b.shardIterator(current));
            for (Record rec : r.records()) {
                out.add(rec.data().asUtf8String());
            }
            if (r.records().isEmpty()) {
                break;
            }
            it = r.nextShardIterator();
        }
        return out;
    }

    // ---- shared steps ----

    private static String[] jobArgs(String config, Path rules) {
        return new String[] {"job", "--config", config, "--rules", rules.toString()};
    }

    /** The flagship file as shipped: its signals feed the correlations, which raise the only alerts here. */
    private static Path flagshipRules(String name) throws Exception {
        Path d = Files.createDirectories(dir.resolve("rules-" + name));
        Files.copy(Path.of(Flagship.FILE), d.resolve("flagship.yml"));
        return d;
    }

    /**
     * SIGKILL of the TaskManager while the job runs, a new TaskManager, and the job running again from
     * {@code checkpoint} (the REST API's restored checkpoint), not from its start.
     */
    private static void crashAndRecover(String job, long checkpoint) throws Exception {
        cluster.killTaskManager();
        cluster.startTaskManager();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        JsonNode restored = null;
        while (System.nanoTime() < deadline) {
            restored =
                    cluster.get("/jobs/" + job + "/checkpoints").path("latest").path("restored");
            if (restored.has("id")) {
                break;
            }
            Thread.sleep(250);
        }
        assertThat(restored).as("restored checkpoint").isNotNull();
        assertThat(restored.path("id").asLong())
                .as("restored checkpoint: " + restored)
                .isEqualTo(checkpoint);
        assertThat(restored.path("is_savepoint").asBoolean()).isFalse();
        cluster.awaitTasksRunning(job, Duration.ofMinutes(2));
    }

    /** Waits until one of the lines {@code read} returns contains {@code text}. */
    private static void await(String what, Supplier<List<String>> read, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (read.get().stream().anyMatch(l -> l.contains("\"" + text + "\""))) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + ": no alert with " + text + " within 90 s");
    }

    /** One composite per principal, with the open and the close of its own sequence. */
    private static void assertFlagshipComposites(List<String> alerts) throws Exception {
        List<JsonNode> composites = new ArrayList<>();
        for (String a : alerts) {
            JsonNode n = CANONICAL.readTree(a);
            if (n.path("rule").path("id").asText().equals(Flagship.REGION_PLAN)) {
                composites.add(n);
            }
        }
        assertThat(composites).as("composites").hasSize(PRINCIPALS);
        for (int i = 0; i < PRINCIPALS; i++) {
            String principal = arn(user(i));
            String open = "\"open-" + i + "\"";
            String close = "\"close-[abc]-" + i + "\"";
            assertThat(composites)
                    .as("the sequence of " + user(i))
                    .filteredOn(c -> c.toString().contains(principal + "\""))
                    .singleElement()
                    .satisfies(c -> assertThat(c.toString()).contains(open).containsPattern(close));
        }
    }

    /** Alerts by {@code alert_id} and revision, in delivery order. */
    private static Map<String, List<String>> byAlertId(List<String> alerts) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String a : alerts) {
            JsonNode n = CANONICAL.readTree(a);
            String key = n.path("alert_id").asText() + "/" + n.path("revision").asText();
            out.computeIfAbsent(key, k -> new ArrayList<>()).add(canonical(a));
        }
        return out;
    }

    private static List<String> sorted(List<String> alerts) throws Exception {
        List<String> out = new ArrayList<>();
        for (String a : alerts) {
            out.add(canonical(a));
        }
        out.sort(null);
        return out;
    }

    private static String canonical(String json) throws Exception {
        return CANONICAL.writeValueAsString(CANONICAL.readValue(json, Object.class));
    }
}
