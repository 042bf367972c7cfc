package dev.tripline.alert;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Tripline's JSON alert object. Field order is fixed and every field is always written (null when empty), so
 * that consumers can rely on the shape and a golden test can pin it.
 */
final class JsonLinesEncoding {
    private JsonLinesEncoding() {}

    static void write(Alert a, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("alert_id", a.alertId());
        g.writeNumberField("revision", a.revision());
        g.writeStringField("kind", a.kind().wireName());
        g.writeStringField("title", a.title());
        g.writeStringField("severity", a.severity().lowerName());
        g.writeObjectFieldStart("rule");
        g.writeStringField("id", a.rule().id());
        g.writeStringField("title", a.rule().title());
        g.writeStringField("level", a.rule().level().lowerName());
        writeStrings(g, "tags", a.rule().tags());
        g.writeStringField("author", a.rule().author());
        g.writeEndObject();
        g.writeObjectFieldStart("group");
        for (Map.Entry<String, String> e : a.group().entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeStringField("dedup_key", a.dedupKey());
        g.writeStringField("first_seen", time(a.firstSeenMillis()));
        g.writeStringField("last_seen", time(a.lastSeenMillis()));
        g.writeNumberField("count", a.count());
        g.writeNumberField("occurrences", a.occurrences());
        g.writeNumberField("evidence_omitted", a.evidenceOmitted());
        g.writeArrayFieldStart("evidence");
        for (Evidence e : a.evidence()) {
            g.writeStartObject();
            g.writeStringField("eventID", e.eventId());
            g.writeStringField("eventTime", time(e.eventTimeMillis()));
            g.writeStringField("eventName", e.eventName());
            g.writeStringField("eventSource", e.eventSource());
            g.writeStringField("awsRegion", e.awsRegion());
            g.writeObjectFieldStart("fields");
            writeValues(g, e.fields());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("context");
        writeValues(g, a.context());
        g.writeEndObject();
        g.writeEndObject();
    }

    static void writeStrings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    static void writeValues(JsonGenerator g, Map<String, JsonNode> values) throws IOException {
        for (Map.Entry<String, JsonNode> e : values.entrySet()) {
            g.writeFieldName(e.getKey());
            g.writeTree(e.getValue());
        }
    }

    /** ISO-8601 UTC ({@code 2023-10-01T12:34:56Z}, with milliseconds only when non-zero); null when unknown. */
    static String time(long millis) {
        return millis == Event.NO_TIME ? null : DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(millis));
    }
}
