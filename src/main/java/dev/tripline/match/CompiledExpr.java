package dev.tripline.match;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.Expr;
import dev.tripline.rule.ValueTest;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A rule's detection compiled for evaluation: selections unwrapped, nested And/Or flattened into arrays,
 * constants folded, and ORs of case-insensitive equality tests on one field merged into a single hash lookup.
 * Everything that does not pay to specialise falls back to the reference semantics, so the two agree by
 * construction and the differential test checks the specialisations.
 */
abstract class CompiledExpr implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Evaluates on the event root ({@code scope == null}) or on a list element. */
    abstract boolean test(Event event, JsonNode scope);

    static CompiledExpr compile(Expr e) {
        if (e instanceof Expr.Selection s) {
            return compile(s.body());
        } else if (e instanceof Expr.NamedList l) {
            return compile(l.resolved());
        } else if (e instanceof Expr.Const c) {
            return c.value() ? TRUE : FALSE;
        } else if (e instanceof Expr.Not n) {
            CompiledExpr inner = compile(n.term());
            if (inner == TRUE) {
                return FALSE;
            }
            return inner == FALSE ? TRUE : new Not(inner);
        } else if (e instanceof Expr.And a) {
            List<CompiledExpr> terms = new ArrayList<>();
            for (Expr t : flatten(a.terms(), true)) {
                CompiledExpr c = compile(t);
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
                CompiledExpr c = compile(t);
                if (c == TRUE) {
                    return TRUE;
                }
                if (c != FALSE) {
                    terms.add(c);
                }
            }
            return terms.isEmpty() ? FALSE : terms.size() == 1 ? terms.get(0) : new Or(terms);
        } else if (e instanceof Expr.Match m) {
            if (m.test() instanceof ValueTest.Regex r) {
                String literal = RegexLiterals.requiredLiteral(r.pattern());
                if (literal != null) {
                    return new MatchRegex(m.field(), r, literal);
                }
            }
            if (m.test() instanceof ValueTest.Glob g) {
                String literal = longestLiteral(g);
                if (literal != null) {
                    return new MatchGlob(m.field(), g, literal);
                }
            }
            return new MatchValue(m.field(), m.test());
        }
        // Rare node kinds (keyword, exists, null, field comparison, list quantifiers) keep reference semantics.
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
                merged.computeIfAbsent(((Expr.Match) t).field(), k -> new LinkedHashSet<>()).addAll(values);
            }
        }
        List<Expr> out = new ArrayList<>();
        merged.forEach((field, values) -> out.add(new Expr.Match(field, new ValueTest.OneOf(values, false))));
        out.addAll(rest);
        return out;
    }

    /** The lower-cased values a test accepts when it is plain case-insensitive equality, else null. */
    static Set<String> caseInsensitiveEqualities(ValueTest t) {
        if (t instanceof ValueTest.Text x && x.mode() == ValueTest.Mode.EQUALS && !x.caseSensitive()) {
            return Set.of(x.value());
        }
        if (t instanceof ValueTest.OneOf o && !o.caseSensitive()) {
            return o.values();
        }
        return null;
    }

    static final CompiledExpr TRUE = new CompiledExpr() {
        @Override
        boolean test(Event event, JsonNode scope) {
            return true;
        }
    };

    static final CompiledExpr FALSE = new CompiledExpr() {
        @Override
        boolean test(Event event, JsonNode scope) {
            return false;
        }
    };

    static final class And extends CompiledExpr {
        private final CompiledExpr[] terms;

        And(List<CompiledExpr> terms) {
            this.terms = terms.toArray(new CompiledExpr[0]);
        }

        @Override
        boolean test(Event event, JsonNode scope) {
            for (CompiledExpr t : terms) {
                if (!t.test(event, scope)) {
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
        boolean test(Event event, JsonNode scope) {
            for (CompiledExpr t : terms) {
                if (t.test(event, scope)) {
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
        boolean test(Event event, JsonNode scope) {
            return !term.test(event, scope);
        }
    }

    static final class MatchValue extends CompiledExpr {
        private final FieldPath field;
        private final ValueTest valueTest;

        MatchValue(FieldPath field, ValueTest valueTest) {
            this.field = field;
            this.valueTest = valueTest;
        }

        @Override
        boolean test(Event event, JsonNode scope) {
            return ReferenceEvaluator.anyValue(event, scope, field, v -> !v.isNull() && valueTest.test(v));
        }
    }

    /** The longest literal part of a glob (every match contains it), or null for a glob of wildcards only. */
    static String longestLiteral(ValueTest.Glob g) {
        String best = null;
        for (ValueTest.GlobPart p : g.parts()) {
            if (p.kind() == ValueTest.GlobPart.Kind.LITERAL && (best == null || p.literal().length() > best.length())) {
                best = p.literal();
            }
        }
        return best == null || best.isEmpty() ? null : best;
    }

    /** A glob match guarded by its longest literal part, checked without copying the value. */
    static final class MatchGlob extends CompiledExpr {
        private final FieldPath field;
        private final ValueTest.Glob glob;
        private final String literal;

        MatchGlob(FieldPath field, ValueTest.Glob glob, String literal) {
            this.field = field;
            this.glob = glob;
            this.literal = literal;
        }

        @Override
        boolean test(Event event, JsonNode scope) {
            return ReferenceEvaluator.anyValue(event, scope, field, v -> {
                String s = v.isNull() ? null : Event.stringForm(v);
                if (s == null) {
                    return false;
                }
                boolean present = glob.caseSensitive() ? s.contains(literal) : RegexLiterals.containsIgnoreCase(s, literal);
                return present && glob.test(v);
            });
        }
    }

    /** A regex match guarded by a literal every match must contain: most values never reach RE2/J. */
    static final class MatchRegex extends CompiledExpr {
        private final FieldPath field;
        private final ValueTest.Regex regex;
        private final String literal;

        MatchRegex(FieldPath field, ValueTest.Regex regex, String literal) {
            this.field = field;
            this.regex = regex;
            this.literal = literal;
        }

        @Override
        boolean test(Event event, JsonNode scope) {
            return ReferenceEvaluator.anyValue(event, scope, field, v -> {
                String s = v.isNull() ? null : Event.stringForm(v);
                if (s == null) {
                    return false;
                }
                boolean present = regex.ignoreCase() ? RegexLiterals.containsIgnoreCase(s, literal) : s.contains(literal);
                return present && regex.compiled().matcher(s).find();
            });
        }
    }

    static final class Reference extends CompiledExpr {
        private final Expr expr;

        Reference(Expr expr) {
            this.expr = expr;
        }

        @Override
        boolean test(Event event, JsonNode scope) {
            return ReferenceEvaluator.eval(expr, event, scope);
        }
    }
}
