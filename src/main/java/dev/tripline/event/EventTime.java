package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** ISO-8601 instants as CloudTrail writes them, to and from epoch millis. */
final class EventTime {
    /** Elastic's {@code @timestamp} rendering: always millisecond precision, always UTC. */
    static final DateTimeFormatter ECS_FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private EventTime() {
    }

    /** The node holding the event time: eventTime, or {@code @timestamp} when eventTime is absent. */
    static JsonNode timeField(JsonNode record) {
        JsonNode t = record.get("eventTime");
        return t != null ? t : record.get("@timestamp");
    }

    /** Epoch millis of an ISO-8601 instant with zone ({@code Z} or an offset), else {@link Event#NO_TIME}. */
    static long parseMillis(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return Event.NO_TIME;
        }
        return parseMillis(node.textValue());
    }

    static long parseMillis(String text) {
        if (text.isEmpty() || text.length() > 64) {
            return Event.NO_TIME;
        }
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e2) {
                return Event.NO_TIME;
            }
        }
    }

    static String format(long millis) {
        return ECS_FORMAT.format(Instant.ofEpochMilli(millis));
    }
}
