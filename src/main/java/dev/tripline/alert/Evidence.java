package dev.tripline.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One event as an alert shows it: the CloudTrail fields every analyst looks at first, plus the rule's output
 * fields (Sigma {@code fields}, Panther SummaryAttributes) with their values.
 *
 * @param eventId         CloudTrail {@code eventID} (Azure: {@code eventDataId}), or null; for Azure events
 *                        eventName, eventSource and awsRegion hold the operation, its resource provider and the
 *                        region (cloud.region)
 * @param eventTimeMillis event time in epoch millis ({@link Event#NO_TIME} when unknown)
 * @param fields          output field path to value: JSON null when the event lacks the field, an array when
 *                        the path fans out to several values; insertion order is the rule's order
 */
public record Evidence(
        String eventId,
        long eventTimeMillis,
        String eventName,
        String eventSource,
        String awsRegion,
        Map<String, JsonNode> fields)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public Evidence {
        fields = fields.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** The evidence of {@code event} for a rule with these output fields. */
    public static Evidence of(Event event, List<FieldPath> outputFields) {
        Map<String, FieldPath> shown = new LinkedHashMap<>();
        int n = Math.min(outputFields.size(), Limits.MAX_OUTPUT_FIELDS);
        for (int i = 0; i < n; i++) {
            FieldPath path = outputFields.get(i);
            shown.putIfAbsent(Limits.text(path.text()), path);
        }
        return AlertCodec.evidence(
                event, shown.keySet().toArray(String[]::new), shown.values().toArray(FieldPath[]::new));
    }

    static final FieldPath AZ_ID = FieldPath.of("eventDataId");
    static final FieldPath AZ_NAME = FieldPath.of("operationName");
    static final FieldPath AZ_SOURCE = FieldPath.of("azure.resource.provider");
    static final FieldPath AZ_REGION = FieldPath.of("cloud.region");

    static String first(Event event, FieldPath path) {
        List<JsonNode> values = event.values(path);
        String s = values.isEmpty() ? null : Event.stringForm(values.get(0));
        return s == null ? null : Limits.text(s);
    }

    /** The value at {@code path}: null node when missing, the value itself when single, an array when several. */
    static JsonNode valueAt(Event event, FieldPath path) {
        List<JsonNode> values = event.values(path);
        if (values.isEmpty()) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (values.size() == 1) {
            return values.get(0);
        }
        return JsonNodeFactory.instance.arrayNode().addAll(values);
    }

    static String text(Event event, String field) {
        JsonNode n = event.member(field);
        String s = n == null ? null : Event.stringForm(n);
        return s == null ? null : Limits.text(s);
    }

    /**
     * A stable identity for the alert id: the eventID when the record has one, else what the evidence shows
     * of the record (time, name, source, region, output fields).
     */
    String identity() {
        return identity(eventId, eventTimeMillis, eventName, eventSource, awsRegion, fields);
    }

    /**
     * {@link #identity()} of the evidence with these values; {@code fields} is only read (as its text) when
     * {@code eventId} is null or empty.
     */
    static String identity(
            String eventId,
            long eventTimeMillis,
            String eventName,
            String eventSource,
            String awsRegion,
            Object fields) {
        if (eventId != null && !eventId.isEmpty()) {
            return "id:" + eventId;
        }
        return "t:" + eventTimeMillis + '|' + eventName + '|' + eventSource + '|' + awsRegion + '|' + fields;
    }
}
