package dev.tripline.match;

import dev.tripline.rule.Rule;
import java.util.List;

/** One rule that fired on one event, and the names of the selections that held (what made it fire). */
public record RuleMatch(Rule rule, List<String> selections) {
    public RuleMatch {
        selections = List.copyOf(selections);
    }
}
