package dev.tripline.correlate;

import dev.tripline.rule.CorrelationRule;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which correlation signals a bounded run may drop before correlating, because they cannot change any alert: the
 * signals of a group in which the one correlation they can serve has no <em>anchor</em> signal. The analysis of one
 * engine, made once; immutable and serialisable.
 *
 * <p>Two kinds of plan have prunable signals:
 * <ul>
 *   <li>an <b>anchored</b> plan: temporal_ordered needing every rule in order
 *       ({@link CorrelationPlan#requiresEveryRuleInOrder}) whose first rule is a detection rule, not a correlation
 *       (so its signals come from detect). It fires in a group only after a signal of that first rule in the same
 *       group, the anchor; its signals of the later rules in a group without an anchor never complete anything.</li>
 *   <li>a <b>feeder</b> of an anchored plan Q: an event_count or value_count plan that raises no alert of its own,
 *       whose only consumer is Q, at a step after the first, and whose group becomes Q's group unchanged (Q reads
 *       each of its group-by fields from the firing under the feeder's own group-by name, in the same order). Its
 *       firing in a group is a later step of Q in that same group, so in a group where Q has no anchor nothing it
 *       does reaches an alert.</li>
 * </ul>
 * Everything else is always kept: temporal (unordered) plans, ordered ones with a condition, an extended temporal
 * condition or an absent step, ordered ones whose first step is a correlation, plans that alert, other types and
 * any feeder that fails one of the checks above. A group's signals are kept or dropped together (the anchors are
 * looked up by group), so a kept group's state is exactly what it would have been.
 */
public final class AnchorPruning implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Plan id to, per rule index, the anchored plan whose anchor that signal needs (null: always kept). */
    private final Map<String, String[]> needs = new HashMap<>();
    /** The anchored plans: a signal of their first rule is an anchor. */
    private final Set<String> anchored = new HashSet<>();

    private AnchorPruning() {}

    /** Prunes nothing. */
    public static AnchorPruning none() {
        return new AnchorPruning();
    }

    public static AnchorPruning of(CorrelationEngine engine) {
        AnchorPruning p = new AnchorPruning();
        for (CorrelationPlan q : engine.plans()) {
            if (!isAnchored(engine, q)) {
                continue;
            }
            String[] own = new String[q.inputs().size()];
            Arrays.fill(own, 1, own.length, q.id());
            p.needs.put(q.id(), own);
            p.anchored.add(q.id());
        }
        for (CorrelationPlan f : engine.plans()) {
            List<CorrelationPlan> consumers = engine.consumersOf(f.id());
            if (consumers.size() == 1
                    && isFeeder(f, consumers.get(0))
                    && p.anchored.contains(consumers.get(0).id())) {
                String[] all = new String[f.inputs().size()];
                Arrays.fill(all, consumers.get(0).id());
                p.needs.put(f.id(), all);
            }
        }
        return p;
    }

    /** Temporal_ordered over every rule in order, at least two of them, starting with a detection rule. */
    private static boolean isAnchored(CorrelationEngine engine, CorrelationPlan q) {
        return q.requiresEveryRuleInOrder()
                && q.inputs().size() >= 2
                && engine.plan(q.inputs().get(0)) == null;
    }

    /** See the class doc: {@code f} alerts never, counts, and hands its group to {@code q} as is at a later step. */
    private static boolean isFeeder(CorrelationPlan f, CorrelationPlan q) {
        CorrelationRule.Type type = f.rule().type();
        if (f.alerts() || (type != CorrelationRule.Type.EVENT_COUNT && type != CorrelationRule.Type.VALUE_COUNT)) {
            return false;
        }
        int step = q.inputs().indexOf(f.id());
        List<String> own = f.rule().groupBy();
        List<String> outer = q.rule().groupBy();
        if (step <= 0 || own.size() != outer.size()) {
            return false;
        }
        for (int i = 0; i < outer.size(); i++) {
            // How the outer plan reads its group-by field from this feeder's firing (CorrelationPlan#signal(Fired)).
            Map<String, String> alias = q.rule().aliases().get(outer.get(i));
            String read = alias != null && alias.containsKey(f.id()) ? alias.get(f.id()) : outer.get(i);
            if (!read.equals(own.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** True when no signal of the engine is ever pruned. */
    public boolean isEmpty() {
        return needs.isEmpty();
    }

    /** The plans with prunable signals (anchored plans and their feeders). */
    public Set<String> prunablePlans() {
        return Set.copyOf(needs.keySet());
    }

    /**
     * The anchored plan whose anchor, in the signal's own group values, a signal of {@code planId} at
     * {@code ruleIndex} needs to matter; null when the signal is always kept.
     */
    public String anchorPlanOf(String planId, int ruleIndex) {
        String[] byRule = needs.get(planId);
        return byRule == null || ruleIndex < 0 || ruleIndex >= byRule.length ? null : byRule[ruleIndex];
    }

    /** True when a signal of {@code planId} at {@code ruleIndex} is an anchor: the first step of an anchored plan. */
    public boolean isAnchor(String planId, int ruleIndex) {
        return ruleIndex == 0 && anchored.contains(planId);
    }
}
