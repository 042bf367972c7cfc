package dev.tripline.rule.yaml;

import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/** A YAML mapping with string keys in file order, each value with its key's position. */
public final class YamlMap {
    private final String file;
    private final Node node;
    private final Map<String, NodeTuple> entries;

    private YamlMap(String file, Node node, Map<String, NodeTuple> entries) {
        this.file = file;
        this.node = node;
        this.entries = entries;
    }

    static YamlMap of(String file, MappingNode m) {
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String key = SafeYaml.scalar(file, t.getKeyNode(), "a key");
            if (entries.putIfAbsent(key, t) != null) {
                throw new RuleSyntaxException(SafeYaml.at(file, t.getKeyNode()), "duplicate key '" + key + "'");
            }
        }
        return new YamlMap(file, m, entries);
    }

    public String file() {
        return file;
    }

    public Node node() {
        return node;
    }

    public SourceLocation location() {
        return SafeYaml.at(file, node);
    }

    public Set<String> keys() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The value node, or null when the key is absent. */
    public Node get(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? null : t.getValueNode();
    }

    /** The value node; an error at this map when absent. */
    public Node require(String key) {
        Node v = get(key);
        if (v == null) {
            throw new RuleSyntaxException(location(), "missing required key '" + key + "'");
        }
        return v;
    }

    /** Where the key itself was written. */
    public SourceLocation keyLocation(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? location() : SafeYaml.at(file, t.getKeyNode());
    }

    /**
     * Closed schemas: an error at the first key that is not in {@code allowed}, worded
     * {@code unknown key 'k' in <where> (expected <expected>)}.
     */
    public void onlyKeys(Set<String> allowed, String where, String expected) {
        for (String k : entries.keySet()) {
            if (!allowed.contains(k)) {
                throw new RuleSyntaxException(
                        keyLocation(k), "unknown key '" + k + "' in " + where + " (expected " + expected + ")");
            }
        }
    }

    public String string(String key) {
        Node v = get(key);
        return v == null || SafeYaml.isNull(v) ? null : SafeYaml.scalar(file, v, "'" + key + "'");
    }

    public Map<String, NodeTuple> entries() {
        return Collections.unmodifiableMap(entries);
    }
}
