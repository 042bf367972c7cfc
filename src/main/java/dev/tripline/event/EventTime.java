package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
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
import java.util.function.Function;

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
    static final DateTimeFormatter PANTHER_UTC = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
            .optionalEnd()
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT);

    private EventTime() {}

    /**
     * The node holding the event time: eventTime, or {@code @timestamp} when eventTime is absent; {@code member}
     * looks up a top-level member of the record.
     */
    static JsonNode timeField(Function<String, JsonNode> member) {
        JsonNode t = member.apply(TIME);
        return t != null ? t : member.apply(TIME_OTHERWISE);
    }

    /** The member holding a CloudTrail record's event time, and the one read when the record has none of it. */
    static final String TIME = "eventTime";

    static final String TIME_OTHERWISE = "@timestamp";

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
        long fast = utcMillis(text);
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
     * The common shapes, read without java.time's formatters (whose ISO instant parser builds a new formatter on
     * every call, and a text it refuses costs an exception per formatter tried): {@code
     * yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z}, as CloudTrail and Azure write it, and Panther's {@code yyyy-MM-dd
     * HH:mm:ss[.f{1,9}]}, which is UTC. Anything else, and anything this cannot vouch for (second 60, a date that
     * does not exist), is {@link Event#NO_TIME} here and left to the full parse, so both give the same answer.
     */
    static long utcMillis(String s) {
        return utcMillis(s.getBytes(StandardCharsets.ISO_8859_1), 0, s.length());
    }

    /**
     * As {@link #utcMillis(String)}, on the bytes {@code b[from, to)}, which may be a JSON string's bytes between its
     * quotes: every byte the shapes allow is plain ASCII and no backslash, so bytes this accepts are the string's
     * characters one for one, and the parser reads a record's event time without decoding it into a string.
     */
    static long utcMillis(byte[] b, int from, int to) {
        int n = to - from;
        if (n < 19 || b[from + 4] != '-' || b[from + 7] != '-' || b[from + 13] != ':' || b[from + 16] != ':') {
            return Event.NO_TIME;
        }
        int fractionEnd; // where the seconds' fraction would end, counted from from
        if (b[from + 10] == 'T' && b[to - 1] == 'Z') {
            fractionEnd = n - 1;
        } else if (b[from + 10] == ' ') {
            fractionEnd = n;
        } else {
            return Event.NO_TIME;
        }
        int year = digits(b, from, 4);
        int month = digits(b, from + 5, 2);
        int day = digits(b, from + 8, 2);
        int hour = digits(b, from + 11, 2);
        int minute = digits(b, from + 14, 2);
        int second = digits(b, from + 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
            return Event.NO_TIME;
        }
        if (second < 0 || second > 59 || day > YearMonth.of(year, month).lengthOfMonth()) {
            return Event.NO_TIME;
        }
        int millis = 0;
        if (fractionEnd > 19) {
            int fraction = fractionEnd - 20; // between the '.' and the end
            if (b[from + 19] != '.' || fraction < 1 || fraction > 9) {
                return Event.NO_TIME;
            }
            int all = digits(b, from + 20, fraction);
            if (all < 0) {
                return Event.NO_TIME;
            }
            millis = fraction >= 3 ? digits(b, from + 20, 3) : all * (fraction == 1 ? 100 : 10);
        }
        long days = LocalDate.of(year, month, day).toEpochDay();
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    /** The decimal number of {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(byte[] b, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            int c = b[i];
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
