package dev.tripline.rule.panther;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A rule's {@code Lists:} (a Tripline extension): named allowlists with a default value that a test's
 * {@code Mocks} may replace, as Panther tests replace a rule module's {@code ALLOW_LIST}.
 *
 * <p>A list is either written directly ({@code NAME: [..]}) or as {@code NAME: {Default: [..], Fields: {..}}}
 * where {@code Fields} maps an entry key to the event path(s) it stands for; this lets a mock keep Panther's
 * entry shape ({@code {"userName": ..}}) while the rule says where the user name lives. An entry key mapped
 * to several paths matches if any of them holds the value. Keys without a mapping are field paths.
 */
final class NamedLists {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final int MAX_ENTRIES = 10_000;
    private static final int MAX_EXPANSION = 64;

    /** How a list is used by the detection, which decides the entry shape it must have. */
    enum Use {
        OBJECTS,
        SCALARS
    }

    record Declaration(
            String name, JsonNode defaultEntries, Map<String, List<String>> fields, SourceLocation location) {}

    private final Map<String, Declaration> lists = new LinkedHashMap<>();
    private final Map<String, Use> uses = new LinkedHashMap<>();

    static NamedLists parse(String file, Node node) {
        NamedLists out = new NamedLists();
        if (node == null || SafeYaml.isNull(node)) {
            return out;
        }
        YamlMap m = SafeYaml.map(file, node, "Lists");
        for (String name : m.keys()) {
            SourceLocation at = m.keyLocation(name);
            if (!NAME.matcher(name).matches()) {
                throw new RuleSyntaxException(
                        at, "list name '" + name + "' must be an identifier (letters, digits, _)");
            }
            Node value = m.get(name);
            JsonNode entries;
            Map<String, List<String>> fields = new LinkedHashMap<>();
            if (value instanceof MappingNode) {
                YamlMap spec = SafeYaml.map(file, value, "list " + name);
                spec.onlyKeys(Set.of("Default", "Fields"), "list " + name, "Default, Fields");
                Node def = spec.get("Default");
                entries = def == null || SafeYaml.isNull(def)
                        ? JsonNodeFactory.instance.arrayNode()
                        : SafeYaml.toJson(file, def);
                if (def != null && !entries.isArray()) {
                    throw new RuleSyntaxException(
                            SafeYaml.at(file, def), "Default of list " + name + " must be a list");
                }
                if (spec.has("Fields")) {
                    YamlMap f = SafeYaml.map(file, spec.get("Fields"), "Fields of list " + name);
                    for (String k : f.keys()) {
                        List<String> paths = SafeYaml.scalarList(file, f.get(k), "Fields." + k);
                        if (paths.isEmpty()) {
                            throw new RuleSyntaxException(f.keyLocation(k), "Fields." + k + " names no event path");
                        }
                        for (String p : paths) {
                            KeySpecs.keyPath(p, file, f.get(k)); // validates the path syntax
                        }
                        fields.put(k, paths);
                    }
                    long product =
                            fields.values().stream().mapToLong(List::size).reduce(1, (a, b) -> a * b);
                    if (product > MAX_EXPANSION) {
                        throw new RuleSyntaxException(
                                spec.keyLocation("Fields"),
                                "Fields of list " + name + " expand each entry into " + product
                                        + " alternatives; at most " + MAX_EXPANSION);
                    }
                }
            } else if (value instanceof SequenceNode) {
                entries = SafeYaml.toJson(file, value);
            } else if (SafeYaml.isNull(value)) {
                entries = JsonNodeFactory.instance.arrayNode();
            } else {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, value),
                        "list " + name + " must be a list of values or of objects, or {Default, Fields}");
            }
            checkEntries(name, entries, SafeYaml.at(file, value));
            out.lists.put(name, new Declaration(name, entries, fields, at));
        }
        return out;
    }

    boolean has(String name) {
        return lists.containsKey(name);
    }

    java.util.Set<String> names() {
        return lists.keySet();
    }

    /** Records how the detection uses a list; one list cannot be both an object list and a scalar list. */
    void use(String name, Use use, SourceLocation at) {
        if (!lists.containsKey(name)) {
            throw new RuleSyntaxException(
                    at,
                    "unknown list '" + name + "'"
                            + (lists.isEmpty()
                                    ? " (the rule declares no Lists:)"
                                    : " (declared: " + String.join(", ", lists.keySet()) + ")"));
        }
        Use previous = uses.putIfAbsent(name, use);
        if (previous != null && previous != use) {
            throw new RuleSyntaxException(
                    at,
                    "list '" + name + "' is used both as a list of objects ({List: " + name
                            + "}) and as a list of values (IsInList)");
        }
        checkShape(name, lists.get(name).defaultEntries(), at);
    }

    /** The default entries, rewritten for the detection. */
    JsonNode resolvedDefault(String name) {
        return rewrite(name, lists.get(name).defaultEntries());
    }

    /**
     * Checks and rewrites a mock's value for list {@code name}: it must be a list whose entries have the shape
     * the detection uses; object entries get their keys mapped through {@code Fields}.
     */
    JsonNode mockValue(String name, JsonNode value, SourceLocation at) {
        if (!value.isArray()) {
            throw new RuleSyntaxException(
                    at, "mock for list '" + name + "' must be a list (or a string holding a JSON list)");
        }
        checkEntries(name, value, at);
        checkShape(name, value, at);
        return rewrite(name, value);
    }

    private static void checkEntries(String name, JsonNode entries, SourceLocation at) {
        if (entries.size() > MAX_ENTRIES) {
            throw new RuleSyntaxException(at, "list " + name + " has more than " + MAX_ENTRIES + " entries");
        }
        for (JsonNode e : entries) {
            if (e.isArray()) {
                throw new RuleSyntaxException(at, "list " + name + ": entries must be values or objects, not lists");
            }
            if (e.isObject()) {
                for (Iterator<JsonNode> it = e.elements(); it.hasNext(); ) {
                    if (it.next().isContainerNode()) {
                        throw new RuleSyntaxException(
                                at, "list " + name + ": object entries must map field names to single values");
                    }
                }
            }
        }
    }

    private void checkShape(String name, JsonNode entries, SourceLocation at) {
        Use use = uses.get(name);
        if (use == null) {
            return;
        }
        for (JsonNode e : entries) {
            if (use == Use.OBJECTS && !e.isObject()) {
                throw new RuleSyntaxException(
                        at,
                        "list '" + name + "' is matched with {List: " + name
                                + "}, so its entries must be objects ({field: value, ...}); found " + e);
            }
            if (use == Use.SCALARS && e.isObject()) {
                throw new RuleSyntaxException(
                        at,
                        "list '" + name + "' is used with IsInList, so its entries must be single values; found " + e);
            }
        }
    }

    private JsonNode rewrite(String name, JsonNode entries) {
        Map<String, List<String>> fields = lists.get(name).fields();
        if (fields.isEmpty()) {
            return entries;
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (JsonNode e : entries) {
            if (!e.isObject()) {
                out.add(e);
                continue;
            }
            // Cross product over keys mapped to several paths: the NamedList matches if any entry matches.
            List<ObjectNode> partial = new ArrayList<>();
            partial.add(JsonNodeFactory.instance.objectNode());
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> kv = it.next();
                List<String> paths = fields.getOrDefault(kv.getKey(), List.of(kv.getKey()));
                List<ObjectNode> next = new ArrayList<>();
                for (ObjectNode p : partial) {
                    for (String path : paths) {
                        ObjectNode copy = p.deepCopy();
                        copy.set(path, kv.getValue());
                        next.add(copy);
                    }
                }
                partial = next;
            }
            partial.forEach(out::add);
        }
        return out;
    }
}
