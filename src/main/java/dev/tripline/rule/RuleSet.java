package dev.tripline.rule;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/** Everything loaded from a set of rule files: single-event rules and correlations, ids unique across both. */
public record RuleSet(List<Rule> rules, List<CorrelationRule> correlations) implements Serializable {
    public RuleSet {
        rules = List.copyOf(rules);
        correlations = List.copyOf(correlations);
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
