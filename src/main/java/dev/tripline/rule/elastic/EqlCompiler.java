package dev.tripline.rule.elastic;

import com.google.re2j.PatternSyntaxException;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.Expr;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.ValuePredicate;
import dev.tripline.rule.elastic.EqlParser.ConditionContext;
import dev.tripline.rule.elastic.EqlParser.LiteralContext;
import dev.tripline.rule.elastic.EqlParser.OperandContext;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.antlr.v4.runtime.Token;

/**
 * Compiles an EQL query into {@link Expr}s on ECS field names: one expression for {@code <category> where ...},
 * or one per step for a {@code sequence}. Semantics follow Elasticsearch's EQL: {@code ==}, {@code !=}, {@code in},
 * {@code like} and the string functions are case-sensitive, their {@code ~} forms and {@code :} are not;
 * {@code :} and {@code like} take {@code *} and {@code ?} wildcards; {@code regex} must match the whole value;
 * {@code field == null} holds when the field is missing. A comparison on a missing field is false, and
 * {@code !=} and {@code not} hold on it (as Elasticsearch's query translation behaves).
 */
final class EqlCompiler {
    private final QueryText query;
    private final FieldPath categoryField;
    private final List<FieldPath> fields = new ArrayList<>();

    private EqlCompiler(QueryText query, FieldPath categoryField) {
        this.query = query;
        this.categoryField = categoryField;
    }

    /** A compiled query: {@code steps} has one entry for a single-event query. */
    record Compiled(
            boolean sequence,
            List<FieldPath> by,
            Duration maxspan,
            List<Step> steps,
            Step until,
            List<FieldPath> fields,
            SourceLocation sequenceAt) {}

    /** One step of a sequence (or the single query): its condition, per-step keys, whether it is a missing event. */
    record Step(Expr expr, List<FieldPath> by, boolean missing, int runs, SourceLocation at) {}

    /**
     * Compiles {@code query}; {@code categoryField} is the field that {@code <category> where} tests
     * ({@code event.category} unless the rule overrides it). Errors are thrown at their file:line:col.
     */
    static Compiled compile(QueryText query, FieldPath categoryField) {
        EqlCompiler c = new EqlCompiler(query, categoryField);
        EqlParser parser = Queries.parser(query, "EQL", EqlLexer::new, EqlParser::new);
        EqlParser.QueryContext tree = Queries.run(parser::query);
        if (tree.eventQuery() != null) {
            Step only = new Step(c.eventQuery(tree.eventQuery()), List.of(), false, 1, query.at(tree.getStart()));
            return new Compiled(false, List.of(), null, List.of(only), null, List.copyOf(c.fields), null);
        }
        return c.sequence(tree.sequence());
    }

    private Compiled sequence(EqlParser.SequenceContext ctx) {
        List<FieldPath> by = new ArrayList<>();
        Duration maxspan = null;
        for (EqlParser.SequenceHeaderContext h : ctx.sequenceHeader()) {
            if (h instanceof EqlParser.SequenceByContext b) {
                if (!by.isEmpty()) {
                    throw query.error(b.getStart(), "EQL sequence has two 'by' clauses");
                }
                by.addAll(joinKeys(b.joinKeys()));
            } else {
                EqlParser.SequenceMaxspanContext m = (EqlParser.SequenceMaxspanContext) h;
                if (maxspan != null) {
                    throw query.error(m.getStart(), "EQL sequence has two 'with maxspan' clauses");
                }
                maxspan = duration(m.DURATION().getSymbol());
            }
        }
        List<EqlParser.StepContext> stepContexts = new ArrayList<>(ctx.step());
        EqlParser.StepContext untilContext = ctx.untilStep;
        if (untilContext != null) {
            stepContexts.remove(stepContexts.size() - 1);
        }
        List<Step> steps = new ArrayList<>();
        for (EqlParser.StepContext s : stepContexts) {
            steps.add(step(s));
        }
        Step until = untilContext == null ? null : step(untilContext);
        if (until != null && until.missing()) {
            throw query.error(untilContext.getStart(), "EQL 'until' cannot be a missing-event (!) step");
        }
        int keyCount = -1;
        for (int i = 0; i < steps.size(); i++) {
            int n = by.size() + steps.get(i).by().size();
            if (keyCount >= 0 && n != keyCount) {
                throw new dev.tripline.rule.RuleSyntaxException(
                        steps.get(i).at(),
                        "EQL sequence step " + (i + 1) + " joins on " + n + " keys but the first step on " + keyCount
                                + "; every step needs the same number of join keys");
            }
            keyCount = n;
        }
        return new Compiled(true, by, maxspan, steps, until, List.copyOf(fields), query.at(ctx.getStart()));
    }

