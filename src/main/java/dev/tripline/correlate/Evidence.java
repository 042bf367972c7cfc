package dev.tripline.correlate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact record of one event that contributed to a correlation: what an alert shows as evidence, and all
 * the correlation state keeps of an event. Strings are cut to {@link #MAX_TEXT} characters so that one hostile
 * record cannot inflate state. An event's evidence is read by {@link SignalTemplate}, straight into the packed form
 * a slot keeps; this is the form it is read back in.
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

    public Evidence {
        fields = fields.isEmpty()
                ? java.util.Collections.emptyMap()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    static String cut(String s) {
        return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }

    static List<Evidence> capped(List<Evidence> all, int max) {
        return all.size() <= max ? List.copyOf(all) : List.copyOf(all.subList(0, max));
    }
}
