package dev.tripline.correlate;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleSet;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every enabled correlation of a rule set, compiled, with the routing a driver needs: which plans consume a rule's
 * matches, and which consume a fired correlation (chaining). Immutable and serialisable, so a Flink job builds
 * it once and ships it to its operators.
 */
public final class CorrelationEngine implements Serializable {
    private final Map<String, CorrelationPlan> plans = new LinkedHashMap<>();
    private final Map<String, List<CorrelationPlan>> consumers = new HashMap<>();
    /** Plan id to its stage: 1 when it only takes rule matches, else one more than its deepest inner correlation. */
    private final Map<String, Integer> stages = new HashMap<>();

    private final List<LoadError> errors = new ArrayList<>();

    private CorrelationEngine(RuleSet ruleSet, CorrelationPlan.Options options) {
        // A correlation referenced by another correlation without generate raises no alert of its own.
        Set<String> quiet = new HashSet<>();
        for (CorrelationRule c : ruleSet.correlations()) {
            if (!c.generate()) {
                quiet.addAll(c.rules());
            }
        }
        for (CorrelationRule c : ruleSet.correlations()) {
            if (!c.enabled()) {
                continue;
            }
            try {
                CorrelationPlan p = CorrelationPlan.compile(c, ruleSet, options, !quiet.contains(c.id()));
                plans.put(c.id(), p);
                for (String input : p.inputs()) {
                    consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(p);
                }
            } catch (IllegalArgumentException e) {
                errors.add(new LoadError(c.location(), "correlation '" + c.title() + "': " + e.getMessage()));
            }
        }
        for (String id : plans.keySet()) {
            stageOf(id, new HashSet<>());
        }
    }

    /** A copy of {@code base} whose plans are {@code replace}d (same ids, stages and routing). */
    private CorrelationEngine(CorrelationEngine base, java.util.function.UnaryOperator<CorrelationPlan> replace) {
        base.plans.forEach((id, p) -> plans.put(id, replace.apply(p)));
        base.consumers.forEach((input, list) ->
                consumers.put(input, list.stream().map(p -> plans.get(p.id())).toList()));
        stages.putAll(base.stages);
        errors.addAll(base.errors);
    }

    /**
     * This engine with the new_terms history of some plan versions starting earlier: {@code startByVersion} maps
     * {@code id@fingerprint} to a history start (epoch millis) the state carries; a new_terms plan of such a
     * version whose own start is later runs from it ({@link CorrelationPlan#withNewTermsHistoryStart}). This
     * engine when nothing changes.
     */
    public CorrelationEngine withNewTermsHistoryStarts(Map<String, Long> startByVersion) {
        boolean changes = plans.values().stream().anyMatch(p -> earlierStart(p, startByVersion) != null);
        if (!changes) {
            return this;
        }
        return new CorrelationEngine(this, p -> {
            Long start = earlierStart(p, startByVersion);
            return start == null ? p : p.withNewTermsHistoryStart(start);
        });
    }

    private static Long earlierStart(CorrelationPlan p, Map<String, Long> startByVersion) {
        Long start = p.isNewTerms() ? startByVersion.get(p.id() + "@" + p.fingerprint()) : null;
        return start != null && start < p.options().newTermsHistoryStart() ? start : null;
    }

    /** The loader rejects reference cycles; {@code visiting} only guards against a rule set built by hand. */
    private int stageOf(String id, Set<String> visiting) {
        Integer known = stages.get(id);
        if (known != null) {
            return known;
        }
        if (!visiting.add(id)) {
            throw new IllegalArgumentException("correlation reference cycle through '" + id + "'");
        }
        int stage = 1;
        for (String input : plans.get(id).inputs()) {
            if (plans.containsKey(input)) {
                stage = Math.max(stage, stageOf(input, visiting) + 1);
            }
        }
        visiting.remove(id);
        stages.put(id, stage);
        return stage;
    }

    public static CorrelationEngine compile(RuleSet ruleSet) {
        return compile(ruleSet, CorrelationPlan.Options.defaults());
    }

    public static CorrelationEngine compile(RuleSet ruleSet, CorrelationPlan.Options options) {
        return new CorrelationEngine(ruleSet, options);
    }

    /** Correlations that could not be compiled (e.g. an unknown name in a temporal condition), where they are. */
    public List<LoadError> errors() {
        return List.copyOf(errors);
    }

    public List<CorrelationPlan> plans() {
        return List.copyOf(plans.values());
    }

    public CorrelationPlan plan(String correlationId) {
        return plans.get(correlationId);
    }

    /** Plans that take the matches of this rule, or the firings of this correlation, as input. */
    public List<CorrelationPlan> consumersOf(String ruleOrCorrelationId) {
        return consumers.getOrDefault(ruleOrCorrelationId, List.of());
    }

    /**
     * The correlate stage that keeps this plan's state, 1-based. A driver that keys state per plan runs one
     * stage per level of chaining, since a plan's inputs must all reach the stage that holds its state: a
     * plan's rule signals and the firings of its inner correlations both go to {@code stageOf(plan)}.
     */
    public int stageOf(String correlationId) {
        Integer s = stages.get(correlationId);
        if (s == null) {
            throw new IllegalArgumentException("unknown correlation '" + correlationId + "'");
        }
        return s;
    }

    /** How many correlate stages the plans need: the longest chain of correlations over correlations; 0 if none. */
    public int stages() {
        return stages.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /**
     * How late a signal may reach the stage of this plan and still count, given the job's allowed lateness: a
     * stage-1 plan gets {@code base}; a chained plan also waits for its inner correlations, which may report a
     * firing only when their own window closes, up to one timespan (plus their own lateness) after their last
     * event.
     */
    public long latenessMillis(String correlationId, long base) {
        long lateness = base;
        for (String input : plans.get(correlationId).inputs()) {
            CorrelationPlan inner = plans.get(input);
            if (inner != null) {
                lateness = Math.max(
                        lateness,
                        latenessMillis(input, base) + inner.rule().timespan().toMillis());
            }
        }
        return lateness;
    }

    /** True if some correlation uses this rule or correlation (the driver can skip others cheaply). */
    public boolean isInput(String ruleOrCorrelationId) {
        return consumers.containsKey(ruleOrCorrelationId);
    }
}
