package dev.tripline.match;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.Expr;
import dev.tripline.rule.ValuePredicate;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A rule's detection compiled for evaluation: selections unwrapped, nested And/Or flattened into arrays,
 * constants folded, and ORs of case-insensitive equality tests on one field merged into a single hash lookup.
 * Everything that does not pay to specialise falls back to the reference semantics, so the two agree by
 * construction and the differential test checks the specialisations. Fields are read through the matcher's
 * {@link FieldValues}, so a field several rules test is read once per event.
 */
abstract class CompiledExpr implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Evaluates on the event root ({@code scope == null}) or on a list element, reading root fields through
     * {@code values} (null outside a matcher: each field is read when asked).
     */
    abstract boolean test(Event event, JsonNode scope, FieldValues values);

    /** Compiles a detection on its own (its fields have no numbers: each is read when asked). */
    static CompiledExpr compile(Expr e) {
        return compile(e, new FieldValues.Numbering());
    }

    /** Compiles a detection whose fields take their readers from a matcher's {@code fields}. */
    static CompiledExpr compile(Expr e, FieldValues.Numbering fields) {
        if (e instanceof Expr.Selection s) {
            return compile(s.body(), fields);
        } else if (e instanceof Expr.NamedList l) {
            return compile(l.resolved(), fields);
        } else if (e instanceof Expr.Const c) {
            return c.value() ? TRUE : FALSE;
        } else if (e instanceof Expr.Not n) {
            CompiledExpr inner = compile(n.term(), fields);
            if (inner == TRUE) {
                return FALSE;
            }
            return inner == FALSE ? TRUE : new Not(inner);
        } else if (e instanceof Expr.And a) {
            List<CompiledExpr> terms = new ArrayList<>();
            for (Expr t : flatten(a.terms(), true)) {
                CompiledExpr c = compile(t, fields);
                if (c == FALSE) {
                    return FALSE;
                }
                if (c != TRUE) {
                    terms.add(c);
                }
            }
            return terms.isEmpty() ? TRUE : terms.size() == 1 ? terms.get(0) : new And(terms);
        } else if (e instanceof Expr.Or o) {
            List<CompiledExpr> terms = new ArrayList<>();
            for (Expr t : mergeEqualities(flatten(o.terms(), false))) {
                CompiledExpr c = compile(t, fields);
                if (c == TRUE) {
                    return TRUE;
                }
                if (c != FALSE) {
                    terms.add(c);
                }
            }
            return terms.isEmpty() ? FALSE : terms.size() == 1 ? terms.get(0) : new Or(terms);
        } else if (e instanceof Expr.Match m) {
            if (m.test() instanceof ValuePredicate.Regex r) {
                String literal = RegexLiterals.requiredLiteral(r.pattern());
                if (literal != null) {
                    return new GuardedMatch(fields.of(m.field()), r, literal, r.ignoreCase());
                }
            }
            if (m.test() instanceof ValuePredicate.Glob g) {
                String literal = longestLiteral(g);
                if (literal != null) {
                    return new GuardedMatch(fields.of(m.field()), g, literal, !g.caseSensitive());
                }
            }
            return new MatchValue(fields.of(m.field()), m.test());
        }
        if (e instanceof Expr.Exists x) {
            return new Exists(fields.of(x.field()));
        }
        if (e instanceof Expr.IsNull n) {
            return new IsNull(fields.of(n.field()), n.orEmpty());
        }
        // Rare node kinds (keyword, field comparison, list quantifiers) keep reference semantics.
        return new Reference(e);
    }

    /** Inlines nested And-in-And / Or-in-Or (looking through selections, which only matter to explanations). */
    private static List<Expr> flatten(List<Expr> terms, boolean and) {
        List<Expr> out = new ArrayList<>();
        for (Expr t : terms) {
            Expr u = t;
            while (u instanceof Expr.Selection s) {
                u = s.body();
            }
            if (and && u instanceof Expr.And a) {
                out.addAll(flatten(a.terms(), true));
            } else if (!and && u instanceof Expr.Or o) {
                out.addAll(flatten(o.terms(), false));
            } else {
                out.add(u);
            }
        }
        return out;
    }

    /** Merges {@code f = a OR f = b OR f in {c, d}} (case-insensitive) into one {@code f in {a, b, c, d}}. */
    private static List<Expr> mergeEqualities(List<Expr> terms) {
        Map<FieldPath, Set<String>> merged = new LinkedHashMap<>();
        List<Expr> rest = new ArrayList<>();
        for (Expr t : terms) {
            Set<String> values = t instanceof Expr.Match m ? caseInsensitiveEqualities(m.test()) : null;
            if (values == null) {
                rest.add(t);
            } else {
                merged.computeIfAbsent(((Expr.Match) t).field(), k -> new LinkedHashSet<>())
                        .addAll(values);
            }
        }
        List<Expr> out = new ArrayList<>();
        merged.forEach((field, values) -> out.add(new Expr.Match(field, new ValuePredicate.OneOf(values, false))));
        out.addAll(rest);
        return out;
    }

    /** The lower-cased values a test accepts when it is plain case-insensitive equality, else null. */
    static Set<String> caseInsensitiveEqualities(ValuePredicate t) {
        if (t instanceof ValuePredicate.Text x && x.mode() == ValuePredicate.Mode.EQUALS && !x.caseSensitive()) {
            return Set.of(x.value());
        }
        if (t instanceof ValuePredicate.OneOf o && !o.caseSensitive()) {
            return o.values();
        }
        return null;
    }

    static final CompiledExpr TRUE = new CompiledExpr() {
        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            return true;
        }
    };

    static final CompiledExpr FALSE = new CompiledExpr() {
        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            return false;
        }
    };

    static final class And extends CompiledExpr {
        private final CompiledExpr[] terms;

        And(List<CompiledExpr> terms) {
            this.terms = terms.toArray(new CompiledExpr[0]);
        }

        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            for (CompiledExpr t : terms) {
                if (!t.test(event, scope, values)) {
                    return false;
                }
            }
            return true;
        }
    }

    static final class Or extends CompiledExpr {
        private final CompiledExpr[] terms;

        Or(List<CompiledExpr> terms) {
            this.terms = terms.toArray(new CompiledExpr[0]);
        }

        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            for (CompiledExpr t : terms) {
                if (t.test(event, scope, values)) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class Not extends CompiledExpr {
        private final CompiledExpr term;

        Not(CompiledExpr term) {
            this.term = term;
        }

        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            return !term.test(event, scope, values);
        }
    }

    /**
     * A value test on one field; on the event root the field is read through a {@link FieldReader}. An object or
     * list is compared as its JSON text, which starts with a brace or a bracket; an equality or prefix test with
     * no such value cannot pass on one, so it fails without the text being written.
     */
    static final class MatchValue extends CompiledExpr implements Predicate<JsonNode> {
        private final FieldReader field;
        private final ValuePredicate valueTest;
        private final boolean containersFail;

        MatchValue(FieldReader field, ValuePredicate valueTest) {
            this.field = field;
            this.valueTest = valueTest;
            this.containersFail = failsOnJsonText(valueTest);
        }

        /** True when every string the test accepts starts with a character no JSON object or list text does. */
        private static boolean failsOnJsonText(ValuePredicate t) {
            Set<String> accepted;
            if (t instanceof ValuePredicate.Text x
                    && (x.mode() == ValuePredicate.Mode.EQUALS || x.mode() == ValuePredicate.Mode.PREFIX)) {
                accepted = Set.of(x.value());
            } else if (t instanceof ValuePredicate.OneOf o) {
                accepted = o.values();
            } else {
                return false;
            }
            // An empty prefix accepts anything; an empty value equals no JSON text, but is kept simple here.
            return accepted.stream().noneMatch(v -> v.isEmpty() || v.charAt(0) == '{' || v.charAt(0) == '[');
        }

        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            return FieldValues.anyValue(values, field, event, scope, this);
        }

        /** Whether one value passes. */
        @Override
        public boolean test(JsonNode v) {
            return !(v instanceof NullNode) && !(containersFail && v instanceof ContainerNode) && valueTest.test(v);
        }
    }

    /** Whether a field yields any value, JSON null included (Sigma's {@code |exists}, {@code field: null} negated). */
    static final class Exists extends CompiledExpr implements Predicate<JsonNode> {
        private final FieldReader field;

        Exists(FieldReader field) {
            this.field = field;
        }

        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            return FieldValues.anyValue(values, field, event, scope, this);
        }

        @Override
        public boolean test(JsonNode v) {
            return true;
        }
    }

    /** True when a field yields no value other than JSON null (or, with {@code orEmpty}, empty text or containers). */
    static final class IsNull extends CompiledExpr implements Predicate<JsonNode> {
        private final FieldReader field;
        private final boolean orEmpty;

        IsNull(FieldReader field, boolean orEmpty) {
            this.field = field;
            this.orEmpty = orEmpty;
        }

        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            return !FieldValues.anyValue(values, field, event, scope, this);
        }

        /** Whether one value is a real one (neither null nor, with {@code orEmpty}, empty). */
        @Override
        public boolean test(JsonNode v) {
            return !(v.isNull() || (orEmpty && ReferenceEvaluator.isEmpty(v)));
        }
    }

    /** The longest literal part of a glob (every match contains it), or null for a glob of wildcards only. */
    static String longestLiteral(ValuePredicate.Glob g) {
        String best = null;
        for (ValuePredicate.GlobPart p : g.parts()) {
            if (p.kind() == ValuePredicate.GlobPart.Kind.LITERAL
                    && (best == null || p.literal().length() > best.length())) {
                best = p.literal();
            }
        }
        return best == null || best.isEmpty() ? null : best;
    }

    /**
     * A regex or glob match guarded by a literal every match contains: most values are rejected by one
     * substring search, without copying the value, before the costlier test runs.
     */
    static final class GuardedMatch extends CompiledExpr implements Predicate<JsonNode> {
        private final FieldReader field;
        private final ValuePredicate test;
        private final String literal;
        private final boolean ignoreCase;

        GuardedMatch(FieldReader field, ValuePredicate test, String literal, boolean ignoreCase) {
            this.field = field;
            this.test = test;
            this.literal = literal;
            this.ignoreCase = ignoreCase;
        }

        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            return FieldValues.anyValue(values, field, event, scope, this);
        }

        /** Whether one value passes. */
        @Override
        public boolean test(JsonNode v) {
            String s = v.isNull() ? null : Event.stringForm(v);
            if (s == null) {
                return false;
            }
            boolean present = ignoreCase ? RegexLiterals.containsIgnoreCase(s, literal) : s.contains(literal);
            return present && test.test(v);
        }
    }

    static final class Reference extends CompiledExpr {
        private final Expr expr;

        Reference(Expr expr) {
            this.expr = expr;
        }

        @Override
        boolean test(Event event, JsonNode scope, FieldValues values) {
            return ReferenceEvaluator.eval(expr, event, scope);
        }
    }
}
