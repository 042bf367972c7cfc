package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventTimeTest {
    /** What the general parser makes of {@code text}, the reference for the digit-by-digit reading. */
    private static long reference(String text) {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            return Event.NO_TIME;
        }
    }

    @Test
    void theUtcLayoutReadsAsInstantDoesOverManyRandomTimes() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(-2_000_000_000L, 8_000_000_000L);
            int nanos = random.nextInt(1_000_000_000);
            String iso = Instant.ofEpochSecond(seconds, nanos).toString();
            String text = switch (i % 4) {
                case 0 -> Instant.ofEpochSecond(seconds).toString();
                case 1 -> iso;
                // A fraction of 1 to 9 digits, as Azure (7) and CloudTrail digests (3) write them.
                default -> iso.substring(0, 20) + String.format("%09d", nanos).substring(0, 1 + i % 9) + "Z";
            };
            assertThat(EventTime.parseUtcMillis(text)).as(text).isEqualTo(reference(text));
        }
    }

    @Test
    void whatTheDigitReadingDoesNotTakeFallsToTheGeneralParsers() {
        for (String text : new String[] {
            "2024-02-30T00:00:00Z", // no such day
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T23:60:00Z",
            "2024-01-01T23:59:60Z", // a leap second: the general parser decides
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00.1234567890Z",
            "2024-01-01T00:00:00+01:00",
            "2024-01-01 00:00:00",
            "+12024-01-01T00:00:00Z",
            "2024-01-0aT00:00:00Z",
            "2024-01-01T00:00:00z"
        }) {
            assertThat(EventTime.parseUtcMillis(text)).as(text).isEqualTo(Event.NO_TIME);
        }
        assertThat(EventTime.parseUtcMillis("2024-02-29T12:34:56.789Z"))
                .isEqualTo(Instant.parse("2024-02-29T12:34:56.789Z").toEpochMilli());
        assertThat(EventTime.parseMillis("2024-01-01T01:00:00+01:00"))
                .isEqualTo(Instant.parse("2024-01-01T00:00:00Z").toEpochMilli());
        assertThat(EventTime.parseMillis("2021-01-01 19:42:55.123"))
                .isEqualTo(Instant.parse("2021-01-01T19:42:55.123Z").toEpochMilli());
    }
}
