package dev.tripline.io;

import static dev.tripline.io.CloudTrailScenario.REGION_PLAN;
import static dev.tripline.io.CloudTrailScenario.arn;
import static dev.tripline.io.CloudTrailScenario.describe;
import static dev.tripline.io.CloudTrailScenario.enable;
import static dev.tripline.io.CloudTrailScenario.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.alert.AlertFormat;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.TriplineConfig;
import dev.tripline.program.RuleProgram;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * The detection job between real Kinesis API calls (kinesis-local): CloudTrail records and CloudWatch Logs
 * subscription payloads in (a control message among them), the composite alert out on the alert stream, and
 * the bad record on the dead-letter stream with its reason and raw bytes.
 */
class KinesisEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    static KinesisLocal kinesis;
    static KinesisClient client;

    @BeforeAll
    static void start() throws Exception {
        kinesis = new KinesisLocal();
        client = kinesis.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (kinesis != null) {
            kinesis.close();
        }
    }

    static String createStream(String name) {
        client.createStream(b -> b.streamName(name).shardCount(1));
        client.waiter().waitUntilStreamExists(b -> b.streamName(name));
        return client.describeStreamSummary(b -> b.streamName(name))
                .streamDescriptionSummary()
                .streamARN();
    }

    static void put(String stream, byte[] data) {
        client.putRecord(b -> b.streamName(stream).partitionKey("p").data(SdkBytes.fromByteArray(data)));
    }

    static byte[] gzip(String s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(bytes)) {
            z.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    /** What a CloudWatch Logs subscription delivers: gzip JSON, one log event per CloudTrail record. */
    static byte[] subscription(String type, List<String> messages) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("messageType", type);
        n.put("owner", CloudTrailScenario.ACCOUNT);
        n.put("logGroup", "aws-cloudtrail-logs");
        n.put("logStream", CloudTrailScenario.ACCOUNT + "_CloudTrail_us-east-1");
        n.putArray("subscriptionFilters").add("tripline");
        ArrayNode events = n.putArray("logEvents");
        for (int i = 0; i < messages.size(); i++) {
            events.addObject()
                    .put("id", Integer.toString(i))
                    .put("timestamp", 1709632800000L + i)
                    .put("message", messages.get(i));
        }
        return gzip(JSON.writeValueAsString(n));
    }

    /** Every record on the stream's single shard so far. */
    static List<Record> read(String stream) {
        String shard =
                client.listShards(b -> b.streamName(stream)).shards().get(0).shardId();
        String it = client.getShardIterator(
                        b -> b.streamName(stream).shardId(shard).shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                .shardIterator();
        List<Record> out = new ArrayList<>();
        while (it != null) {
            String current = it;
            var r = client.getRecords(b -> b.shardIterator(current));
            out.addAll(r.records());
            if (r.records().isEmpty()) {
                break;
            }
            it = r.nextShardIterator();
        }
        return out;
    }

    @Test
    void subscriptionPayloadsAndRawRecordsInCompositeAlertOut() throws Exception {
        String inArn = createStream("cloudtrail");
        createStream("alerts");
        createStream("dead-letters");
        String malformed = "{\"eventVersion\":\"1.08\",\"eventName\":";
        put(
                "cloudtrail",
                subscription(
                        "CONTROL_MESSAGE",
                        List.of("CWL CONTROL MESSAGE: Checking health of " + "destination Kinesis stream.")));
        put(
                "cloudtrail",
                subscription(
                        "DATA_MESSAGE",
                        List.of(describe("n1", 0, "alice"), enable("m-enable", "ap-southeast-1", 1, "mallory"))));
        put("cloudtrail", malformed.getBytes(StandardCharsets.UTF_8));
        put("cloudtrail", run("m-run-1", "ap-southeast-1", 10, "mallory").getBytes(StandardCharsets.UTF_8));
        // Later event time moves the watermark past the sequence (the stream never ends).
        put("cloudtrail", describe("n2", 180, "alice").getBytes(StandardCharsets.UTF_8));

        TriplineConfig cfg = TriplineConfig.parse(
                "test.yml", """
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
                    stream: alerts
                    dead-letter-stream: dead-letters
                    region: us-east-1
                    endpoint: %2$s
                    max-buffer-time: 200ms
                    properties:
                      aws.credentials.provider: BASIC
                      aws.credentials.provider.basic.accesskeyid: %3$s
                      aws.credentials.provider.basic.secretkey: %4$s
                """.formatted(inArn, kinesis.endpoint(), KinesisLocal.ACCESS_KEY, KinesisLocal.SECRET_KEY));
        assertThat(cfg.source().kinesis().region()).isEqualTo("us-east-1");
        assertThat(cfg.source().kinesis().properties().toString()).doesNotContain(KinesisLocal.SECRET_KEY);

        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        env.setParallelism(1);
        new DetectionJob(
                        RuleProgram.of(CloudTrailScenario.rules()),
                        DetectionJob.Options.defaults().withOutOfOrderness(Duration.ofSeconds(1)))
                .attach(
                        Connectors.source(env, cfg.source(), List.of(), new RawRecordFormat()),
                        Connectors.alertSink(cfg.sink(), AlertFormat.JSONL),
                        Connectors.deadLetterSink(cfg.sink()));
        JobClient job = env.executeAsync("kinesis-e2e");
        try {
            List<JsonNode> composite = new ArrayList<>();
            List<JsonNode> dead = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while ((composite.isEmpty() || dead.isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(300);
                composite.clear();
                for (Record r : read("alerts")) {
                    JsonNode a = JSON.readTree(r.data().asByteArray());
                    if (REGION_PLAN.equals(a.path("rule").path("id").asText())) {
                        composite.add(a);
                        assertThat(r.partitionKey())
                                .isEqualTo(a.path("dedup_key").asText());
                    }
                }
                dead.clear();
                for (Record r : read("dead-letters")) {
                    dead.add(JSON.readTree(r.data().asByteArray()));
                }
            }
            assertThat(composite)
                    .as("composite alert on the alert stream")
                    .singleElement()
                    .satisfies(a ->
                            assertThat(a.toString()).contains(arn("mallory"), "ap-southeast-1", "m-enable", "m-run-1"));
            // The control message is no failure: the malformed record is the only dead letter.
            assertThat(dead).singleElement().satisfies(d -> {
                assertThat(d.path("reason").asText()).isEqualTo("MALFORMED_JSON");
                assertThat(d.path("origin").asText()).startsWith("kinesis:cloudtrail/");
                assertThat(new String(
                                Base64.getDecoder().decode(d.path("raw_base64").asText()), StandardCharsets.UTF_8))
                        .isEqualTo(malformed);
            });
        } finally {
            job.cancel().get();
        }
    }
}
