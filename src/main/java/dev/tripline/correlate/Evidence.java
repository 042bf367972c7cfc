package dev.tripline.correlate;

import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.Rule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact record of one event that contributed to a correlation: what an alert shows as evidence, and all
 * the correlation state keeps of an event. Strings are cut to {@link #MAX_TEXT} characters so that one hostile
 * record cannot inflate state.
 *
 * @param ruleId        the single-event rule that matched the event
 * @param eventId       CloudTrail eventID, or null
 * @param eventTimeMillis event time in epoch millis
 * @param fields        the rule's output fields ({@code fields} / SummaryAttributes), path text to first value
 */
public record Evidence(
        String ruleId,
        String eventId,
        long eventTimeMillis,
        String eventName,
        String eventSource,
        String awsRegion,
        Map<String, String> fields) {
    public static final int MAX_TEXT = 1024;
    private static final FieldPath EVENT_ID = FieldPath.of("eventID");
    private static final FieldPath EVENT_NAME = FieldPath.of("eventName");
    private static final FieldPath EVENT_SOURCE = FieldPath.of("eventSource");
    private static final FieldPath AWS_REGION = FieldPath.of("awsRegion");
    private static final FieldPath AZ_ID = FieldPath.of("eventDataId");
    private static final FieldPath AZ_NAME = FieldPath.of("operationName");
    private static final FieldPath AZ_SOURCE = FieldPath.of("azure.resource.provider");
    private static final FieldPath AZ_REGION = FieldPath.of("cloud.region");

    public Evidence {
        fields = fields.isEmpty()
                ? java.util.Collections.emptyMap()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** The evidence of {@code event} as matched by {@code rule}. */
    public static Evidence of(Rule rule, Event event) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (FieldPath p : rule.outputFields()) {
            String v = firstValue(event, p);
            if (v != null) {
                fields.put(p.text(), v);
            }
        }
        if (event.logType() == LogType.AZURE_ACTIVITY) {
            // The same slots as alert.Evidence fills for Azure: eventDataId, operation, resource provider, region.
            return new Evidence(
                    rule.id(),
                    firstValue(event, AZ_ID),
                    event.eventTimeMillis(),
                    firstValue(event, AZ_NAME),
                    firstValue(event, AZ_SOURCE),
                    firstValue(event, AZ_REGION),
                    fields);
        }
        return new Evidence(
                rule.id(),
                firstValue(event, EVENT_ID),
                event.eventTimeMillis(),
                firstValue(event, EVENT_NAME),
                firstValue(event, EVENT_SOURCE),
                firstValue(event, AWS_REGION),
                fields);
    }

    /** The first non-null value at {@code path} in its string form, cut to {@link #MAX_TEXT}; null if none. */
    static String firstValue(Event event, FieldPath path) {
        String[] out = {null};
        event.anyValue(path, v -> {
            String s = Event.stringForm(v);
            if (s == null) {
                return false;
            }
            out[0] = cut(s);
            return true;
        });
        return out[0];
    }

    static String cut(String s) {
        return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }

    static List<Evidence> capped(List<Evidence> all, int max) {
        return all.size() <= max ? List.copyOf(all) : List.copyOf(all.subList(0, max));
    }
}
