package dev.tripline.correlate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What every signal that one rule's matches give one correlation plan shares, worked out once per (plan, rule):
 * the paths of the group-by values (the correlation's aliases resolved for the rule), the rule's output fields by
 * the name its evidence shows each under, with the bytes that name each in the plan's packed evidence
 * ({@link Encoding#writePackedEvidence}), and whether a slot keeps evidence at all. {@link #read} makes the parts
 * of an event's signal from these and the event alone: the group values, condition.field's value, and the
 * evidence written straight into its packed form, with no {@link Evidence}, map, list or lambda per signal.
 *
 * <p>This is how every signal of a single-event rule gets its evidence; a chained correlation's signal carries
 * its inner correlation's evidence (many events, already read) and is packed from that list. Immutable; made by
 * {@link CorrelationPlan#signalTemplate}.
 */
public final class SignalTemplate {
    private static final FieldPath[] CLOUDTRAIL_HEAD = {
        FieldPath.of("eventID"), FieldPath.of("eventName"), FieldPath.of("eventSource"), FieldPath.of("awsRegion")
    };
    /** The same slots for Azure, as alert.Evidence fills them: eventDataId, operation, resource provider, region. */
    private static final FieldPath[] AZURE_HEAD = {
        FieldPath.of("eventDataId"),
        FieldPath.of("operationName"),
        FieldPath.of("azure.resource.provider"),
        FieldPath.of("cloud.region")
    };

    final CorrelationPlan plan;
    /** The rule object this template was made for. */
    final Rule rule;

    final int ruleIndex;
    private final FieldPath[] groupPaths;
    private final FieldPath[] valuePaths;
    /** False when the plan keeps no evidence per slot (a limit of 0): the packed form is an empty list. */
    private final boolean evidence;
    /**
     * The rule's output fields by distinct name, in the order each name first appears: the paths of that name in
     * the rule's order (one but for a rule that lists a name twice; the last value found is shown, as a map that
     * puts each in turn keeps).
     */
    private final FieldPath[][] fieldPaths;
    /** For each of {@link #fieldPaths}, its name as the packed form refers to it ({@link Encoding#reference}). */
    private final byte[][] fieldKeys;

    SignalTemplate(
            CorrelationPlan plan,
            int ruleIndex,
            Rule rule,
            FieldPath[] groupPaths,
            List<FieldPath> valuePaths,
            List<String> fieldNames,
            boolean evidence) {
        this.plan = plan;
        this.rule = rule;
        this.ruleIndex = ruleIndex;
        this.groupPaths = groupPaths.clone();
        this.valuePaths = valuePaths.toArray(FieldPath[]::new);
        this.evidence = evidence;
        Map<String, List<FieldPath>> byName = new LinkedHashMap<>();
        for (FieldPath p : rule.outputFields()) {
            byName.computeIfAbsent(p.text(), k -> new ArrayList<>(1)).add(p);
        }
        fieldPaths =
                byName.values().stream().map(l -> l.toArray(FieldPath[]::new)).toArray(FieldPath[][]::new);
        fieldKeys = byName.keySet().stream()
                .map(name -> Encoding.reference(name, fieldNames))
                .toArray(byte[][]::new);
    }

    /** The id of the rule whose matches this template makes signals of. */
    public String ruleId() {
        return rule.id();
    }

    /**
     * The parts of the signal {@code event} gives: null when the event has no time or lacks a group-by field (or,
     * for the value types, condition.field or a number there). Every value is the first non-null one at its path,
     * in its string form, cut to {@link Evidence#MAX_TEXT}; the head values are shared through {@code reads} with
     * the other signals of the event.
     */
    public Parts read(Event event, Reads reads) {
        long time = event.eventTimeMillis();
        if (time == Event.NO_TIME) {
            return null;
        }
        FirstText first = reads.first;
        String[] group = new String[groupPaths.length];
        for (int i = 0; i < group.length; i++) {
            group[i] = first.of(event, groupPaths[i]);
            if (group[i] == null) {
                return null;
            }
        }
        String value = null;
        if (valuePaths.length > 0) {
            String[] parts = new String[valuePaths.length];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = first.of(event, valuePaths[i]);
                if (parts[i] == null) {
                    return null;
                }
            }
            value = plan.normalizeValue(Arrays.asList(parts));
            if (value == null) {
                return null;
            }
        }
        return new Parts(time, group, value, pack(shown(event, reads), group));
    }

    /** The parts of one signal: see {@link #read}. {@code group} is the caller's from here on. */
    public record Parts(long time, String[] group, String value, byte[] evidence) {}

    /** What the evidence shows of {@code event}: the four head values, then one per {@link #fieldPaths} entry. */
    EventValues shown(Event event, Reads reads) {
        byte[] head = reads.head(event);
        FirstText first = reads.first;
        String[] fields = new String[fieldPaths.length];
        for (int i = 0; i < fields.length; i++) {
            for (FieldPath p : fieldPaths[i]) {
                String v = first.of(event, p);
                if (v != null) {
                    fields[i] = v;
                }
            }
        }
        return new EventValues(head, fields);
    }

    /**
     * {@link #shown}'s values, to be packed against one or more groups: the head values as the packed form writes
     * them ({@link Encoding#textForms}), the fields' values as read.
     */
    record EventValues(byte[] head, String[] fields) {}

    /** {@code values} in the plan's packed form, against {@code group}: what a slot of the signal stores. */
    byte[] pack(EventValues values, String[] group) {
        Encoding.Scratch bytes = Encoding.scratch();
        try {
            if (evidence) {
                Encoding.writePackedEvent(bytes.out, values.head(), fieldKeys, values.fields(), group);
            } else {
                Encoding.writeSize(bytes.out, 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * What the signals of one event share of their reads: the evidence's head values of the last event asked for
     * (its identity decides), in the bytes the packed form writes them as, and the reader. One per thread that
     * makes signals; it keeps the last event until the next one.
     */
    public static final class Reads {
        final FirstText first = new FirstText();
        private Event event;
        private byte[] head;

        /**
         * The head values of {@code event} as {@link Encoding#textForms} writes them, read and encoded on its first
         * signal. Callers only read the array.
         */
        byte[] head(Event e) {
            if (e != event) {
                FieldPath[] paths = e.logType() == LogType.AZURE_ACTIVITY ? AZURE_HEAD : CLOUDTRAIL_HEAD;
                String[] values = new String[paths.length];
                for (int i = 0; i < values.length; i++) {
                    values[i] = first.of(e, paths[i]);
                }
                head = Encoding.textForms(values);
                event = e;
            }
            return head;
        }
    }

    /**
     * Reads the first non-null value at a path in its string form, cut to {@link Evidence#MAX_TEXT}: one object
     * for all the reads of a signal instead of a capturing lambda and an array per read.
     */
    static final class FirstText implements Predicate<JsonNode> {
        private String found;

        String of(Event event, FieldPath path) {
            found = null;
            event.anyValue(path, this);
            return found;
        }

        @Override
        public boolean test(JsonNode v) {
            String s = Event.stringForm(v);
            if (s == null) {
                return false;
            }
            found = Evidence.cut(s);
            return true;
        }
    }
}
