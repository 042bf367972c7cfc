package dev.tripline.io;

import dev.tripline.rule.yaml.YamlMap;
import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where and how the Kafka source reads: {@code source.kafka} in the configuration.
 *
 * <pre>
 * source:
 *   kind: kafka
 *   kafka:
 *     bootstrap-servers: [broker-1:9093, broker-2:9093]
 *     topics: [cloudtrail]                # one CloudTrail record, log file or EventBridge envelope per message
 *     group-id: tripline                  # default tripline
 *     start: committed                    # committed (else earliest) | earliest | latest | timestamp
 *     start-timestamp: 2024-03-05T10:00:00Z   # with start: timestamp
 *     bounded: false                      # true: stop at the offsets that are latest when the job starts
 *     properties:                         # passed to the consumer as they are
 *       security.protocol: SASL_SSL
 *       sasl.mechanism: SCRAM-SHA-512
 *       sasl.jaas.config: {env: TRIPLINE_KAFKA_JAAS}
 *       ssl.truststore.password: {file: /run/secrets/truststore-password}
 * </pre>
 */
public record KafkaSourceOptions(
        List<String> bootstrapServers,
        List<String> topics,
        String groupId,
        Start start,
        Instant startTimestamp,
        boolean bounded,
        ClientProperties properties)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String DEFAULT_GROUP_ID = "tripline";
    static final Set<String> KEYS =
            Set.of("bootstrap-servers", "topics", "group-id", "start", "start-timestamp", "bounded", "properties");

    /** Where a partition without a position in this job's checkpoint starts. */
    public enum Start {
        COMMITTED,
        EARLIEST,
        LATEST,
        TIMESTAMP
    }

    public KafkaSourceOptions {
        bootstrapServers = List.copyOf(bootstrapServers);
        topics = List.copyOf(topics);
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(properties, "properties");
        if (bootstrapServers.isEmpty() || topics.isEmpty()) {
            throw new IllegalArgumentException("Kafka source needs bootstrap servers and topics");
        }
        if (start == Start.TIMESTAMP && startTimestamp == null) {
            throw new IllegalArgumentException("start: timestamp needs a start-timestamp");
        }
    }

    /** Reads {@code prefix} (e.g. {@code source.kafka}); null after reporting errors. */
    public static KafkaSourceOptions parse(ConfigReader r, YamlMap m, String prefix) {
        r.onlyKeys(m, prefix, KEYS);
        List<String> servers = r.strings(m, prefix, "bootstrap-servers", true);
        List<String> topics = r.strings(m, prefix, "topics", true);
        String group = r.string(m, prefix, "group-id", false);
        Start start = r.choice(
                m,
                prefix,
                "start",
                Map.of(
                        "committed",
                        Start.COMMITTED,
                        "earliest",
                        Start.EARLIEST,
                        "latest",
                        Start.LATEST,
                        "timestamp",
                        Start.TIMESTAMP),
                Start.COMMITTED);
        Instant ts = r.instant(m, prefix, "start-timestamp");
        if (start == Start.TIMESTAMP && ts == null && !m.has("start-timestamp")) {
            r.error(m.get("start"), prefix + ".start: timestamp needs " + prefix + ".start-timestamp");
        }
        if (start != Start.TIMESTAMP && m.has("start-timestamp")) {
            r.error(m.get("start-timestamp"), prefix + ".start-timestamp is only used with start: timestamp");
        }
        boolean bounded = r.choice(m, prefix, "bounded", Map.of("true", true, "false", false), false);
        ClientProperties props = r.properties(m, prefix, "properties");
        try {
            return new KafkaSourceOptions(
                    servers, topics, group == null ? DEFAULT_GROUP_ID : group, start, ts, bounded, props);
        } catch (IllegalArgumentException e) {
            return null; // already reported above, key by key
        }
    }
}
