package dev.tripline.match;

import dev.tripline.event.CaseFoldMap;
import dev.tripline.event.EcsAliases;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.Expr;
import dev.tripline.rule.ValuePredicate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Works out what a detection requires of single fields: conditions that hold on every event the detection
 * matches, so an index may skip a rule on any event where one of them fails. Each condition is loose on purpose
 * (case is ignored, and a test the analysis cannot read only requires the field to be there), so it can wrongly
 * let a rule through but never wrongly keep one out. The differential test holds the matcher built on it to the
 * reference evaluator.
 *
 * <p>Fields are named as the index reads them: lower-cased steps, with CloudTrail's ECS renames (such as
 * {@code event.action}) counted as the raw field they stand for, since an alias only yields values its raw field
 * holds (a record that carries a field literally named like the alias would win over it; CloudTrail has none).
 */
final class Requirements {
    private Requirements() {}

    /** How a {@link FieldRequirement} constrains its field. */
    enum Kind {
        /** Some value equals one of {@code values}, ignoring case. */
        EQUALS,
        /** Some value contains one of {@code literals}, ignoring case (each possibly anchored at an end). */
        CONTAINS,
        /** The field yields some value (JSON null included). */
        PRESENT
    }

    /**
     * A substring every value passing a test holds, case folded ({@link CaseFoldMap#fold}) and ASCII, so one
     * automaton can look for it; {@code atStart} and {@code atEnd} anchor it to the value's ends.
     */
    record Literal(String text, boolean atStart, boolean atEnd) {}

    /**
     * One condition on one field (see {@link Kind}); {@code values} set for EQUALS (as the rule wrote them; the
     * index folds them), {@code literals} for CONTAINS. Equal requirements of different rules are one condition of the index, tested once per event.
     */
    record FieldRequirement(String field, Kind kind, Set<String> values, Set<Literal> literals) {
        static FieldRequirement present(String field) {
            return new FieldRequirement(field, Kind.PRESENT, Set.of(), Set.of());
        }

        /** The weaker of two alternatives: an event passing either passes the result. */
        FieldRequirement union(FieldRequirement other) {
            if (kind == Kind.PRESENT || other.kind == Kind.PRESENT) {
                return present(field);
            }
            if (kind == Kind.EQUALS && other.kind == Kind.EQUALS) {
                Set<String> all = new LinkedHashSet<>(values);
                all.addAll(other.values);
                return new FieldRequirement(field, Kind.EQUALS, Set.copyOf(all), Set.of());
            }
            Set<Literal> all = new LinkedHashSet<>();
            if (!addAsLiterals(this, all) || !addAsLiterals(other, all)) {
                return present(field);
            }
            return new FieldRequirement(field, Kind.CONTAINS, Set.of(), Set.copyOf(all));
        }

        /** The length of the shortest literal: a longer one is rarer, so a better key. */
        int shortestLiteral() {
            int n = Integer.MAX_VALUE;
            for (Literal l : literals) {
                n = Math.min(n, l.text().length());
            }
            return n;
        }
    }

    /**
     * A detection's conditions on single fields for events of {@code type}; an empty list when it pins nothing,
     * null when it can never match (a constant false the loader left in).
     */
    static List<FieldRequirement> of(Expr detection, LogType type) {
        return needs(detection, type);
    }

    private static List<FieldRequirement> needs(Expr e, LogType type) {
        if (e instanceof Expr.Selection s) {
            return needs(s.body(), type);
        } else if (e instanceof Expr.Match m) {
            return m.field().isSelf() ? List.of() : fromTest(indexName(m.field(), type), m.test());
        } else if (e instanceof Expr.Exists x) {
            return x.field().isSelf() ? List.of() : List.of(FieldRequirement.present(indexName(x.field(), type)));
        } else if (e instanceof Expr.Not n
                && n.term() instanceof Expr.IsNull isNull
                && !isNull.field().isSelf()) {
            return List.of(FieldRequirement.present(indexName(isNull.field(), type)));
        } else if (e instanceof Expr.CompareFields c
                && !c.left().isSelf()
                && !c.right().isSelf()) {
            return List.of(
                    FieldRequirement.present(indexName(c.left(), type)),
                    FieldRequirement.present(indexName(c.right(), type)));
        } else if (e instanceof Expr.Const c) {
            return c.value() ? List.of() : null;
        } else if (e instanceof Expr.And a) {
            List<FieldRequirement> all = new ArrayList<>();
            for (Expr t : a.terms()) {
                List<FieldRequirement> r = needs(t, type);
                if (r == null) {
                    return null;
                }
                all.addAll(r);
            }
            return all;
        } else if (e instanceof Expr.Or o) {
            return alternatives(o.terms(), type);
        }
        // Not, IsNull, Keyword, list quantifiers and named lists: nothing read here is required of a field.
        return List.of();
    }

