package dev.tripline.bench;

import dev.tripline.event.Event;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Exprs;
import dev.tripline.rule.Rule;
import dev.tripline.rule.ValuePredicate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Rule sets of any size for the matcher's scaling benchmark, made from the real rules: up to the real set's size a
 * seeded sample of real rules; beyond it, every real rule plus variants of them. A variant keeps its original's
 * whole structure (selections, filters, modifiers, log types) and replaces the values its equality tests on
 * {@code eventName} and {@code eventSource} compare with other values of the same field drawn from the real
 * events' vocabulary. So the variants stay distinct, pin the same fields the real rules pin (the index sees the
 * same mix: eventName mostly, a few eventSource, userIdentity.type and others, a couple of rules that pin only
 * literals of userIdentity.arn), and fire on real events about as often as rules aimed at real API calls do.
 * Variants of rules that test neither field are copies of their original's detection (the matcher runs such a
 * detection once for all its copies).
 */
final class RuleVariants {
    private final List<Rule> real;
    private final List<String> eventNames;
    private final List<String> eventSources;

    RuleVariants(List<Rule> real, List<Event> events) {
        // Variants take CloudTrail API names, so they are drawn from the CloudTrail rules only (rules/ has Azure too).
        this.real = real.stream()
                .filter(r -> r.appliesTo(dev.tripline.event.LogType.CLOUDTRAIL))
                .toList();
        this.eventNames = vocabulary(events, "eventName");
        this.eventSources = vocabulary(events, "eventSource");
    }

    private static List<String> vocabulary(List<Event> events, String field) {
        Set<String> values = new TreeSet<>();
        for (Event e : events) {
            var v = e.root().get(field);
            if (v != null && v.isTextual() && !v.asText().isEmpty()) {
                values.add(v.asText());
            }
        }
        return List.copyOf(values);
    }

    int vocabularySize() {
        return eventNames.size();
    }

    /** {@code n} distinct rules; the same n and seed give the same rules. */
    List<Rule> ruleSet(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Rule> shuffled = new ArrayList<>(real);
        Collections.shuffle(shuffled, new java.util.Random(seed));
        if (n <= shuffled.size()) {
            return List.copyOf(shuffled.subList(0, n));
        }
        List<Rule> out = new ArrayList<>(shuffled);
        for (int k = 0; out.size() < n; k++) {
            Rule base = shuffled.get(k % shuffled.size());
            out.add(variant(base, k / shuffled.size() + 1, rng));
        }
        return out;
    }

    Rule variant(Rule r, int generation, SplittableRandom rng) {
        String suffix = "-v" + generation;
        return new Rule(
                r.id() + suffix,
                r.name() == null ? null : r.name() + suffix,
                r.title(),
                r.description(),
                r.format(),
                r.level(),
                r.tags(),
                r.authors(),
                r.references(),
                r.runbook(),
                r.logTypes(),
                vary(r.detection(), rng),
                r.enabled(),
                r.signalOnly(),
                r.dedupPeriodMinutes(),
                r.threshold(),
                r.outputFields(),
                r.alertTitle(),
                r.alertContext(),
                r.groupBy(),
                List.of(),
                r.location());
    }

    private Expr vary(Expr e, SplittableRandom rng) {
        if (e instanceof Expr.Match m) {
            String field = m.field().text().toLowerCase(Locale.ROOT);
            List<String> vocab =
                    field.equals("eventname") ? eventNames : field.equals("eventsource") ? eventSources : null;
            if (vocab != null) {
                ValuePredicate t = m.test();
                if (t instanceof ValuePredicate.Text x && x.mode() == ValuePredicate.Mode.EQUALS) {
                    return new Expr.Match(
                            m.field(),
                            new ValuePredicate.Text(
                                    ValuePredicate.Mode.EQUALS,
                                    vocab.get(rng.nextInt(vocab.size())),
                                    x.caseSensitive()));
                }
                if (t instanceof ValuePredicate.OneOf x) {
                    Set<String> values = new LinkedHashSet<>();
                    int want = Math.min(x.values().size(), vocab.size());
                    while (values.size() < want) {
                        values.add(vocab.get(rng.nextInt(vocab.size())));
                    }
                    return new Expr.Match(m.field(), new ValuePredicate.OneOf(values, x.caseSensitive()));
                }
            }
            return e;
        }
        return Exprs.mapChildren(e, c -> vary(c, rng));
    }
}
