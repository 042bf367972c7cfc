package dev.tripline.io;

import dev.tripline.rule.yaml.YamlMap;
import java.io.Serializable;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Which source the job reads ({@code source:} in the configuration, or {@code tripline run --source}): files
 * (the default; the inputs on the command line), Kafka or Kinesis, with the chosen kind's settings.
 *
 * <pre>
 * source:
 *   kind: kafka         # file | kafka | kinesis
 *   kafka: {...}        # see KafkaSourceOptions
 *   kinesis: {...}      # see KinesisSourceOptions; only the chosen kind's map is required
 * </pre>
 */
public record SourceOptions(Kind kind, KafkaSourceOptions kafka, KinesisSourceOptions kinesis) implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        FILE,
        KAFKA,
        KINESIS
    }

    static final Map<String, Kind> KINDS = Map.of("file", Kind.FILE, "kafka", Kind.KAFKA, "kinesis", Kind.KINESIS);

    public static SourceOptions files() {
        return new SourceOptions(Kind.FILE, null, null);
    }

    /** The kind named by a flag or config value ({@code file}, {@code kafka}, {@code kinesis}), or null. */
    public static Kind kind(String name) {
        return name == null ? null : KINDS.get(name.trim().toLowerCase(java.util.Locale.ROOT));
    }

    /** The same settings with another kind chosen, e.g. by {@code --source}. */
    public SourceOptions withKind(Kind k) {
        return new SourceOptions(k, kafka, kinesis);
    }

    /** Parses the {@code source:} node; null after reporting errors to {@code r}. */
    public static SourceOptions parse(ConfigReader r, Node node) {
        YamlMap m = r.map(node, "source");
        if (m == null) {
            return null;
        }
        r.onlyKeys(m, "source", Set.of("kind", "kafka", "kinesis"));
        Kind kind = r.choice(m, "source", "kind", KINDS, Kind.FILE);
        KafkaSourceOptions kafka = null;
        KinesisSourceOptions kinesis = null;
        if (m.has("kafka")) {
            YamlMap k = r.map(m.get("kafka"), "source.kafka");
            kafka = k == null ? null : KafkaSourceOptions.parse(r, k, "source.kafka");
        }
        if (m.has("kinesis")) {
            YamlMap k = r.map(m.get("kinesis"), "source.kinesis");
            kinesis = k == null ? null : KinesisSourceOptions.parse(r, k, "source.kinesis");
        }
        if (kind == Kind.KAFKA && !m.has("kafka")) {
            r.error(m.get("kind"), "source.kind is kafka but source.kafka is missing");
        }
        if (kind == Kind.KINESIS && !m.has("kinesis")) {
            r.error(m.get("kind"), "source.kind is kinesis but source.kinesis is missing");
        }
        return new SourceOptions(kind, kafka, kinesis);
    }

    /** Null when the chosen kind has its settings; else what is missing, for a flag-chosen kind. */
    public String missingSettings() {
        if (kind == Kind.KAFKA && kafka == null) {
            return "source kafka needs a source.kafka section in the configuration (--config)";
        }
        if (kind == Kind.KINESIS && kinesis == null) {
            return "source kinesis needs a source.kinesis section in the configuration (--config)";
        }
        return null;
    }
}