    private Step step(EqlParser.StepContext s) {
        int runs = 1;
        if (s.runs != null) {
            try {
                runs = Integer.parseInt(s.runs.getText());
            } catch (NumberFormatException e) {
                runs = -1;
            }
            if (runs < 1 || runs > 100) {
                throw query.error(s.runs, "EQL 'with runs' must be a whole number from 1 to 100");
            }
        }
        List<FieldPath> by = s.joinKeys() == null ? List.of() : joinKeys(s.joinKeys());
        return new Step(eventQuery(s.eventQuery()), by, s.missing != null, runs, query.at(s.getStart()));
    }

    private List<FieldPath> joinKeys(EqlParser.JoinKeysContext ctx) {
        List<FieldPath> keys = new ArrayList<>();
        for (EqlParser.FieldContext f : ctx.field()) {
            keys.add(field(f));
        }
        return keys;
    }

    private Duration duration(Token t) {
        String s = t.getText();
        int unitAt = s.length() - (s.endsWith("ms") ? 2 : 1);
        long n;
        try {
            n = Long.parseLong(s.substring(0, unitAt));
        } catch (NumberFormatException e) {
            throw query.error(t, "EQL maxspan '" + s + "' is too large");
        }
        Duration d = switch (s.substring(unitAt)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.isZero() || d.compareTo(Duration.ofDays(30)) > 0) {
            throw query.error(t, "EQL maxspan must be more than 0 and at most 30d");
        }
        return d;
    }

    private Expr eventQuery(EqlParser.EventQueryContext ctx) {
        Expr condition = condition(ctx.condition());
        EqlParser.CategoryContext cat = ctx.category();
        if (cat.ANY() != null) {
            return condition;
        }
        String name = cat.STRING() != null ? string(cat.STRING().getSymbol()) : cat.getText();
        Expr isCategory =
                new Expr.Match(categoryField, new ValuePredicate.Text(ValuePredicate.Mode.EQUALS, name, true));
        return Expr.and(List.of(isCategory, condition));
    }

    private Expr condition(ConditionContext ctx) {
        if (ctx instanceof EqlParser.NotConditionContext n) {
            return new Expr.Not(condition(n.condition()));
        }
        if (ctx instanceof EqlParser.AndConditionContext a) {
            return flatten(true, condition(a.condition(0)), condition(a.condition(1)));
        }
        if (ctx instanceof EqlParser.OrConditionContext o) {
            return flatten(false, condition(o.condition(0)), condition(o.condition(1)));
        }
        return predicate(((EqlParser.PredicateConditionContext) ctx).predicate());
    }

    /** {@code a and (b and c)} as one And of three, so explanations and the matcher see flat lists. */
    private static Expr flatten(boolean and, Expr left, Expr right) {
        List<Expr> terms = new ArrayList<>();
        for (Expr e : List.of(left, right)) {
            if (and && e instanceof Expr.And x) {
                terms.addAll(x.terms());
            } else if (!and && e instanceof Expr.Or x) {
                terms.addAll(x.terms());
            } else {
                terms.add(e);
            }
        }
        return and ? new Expr.And(terms) : new Expr.Or(terms);
    }

