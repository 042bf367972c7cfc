package dev.tripline.rule;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.FieldPath;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A rule's detection logic in format-neutral form: the boolean tree that Sigma detections and Panther
 * {@code Detection:} blocks both load into. Immutable and serializable. The reference evaluator
 * ({@code match.ReferenceEvaluator}) defines what each node means; the compiled matcher must agree with it.
 */
public sealed interface Expr extends Serializable {

    /** All terms hold. An empty And is true. */
    record And(List<Expr> terms) implements Expr {
        public And {
            terms = List.copyOf(terms);
        }
    }

    /** Any term holds. An empty Or is false. */
    record Or(List<Expr> terms) implements Expr {
        public Or {
            terms = List.copyOf(terms);
        }
    }

    /** The term does not hold. */
    record Not(Expr term) implements Expr {}

    /** A constant: Panther's AlwaysTrue/AlwaysFalse, or an empty selection. */
    record Const(boolean value) implements Expr {}

    /**
     * A named part of a rule (a Sigma search identifier, a Panther detection item); explanations report which
     * selections held, so a match can say what made it fire.
     */
    record Selection(String name, Expr body) implements Expr {}

    /** Some value at {@code field} passes {@code test}. A missing field fails. */
    record Match(FieldPath field, ValuePredicate test) implements Expr {}

    /** Some scalar leaf anywhere in the event passes {@code test} (Sigma keyword search). */
    record Keyword(ValuePredicate test) implements Expr {}

    /** The field is present, JSON null included (Sigma {@code |exists: true}). */
    record Exists(FieldPath field) implements Expr {}

    /**
     * The field is missing or JSON null (Sigma {@code field: null}); with {@code orEmpty} also the empty
     * string, empty array or empty object (Panther's IsNullOrEmpty).
     */
    record IsNull(FieldPath field, boolean orEmpty) implements Expr {}

    /**
     * Some value of {@code left} relates to some value of {@code right} as {@code mode} says (Sigma
     * {@code fieldref}, Panther's two-key comparisons). Missing on either side fails.
     */
    record CompareFields(FieldPath left, FieldPath right, ValuePredicate.Mode mode, boolean caseSensitive)
            implements Expr {}

    /** How many elements of a list must satisfy a per-element expression. */
    enum Quantifier {
        ANY,
        ALL,
        NONE,
        ONLY_ONE
    }

    /**
     * Panther's list comprehensions: {@code element} is evaluated with each element of the list at
     * {@code list} as its root (paths inside are relative to the element; {@link FieldPath#SELF} is the
     * element itself). A missing or non-array field counts as an empty list.
     */
    record Elements(FieldPath list, Quantifier quantifier, Expr element) implements Expr {}

    /**
     * A rule-level named list (such as an allowlist) that tests may replace with a mock. {@code resolved} is
     * the list expanded into an expression: the event matches any entry, where an object entry requires every
     * key (a field path) to equal its value, and a scalar entry requires {@code keyField} to equal it.
     */
    record NamedList(String name, FieldPath keyField, boolean caseInsensitiveKeys, Expr resolved) implements Expr {

        /** Expands list entries into an Or of entry matches; values compare case-insensitively as strings. */
        public static NamedList expand(String name, FieldPath keyField, JsonNode entries, boolean caseInsensitiveKeys) {
            List<Expr> alternatives = new ArrayList<>();
            if (entries != null && entries.isArray()) {
                for (JsonNode entry : entries) {
                    alternatives.add(entryExpr(entry, keyField, caseInsensitiveKeys));
                }
            }
            return new NamedList(name, keyField, caseInsensitiveKeys, new Or(alternatives));
        }

        private static Expr entryExpr(JsonNode entry, FieldPath keyField, boolean caseInsensitiveKeys) {
            if (entry.isObject()) {
                List<Expr> all = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = entry.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    FieldPath path =
                            caseInsensitiveKeys ? FieldPath.caseInsensitive(e.getKey()) : FieldPath.of(e.getKey());
                    all.add(equalsValue(path, e.getValue()));
                }
                return new And(all);
            }
            if (keyField == null) {
                return new Const(false);
            }
            return equalsValue(keyField, entry);
        }

        private static Expr equalsValue(FieldPath path, JsonNode value) {
            if (value.isNull()) {
                return new IsNull(path, false);
            }
            String text = value.isValueNode() ? value.asText() : value.toString();
            return new Match(path, new ValuePredicate.Text(ValuePredicate.Mode.EQUALS, text, false));
        }
    }

    // ---- small builders used by the loaders ----

    static Expr and(List<Expr> terms) {
        return terms.size() == 1 ? terms.get(0) : new And(terms);
    }

    static Expr or(List<Expr> terms) {
        return terms.size() == 1 ? terms.get(0) : new Or(terms);
    }
}
