package dev.tripline.rule;

import dev.tripline.event.LogType;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * A Sigma filter: tuning kept apart from the rules it tunes. Its condition is ANDed to the detection of every
 * rule it targets (a filter's condition usually reads {@code not ...}), so the events it excludes never become
 * those rules' matches, signals or alerts. Applied when a rule set is compiled ({@code program.RuleProgram}).
 * Immutable.
 *
 * @param logTypes  the record kinds of the filter's logsource; a named target must read only these
 * @param anyRule   Sigma v2.2 draft {@code rules: any}: every rule of these log types, no list of targets
 * @param targets   the rules or correlations named, by id or name, each with where it was written; a named
 *                  correlation passes the filter on to the rules it correlates (through nested correlations)
 * @param condition the filter's compiled condition
 */
public record RuleFilter(
        String id,
        String title,
        Set<LogType> logTypes,
        boolean anyRule,
        List<Target> targets,
        Expr condition,
        SourceLocation location)
        implements Serializable {

    public RuleFilter {
        logTypes = Set.copyOf(logTypes);
        targets = List.copyOf(targets);
    }

    /** One entry of the filter's {@code rules} list. */
    public record Target(String reference, SourceLocation location) implements Serializable {}
}
