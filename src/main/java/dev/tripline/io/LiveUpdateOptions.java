package dev.tripline.io;

import dev.tripline.rule.yaml.YamlMap;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Live rule updates: the {@code rules:} section of the configuration.
 *
 * <pre>
 * rules:
 *   watch-interval: 1s          # tripline run --watch-rules: how often the rule paths are polled
 *   correlate-stages: 2         # correlate stages to run (default: as many as the start rules chain)
 *   updates:                    # a Kafka control topic: the cluster job, tripline run --source kafka
 *     bootstrap-servers: [broker-1:9093]
 *     topic: tripline-rules     # one partition; value: {"version": "...", "files": {"path.yml": "yaml", ...}}
 *     status-topic: tripline-rule-status   # optional: one JSON status per update, accepted or rejected
 *     group-id: tripline-rules  # default tripline-rules
 *     properties: {...}         # consumer and producer properties, as for source.kafka
 * </pre>
 *
 * @param kafka null when no control topic is configured
 */
public record LiveUpdateOptions(Duration watchInterval, Integer correlateStages, Kafka kafka) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final Duration DEFAULT_WATCH_INTERVAL = Duration.ofSeconds(1);
    public static final String DEFAULT_GROUP_ID = "tripline-rules";
    /** Deeper chaining than any rule set needs; guards against a typo that would build hundreds of operators. */
    static final int MAX_STAGES = 16;

    static final Set<String> KEYS = Set.of("watch-interval", "correlate-stages", "updates");
    static final Set<String> KAFKA_KEYS =
            Set.of("bootstrap-servers", "topic", "status-topic", "group-id", "properties");

    /** The control topic, and where statuses go. */
    public record Kafka(
            List<String> bootstrapServers,
            String topic,
            String statusTopic,
            String groupId,
            ClientProperties properties)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Kafka {
            bootstrapServers = List.copyOf(bootstrapServers);
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(properties, "properties");
            if (bootstrapServers.isEmpty()) {
                throw new IllegalArgumentException("the rules control topic needs bootstrap servers");
            }
        }
    }

    public LiveUpdateOptions {
        Objects.requireNonNull(watchInterval, "watchInterval");
    }

    public static LiveUpdateOptions defaults() {
        return new LiveUpdateOptions(DEFAULT_WATCH_INTERVAL, null, null);
    }

    /** Reads {@code rules}; reports every bad key and value to {@code r}. */
    public static LiveUpdateOptions parse(ConfigReader r, org.yaml.snakeyaml.nodes.Node node) {
        YamlMap m = r.map(node, "rules");
        if (m == null) {
            return defaults();
        }
        r.onlyKeys(m, "rules", KEYS);
        Duration interval = r.duration(m, "rules", "watch-interval", DEFAULT_WATCH_INTERVAL);
        if (interval.toMillis() < 10) {
            r.error(m.get("watch-interval"), "rules.watch-interval: must be at least 10ms");
            interval = DEFAULT_WATCH_INTERVAL;
        }
        Integer stages = null;
        String text = r.string(m, "rules", "correlate-stages", false);
        if (text != null) {
            try {
                stages = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                stages = -1;
            }
            if (stages < 1 || stages > MAX_STAGES) {
                r.error(
                        m.get("correlate-stages"),
                        "rules.correlate-stages: '" + text + "' is not a whole number from 1 to " + MAX_STAGES);
                stages = null;
            }
        }
        Kafka kafka = null;
        if (m.has("updates")) {
            YamlMap k = r.map(m.get("updates"), "rules.updates");
            if (k != null) {
                String prefix = "rules.updates";
                r.onlyKeys(k, prefix, KAFKA_KEYS);
                List<String> servers = r.strings(k, prefix, "bootstrap-servers", true);
                String topic = r.string(k, prefix, "topic", true);
                String status = r.string(k, prefix, "status-topic", false);
                String group = r.string(k, prefix, "group-id", false);
                ClientProperties props = r.properties(k, prefix, "properties");
                if (!servers.isEmpty() && topic != null) {
                    kafka = new Kafka(servers, topic, status, group == null ? DEFAULT_GROUP_ID : group, props);
                }
            }
        }
        return new LiveUpdateOptions(interval, stages, kafka);
    }
}
