package dev.tripline.match;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Rule;
import dev.tripline.rule.ValuePredicate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The plain, obviously-correct interpretation of {@link Expr}: walks the tree for every rule and event, with
 * no index and no specialisation. It defines what rules mean; the compiled matcher is tested against it.
 *
 * <p>Paths inside {@link Expr.Elements} are relative to the list element, so they see the element's own
 * fields only (not the event's derived fields).
 */
public final class ReferenceEvaluator {
    private ReferenceEvaluator() {}

    /** True if {@code rule} sees this kind of event and its detection holds. */
    public static boolean matches(Rule rule, Event event) {
        return rule.appliesTo(event.logType()) && eval(rule.detection(), event, null);
    }

    /** Evaluates {@code e} on the event ({@code scope == null}) or on a list element ({@code scope}). */
    public static boolean eval(Expr e, Event event, JsonNode scope) {
        if (e instanceof Expr.And a) {
            for (Expr t : a.terms()) {
                if (!eval(t, event, scope)) {
                    return false;
                }
            }
            return true;
        } else if (e instanceof Expr.Or o) {
            for (Expr t : o.terms()) {
                if (eval(t, event, scope)) {
                    return true;
                }
            }
            return false;
        } else if (e instanceof Expr.Not n) {
            return !eval(n.term(), event, scope);
        } else if (e instanceof Expr.Const c) {
            return c.value();
        } else if (e instanceof Expr.Selection s) {
            return eval(s.body(), event, scope);
        } else if (e instanceof Expr.Match m) {
            return anyValue(
                    event, scope, m.field(), v -> !v.isNull() && m.test().test(v));
        } else if (e instanceof Expr.Keyword k) {
            return anyLeaf(scope == null ? event.root() : scope, k.test());
        } else if (e instanceof Expr.Exists x) {
            return anyValue(event, scope, x.field(), v -> true);
        } else if (e instanceof Expr.IsNull n) {
            return !anyValue(event, scope, n.field(), v -> !(v.isNull() || (n.orEmpty() && isEmpty(v))));
        } else if (e instanceof Expr.CompareFields c) {
            return compareFields(c, event, scope);
        } else if (e instanceof Expr.Elements el) {
            return elements(el, event, scope);
        } else if (e instanceof Expr.NamedList l) {
            return eval(l.resolved(), event, scope);
        }
        throw new IllegalStateException("unknown expression " + e.getClass());
    }

    static boolean anyValue(Event event, JsonNode scope, FieldPath path, Predicate<JsonNode> test) {
        return scope == null ? event.anyValue(path, test) : event.anyValueIn(scope, path, test);
    }

    static boolean isEmpty(JsonNode v) {
        return (v.isTextual() && v.textValue().isEmpty()) || (v.isContainerNode() && v.isEmpty());
    }

    /** Keyword search: any scalar leaf, at any depth, passes. */
    static boolean anyLeaf(JsonNode node, ValuePredicate test) {
        if (node.isContainerNode()) {
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                if (anyLeaf(it.next(), test)) {
                    return true;
                }
            }
            return false;
        }
        return !node.isNull() && test.test(node);
    }

    private static boolean compareFields(Expr.CompareFields c, Event event, JsonNode scope) {
        List<String> rights = new ArrayList<>();
        anyValue(event, scope, c.right(), v -> {
            String s = Event.stringForm(v);
            if (s != null) {
                rights.add(s);
            }
            return false;
        });
        if (rights.isEmpty()) {
            return false;
        }
        return anyValue(event, scope, c.left(), v -> {
            String left = Event.stringForm(v);
            if (left == null) {
                return false;
            }
            for (String right : rights) {
                if (new ValuePredicate.Text(c.mode(), right, c.caseSensitive()).matches(left)) {
                    return true;
                }
            }
            return false;
        });
    }

    /** Quantified evaluation over list elements; a missing field or empty list has no elements. */
    private static boolean elements(Expr.Elements el, Event event, JsonNode scope) {
        List<JsonNode> items = new ArrayList<>();
        anyValue(event, scope, el.list(), v -> {
            items.add(v);
            return false;
        });
        int passed = 0;
        for (JsonNode item : items) {
            if (eval(el.element(), event, item)) {
                passed++;
            }
        }
        return switch (el.quantifier()) {
            case ANY -> passed > 0;
            case ALL -> !items.isEmpty() && passed == items.size();
            case NONE -> passed == 0;
            case ONLY_ONE -> passed == 1;
        };
    }
}
