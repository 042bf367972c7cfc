package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;

/**
 * Event times to and from epoch millis: ISO-8601 instants as CloudTrail and Azure write them, and Panther's
 * normalised UTC form {@code 2021-01-01 19:42:55[.000000000]} (its data-lake exports and labelled test events).
 */
final class EventTime {
    /** Elastic's {@code @timestamp} rendering: always millisecond precision, always UTC. */
    static final DateTimeFormatter ECS_FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /**
     * Panther's timestamp layout: a space between date and time, up to nine fraction digits and no zone, always
     * UTC. Only this exact layout is taken as UTC; an ISO local time ({@code 2021-01-01T19:42:55}) stays invalid,
     * since nothing says which zone it is in.
     */
    private static final DateTimeFormatter PANTHER_UTC = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
            .optionalEnd()
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT);

    private EventTime() {}

    /** The node holding the event time: eventTime, or {@code @timestamp} when eventTime is absent. */
    static JsonNode timeField(JsonNode record) {
        JsonNode t = record.get("eventTime");
        return t != null ? t : record.get("@timestamp");
    }

    /**
     * Epoch millis of an ISO-8601 instant with zone ({@code Z} or an offset) or of Panther's UTC layout, else
     * {@link Event#NO_TIME}.
     */
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
                try {
                    return LocalDateTime.parse(text, PANTHER_UTC)
                            .toInstant(ZoneOffset.UTC)
                            .toEpochMilli();
                } catch (DateTimeParseException | ArithmeticException e3) {
                    return Event.NO_TIME;
                }
            }
        }
    }

    static String format(long millis) {
        return ECS_FORMAT.format(Instant.ofEpochMilli(millis));
    }
}
