package dev.tripline.rule.elastic;

import dev.tripline.event.FieldPath;
import dev.tripline.rule.Expr;
import dev.tripline.rule.ValuePredicate;
import dev.tripline.rule.elastic.KqlParser.AndQueryContext;
import dev.tripline.rule.elastic.KqlParser.AndValuesContext;
import dev.tripline.rule.elastic.KqlParser.NotQueryContext;
import dev.tripline.rule.elastic.KqlParser.NotValuesContext;
import dev.tripline.rule.elastic.KqlParser.OrQueryContext;
import dev.tripline.rule.elastic.KqlParser.OrValuesContext;
import dev.tripline.rule.elastic.KqlParser.ValueContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles a KQL query into an {@link Expr} on ECS field names. Semantics, as Elasticsearch runs KQL on keyword
 * fields: {@code field: value} is a case-sensitive equality, {@code *} in an unquoted value is a wildcard (a quoted
 * value is literal), {@code field: *} means the field has a value, {@code not} also holds when the field is
 * missing, ranges compare numbers, and {@code field: { ... }} holds when one element of the list at {@code field}
 * satisfies the inner query (its fields relative to the element). A bare value searches every field.
 */
final class KqlCompiler {
    private final QueryText query;
    /** Field names the query reads, in order of appearance (for the unknown-field warnings). */
    private final List<FieldPath> fields = new ArrayList<>();

    private KqlCompiler(QueryText query) {
        this.query = query;
    }

    /** The query's expression and the fields it reads; a syntax error is thrown at its file:line:col. */
    static Compiled compile(QueryText query) {
        KqlCompiler c = new KqlCompiler(query);
        KqlParser parser = Queries.parser(query, "KQL", KqlLexer::new, KqlParser::new);
        KqlParser.QueryContext tree = Queries.run(parser::query);
        Expr expr = tree.orQuery() == null ? new Expr.Const(true) : c.or(tree.orQuery(), null);
        return new Compiled(expr, List.copyOf(c.fields));
    }

    record Compiled(Expr expr, List<FieldPath> fields) {}

    /** {@code prefix} is the nested field group the query is inside, or null at the top. */
    private Expr or(OrQueryContext ctx, String prefix) {
        List<Expr> terms = new ArrayList<>();
        for (AndQueryContext a : ctx.andQuery()) {
            terms.add(and(a, prefix));
        }
        return Expr.or(terms);
    }

    private Expr and(AndQueryContext ctx, String prefix) {
        List<Expr> terms = new ArrayList<>();
        for (NotQueryContext n : ctx.notQuery()) {
            terms.add(not(n, prefix));
        }
        return Expr.and(terms);
    }

    private Expr not(NotQueryContext ctx, String prefix) {
        if (ctx.NOT() != null) {
            return new Expr.Not(not(ctx.notQuery(), prefix));
        }
        return sub(ctx.subQuery(), prefix);
    }

    private Expr sub(KqlParser.SubQueryContext ctx, String prefix) {
        if (ctx instanceof KqlParser.GroupQueryContext g) {
            return or(g.orQuery(), prefix);
        }
        if (ctx instanceof KqlParser.NestedQueryContext n) {
            FieldPath list = field(n.field(), prefix);
            return new Expr.Elements(list, Expr.Quantifier.ANY, or(n.orQuery(), ""));
        }
        if (ctx instanceof KqlParser.RangeQueryContext r) {
            FieldPath f = field(r.field(), prefix);
            String text = text(r.value());
            BigDecimal number;
            try {
                number = new BigDecimal(text);
            } catch (NumberFormatException e) {
                throw query.error(
                        r.value().getStart(),
                        "KQL range on '" + f.text() + "' compares with '" + text
                                + "', which is not a number; only numeric ranges are supported");
            }
            ValuePredicate.NumberOp op = switch (r.RANGE().getText()) {
                case "<" -> ValuePredicate.NumberOp.LT;
                case "<=" -> ValuePredicate.NumberOp.LTE;
                case ">" -> ValuePredicate.NumberOp.GT;
                default -> ValuePredicate.NumberOp.GTE;
            };
            return new Expr.Match(f, new ValuePredicate.NumberCompare(op, number));
        }
        if (ctx instanceof KqlParser.FieldQueryContext q) {
            return values(field(q.field(), prefix), q.valueList());
        }
        ValueContext v = ((KqlParser.TermQueryContext) ctx).value();
        return new Expr.Keyword(predicate(v));
    }

    private Expr values(FieldPath field, KqlParser.ValueListContext ctx) {
        if (ctx instanceof KqlParser.ValueGroupContext g) {
            return orValues(field, g.orValues());
        }
        ValueContext v = ((KqlParser.SingleValueContext) ctx).value();
        if (v.QUOTED() == null && unquoted(v).equals("*")) {
            return new Expr.Not(new Expr.IsNull(field, false));
        }
        return new Expr.Match(field, predicate(v));
    }

    private Expr orValues(FieldPath field, OrValuesContext ctx) {
        List<Expr> terms = new ArrayList<>();
        for (AndValuesContext a : ctx.andValues()) {
            List<Expr> all = new ArrayList<>();
            for (NotValuesContext n : a.notValues()) {
                all.add(notValues(field, n));
            }
            terms.add(Expr.and(all));
        }
        return Expr.or(terms);
    }

    private Expr notValues(FieldPath field, NotValuesContext ctx) {
        if (ctx.NOT() != null) {
            return new Expr.Not(notValues(field, ctx.notValues()));
        }
        return values(field, ctx.valueList());
    }

    private ValuePredicate predicate(ValueContext v) {
        if (v.QUOTED() != null) {
            return new ValuePredicate.Text(ValuePredicate.Mode.EQUALS, unquote(v.getText()), true);
        }
        return Queries.wildcard(unquoted(v), true, false, true);
    }

    private FieldPath field(KqlParser.FieldContext ctx, String prefix) {
        String name = ctx.QUOTED() != null ? unquote(ctx.getText()) : unescape(ctx.getText());
        if (name.isEmpty() || name.contains("*")) {
            throw query.error(
                    ctx.getStart(), "KQL field name '" + ctx.getText() + "' is not supported: wildcard field names");
        }
        FieldPath path = FieldPath.of(name);
        if (prefix == null) {
            fields.add(path);
        } else if (!prefix.isEmpty()) {
            fields.add(FieldPath.of(prefix + "." + name));
        }
        return path;
    }

    private static String text(ValueContext v) {
        return v.QUOTED() != null ? unquote(v.getText()) : unescape(unquoted(v));
    }

    /** An unquoted value as written: its words with the spaces between them (the parser skips those). */
    private static String unquoted(ValueContext v) {
        return v.start
                .getInputStream()
                .getText(org.antlr.v4.runtime.misc.Interval.of(v.start.getStartIndex(), v.stop.getStopIndex()));
    }

    /** The text of a quoted KQL string: the quotes removed, backslash escapes resolved. */
    static String unquote(String quoted) {
        return unescape(quoted.substring(1, quoted.length() - 1));
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(
                        switch (n) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> n;
                        });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
