package dev.tripline.program;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.event.FieldPath;
import dev.tripline.event.FieldSet;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFormat;
import java.util.List;
import java.util.Map;

/**
 * Every field a compiled rule set reads from an event, as the {@link FieldSet} the detection job's parser builds
 * events with: each rule's detection (filters included), output fields, alert context, alert title
 * placeholders and group-by (dedup) fields, and each correlation's group-by fields, their aliases and its value
 * fields. A keyword search (a value anywhere in the record) needs every field. Stateless.
 */
public final class FieldDemand {
    private FieldDemand() {}

    /** The fields the rules of {@code matcher} and the correlations of {@code engine} read. */
    public static FieldSet of(CompiledMatcher matcher, CorrelationEngine engine) {
        return of(
                matcher.rules(),
                engine.plans().stream().map(CorrelationPlan::rule).toList());
    }

    /** The fields {@code rules} and {@code correlations} read. */
    public static FieldSet of(List<Rule> rules, List<CorrelationRule> correlations) {
        FieldSet.Builder b = FieldSet.builder();
        for (Rule r : rules) {
            detection(r.detection(), b);
            r.outputFields().forEach(b::add);
            r.alertContext().values().forEach(b::add);
            r.groupBy().forEach(b::add);
            if (r.alertTitle() != null) {
                titleFields(r.alertTitle(), r.format() == RuleFormat.PANTHER, b);
            }
        }
        for (CorrelationRule c : correlations) {
            c.groupBy().forEach(f -> b.add(FieldPath.of(f)));
            for (Map<String, String> perRule : c.aliases().values()) {
                perRule.values().forEach(f -> b.add(FieldPath.of(f)));
            }
            c.fields().forEach(f -> b.add(FieldPath.of(f)));
        }
        return b.build();
    }

    private static void detection(Expr e, FieldSet.Builder b) {
        if (e instanceof Expr.And a) {
            a.terms().forEach(t -> detection(t, b));
        } else if (e instanceof Expr.Or o) {
            o.terms().forEach(t -> detection(t, b));
        } else if (e instanceof Expr.Not n) {
            detection(n.term(), b);
        } else if (e instanceof Expr.Selection s) {
            detection(s.body(), b);
        } else if (e instanceof Expr.Match m) {
            b.add(m.field());
        } else if (e instanceof Expr.Exists x) {
            b.add(x.field());
        } else if (e instanceof Expr.IsNull x) {
            b.add(x.field());
        } else if (e instanceof Expr.CompareFields c) {
            b.add(c.left());
            b.add(c.right());
        } else if (e instanceof Expr.Elements el) {
            // The element expression reads paths relative to each element: keep the whole list.
            b.add(el.list());
        } else if (e instanceof Expr.NamedList l) {
            detection(l.resolved(), b);
        } else if (e instanceof Expr.Keyword) {
            b.addEverything();
        } else if (!(e instanceof Expr.Const)) {
            throw new IllegalStateException("unknown expression " + e.getClass().getSimpleName());
        }
    }

    /**
     * Every {@code {…}} of a title template that reads as a field path (KeyPath syntax, as the alert builder
     * renders it). Escaped braces may add a field that is never rendered; an extra field costs a little parsing,
     * never a wrong value.
     */
    private static void titleFields(String template, boolean caseInsensitive, FieldSet.Builder b) {
        for (int open = template.indexOf('{'); open >= 0; open = template.indexOf('{', open + 1)) {
            int close = template.indexOf('}', open + 1);
            if (close < 0) {
                return;
            }
            String text = template.substring(open + 1, close).trim();
            if (!text.isEmpty() && text.indexOf('{') < 0) {
                try {
                    b.add(FieldPath.keyPath(text, caseInsensitive));
                } catch (IllegalArgumentException notAPath) {
                    // rendered literally
                }
            }
        }
    }
}
