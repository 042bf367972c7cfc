package dev.tripline.rule;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/**
 * Everything loaded from a set of rule files: single-event rules, correlations and Sigma filters, ids unique
 * across all three. The filters are not yet applied to the rules; compiling the set does that.
 */
public record RuleSet(List<Rule> rules, List<CorrelationRule> correlations, List<RuleFilter> filters)
        implements Serializable {
    public RuleSet {
        rules = List.copyOf(rules);
        correlations = List.copyOf(correlations);
        filters = List.copyOf(filters);
    }

    /** A set without filters. */
    public RuleSet(List<Rule> rules, List<CorrelationRule> correlations) {
        this(rules, correlations, List.of());
    }

    public Optional<Rule> rule(String idOrName) {
        return rules.stream()
                .filter(r -> r.id().equals(idOrName) || idOrName.equals(r.name()))
                .findFirst();
    }

    public Optional<CorrelationRule> correlation(String idOrName) {
        return correlations.stream()
                .filter(c -> c.id().equals(idOrName) || idOrName.equals(c.name()))
                .findFirst();
    }
}
