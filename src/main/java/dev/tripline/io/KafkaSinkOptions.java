package dev.tripline.io;

import dev.tripline.rule.yaml.YamlMap;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where alerts and dead letters go on Kafka: {@code sink.kafka} in the configuration.
 *
 * <pre>
 * sink:
 *   kind: kafka
 *   kafka:
 *     bootstrap-servers: broker-1:9093
 *     topic: tripline-alerts
 *     dead-letter-topic: tripline-dead-letters     # default tripline-dead-letters
 *     delivery: exactly-once                       # default; or at-least-once
 *     transactional-id-prefix: tripline            # unique per job writing to the same cluster
 *     transaction-timeout: 15m                     # at most the broker's transaction.max.timeout.ms
 *     properties: { security.protocol: SSL }
 * </pre>
 *
 * <p>Exactly-once writes each checkpoint's alerts in one Kafka transaction committed when the checkpoint
 * completes, so {@code read_committed} consumers see each alert once, after a delay of up to one checkpoint
 * interval.
 */
public record KafkaSinkOptions(
        List<String> bootstrapServers,
        String topic,
        String deadLetterTopic,
        Delivery delivery,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        ClientProperties properties)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "tripline-dead-letters";
    public static final String DEFAULT_TRANSACTIONAL_ID_PREFIX = "tripline";
    /** Kafka brokers refuse transactions longer than transaction.max.timeout.ms, 15 minutes by default. */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    static final Set<String> KEYS = Set.of(
            "bootstrap-servers",
            "topic",
            "dead-letter-topic",
            "delivery",
            "transactional-id-prefix",
            "transaction-timeout",
            "properties");

    public enum Delivery {
        EXACTLY_ONCE,
        AT_LEAST_ONCE
    }

    public KafkaSinkOptions {
        bootstrapServers = List.copyOf(bootstrapServers);
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(transactionalIdPrefix, "transactionalIdPrefix");
        Objects.requireNonNull(transactionTimeout, "transactionTimeout");
        Objects.requireNonNull(properties, "properties");
        if (bootstrapServers.isEmpty()) {
            throw new IllegalArgumentException("Kafka sink needs bootstrap servers");
        }
    }

    public static KafkaSinkOptions parse(ConfigReader r, YamlMap m, String prefix) {
        r.onlyKeys(m, prefix, KEYS);
        List<String> servers = r.strings(m, prefix, "bootstrap-servers", true);
        String topic = r.string(m, prefix, "topic", true);
        String dlt = r.string(m, prefix, "dead-letter-topic", false);
        Delivery delivery = r.choice(
                m,
                prefix,
                "delivery",
                Map.of("exactly-once", Delivery.EXACTLY_ONCE, "at-least-once", Delivery.AT_LEAST_ONCE),
                Delivery.EXACTLY_ONCE);
        String prefixId = r.string(m, prefix, "transactional-id-prefix", false);
        Duration timeout = r.duration(m, prefix, "transaction-timeout", DEFAULT_TRANSACTION_TIMEOUT);
        ClientProperties props = r.properties(m, prefix, "properties");
        if (topic != null && topic.equals(dlt)) {
            r.error(m.get("dead-letter-topic"), prefix + ".dead-letter-topic must differ from " + prefix + ".topic");
        }
        if (servers.isEmpty() || topic == null) {
            return null;
        }
        return new KafkaSinkOptions(
                servers,
                topic,
                dlt == null ? DEFAULT_DEAD_LETTER_TOPIC : dlt,
                delivery,
                prefixId == null ? DEFAULT_TRANSACTIONAL_ID_PREFIX : prefixId,
                timeout,
                props);
    }
}