    private Expr predicate(EqlParser.PredicateContext ctx) {
        if (ctx instanceof EqlParser.GroupPredicateContext g) {
            return condition(g.condition());
        }
        if (ctx instanceof EqlParser.ConstantPredicateContext c) {
            return new Expr.Const(c.TRUE() != null);
        }
        if (ctx instanceof EqlParser.FieldPredicateContext f) {
            return new Expr.Match(field(f.field()), new ValuePredicate.Text(ValuePredicate.Mode.EQUALS, "true", true));
        }
        if (ctx instanceof EqlParser.FunctionPredicateContext f) {
            return function(f.functionCall(), null, null);
        }
        if (ctx instanceof EqlParser.ComparePredicateContext c) {
            return compare(c);
        }
        if (ctx instanceof EqlParser.InPredicateContext in) {
            FieldPath f = fieldOperand(in.operand(), "in");
            boolean cased = in.op.getType() == EqlParser.IN;
            Set<String> values = new LinkedHashSet<>();
            boolean hasNull = false;
            for (LiteralContext l : in.literal()) {
                if (l.NULL() != null) {
                    hasNull = true;
                } else {
                    values.add(literalText(l));
                }
            }
            List<Expr> any = new ArrayList<>();
            if (!values.isEmpty()) {
                any.add(new Expr.Match(f, new ValuePredicate.OneOf(values, cased)));
            }
            if (hasNull) {
                any.add(new Expr.IsNull(f, false));
            }
            Expr e = Expr.or(any);
            return in.NOT() != null ? new Expr.Not(e) : e;
        }
        EqlParser.PatternPredicateContext p = (EqlParser.PatternPredicateContext) ctx;
        String op = p.op.getText();
        FieldPath f = fieldOperand(p.operand(), op);
        boolean regex = p.op.getType() == EqlParser.REGEX || p.op.getType() == EqlParser.REGEX_I;
        boolean cased = p.op.getType() == EqlParser.LIKE || p.op.getType() == EqlParser.REGEX;
        List<Expr> any = new ArrayList<>();
        for (LiteralContext l : p.patterns().literal()) {
            if (l.STRING() == null) {
                throw query.error(l.getStart(), "EQL '" + op + "' takes string patterns, not " + l.getText());
            }
            String text = string(l.STRING().getSymbol());
            ValuePredicate test;
            if (regex) {
                test = regex(l.getStart(), text, !cased);
            } else {
                test = Queries.wildcard(text, cased, true, false);
            }
            any.add(new Expr.Match(f, test));
        }
        return Expr.or(any);
    }

    private ValuePredicate regex(Token at, String pattern, boolean ignoreCase) {
        try {
            // Elasticsearch's regexp query matches the whole value.
            return ValuePredicate.Regex.compile("^(?:" + pattern + ")$", ignoreCase, false, true);
        } catch (PatternSyntaxException e) {
            throw query.error(at, "EQL regex '" + pattern + "' is not valid: " + e.getDescription());
        }
    }

