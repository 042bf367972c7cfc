package dev.tripline.program;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Expr;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFilter;
import dev.tripline.rule.RuleSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies a rule set's Sigma filters to its rules, once, when the set is compiled: each targeted rule's
 * detection becomes {@code detection and <filter condition>} (the condition wrapped in a selection named after
 * the filter, so explanations say which filter excluded an event). A filter naming a correlation is applied to
 * the rules that correlation reads, through nested correlations, so the events it excludes never become
 * signals. Targets are resolved by id or name; an unknown target, or a rule whose log types the filter's
 * logsource does not cover, is an error at the target. Keeps no state.
 */
final class FilterApplication {
    private FilterApplication() {}

    /**
     * The rules with every filter applied (correlations unchanged, no filters left to apply), which rules each
     * filter touched (filter id to rule ids, in rule order), and the errors.
     */
    record Result(RuleSet rules, Map<String, List<String>> touched, List<LoadError> errors) {}

    static Result apply(RuleSet set) {
        if (set.filters().isEmpty()) {
            return new Result(set, Map.of(), List.of());
        }
        Map<String, Rule> rules = new HashMap<>();
        Map<String, CorrelationRule> correlations = new HashMap<>();
        for (Rule r : set.rules()) {
            rules.put(r.id(), r);
            if (r.name() != null) {
                rules.putIfAbsent(r.name(), r);
            }
        }
        for (CorrelationRule c : set.correlations()) {
            correlations.put(c.id(), c);
            if (c.name() != null) {
                correlations.putIfAbsent(c.name(), c);
            }
        }
        List<LoadError> errors = new ArrayList<>();
        Map<String, List<Expr>> added = new HashMap<>();
        Map<String, List<String>> touched = new LinkedHashMap<>();
        for (RuleFilter filter : set.filters()) {
            Set<String> targets = new LinkedHashSet<>();
            if (filter.anyRule()) {
                set.rules().stream()
                        .filter(r ->
                                !r.logTypes().isEmpty() && filter.logTypes().containsAll(r.logTypes()))
                        .forEach(r -> targets.add(r.id()));
            }
            for (RuleFilter.Target t : filter.targets()) {
                List<Rule> named = new ArrayList<>();
                Rule rule = rules.get(t.reference());
                CorrelationRule correlation = correlations.get(t.reference());
                if (rule != null) {
                    named.add(rule);
                } else if (correlation != null) {
                    membersOf(correlation, correlations, rules, named, new TreeSet<>());
                } else {
                    errors.add(new LoadError(
                            t.location(),
                            "filter '" + filter.id() + "' names '" + t.reference()
                                    + "', which is not a loaded rule or correlation (id or name)"));
                    continue;
                }
                for (Rule r : named) {
                    if (!filter.logTypes().containsAll(r.logTypes())) {
                        errors.add(new LoadError(
                                t.location(),
                                "filter '" + filter.id() + "' reads " + filter.logTypes() + " but rule '" + r.id()
                                        + "'" + (correlation != null ? " of correlation '" + t.reference() + "'" : "")
                                        + " reads " + r.logTypes() + "; the filter's logsource must cover the rule's"));
                    } else {
                        targets.add(r.id());
                    }
                }
            }
            Expr condition = new Expr.Selection("filter " + filter.id(), filter.condition());
            targets.forEach(
                    id -> added.computeIfAbsent(id, k -> new ArrayList<>()).add(condition));
            touched.put(
                    filter.id(),
                    set.rules().stream().map(Rule::id).filter(targets::contains).toList());
        }
        List<Rule> filtered = new ArrayList<>();
        for (Rule r : set.rules()) {
            List<Expr> extra = added.get(r.id());
            if (extra == null) {
                filtered.add(r);
            } else {
                List<Expr> terms = new ArrayList<>();
                terms.add(r.detection());
                terms.addAll(extra);
                filtered.add(r.withDetection(new Expr.And(terms)));
            }
        }
        return new Result(new RuleSet(filtered, set.correlations()), touched, errors);
    }

    /** The single-event rules {@code c} reads, directly or through the correlations it reads. */
    private static void membersOf(
            CorrelationRule c,
            Map<String, CorrelationRule> correlations,
            Map<String, Rule> rules,
            List<Rule> out,
            Set<String> visited) {
        if (!visited.add(c.id())) {
            return; // cycles are load errors already; do not loop on them
        }
        for (String ref : c.rules()) {
            Rule r = rules.get(ref);
            if (r != null) {
                if (!out.contains(r)) {
                    out.add(r);
                }
            } else if (correlations.containsKey(ref)) {
                membersOf(correlations.get(ref), correlations, rules, out, visited);
            }
        }
    }
}
