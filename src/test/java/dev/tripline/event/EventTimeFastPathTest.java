package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The hand-written reading of {@code yyyy-MM-ddTHH:mm:ss[.f]Z} and of Panther's {@code yyyy-MM-dd HH:mm:ss[.f]}
 * must agree with java.time on every text.
 */
class EventTimeFastPathTest {

    @Test
    void agreesWithJavaTimeOnValidAndInvalidTexts() {
        List<String> texts = new ArrayList<>(List.of(
                "2014-07-16T15:49:27Z",
                "2014-07-16T15:49:27.1Z",
                "2014-07-16T15:49:27.12Z",
                "2014-07-16T15:49:27.123Z",
                "2014-07-16T15:49:27.123456789Z",
                "2014-07-16T15:49:27.1234567891Z",
                "2014-07-16T15:49:27.Z",
                "2024-02-29T00:00:00Z",
                "2023-02-29T00:00:00Z",
                "2023-04-31T00:00:00Z",
                "2023-12-31T23:59:60Z",
                "2023-12-31T24:00:00Z",
                "2023-13-01T00:00:00Z",
                "2023-00-01T00:00:00Z",
                "0000-01-01T00:00:00Z",
                "1969-12-31T23:59:59.999Z",
                "2023-1a-01T00:00:00Z",
                "2023-01-01 00:00:00Z",
                "2023-01-01 00:00:00",
                "2023-01-01 00:00:00.1",
                "2023-01-01 00:00:00.123456789",
                "2023-01-01 00:00:00.1234567891",
                "2023-01-01 00:00:00.",
                "2023-01-01 00:00:60",
                "2023-02-29 00:00:00",
                "2023-01-01 00:00:00+01:00",
                "2023-01-01T00:00:00",
                "2023-01-01T00:00:00+01:00",
                "2023-01-01T00:00:00z"));
        SplittableRandom random = new SplittableRandom(7);
        char[] alphabet = "0123456789-T:.Z9 ".toCharArray();
        for (int i = 0; i < 40_000; i++) {
            char[] c = (i % 2 == 0 ? "2021-08-17T09:05:44.718Z" : "2021-08-17 09:05:44.718").toCharArray();
            int edits = 1 + random.nextInt(3);
            for (int k = 0; k < edits; k++) {
                c[random.nextInt(c.length)] = alphabet[random.nextInt(alphabet.length)];
            }
            texts.add(new String(c));
        }
        int fast = 0;
        for (String t : texts) {
            long reference = reference(t);
            long mine = EventTime.utcMillis(t);
            if (mine != Event.NO_TIME) {
                fast++;
                assertThat(mine).as(t).isEqualTo(reference);
            }
            assertThat(EventTime.parseMillis(t)).as(t).isEqualTo(reference);
        }
        assertThat(fast).as("texts read by the fast path").isGreaterThan(2000);
    }

    @Test
    void readsEveryValidTimeAsJavaTimeDoesOverCenturies() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            long seconds = random.nextLong(-2_000_000_000L, 8_000_000_000L);
            int nanos = random.nextInt(1_000_000_000);
            String iso = Instant.ofEpochSecond(seconds, nanos).toString();
            // Whole seconds, Instant's own rendering, and fractions of 1 to 9 digits (Azure writes 7).
            String text = switch (i % 4) {
                case 0 -> Instant.ofEpochSecond(seconds).toString();
                case 1 -> iso;
                case 2 -> iso.substring(0, 20) + String.format("%09d", nanos).substring(0, 1 + i % 9) + "Z";
                // Panther's layout: a space for the T, no zone, 0 to 9 fraction digits.
                default ->
                    iso.substring(0, 10)
                            + " "
                            + iso.substring(11, 19)
                            + (i % 10 == 0
                                    ? ""
                                    : "." + String.format("%09d", nanos).substring(0, i % 10));
            };
            assertThat(EventTime.utcMillis(text)).as(text).isEqualTo(reference(text));
        }
    }

    /** What java.time alone makes of the text (the path the fast one must agree with). */
    private static long reference(String t) {
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(t).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                try {
                    return LocalDateTime.parse(t, EventTime.PANTHER_UTC)
                            .toInstant(ZoneOffset.UTC)
                            .toEpochMilli();
                } catch (DateTimeParseException e3) {
                    return Event.NO_TIME;
                }
            }
        }
    }
}
