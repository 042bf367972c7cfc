package dev.tripline.io;

import dev.tripline.rule.yaml.YamlMap;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Where alerts and dead letters go ({@code sink:} in the configuration, or {@code tripline run --sink}): files
 * (the default: stdout or {@code --output}, dead letters to {@code --dead-letters}), Kafka or Kinesis.
 *
 * <pre>
 * sink:
 *   kind: kafka                # file | kafka | kinesis
 *   checkpoint-interval: 10s   # exactly-once output commits at each checkpoint
 *   kafka: {...}               # see KafkaSinkOptions
 *   kinesis: {...}             # see KinesisSinkOptions
 * </pre>
 */
public record SinkOptions(
        SourceOptions.Kind kind, Duration checkpointInterval, KafkaSinkOptions kafka, KinesisSinkOptions kinesis)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    public SinkOptions {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(checkpointInterval, "checkpointInterval");
    }

    public static SinkOptions files() {
        return new SinkOptions(SourceOptions.Kind.FILE, DEFAULT_CHECKPOINT_INTERVAL, null, null);
    }

    public SinkOptions withKind(SourceOptions.Kind k) {
        return new SinkOptions(k, checkpointInterval, kafka, kinesis);
    }

    /** Parses the {@code sink:} node; null after reporting errors to {@code r}. */
    public static SinkOptions parse(ConfigReader r, Node node) {
        YamlMap m = r.map(node, "sink");
        if (m == null) {
            return null;
        }
        r.onlyKeys(m, "sink", Set.of("kind", "checkpoint-interval", "kafka", "kinesis"));
        SourceOptions.Kind kind = r.choice(m, "sink", "kind", SourceOptions.KINDS, SourceOptions.Kind.FILE);
        Duration interval = r.duration(m, "sink", "checkpoint-interval", DEFAULT_CHECKPOINT_INTERVAL);
        KafkaSinkOptions kafka = null;
        KinesisSinkOptions kinesis = null;
        if (m.has("kafka")) {
            YamlMap k = r.map(m.get("kafka"), "sink.kafka");
            kafka = k == null ? null : KafkaSinkOptions.parse(r, k, "sink.kafka");
        }
        if (m.has("kinesis")) {
            YamlMap k = r.map(m.get("kinesis"), "sink.kinesis");
            kinesis = k == null ? null : KinesisSinkOptions.parse(r, k, "sink.kinesis");
        }
        if (kind == SourceOptions.Kind.KAFKA && !m.has("kafka")) {
            r.error(m.get("kind"), "sink.kind is kafka but sink.kafka is missing");
        }
        if (kind == SourceOptions.Kind.KINESIS && !m.has("kinesis")) {
            r.error(m.get("kind"), "sink.kind is kinesis but sink.kinesis is missing");
        }
        return new SinkOptions(kind, interval, kafka, kinesis);
    }

    /** Null when the chosen kind has its settings; else what is missing, for a flag-chosen kind. */
    public String missingSettings() {
        if (kind == SourceOptions.Kind.KAFKA && kafka == null) {
            return "sink kafka needs a sink.kafka section in the configuration (--config)";
        }
        if (kind == SourceOptions.Kind.KINESIS && kinesis == null) {
            return "sink kinesis needs a sink.kinesis section in the configuration (--config)";
        }
        return null;
    }
}
