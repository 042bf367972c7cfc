package dev.tripline.rule.panther;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.Expr;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.ValuePredicate;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Compiles Panther simple-detection match expressions ({@code Detection:}, {@code InlineFilters:},
 * {@code DynamicSeverities[].Conditions}) to {@link Expr}.
 *
 * <p>Semantics chosen to mirror Panther's Python helpers: every key is looked up case-insensitively; JSON null
 * is the same as a missing key ({@code deep_get}); positive conditions fail on a missing/null field and negated
 * ones ({@code DoesNotEqual}, {@code IsNotIn}, {@code DoesNotContain}, …) hold on it, as
 * {@code deep_get(...) != x} does in Python. Plain conditions are case-sensitive, {@code I…} ones are not.
 */
final class DetectionParser {
    private static final int MAX_ITEMS = 1000;

    /** Leaf conditions that compare a field with one string value. */
    private enum TextCond {
        EQUALS("Equals", ValuePredicate.Mode.EQUALS, true, false),
        DOES_NOT_EQUAL("DoesNotEqual", ValuePredicate.Mode.EQUALS, true, true),
        I_EQUALS("IEquals", ValuePredicate.Mode.EQUALS, false, false),
        I_DOES_NOT_EQUAL("IDoesNotEqual", ValuePredicate.Mode.EQUALS, false, true),
        STARTS_WITH("StartsWith", ValuePredicate.Mode.PREFIX, true, false),
        I_STARTS_WITH("IStartsWith", ValuePredicate.Mode.PREFIX, false, false),
        DOES_NOT_START_WITH("DoesNotStartWith", ValuePredicate.Mode.PREFIX, true, true),
        I_DOES_NOT_START_WITH("IDoesNotStartWith", ValuePredicate.Mode.PREFIX, false, true),
        ENDS_WITH("EndsWith", ValuePredicate.Mode.SUFFIX, true, false),
        I_ENDS_WITH("IEndsWith", ValuePredicate.Mode.SUFFIX, false, false),
        DOES_NOT_END_WITH("DoesNotEndWith", ValuePredicate.Mode.SUFFIX, true, true),
        I_DOES_NOT_END_WITH("IDoesNotEndWith", ValuePredicate.Mode.SUFFIX, false, true),
        CONTAINS("Contains", ValuePredicate.Mode.CONTAINS, true, false),
        I_CONTAINS("IContains", ValuePredicate.Mode.CONTAINS, false, false),
        DOES_NOT_CONTAIN("DoesNotContain", ValuePredicate.Mode.CONTAINS, true, true),
        I_DOES_NOT_CONTAIN("IDoesNotContain", ValuePredicate.Mode.CONTAINS, false, true),
        // Has: substring of a string, or a member of a list; with list fan-out, a list member containing the value.
        HAS("Has", ValuePredicate.Mode.CONTAINS, true, false),
        DOES_NOT_HAVE("DoesNotHave", ValuePredicate.Mode.CONTAINS, true, true);

        final String name;
        final ValuePredicate.Mode mode;
        final boolean caseSensitive;
        final boolean negated;

        TextCond(String name, ValuePredicate.Mode mode, boolean caseSensitive, boolean negated) {
            this.name = name;
            this.mode = mode;
            this.caseSensitive = caseSensitive;
            this.negated = negated;
        }

        static TextCond of(String name) {
            for (TextCond c : values()) {
                if (c.name.equals(name)) {
                    return c;
                }
            }
            return null;
        }
    }

    private static final Set<String> NUMBER_CONDS =
            Set.of("IsGreaterThan", "IsGreaterThanOrEquals", "IsLessThan", "IsLessThanOrEquals");
    private static final Set<String> NO_VALUE_CONDS =
            Set.of("Exists", "DoesNotExist", "IsNull", "IsNotNull", "IsNullOrEmpty", "IsNotNullOrEmpty");
    private static final Set<String> IP_CONDS =
            Set.of("IsIPAddress", "IsIPv4Address", "IsIPv6Address", "IsIPAddressPublic", "IsIPAddressPrivate");
    private static final Set<String> ELEMENT_CONDS = Set.of("AnyElement", "AllElements", "NoElement", "OnlyOneElement");
    private static final Set<String> COMBINATORS = Set.of("All", "Any", "OnlyOne", "None");
    private static final Set<String> EXPRESSION_KEYS =
            Set.of("Key", "DeepKey", "KeyPath", "Condition", "Value", "Values", "Expressions", "List");

