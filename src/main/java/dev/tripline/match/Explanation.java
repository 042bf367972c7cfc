package dev.tripline.match;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Exprs;
import dev.tripline.rule.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Why a rule matched an event or not: the detection tree annotated node by node with its result and the
 * event values it looked at. Built with the reference evaluator, so it is slow and only used on demand
 * ({@code rules explain}, test failures, and the selections of a match).
 */
public record Explanation(String label, boolean result, List<Explanation> children) {

    /** Explains {@code rule} on {@code event}, including the log-type gate. */
    public static Explanation of(Rule rule, Event event) {
        Explanation body = explain(rule.detection(), event, null);
        if (!rule.appliesTo(event.logType())) {
            return new Explanation(
                    "rule " + rule.id() + ": its logsource " + rule.logTypes() + " does not include " + event.logType()
                            + " events",
                    false,
                    List.of(body));
        }
        return new Explanation("rule " + rule.id(), body.result(), List.of(body));
    }

    /** The names of the selections (at any depth outside list scopes) that held on the event. */
    public static List<String> firedSelections(Rule rule, Event event) {
        List<String> out = new ArrayList<>();
        collectFired(rule.detection(), event, out);
        return out;
    }

    private static void collectFired(Expr e, Event event, List<String> out) {
        if (e instanceof Expr.Selection s && ReferenceEvaluator.eval(s.body(), event, null)) {
            out.add(s.name());
        }
        if (!(e instanceof Expr.Elements)) {
            Exprs.children(e).forEach(c -> collectFired(c, event, out));
        }
    }

    private static Explanation explain(Expr e, Event event, JsonNode scope) {
        boolean result = ReferenceEvaluator.eval(e, event, scope);
        List<Explanation> kids = new ArrayList<>();
        // A list quantifier's body holds per element, so it has no single result to show; a named list's
        // expansion is an implementation detail of the list.
        if (!(e instanceof Expr.NamedList) && !(e instanceof Expr.Elements)) {
            for (Expr c : Exprs.children(e)) {
                kids.add(explain(c, event, scope));
            }
        }
        return new Explanation(label(e, event, scope), result, kids);
    }

    private static String label(Expr e, Event event, JsonNode scope) {
        if (e instanceof Expr.And) {
            return "all of";
        } else if (e instanceof Expr.Or) {
            return "any of";
        } else if (e instanceof Expr.Not) {
            return "not";
        } else if (e instanceof Expr.Const c) {
            return String.valueOf(c.value());
        } else if (e instanceof Expr.Selection s) {
            return "selection " + s.name();
        } else if (e instanceof Expr.Match m) {
            return m.field() + " " + m.test().describe() + seen(event, scope, m.field());
        } else if (e instanceof Expr.Keyword k) {
            return "any value in the event " + k.test().describe();
        } else if (e instanceof Expr.Exists x) {
            return x.field() + " exists" + seen(event, scope, x.field());
        } else if (e instanceof Expr.IsNull n) {
            return n.field()
                    + (n.orEmpty() ? " is null or empty" : " is null or missing")
                    + seen(event, scope, n.field());
        } else if (e instanceof Expr.CompareFields c) {
            return c.left() + " " + c.mode().name().toLowerCase() + " the value of " + c.right()
                    + seen(event, scope, c.left()) + seen(event, scope, c.right());
        } else if (e instanceof Expr.Elements el) {
            return el.quantifier().name().toLowerCase() + " element of " + el.list() + " satisfies";
        } else if (e instanceof Expr.NamedList l) {
            return "matches an entry of list " + l.name();
        }
        return e.toString();
    }

    private static String seen(Event event, JsonNode scope, dev.tripline.event.FieldPath path) {
        List<JsonNode> values = new ArrayList<>();
        ReferenceEvaluator.anyValue(event, scope, path, v -> {
            values.add(v);
            return values.size() >= 5;
        });
        if (values.isEmpty()) {
            return "  [missing]";
        }
        return "  [seen: "
                + values.stream()
                        .map(v -> {
                            String s = v.isNull() ? "null" : Event.stringForm(v);
                            return s.length() > 80 ? s.substring(0, 77) + "..." : s;
                        })
                        .collect(Collectors.joining(", "))
                + "]";
    }

    /** Renders the tree with one node per line, indented, each marked with its result. */
    public String render() {
        StringBuilder b = new StringBuilder();
        render(b, 0);
        return b.toString();
    }

    private void render(StringBuilder b, int depth) {
        b.append("  ".repeat(depth))
                .append(result ? "[true]  " : "[false] ")
                .append(label)
                .append('\n');
        for (Explanation c : children) {
            c.render(b, depth + 1);
        }
    }
}