    /** What every alternative requires: per field all of them constrain, the union of their strongest. */
    private static List<FieldRequirement> alternatives(List<Expr> terms, LogType type) {
        List<Map<String, FieldRequirement>> branches = new ArrayList<>();
        for (Expr t : terms) {
            List<FieldRequirement> r = needs(t, type);
            if (r != null) {
                Map<String, FieldRequirement> strongest = new LinkedHashMap<>();
                for (FieldRequirement f : r) {
                    strongest.merge(f.field(), f, Requirements::stronger);
                }
                branches.add(strongest);
            }
        }
        if (branches.isEmpty()) {
            return null;
        }
        List<FieldRequirement> out = new ArrayList<>();
        for (Map.Entry<String, FieldRequirement> first : branches.get(0).entrySet()) {
            FieldRequirement union = first.getValue();
            for (int i = 1; i < branches.size() && union != null; i++) {
                FieldRequirement other = branches.get(i).get(first.getKey());
                union = other == null ? null : union.union(other);
            }
            if (union != null) {
                out.add(union);
            }
        }
        return out;
    }

    /** The more selective of two conditions on one field: equality (fewer values) over literals over presence. */
    static FieldRequirement stronger(FieldRequirement a, FieldRequirement b) {
        return SELECTIVITY.compare(a, b) <= 0 ? a : b;
    }

    /** Most selective first: equality with fewer values, then longer literals, then presence. */
    static final Comparator<FieldRequirement> SELECTIVITY = Comparator.<FieldRequirement>comparingInt(
                    r -> r.kind().ordinal())
            .thenComparingInt(r -> r.kind() == Kind.EQUALS ? r.values().size() : 0)
            .thenComparingInt(r -> r.kind() == Kind.CONTAINS ? -r.shortestLiteral() : 0);

    /** What one value test requires of its field; any test requires a (non-null) value to be there. */
    private static List<FieldRequirement> fromTest(String field, ValuePredicate test) {
        if (test instanceof ValuePredicate.Text t) {
            if (t.mode() == ValuePredicate.Mode.EQUALS) {
                return List.of(new FieldRequirement(field, Kind.EQUALS, Set.of(t.value()), Set.of()));
            }
            boolean start = t.mode() == ValuePredicate.Mode.PREFIX;
            boolean end = t.mode() == ValuePredicate.Mode.SUFFIX;
            return List.of(containsOrPresent(field, literal(t.value(), start, end)));
        }
        if (test instanceof ValuePredicate.OneOf o) {
            return List.of(new FieldRequirement(field, Kind.EQUALS, o.values(), Set.of()));
        }
        if (test instanceof ValuePredicate.Glob g) {
            return globLiterals(field, g);
        }
        if (test instanceof ValuePredicate.Regex r) {
            String required = RegexLiterals.requiredLiteral(r.pattern());
            if (required != null) {
                return List.of(containsOrPresent(field, literal(required, false, false)));
            }
        }
        return List.of(FieldRequirement.present(field));
    }

    /** Every literal run of a glob is required; the first and last are anchored when no wildcard precedes or follows. */
    private static List<FieldRequirement> globLiterals(String field, ValuePredicate.Glob g) {
        List<ValuePredicate.GlobPart> parts = g.parts();
        List<FieldRequirement> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            ValuePredicate.GlobPart p = parts.get(i);
            if (p.kind() == ValuePredicate.GlobPart.Kind.LITERAL && !p.literal().isEmpty()) {
                Literal l = literal(p.literal(), i == 0, i == parts.size() - 1);
                FieldRequirement r = containsOrPresent(field, l);
                if (r.kind() == Kind.CONTAINS) {
                    out.add(r);
                }
            }
        }
        if (out.isEmpty()) {
            out.add(FieldRequirement.present(field));
        }
        return out;
    }

    /** A literal for the automaton, or null when it is empty or not ASCII once folded. */
    private static Literal literal(String text, boolean atStart, boolean atEnd) {
        String folded = CaseFoldMap.fold(text);
        if (folded.isEmpty()) {
            return null;
        }
        for (int i = 0; i < folded.length(); i++) {
            if (folded.charAt(i) >= 128) {
                return null;
            }
        }
        return new Literal(folded, atStart, atEnd);
    }

    /** A literal condition, or presence when the literal cannot be looked for ({@code literal} null). */
    private static FieldRequirement containsOrPresent(String field, Literal literal) {
        return literal == null
                ? FieldRequirement.present(field)
                : new FieldRequirement(field, Kind.CONTAINS, Set.of(), Set.of(literal));
    }

    /** Adds {@code r}'s condition as literals; false when it cannot be one (presence, or a non-ASCII value). */
    private static boolean addAsLiterals(FieldRequirement r, Set<Literal> out) {
        if (r.kind() == Kind.CONTAINS) {
            out.addAll(r.literals());
            return true;
        }
        if (r.kind() == Kind.EQUALS) {
            for (String v : r.values()) {
                Literal l = literal(v, true, true);
                if (l == null) {
                    return false;
                }
                out.add(l);
            }
            return true;
        }
        return false;
    }

    /**
     * The lower-cased path the index reads a field by: ECS renames count as the CloudTrail field they stand for
     * (see the class comment).
     */
    static String indexName(FieldPath path, LogType type) {
        FieldPath raw = rawPath(path, type);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            // Steps joined by a character no key holds, so a DeepKey step with a dot stays one step.
            b.append(i == 0 ? "" : "\u0000").append(raw.segment(i).toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }

    /** The path as the index reads it, in a spelling a rule used (ECS renames resolved for CloudTrail). */
    static FieldPath rawPath(FieldPath path, LogType type) {
        return type == LogType.CLOUDTRAIL ? EcsAliases.canonical(path) : path;
    }
}
