package dev.tripline.io;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.flink.RuleUpdate;
import dev.tripline.flink.RuleUpdateStatus;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Kafka side of live rule updates: the control topic as a source of {@link RuleUpdate}s and the optional
 * status topic as a sink of {@link RuleUpdateStatus}es.
 *
 * <p>Message value (UTF-8 JSON): {@code {"version": "2024-03-05.1", "files": {"aws/a.yml": "<yaml>", ...}}},
 * the whole rule set each time; the key is not read. A message that is not such an object becomes an update
 * with a problem, so it is rejected and reported like a bad rule file instead of failing the job. A fresh job
 * starts reading at the topic's end (its start files are its rules); a restored job goes on from its
 * checkpointed position.
 */
public final class RuleUpdateConnectors {
    public static final String SOURCE_UID = "tripline-rule-updates-source";
    public static final String STATUS_SINK_UID = "tripline-rule-status-sink";
    /** Larger than any rule repository: Kafka's own message limit is usually far below it. */
    static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength(MAX_MESSAGE_BYTES)
                        .maxNestingDepth(16)
                        .build());
    }

    private RuleUpdateConnectors() {}

    /** The control topic as a stream of updates, parallelism 1 (the topic should have one partition). */
    public static DataStream<RuleUpdate> source(StreamExecutionEnvironment env, LiveUpdateOptions.Kafka o) {
        KafkaSource<RuleUpdate> source = KafkaSource.<RuleUpdate>builder()
                .setBootstrapServers(String.join(",", o.bootstrapServers()))
                .setTopics(o.topic())
                .setGroupId(o.groupId())
                .setDeserializer(new UpdateDeserializer())
                .setProperties(o.properties().toProperties())
                .setStartingOffsets(OffsetsInitializer.latest())
                .build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "rule updates")
                .setParallelism(1)
                .uid(SOURCE_UID);
    }

    /** Writes each status as a JSON object keyed by version to the status topic, at least once. */
    public static void statusSink(DataStream<RuleUpdateStatus> statuses, LiveUpdateOptions.Kafka o) {
        String topic = o.statusTopic();
        KafkaSink<RuleUpdateStatus> sink = KafkaSink.<RuleUpdateStatus>builder()
                .setBootstrapServers(String.join(",", o.bootstrapServers()))
                .setKafkaProducerConfig(o.properties().toProperties())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer(
                        (KafkaRecordSerializationSchema<RuleUpdateStatus>) (s, ctx, ts) -> new ProducerRecord<>(
                                topic, KafkaConnectors.utf8(s.version), KafkaConnectors.utf8(s.toJsonLine())))
                .build();
        statuses.sinkTo(sink).setParallelism(1).uid(STATUS_SINK_UID).name("rule update status sink");
    }

    /** Parses one control message; never throws. */
    public static RuleUpdate parse(byte[] value, String where) {
        List<String> problems = new ArrayList<>();
        if (value == null || value.length == 0) {
            return RuleUpdate.of(where, Map.of(), List.of(where + ": empty message"));
        }
        if (value.length > MAX_MESSAGE_BYTES) {
            return RuleUpdate.of(where, Map.of(), List.of(where + ": message over " + MAX_MESSAGE_BYTES + " bytes"));
        }
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage());
            return RuleUpdate.of(
                    where,
                    Map.of(),
                    List.of(where + ": not JSON: " + m.lines().findFirst().orElse(m)));
        }
        if (root == null || !root.isObject()) {
            return RuleUpdate.of(where, Map.of(), List.of(where + ": expected a JSON object with version and files"));
        }
        JsonNode v = root.get("version");
        String version = where;
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            problems.add(where + ": 'version' must be a non-empty string");
        } else {
            version = v.asText();
        }
        Map<String, String> files = new TreeMap<>();
        JsonNode f = root.get("files");
        if (f == null || !f.isObject()) {
            problems.add(where + ": 'files' must be an object of file name to YAML text");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    problems.add(where + ": files['" + e.getKey() + "'] must be a string of YAML");
                } else if (e.getKey().isBlank() || e.getKey().chars().anyMatch(Character::isISOControl)) {
                    problems.add(where + ": a file name is empty or holds control characters");
                } else {
                    files.put(e.getKey(), e.getValue().asText());
                }
            }
        }
        root.fieldNames().forEachRemaining(n -> {
            if (!n.equals("version") && !n.equals("files")) {
                problems.add(where + ": unknown field '" + n + "' (known: version, files)");
            }
        });
        return RuleUpdate.of(version, files, problems);
    }

    static final class UpdateDeserializer implements KafkaRecordDeserializationSchema<RuleUpdate> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RuleUpdate> out) {
            out.collect(parse(
                    record.value(), "kafka:" + record.topic() + "-" + record.partition() + "@" + record.offset()));
        }

        @Override
        public TypeInformation<RuleUpdate> getProducedType() {
            return TypeInformation.of(RuleUpdate.class);
        }
    }
}