    /** Every condition this parser accepts, for error messages and docs. */
    static final Set<String> ALL_CONDITIONS;

    static {
        Set<String> all = new TreeSet<>();
        for (TextCond c : TextCond.values()) {
            all.add(c.name);
        }
        all.addAll(NUMBER_CONDS);
        all.addAll(NO_VALUE_CONDS);
        all.addAll(IP_CONDS);
        all.addAll(ELEMENT_CONDS);
        all.addAll(Set.of(
                "IsIn",
                "IsNotIn",
                "IsIPAddressInCIDR",
                "AlwaysTrue",
                "AlwaysFalse",
                "Matches",
                "IMatches",
                "DoesNotMatch",
                "IsInList"));
        ALL_CONDITIONS = java.util.Collections.unmodifiableSet(all);
    }

    private final String file;
    private final NamedLists lists;

    DetectionParser(String file, NamedLists lists) {
        this.file = file;
        this.lists = lists;
    }

    /** A list of match expressions, each wrapped as a {@link Expr.Selection} named {@code label[i] (line N)}. */
    List<Expr> selections(Node node, String label) {
        List<Expr> out = new ArrayList<>();
        List<Node> items = items(node, label);
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            out.add(new Expr.Selection(
                    label + "[" + i + "] (line " + (item.getStartMark().getLine() + 1) + ")", expression(item, false)));
        }
        return out;
    }

    /** A list of match expressions ANDed, without selection names (Expressions, DynamicSeverities). */
    Expr conjunction(Node node, String label, boolean inElements) {
        List<Expr> out = new ArrayList<>();
        for (Node item : items(node, label)) {
            out.add(expression(item, inElements));
        }
        return Expr.and(out);
    }

    private List<Node> items(Node node, String label) {
        if (!(node instanceof SequenceNode seq)) {
            throw new RuleSyntaxException(
                    SafeYaml.at(file, node),
                    label + " must be a list of match expressions, found " + SafeYaml.kind(node));
        }
        if (seq.getValue().size() > MAX_ITEMS) {
            throw new RuleSyntaxException(SafeYaml.at(file, node), label + " has more than " + MAX_ITEMS + " items");
        }
        return seq.getValue();
    }

    Expr expression(Node node, boolean inElements) {
        if (!(node instanceof MappingNode)) {
            throw new RuleSyntaxException(
                    SafeYaml.at(file, node), "a match expression must be a map, found " + SafeYaml.kind(node));
        }
        YamlMap m = SafeYaml.map(file, node, "a match expression");
        for (String combinator : COMBINATORS) {
            if (m.has(combinator)) {
                return combinator(m, combinator, inElements);
            }
        }
        for (String k : m.keys()) {
            if (!EXPRESSION_KEYS.contains(k)) {
                String hint = k.equals("Enrichment")
                        ? " (enrichment lookups are not supported in Tripline)"
                        : " (expected Key/DeepKey/KeyPath, Condition, Value, Values, Expressions, List, or one of "
                                + "All, Any, OnlyOne, None)";
                throw new RuleSyntaxException(m.keyLocation(k), "unknown key '" + k + "' in a match expression" + hint);
            }
        }
        if (m.has("List") && !m.has("Condition")) {
            return listMatch(m);
        }
        if (!m.has("Condition")) {
            throw new RuleSyntaxException(
                    m.location(), "a match expression needs a Condition (or All/Any/OnlyOne/None, or List)");
        }
        Node condNode = m.get("Condition");
        String cond = SafeYaml.scalar(file, condNode, "Condition");
        SourceLocation condAt = SafeYaml.at(file, condNode);
        if (!ALL_CONDITIONS.contains(cond)) {
            throw new RuleSyntaxException(condAt, "unknown condition '" + cond + "'" + suggestion(cond));
        }
        if (cond.equals("AlwaysTrue") || cond.equals("AlwaysFalse")) {
            onlyKeys(m, cond, Set.of("Condition"));
            return new Expr.Const(cond.equals("AlwaysTrue"));
        }
        FieldPath field = KeySpecs.parse(m);
        if (field == null
                && m.has("Values")
                && m.get("Values") instanceof SequenceNode seq
                && !seq.getValue().isEmpty()
                && seq.getValue().get(0) instanceof MappingNode) {
            return multiKey(m, cond, condAt);
        }
        if (field == null) {
            if (!inElements) {
                throw new RuleSyntaxException(m.location(), "condition " + cond + " needs a Key, DeepKey or KeyPath");
            }
            field = FieldPath.SELF; // a scalar list element compared as itself
        }
        return fieldCondition(m, cond, condAt, field, inElements);
    }

    private Expr combinator(YamlMap m, String combinator, boolean inElements) {
        if (m.keys().size() != 1) {
            String other = m.keys().stream()
                    .filter(k -> !k.equals(combinator))
                    .findFirst()
                    .orElse("");
            throw new RuleSyntaxException(
                    m.keyLocation(other),
                    combinator + " must be the only key of its match expression; found '" + other + "' beside it");
        }
        Node body = m.get(combinator);
        List<Expr> terms = new ArrayList<>();
        for (Node item : items(body, combinator)) {
            terms.add(expression(item, inElements));
        }
        switch (combinator) {
            case "All":
                return new Expr.And(terms);
            case "Any":
                return new Expr.Or(terms);
            case "None":
                return new Expr.Not(new Expr.Or(terms));
            default:
                return exactlyOne(terms);
        }
    }

    /** OnlyOne: exactly one term holds, as an OR over "this one and none of the others". */
    private static Expr exactlyOne(List<Expr> terms) {
        List<Expr> alternatives = new ArrayList<>();
        for (int i = 0; i < terms.size(); i++) {
            List<Expr> all = new ArrayList<>();
            all.add(terms.get(i));
            for (int j = 0; j < terms.size(); j++) {
                if (j != i) {
                    all.add(new Expr.Not(terms.get(j)));
                }
            }
            alternatives.add(new Expr.And(all));
        }
        return new Expr.Or(alternatives);
    }

    private Expr listMatch(YamlMap m) {
        onlyKeys(m, "a {List: NAME} expression", Set.of("List"));
        String name = SafeYaml.scalar(file, m.get("List"), "List");
        lists.use(name, NamedLists.Use.OBJECTS, SafeYaml.at(file, m.get("List")));
        return Expr.NamedList.expand(name, null, lists.resolvedDefault(name), true);
    }

    private Expr multiKey(YamlMap m, String cond, SourceLocation condAt) {
        onlyKeys(m, "a two-key comparison", Set.of("Condition", "Values"));
        SequenceNode seq = (SequenceNode) m.get("Values");
        if (seq.getValue().size() != 2) {
            throw new RuleSyntaxException(
                    SafeYaml.at(file, seq),
                    "a two-key comparison needs exactly two key specifiers in Values, found "
                            + seq.getValue().size());
        }
        FieldPath left = KeySpecs.parseNode(file, seq.getValue().get(0), "a Values key specifier");
        FieldPath right = KeySpecs.parseNode(file, seq.getValue().get(1), "a Values key specifier");
        TextCond t = TextCond.of(cond);
        if (t == null || t == TextCond.HAS || t == TextCond.DOES_NOT_HAVE) {
            throw new RuleSyntaxException(
                    condAt,
                    "condition " + cond + " cannot compare two keys (use Equals, "
                            + "DoesNotEqual, StartsWith, EndsWith, Contains or their I… / DoesNot… forms)");
        }
        Expr compare = new Expr.CompareFields(left, right, t.mode, t.caseSensitive);
        if (!t.negated) {
            return compare;
        }
        // Python: deep_get(a) != deep_get(b) is False when both are missing (None != None).
        return new Expr.Not(new Expr.Or(
                List.of(compare, new Expr.And(List.of(new Expr.IsNull(left, false), new Expr.IsNull(right, false))))));
    }

    private Expr fieldCondition(YamlMap m, String cond, SourceLocation condAt, FieldPath field, boolean inElements) {
        TextCond t = TextCond.of(cond);
        if (t != null) {
            onlyKeys(m, cond, keyedWith("Value"));
            JsonNode v = scalarValue(m, cond, condAt);
            Expr positive;
            if (t.mode == ValuePredicate.Mode.EQUALS && v.isNumber()) {
                // Python compares numbers numerically: 1 == 1.0.
                positive = new Expr.Match(
                        field, new ValuePredicate.NumberCompare(ValuePredicate.NumberOp.EQ, v.decimalValue()));
            } else {
                positive = new Expr.Match(field, new ValuePredicate.Text(t.mode, Event.stringForm(v), t.caseSensitive));
            }
            return t.negated ? new Expr.Not(positive) : positive;
        }
        if (NUMBER_CONDS.contains(cond)) {
            onlyKeys(m, cond, keyedWith("Value"));
            JsonNode v = scalarValue(m, cond, condAt);
            BigDecimal threshold = number(v);
            if (threshold == null) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, m.get("Value")),
                        "condition " + cond + " needs a number as Value, found " + v);
            }
            ValuePredicate.NumberOp op = switch (cond) {
                case "IsGreaterThan" -> ValuePredicate.NumberOp.GT;
                case "IsGreaterThanOrEquals" -> ValuePredicate.NumberOp.GTE;
                case "IsLessThan" -> ValuePredicate.NumberOp.LT;
                default -> ValuePredicate.NumberOp.LTE;
            };
            return new Expr.Match(field, new ValuePredicate.NumberCompare(op, threshold));
        }
        if (NO_VALUE_CONDS.contains(cond)) {
            onlyKeys(m, cond, keyedWith());
            return switch (cond) {
                // JSON null counts as missing everywhere (Panther's deep_get), so Exists == IsNotNull.
                case "Exists", "IsNotNull" -> new Expr.Not(new Expr.IsNull(field, false));
                case "DoesNotExist", "IsNull" -> new Expr.IsNull(field, false);
                case "IsNullOrEmpty" -> new Expr.IsNull(field, true);
                default -> new Expr.Not(new Expr.IsNull(field, true));
            };
        }
        if (IP_CONDS.contains(cond)) {
            onlyKeys(m, cond, keyedWith("Value"));
            ValuePredicate.IpKind kind = switch (cond) {
                case "IsIPAddress" -> ValuePredicate.IpKind.ANY;
                case "IsIPv4Address" -> ValuePredicate.IpKind.V4;
                case "IsIPv6Address" -> ValuePredicate.IpKind.V6;
                case "IsIPAddressPublic" -> ValuePredicate.IpKind.PUBLIC;
                default -> ValuePredicate.IpKind.PRIVATE;
            };
            Expr e = new Expr.Match(field, new ValuePredicate.IpAddress(kind));
            return booleanValue(m, cond) ? e : new Expr.Not(e);
        }
        switch (cond) {
            case "IsIn":
            case "IsNotIn": {
                onlyKeys(m, cond, keyedWith("Values"));
                Node valuesNode = m.get("Values");
                if (valuesNode == null) {
                    throw new RuleSyntaxException(condAt, "condition " + cond + " needs Values: a list of values");
                }
                if (!(valuesNode instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
                    throw new RuleSyntaxException(
                            SafeYaml.at(file, valuesNode), "Values of " + cond + " must be a non-empty list of values");
                }
                Set<String> values = new LinkedHashSet<>();
                List<Expr> numeric = new ArrayList<>();
                for (Node item : seq.getValue()) {
                    JsonNode v = scalar(item, cond + " value");
                    if (v.isNumber()) {
                        numeric.add(new Expr.Match(
                                field, new ValuePredicate.NumberCompare(ValuePredicate.NumberOp.EQ, v.decimalValue())));
                    } else {
                        values.add(Event.stringForm(v));
                    }
                }
                List<Expr> any = new ArrayList<>(numeric);
                if (!values.isEmpty()) {
                    any.add(new Expr.Match(field, new ValuePredicate.OneOf(values, true)));
                }
                Expr in = Expr.or(any);
                return cond.equals("IsIn") ? in : new Expr.Not(in);
            }
            case "IsIPAddressInCIDR": {
                onlyKeys(m, cond, keyedWith("Value", "Values"));
                List<Expr> any = new ArrayList<>();
                List<Node> nets = new ArrayList<>();
                if (m.has("Value") == m.has("Values")) {
                    throw new RuleSyntaxException(
                            condAt, "condition " + cond + " needs Value (a CIDR) or Values (CIDRs)");
                }
                if (m.has("Value")) {
                    nets.add(m.get("Value"));
                } else if (m.get("Values") instanceof SequenceNode seq
                        && !seq.getValue().isEmpty()) {
                    nets.addAll(seq.getValue());
                } else {
                    throw new RuleSyntaxException(
                            SafeYaml.at(file, m.get("Values")),
                            "Values of " + cond + " must be a non-empty list of CIDRs");
                }
                for (Node n : nets) {
                    String text = SafeYaml.scalar(file, n, "a CIDR");
                    try {
                        any.add(new Expr.Match(field, ValuePredicate.Cidr.parse(text.trim())));
                    } catch (IllegalArgumentException e) {
                        throw new RuleSyntaxException(SafeYaml.at(file, n), cond + ": " + e.getMessage());
                    }
                }
                return Expr.or(any);
            }
            case "Matches":
            case "IMatches":
            case "DoesNotMatch": {
                onlyKeys(m, cond, keyedWith("Value"));
                JsonNode v = scalarValue(m, cond, condAt);
                String pattern = Event.stringForm(v);
                Expr e = new Expr.Match(field, glob(pattern, !cond.equals("IMatches"), m.get("Value")));
                return cond.equals("DoesNotMatch") ? new Expr.Not(e) : e;
            }
            case "IsInList": {
                onlyKeys(m, cond, keyedWith("List"));
                if (!m.has("List")) {
                    throw new RuleSyntaxException(condAt, "condition IsInList needs List: <name of a list in Lists:>");
                }
                String name = SafeYaml.scalar(file, m.get("List"), "List");
                lists.use(name, NamedLists.Use.SCALARS, SafeYaml.at(file, m.get("List")));
                return Expr.NamedList.expand(name, field, lists.resolvedDefault(name), true);
            }
            default: {
                // AnyElement / AllElements / NoElement / OnlyOneElement
                onlyKeys(m, cond, keyedWith("Expressions"));
                if (!m.has("Expressions")) {
                    throw new RuleSyntaxException(
                            condAt,
                            "condition " + cond + " needs Expressions: a list of match "
                                    + "expressions evaluated on each element");
                }
                if (field.isSelf()) {
                    throw new RuleSyntaxException(condAt, "condition " + cond + " needs a Key, DeepKey or KeyPath");
                }
                Expr element = conjunction(m.get("Expressions"), "Expressions", true);
                Expr.Quantifier q = switch (cond) {
                    case "AnyElement" -> Expr.Quantifier.ANY;
                    case "AllElements" -> Expr.Quantifier.ALL;
                    case "NoElement" -> Expr.Quantifier.NONE;
                    default -> Expr.Quantifier.ONLY_ONE;
                };
                return new Expr.Elements(field, q, element);
            }
        }
    }

    /** fnmatch-style glob: {@code *} any run, {@code ?} one character; {@code [..]} classes are refused. */
    private ValuePredicate.Glob glob(String pattern, boolean caseSensitive, Node at) {
        List<ValuePredicate.GlobPart> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    parts.add(ValuePredicate.GlobPart.literal(literal.toString()));
                    literal.setLength(0);
                }
                parts.add(c == '*' ? ValuePredicate.GlobPart.ANY_RUN : ValuePredicate.GlobPart.ANY_CHAR);
            } else if (c == '[') {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, at),
                        "glob '" + pattern + "': character classes [..] are not supported; use * and ? only");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            parts.add(ValuePredicate.GlobPart.literal(literal.toString()));
        }
        return new ValuePredicate.Glob(parts, caseSensitive);
    }

    private static Set<String> keyedWith(String... extra) {
        Set<String> s = new LinkedHashSet<>(KeySpecs.KEYS);
        s.add("Condition");
        s.addAll(List.of(extra));
        return s;
    }

    private void onlyKeys(YamlMap m, String what, Set<String> allowed) {
        for (String k : m.keys()) {
            if (!allowed.contains(k)) {
                String hint = k.equals("Values") && allowed.contains("Value")
                        ? "; it takes a single Value (for a list of values use IsIn / IsNotIn, or Any:)"
                        : "";
                throw new RuleSyntaxException(
                        m.keyLocation(k),
                        "'" + k + "' is not allowed with " + what + " (allowed: " + String.join(", ", allowed) + ")"
                                + hint);
            }
        }
    }

    private JsonNode scalarValue(YamlMap m, String cond, SourceLocation condAt) {
        if (m.has("Values") && !m.has("Value")) {
            throw new RuleSyntaxException(
                    m.keyLocation("Values"),
                    "condition " + cond
                            + " takes a single Value, not Values (for a list of values use IsIn / IsNotIn, or Any:)");
        }
        Node v = m.get("Value");
        if (v == null) {
            throw new RuleSyntaxException(condAt, "condition " + cond + " needs a Value");
        }
        JsonNode j = scalar(v, "Value of " + cond);
        if (j.isNull()) {
            throw new RuleSyntaxException(
                    SafeYaml.at(file, v),
                    "Value of " + cond
                            + " is null; test for null with IsNull / IsNotNull (or IsNullOrEmpty / IsNotNullOrEmpty)");
        }
        return j;
    }

    private JsonNode scalar(Node v, String what) {
        if (v instanceof MappingNode || v instanceof SequenceNode) {
            throw new RuleSyntaxException(
                    SafeYaml.at(file, v), what + " must be a single value, found " + SafeYaml.kind(v));
        }
        return SafeYaml.toJson(file, v);
    }

    /** IP conditions may carry {@code Value: true} (as Panther fixtures do); {@code false} negates. */
    private boolean booleanValue(YamlMap m, String cond) {
        Node v = m.get("Value");
        if (v == null) {
            return true;
        }
        JsonNode j = scalar(v, "Value of " + cond);
        if (!j.isBoolean()) {
            throw new RuleSyntaxException(SafeYaml.at(file, v), "Value of " + cond + " must be true or false");
        }
        return j.booleanValue();
    }

    private static BigDecimal number(JsonNode v) {
        if (v.isNumber()) {
            return v.decimalValue();
        }
        if (v.isTextual()) {
            try {
                String t = v.textValue().trim();
                return t.length() > 64 ? null : new BigDecimal(t);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String suggestion(String cond) {
        String best = null;
        for (String known : ALL_CONDITIONS) {
            if (known.equalsIgnoreCase(cond)
                    || known.equalsIgnoreCase(cond + "s")
                    || (cond.length() > 4 && known.toLowerCase().startsWith(cond.toLowerCase()))
                    || known.equalsIgnoreCase(cond.replaceAll("(?i)OrEqual$", "OrEquals"))) {
                best = known;
                break;
            }
        }
        return best != null
                ? " (did you mean " + best + "?)"
                : " (known conditions: " + String.join(", ", ALL_CONDITIONS) + ")";
    }
}