    private Expr compare(EqlParser.ComparePredicateContext c) {
        OperandContext left = c.operand(0);
        OperandContext right = c.operand(1);
        int op = c.op.getType();
        if (left.literal() != null && right.literal() == null) {
            OperandContext t = left;
            left = right;
            right = t;
            op = mirror(op);
        }
        if (left.functionCall() != null && right.literal() != null) {
            return function(left.functionCall(), c.op, right.literal());
        }
        if (left.field() == null) {
            throw query.error(
                    c.getStart(),
                    "EQL comparison '" + c.getText() + "' is not supported: compare a field with a value");
        }
        FieldPath f = field(left.field());
        if (right.field() != null) {
            FieldPath g = field(right.field());
            if (op != EqlParser.EQ && op != EqlParser.NEQ) {
                throw query.error(c.op, "EQL compares two fields only with == and !=");
            }
            Expr eq = new Expr.CompareFields(f, g, ValuePredicate.Mode.EQUALS, true);
            return op == EqlParser.EQ ? eq : new Expr.Not(eq);
        }
        if (right.literal() == null) {
            throw query.error(right.getStart(), "EQL comparison with a function result on the right is not supported");
        }
        LiteralContext l = right.literal();
        if (l.NULL() != null) {
            if (op != EqlParser.EQ && op != EqlParser.NEQ) {
                throw query.error(c.op, "EQL compares with null only with == and !=");
            }
            Expr isNull = new Expr.IsNull(f, false);
            return op == EqlParser.EQ ? isNull : new Expr.Not(isNull);
        }
        if (op == EqlParser.EQ || op == EqlParser.NEQ) {
            Expr eq = new Expr.Match(f, new ValuePredicate.Text(ValuePredicate.Mode.EQUALS, literalText(l), true));
            return op == EqlParser.EQ ? eq : new Expr.Not(eq);
        }
        if (l.NUMBER() == null) {
            throw query.error(
                    l.getStart(), "EQL '" + c.op.getText() + "' compares numbers; '" + l.getText() + "' is not one");
        }
        return new Expr.Match(f, new ValuePredicate.NumberCompare(numberOp(op), new BigDecimal(l.getText())));
    }

    private static int mirror(int op) {
        return switch (op) {
            case EqlParser.LT -> EqlParser.GT;
            case EqlParser.LTE -> EqlParser.GTE;
            case EqlParser.GT -> EqlParser.LT;
            case EqlParser.GTE -> EqlParser.LTE;
            default -> op;
        };
    }

    private static ValuePredicate.NumberOp numberOp(int op) {
        return switch (op) {
            case EqlParser.LT -> ValuePredicate.NumberOp.LT;
            case EqlParser.LTE -> ValuePredicate.NumberOp.LTE;
            case EqlParser.GT -> ValuePredicate.NumberOp.GT;
            case EqlParser.GTE -> ValuePredicate.NumberOp.GTE;
            default -> ValuePredicate.NumberOp.EQ;
        };
    }

    /**
     * A function call, alone ({@code stringContains(f, "x")}) or compared ({@code length(f) > 5}, then
     * {@code op} and {@code value} are set).
     */
    private Expr function(EqlParser.FunctionCallContext call, Token op, LiteralContext value) {
        String name = call.name.getText();
        boolean insensitive = call.TILDE() != null;
        List<OperandContext> args = call.operand();
        String lower = name.toLowerCase(Locale.ROOT);
        if (op != null && !lower.equals("length")) {
            throw query.error(call.getStart(), "EQL function " + name + " is not supported inside a comparison");
        }
        switch (lower) {
            case "stringcontains", "startswith", "endswith" -> {
                if (args.size() != 2) {
                    throw query.error(call.getStart(), "EQL " + name + " takes a field and a string");
                }
                FieldPath f = fieldOperand(args.get(0), name);
                ValuePredicate.Mode mode = switch (lower) {
                    case "stringcontains" -> ValuePredicate.Mode.CONTAINS;
                    case "startswith" -> ValuePredicate.Mode.PREFIX;
                    default -> ValuePredicate.Mode.SUFFIX;
                };
                if (args.get(1).field() != null) {
                    // stringContains(policy, account_id): one field's value inside another's.
                    return new Expr.CompareFields(f, field(args.get(1).field()), mode, !insensitive);
                }
                String needle = stringOperand(args.get(1), name);
                return new Expr.Match(f, new ValuePredicate.Text(mode, needle, !insensitive));
            }
            case "cidrmatch" -> {
                if (args.size() < 2) {
                    throw query.error(call.getStart(), "EQL cidrMatch takes a field and one or more networks");
                }
                FieldPath f = fieldOperand(args.get(0), name);
                List<Expr> any = new ArrayList<>();
                for (OperandContext a : args.subList(1, args.size())) {
                    String network = stringOperand(a, name);
                    try {
                        any.add(new Expr.Match(f, ValuePredicate.Cidr.parse(network)));
                    } catch (IllegalArgumentException e) {
                        throw query.error(a.getStart(), "EQL cidrMatch: '" + network + "' is not a network");
                    }
                }
                return Expr.or(any);
            }
            case "length" -> {
                if (args.size() != 1 || op == null || value == null || value.NUMBER() == null) {
                    throw query.error(
                            call.getStart(),
                            "EQL length(field) is supported compared with a number, e.g. length(f) > 5");
                }
                return length(fieldOperand(args.get(0), name), op, value);
            }
            default ->
                throw query.error(
                        call.getStart(),
                        "EQL function " + name + " is not supported; supported: stringContains, startsWith, "
                                + "endsWith, cidrMatch, length (each with ~ for case-insensitive where it applies)");
        }
    }

