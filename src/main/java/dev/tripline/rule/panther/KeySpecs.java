package dev.tripline.rule.panther;

import dev.tripline.event.FieldPath;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Panther key specifiers ({@code Key}, {@code DeepKey}, {@code KeyPath}) turned into case-insensitive
 * {@link FieldPath}s, because Panther looks event keys up case-insensitively.
 *
 * <p>{@code [N]} in a KeyPath and integer DeepKey steps index a list; {@code [*]} is dropped, since lookup
 * fans out over lists anyway. {@code [json]} in a KeyPath, or the DeepKey step {@code "[json]"}, reads JSON
 * held in a string ({@link FieldPath#JSON_STEP}).
 */
final class KeySpecs {
    static final Set<String> KEYS = Set.of("Key", "DeepKey", "KeyPath");
    private static final int MAX_SEGMENTS = FieldPath.MAX_KEY_PATH_STEPS;

    private KeySpecs() {}

    /** How many key specifiers the map carries (0 or 1 are legal). */
    static int count(YamlMap m) {
        int n = 0;
        for (String k : KEYS) {
            if (m.has(k)) {
                n++;
            }
        }
        return n;
    }

    /** The map's key specifier, or null when it has none; two or more is an error. */
    static FieldPath parse(YamlMap m) {
        if (count(m) > 1) {
            throw new RuleSyntaxException(m.location(), "use only one of Key, DeepKey and KeyPath");
        }
        String file = m.file();
        if (m.has("Key")) {
            String key = SafeYaml.scalar(file, m.get("Key"), "Key");
            if (key.isEmpty()) {
                throw new RuleSyntaxException(SafeYaml.at(file, m.get("Key")), "Key must not be empty");
            }
            // A Key names one top-level key, dots included, so it is a single segment.
            return FieldPath.ofSegments(new String[] {key}, true);
        }
        if (m.has("DeepKey")) {
            Node n = m.get("DeepKey");
            if (!(n instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
                throw new RuleSyntaxException(SafeYaml.at(file, n), "DeepKey must be a non-empty list of keys");
            }
            if (seq.getValue().size() > MAX_SEGMENTS) {
                throw new RuleSyntaxException(SafeYaml.at(file, n), "DeepKey has more than " + MAX_SEGMENTS + " steps");
            }
            List<String> segments = new ArrayList<>();
            for (Node item : seq.getValue()) {
                String s = SafeYaml.scalar(file, item, "DeepKey step");
                boolean isInt = item instanceof ScalarNode sc && sc.getTag().equals(Tag.INT);
                if (isInt) {
                    if (s.startsWith("-")) {
                        throw new RuleSyntaxException(SafeYaml.at(file, item), "DeepKey index must not be negative");
                    }
                    segments.add("[" + Integer.parseInt(s.startsWith("+") ? s.substring(1) : s) + "]");
                } else if (s.isEmpty()) {
                    throw new RuleSyntaxException(SafeYaml.at(file, item), "DeepKey step must not be empty");
                } else {
                    segments.add(s);
                }
            }
            return FieldPath.ofSegments(segments.toArray(new String[0]), true);
        }
        if (m.has("KeyPath")) {
            Node n = m.get("KeyPath");
            return keyPath(SafeYaml.scalar(file, n, "KeyPath"), file, n);
        }
        return null;
    }

    /** Parses {@code a.b[2].c} / {@code a[*].b}; syntax errors point at the KeyPath's value. */
    static FieldPath keyPath(String text, String file, Node at) {
        try {
            return FieldPath.keyPath(text, true);
        } catch (IllegalArgumentException e) {
            throw new RuleSyntaxException(SafeYaml.at(file, at), e.getMessage());
        }
    }

    /** A key specifier given as a map node (AlertContext values, GroupBy items, multi-key Values). */
    static FieldPath parseNode(String file, Node node, String what) {
        YamlMap m = SafeYaml.map(file, node, what);
        m.onlyKeys(KEYS, what, "one of Key, DeepKey, KeyPath");
        FieldPath p = parse(m);
        if (p == null) {
            throw new RuleSyntaxException(m.location(), what + " needs one of Key, DeepKey, KeyPath");
        }
        return p;
    }
}
