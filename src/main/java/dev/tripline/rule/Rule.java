package dev.tripline.rule;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A single-event detection rule, whatever format it was written in. Immutable; loaders build it once.
 *
 * @param id               unique id (Sigma {@code id}, Panther {@code RuleID})
 * @param name             Sigma {@code name}, the handle correlations may use; null when absent
 * @param logTypes         the record kinds this rule sees; events of other kinds never reach it
 * @param detection        the logic, inline filters included
 * @param signalOnly       matches feed correlations but raise no alert of their own (Panther
 *                         {@code CreateAlert: false}; Sigma rules used by a correlation without {@code generate})
 * @param dedupPeriodMinutes Panther DedupPeriodMinutes; null means the configured default
 * @param threshold        Panther Threshold: matches per dedup period before an alert (1 = every match)
 * @param outputFields     fields an alert carries as evidence (Sigma {@code fields}, Panther SummaryAttributes)
 * @param alertTitle       title template with {@code {field.path}} placeholders, or null for the rule title
 * @param alertContext     extra alert fields, name to path (Panther AlertContext)
 * @param groupBy          fields whose values form the dedup key (Panther GroupBy); empty = the rule id
 */
public record Rule(
        String id,
        String name,
        String title,
        String description,
        RuleFormat format,
        Level level,
        List<String> tags,
        List<String> authors,
        List<String> references,
        String runbook,
        Set<LogType> logTypes,
        Expr detection,
        boolean enabled,
        boolean signalOnly,
        Integer dedupPeriodMinutes,
        int threshold,
        List<FieldPath> outputFields,
        String alertTitle,
        Map<String, FieldPath> alertContext,
        List<FieldPath> groupBy,
        List<RuleTestCase> tests,
        SourceLocation location)
        implements Serializable {

    public Rule {
        tags = List.copyOf(tags);
        authors = List.copyOf(authors);
        references = List.copyOf(references);
        logTypes = Set.copyOf(logTypes);
        outputFields = List.copyOf(outputFields);
        // Declaration order: Map.copyOf iterates in a per-JVM random order, and the alert JSON must not vary.
        alertContext = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(alertContext));
        groupBy = List.copyOf(groupBy);
        tests = List.copyOf(tests);
    }

    public boolean appliesTo(LogType type) {
        return logTypes.contains(type);
    }

    /** The same rule with a different signal-only flag (set when a correlation consumes it). */
    public Rule withSignalOnly(boolean value) {
        return new Rule(
                id,
                name,
                title,
                description,
                format,
                level,
                tags,
                authors,
                references,
                runbook,
                logTypes,
                detection,
                enabled,
                value,
                dedupPeriodMinutes,
                threshold,
                outputFields,
                alertTitle,
                alertContext,
                groupBy,
                tests,
                location);
    }

    /** The same rule with another detection (a filter ANDed to it). */
    public Rule withDetection(Expr value) {
        return new Rule(
                id,
                name,
                title,
                description,
                format,
                level,
                tags,
                authors,
                references,
                runbook,
                logTypes,
                value,
                enabled,
                signalOnly,
                dedupPeriodMinutes,
                threshold,
                outputFields,
                alertTitle,
                alertContext,
                groupBy,
                tests,
                location);
    }

    /** The same rule with some named lists replaced, as a test's mocks ask; unknown names are ignored. */
    public Rule withLists(Map<String, JsonNode> replacements) {
        if (replacements.isEmpty()) {
            return this;
        }
        return new Rule(
                id,
                name,
                title,
                description,
                format,
                level,
                tags,
                authors,
                references,
                runbook,
                logTypes,
                replaceLists(detection, replacements),
                enabled,
                signalOnly,
                dedupPeriodMinutes,
                threshold,
                outputFields,
                alertTitle,
                alertContext,
                groupBy,
                tests,
                location);
    }

    private static Expr replaceLists(Expr e, Map<String, JsonNode> r) {
        if (e instanceof Expr.NamedList l) {
            return r.containsKey(l.name())
                    ? Expr.NamedList.expand(l.name(), l.keyField(), r.get(l.name()), l.caseInsensitiveKeys())
                    : l;
        }
        return Exprs.mapChildren(e, c -> replaceLists(c, r));
    }
}
