package dev.tripline.correlate;

import dev.tripline.rule.CorrelationRule;
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
 * Every correlation of a rule set, compiled, with the routing a driver needs: which plans consume a rule's
 * matches, and which consume a fired correlation (chaining). Immutable and serialisable, so a Flink job builds
 * it once and ships it to its operators.
 */
public final class CorrelationEngine implements Serializable {
    private final Map<String, CorrelationPlan> plans = new LinkedHashMap<>();
    private final Map<String, List<CorrelationPlan>> consumers = new HashMap<>();
    private final List<String> errors = new ArrayList<>();

    private CorrelationEngine(RuleSet ruleSet, CorrelationPlan.Options options) {
        // A correlation referenced by another correlation without generate raises no alert of its own.
        Set<String> quiet = new HashSet<>();
        for (CorrelationRule c : ruleSet.correlations()) {
            if (!c.generate()) {
                quiet.addAll(c.rules());
            }
        }
        for (CorrelationRule c : ruleSet.correlations()) {
            try {
                CorrelationPlan p = CorrelationPlan.compile(c, ruleSet, options, !quiet.contains(c.id()));
                plans.put(c.id(), p);
                for (String input : p.inputs()) {
                    consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(p);
                }
            } catch (IllegalArgumentException e) {
                errors.add(c.location() + ": correlation '" + c.title() + "': " + e.getMessage());
            }
        }
    }

    public static CorrelationEngine compile(RuleSet ruleSet) {
        return compile(ruleSet, CorrelationPlan.Options.defaults());
    }

    public static CorrelationEngine compile(RuleSet ruleSet, CorrelationPlan.Options options) {
        return new CorrelationEngine(ruleSet, options);
    }

    /** Correlations that could not be compiled (e.g. an unknown name in a temporal condition), as messages. */
    public List<String> errors() {
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

    /** True if some correlation uses this rule or correlation (the driver can skip others cheaply). */
    public boolean isInput(String ruleOrCorrelationId) {
        return consumers.containsKey(ruleOrCorrelationId);
    }
}
