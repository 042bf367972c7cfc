package dev.tripline.alert;

import dev.tripline.event.FieldPath;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFormat;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every single-event alert of one rule shares, worked out once per rule instead of on every match: its
 * {@link RuleRef} (one instance, so that an encoder's table of known rules finds it at once), its title template
 * read once, the names its evidence, group and context fields are shown under, and the start of its alert id's
 * digest input. Immutable; whoever builds the alerts of many matches keeps one per rule ({@code DetectFunction}
 * does, with the rest of what it does with a rule's matches).
 */
public final class SingleAlertTemplate {
    final Rule rule;
    final RuleRef ref;
    /** The title when the rule has no title template; null when it has one. */
    final String fixedTitle;

    final AlertTitles.SingleTitle title;
    /** The output fields shown as evidence ({@link Evidence#of}): distinct names, in the rule's order. */
    final String[] outputNames;

    final FieldPath[] outputPaths;
    /** The group-by fields after account and principal ({@link Alerts#single}): distinct names, in order. */
    final String[] groupNames;

    final FieldPath[] groupPaths;
    final String[] contextNames;
    final FieldPath[] contextPaths;
    /** {@code tripline-alert-v1\nsingle\n<rule id>\n} in UTF-8: what every alert id's digest input starts with. */
    final byte[] alertIdPrefix;

    private SingleAlertTemplate(Rule rule) {
        this.rule = rule;
        ref = RuleRef.of(rule);
        fixedTitle = rule.alertTitle() == null ? rule.title() : null;
        title = rule.alertTitle() == null
                ? null
                : AlertTitles.compile(rule.alertTitle(), rule.format() == RuleFormat.PANTHER);
        Map<String, FieldPath> output = new LinkedHashMap<>();
        int n = Math.min(rule.outputFields().size(), Limits.MAX_OUTPUT_FIELDS);
        for (int i = 0; i < n; i++) {
            FieldPath path = rule.outputFields().get(i);
            output.putIfAbsent(Limits.text(path.text()), path);
        }
        outputNames = output.keySet().toArray(String[]::new);
        outputPaths = output.values().toArray(FieldPath[]::new);
        Set<String> taken = new LinkedHashSet<>(List.of("account", "principal"));
        Map<String, FieldPath> group = new LinkedHashMap<>();
        for (FieldPath p : rule.groupBy()) {
            String name = Limits.text(p.text());
            if (taken.add(name)) {
                group.put(name, p);
            }
        }
        groupNames = group.keySet().toArray(String[]::new);
        groupPaths = group.values().toArray(FieldPath[]::new);
        contextNames = rule.alertContext().keySet().toArray(String[]::new);
        contextPaths = rule.alertContext().values().toArray(FieldPath[]::new);
        alertIdPrefix = Alerts.alertIdPrefix(Alert.Kind.SINGLE, rule.id()).getBytes(StandardCharsets.UTF_8);
    }

    public static SingleAlertTemplate of(Rule rule) {
        return new SingleAlertTemplate(rule);
    }
}
