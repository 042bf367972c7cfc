package dev.tripline.alert;

import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFormat;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every single-event alert of one rule shares, worked out once per rule instead of on every match: its
 * {@link RuleRef} (one instance, so that an encoder's table of known rules finds it at once), its title template
 * read once, the names its evidence, group and context fields are shown under and their bytes, the start of its
 * alert id's digest input and the start of its alerts' bytes. {@link #encode} writes the alert of a match from
 * these and the event alone. Immutable; whoever writes the alerts of many matches keeps one per rule
 * ({@code DetectFunction} does, with the rest of what it does with a rule's matches).
 */
public final class SingleAlertTemplate {
    final Rule rule;
    final RuleRef ref;
    /** The title when the rule has no title template; null when it has one. */
    final String fixedTitle;

    final AlertTitles.SingleTitle title;
    /** The output fields shown as evidence ({@link Evidence#of}): distinct names, in the rule's order. */
    final String[] outputNames;

    /** {@link #outputNames} as the alert's bytes write them ({@link AlertCodec#textForm}). */
    final byte[][] outputNameForms;

    final FieldPath[] outputPaths;
    /** The group-by fields after account and principal ({@link Alerts#single}): distinct names, in order. */
    final String[] groupNames;
    /** For each of {@link #groupNames}, the position in the rule's GroupBy of the field shown under it. */
    final int[] groupIndex;
    /** {@link #groupNames} as the alert's bytes write them. */
    final byte[][] groupNameForms;

    final String[] contextNames;
    /** {@link #contextNames} as the alert's bytes write them. */
    final byte[][] contextNameForms;

    final FieldPath[] contextPaths;
    /** {@code tripline-alert-v1\nsingle\n<rule id>\n} in UTF-8: what every alert id's digest input starts with. */
    final byte[] alertIdPrefix;
    /** The rule id as its dedup keys start ({@link DedupKeys#escape}). */
    final String dedupKeyPrefix;
    /** What every alert of the rule starts with in {@link AlertCodec}'s form ({@link AlertCodec#head}). */
    final byte[] head;

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
        outputNameForms = AlertCodec.textForms(outputNames);
        outputPaths = output.values().toArray(FieldPath[]::new);
        Set<String> taken = new LinkedHashSet<>(List.of("account", "principal"));
        Map<String, Integer> group = new LinkedHashMap<>();
        for (int i = 0; i < rule.groupBy().size(); i++) {
            String name = Limits.text(rule.groupBy().get(i).text());
            if (taken.add(name)) {
                group.put(name, i);
            }
        }
        groupNames = group.keySet().toArray(String[]::new);
        groupIndex = group.values().stream().mapToInt(Integer::intValue).toArray();
        groupNameForms = AlertCodec.textForms(groupNames);
        contextNames = rule.alertContext().keySet().toArray(String[]::new);
        contextNameForms = AlertCodec.textForms(contextNames);
        contextPaths = rule.alertContext().values().toArray(FieldPath[]::new);
        alertIdPrefix = Alerts.alertIdPrefix(Alert.Kind.SINGLE, rule.id()).getBytes(StandardCharsets.UTF_8);
        dedupKeyPrefix = DedupKeys.escape(rule.id());
        head = AlertCodec.head(Alert.Kind.SINGLE, ref, rule.level());
    }

    public static SingleAlertTemplate of(Rule rule) {
        return new SingleAlertTemplate(rule);
    }

    /** The id of the rule. */
    public String ruleId() {
        return rule.id();
    }

    /**
     * Writes the alert of one match of the rule, on {@code event}, counted alone, in {@link AlertCodec}'s form: the
     * bytes {@code AlertCodec.encode(Alerts.single(this, event))} gives, written without building the alert.
     */
    public Written encode(Event event, DataOutput out) throws IOException {
        long t = event.eventTimeMillis();
        return AlertCodec.encodeSingle(this, event, 1, t, t, out);
    }

    /** What an {@link #encode}d alert is found by: its dedup key and its id. */
    public record Written(String dedupKey, String alertId) {}
}
