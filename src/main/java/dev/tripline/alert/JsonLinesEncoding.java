package dev.tripline.alert;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import dev.tripline.event.Event;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
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
        // Most evidence events are the first or the last one seen: each time is formatted once.
        String firstSeen = time(a.firstSeenMillis());
        String lastSeen = a.lastSeenMillis() == a.firstSeenMillis() ? firstSeen : time(a.lastSeenMillis());
        g.writeStringField("first_seen", firstSeen);
        g.writeStringField("last_seen", lastSeen);
        g.writeNumberField("count", a.count());
        g.writeNumberField("occurrences", a.occurrences());
        g.writeNumberField("evidence_omitted", a.evidenceOmitted());
        g.writeArrayFieldStart("evidence");
        for (Evidence e : a.evidence()) {
            g.writeStartObject();
            g.writeStringField("eventID", e.eventId());
            long at = e.eventTimeMillis();
            g.writeStringField(
                    "eventTime",
                    at == a.firstSeenMillis() ? firstSeen : at == a.lastSeenMillis() ? lastSeen : time(at));
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

    /**
     * The values as {@code g.writeTree} writes them, through one serializer provider for the lot: {@code writeTree}
     * makes a provider, looks up the node's serializer and flushes the generator for every value, which cost more
     * than writing most of them (strings).
     */
    static void writeValues(JsonGenerator g, Map<String, JsonNode> values) throws IOException {
        if (values.isEmpty()) {
            return;
        }
        SerializerProvider serializers = AlertFormat.MAPPER.getSerializerProviderInstance();
        for (Map.Entry<String, JsonNode> e : values.entrySet()) {
            g.writeFieldName(e.getKey());
            JsonNode v = e.getValue();
            if (v == null) {
                g.writeNull();
            } else {
                v.serialize(g, serializers);
            }
        }
    }

    /** ISO-8601 UTC ({@code 2023-10-01T12:34:56Z}, with milliseconds only when non-zero); null when unknown. */
    static String time(long millis) {
        if (millis == Event.NO_TIME) {
            return null;
        }
        if (millis < 0 || millis >= YEAR_10000) {
            // ISO_INSTANT gives these years a sign or more digits.
            return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(millis));
        }
        // What ISO_INSTANT writes, without its general printer (several times slower; every alert line has three
        // or more times).
        LocalDate day = LocalDate.ofEpochDay(millis / DAY_MILLIS);
        int ms = (int) (millis % DAY_MILLIS);
        StringBuilder b = new StringBuilder(24);
        digits(b, day.getYear(), 4).append('-');
        digits(b, day.getMonthValue(), 2).append('-');
        digits(b, day.getDayOfMonth(), 2).append('T');
        digits(b, ms / 3_600_000, 2).append(':');
        digits(b, ms / 60_000 % 60, 2).append(':');
        digits(b, ms / 1000 % 60, 2);
        if (ms % 1000 != 0) {
            digits(b.append('.'), ms % 1000, 3);
        }
        return b.append('Z').toString();
    }

    private static final long DAY_MILLIS = 86_400_000L;
    /** 10000-01-01T00:00:00Z. */
    private static final long YEAR_10000 = 253_402_300_800_000L;

    /** {@code value} (not negative) in {@code width} digits, zero-padded. */
    private static StringBuilder digits(StringBuilder b, int value, int width) {
        String text = Integer.toString(value);
        for (int i = text.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(text);
    }
}
