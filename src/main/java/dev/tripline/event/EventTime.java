package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.YearMonth;
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
        long fast = parseUtcMillis(text);
        if (fast != Event.NO_TIME) {
            return fast;
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

    /**
     * The layout nearly every record has, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, read digit by digit: the
     * general parsers below cost more than the rest of a record's parse. Anything else (offsets, leap seconds,
     * extended years, a malformed field) gives {@link Event#NO_TIME} here and goes to the general parsers.
     */
    static long parseUtcMillis(String t) {
        int n = t.length();
        if (n < 20
                || t.charAt(4) != '-'
                || t.charAt(7) != '-'
                || t.charAt(10) != 'T'
                || t.charAt(13) != ':'
                || t.charAt(16) != ':'
                || t.charAt(n - 1) != 'Z') {
            return Event.NO_TIME;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        if (year < 0
                || month < 1
                || month > 12
                || day < 1
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
            return Event.NO_TIME;
        }
        int millis = 0;
        if (n > 20) {
            // A fraction of 1 to 9 digits; its first three are the milliseconds, as Instant truncates.
            int digitsEnd = n - 1;
            if (t.charAt(19) != '.' || digitsEnd - 20 < 1 || digitsEnd - 20 > 9 || digits(t, 20, digitsEnd - 20) < 0) {
                return Event.NO_TIME;
            }
            for (int i = 20; i < 23; i++) {
                millis = millis * 10 + (i < digitsEnd ? t.charAt(i) - '0' : 0);
            }
        } else if (t.charAt(19) != 'Z') {
            return Event.NO_TIME;
        }
        if (day > YearMonth.of(year, month).lengthOfMonth()) {
            return Event.NO_TIME;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return (epochDay * 86_400 + hour * 3_600L + minute * 60L + second) * 1000 + millis;
    }

    /** The decimal number of {@code count} ASCII digits at {@code from}, or -1 if any is not a digit. */
    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    static String format(long millis) {
        return ECS_FORMAT.format(Instant.ofEpochMilli(millis));
    }
}