    /** {@code length(f) op n} as a whole-value regex on the value's length (RE2 repeats at most 1000). */
    private Expr length(FieldPath f, Token op, LiteralContext value) {
        int n;
        try {
            n = Integer.parseInt(value.getText());
        } catch (NumberFormatException e) {
            throw query.error(value.getStart(), "EQL length compares with a whole number");
        }
        String pattern = switch (op.getType()) {
            case EqlParser.EQ, EqlParser.NEQ -> ".{" + n + "}";
            case EqlParser.GT -> ".{" + (n + 1) + ",}";
            case EqlParser.GTE -> ".{" + n + ",}";
            case EqlParser.LT -> n <= 0 ? "[^\\s\\S]" : ".{0," + (n - 1) + "}";
            default -> ".{0," + n + "}";
        };
        if (n < 0 || n > 999) {
            throw query.error(value.getStart(), "EQL length is supported compared with 0 to 999");
        }
        Expr e = new Expr.Match(f, regex(op, pattern, false));
        return op.getType() == EqlParser.NEQ ? new Expr.Not(e) : e;
    }

    private FieldPath fieldOperand(OperandContext o, String what) {
        if (o.field() == null) {
            throw query.error(o.getStart(), "EQL " + what + " needs a field here, not " + o.getText());
        }
        return field(o.field());
    }

    private String stringOperand(OperandContext o, String what) {
        if (o.literal() == null || o.literal().STRING() == null) {
            throw query.error(o.getStart(), "EQL " + what + " needs a string here, not " + o.getText());
        }
        return string(o.literal().STRING().getSymbol());
    }

    /**
     * A field path; a back-quoted number ({@code target_resources.`0`.display_name}) is a list index, which is
     * how Elastic's integrations store the elements of a list that the raw record holds as an array.
     */
    private FieldPath field(EqlParser.FieldContext ctx) {
        boolean plain = ctx.fieldPart().stream().allMatch(p -> p.BACKQUOTED() == null);
        FieldPath path;
        if (plain) {
            path = FieldPath.of(ctx.getText());
        } else {
            List<String> segments = new ArrayList<>();
            for (EqlParser.FieldPartContext part : ctx.fieldPart()) {
                String t = part.getText();
                if (part.BACKQUOTED() == null) {
                    segments.add(t);
                    continue;
                }
                String name = t.substring(1, t.length() - 1);
                boolean index =
                        !name.isEmpty() && name.length() <= 8 && name.chars().allMatch(c -> c >= '0' && c <= '9');
                segments.add(index ? "[" + Integer.parseInt(name) + "]" : name);
            }
            path = FieldPath.ofSegments(segments.toArray(new String[0]), false);
        }
        fields.add(path);
        return path;
    }

    private String literalText(LiteralContext l) {
        if (l.STRING() != null) {
            return string(l.STRING().getSymbol());
        }
        return l.getText();
    }

    /** The value of an EQL string literal: {@code """raw"""}, or quoted with backslash escapes. */
    private String string(Token t) {
        String s = t.getText();
        if (s.startsWith("\"\"\"")) {
            return s.substring(3, s.length() - 3);
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 1; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case '"', '\'', '\\' -> b.append(n);
                default -> throw query.error(t, "EQL string has an unknown escape \\" + n);
            }
        }
        return b.toString();
    }
}
