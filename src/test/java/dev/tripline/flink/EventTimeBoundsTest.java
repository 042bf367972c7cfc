package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.event.Event;
import dev.tripline.event.ParseFailure;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventTimeBoundsTest {
    static final long NOW = Instant.parse("2026-12-05T12:00:00Z").toEpochMilli();
    static final long HOUR = Duration.ofHours(1).toMillis();
    static final long DAY = Duration.ofDays(1).toMillis();

    final EventTimeBounds.Sources sources = new EventTimeBounds.Sources(100);

    static ParseFailure.Reason reason(EventTimeBounds.Rejection r) {
        return r == null ? null : r.reason();
    }

    @Test
    void timesFarFromThePresentAreOutOfBounds() {
        EventTimeBounds live = EventTimeBounds.LIVE;
        assertThat(live.check("p0", NOW - 29 * DAY, NOW, sources)).isNull();
        assertThat(reason(live.check("p1", NOW - 31 * DAY, NOW, sources)))
                .isEqualTo(ParseFailure.Reason.EVENT_TIME_OUT_OF_BOUNDS);
        assertThat(reason(live.check("p2", NOW + 2 * HOUR, NOW, sources)))
                .isEqualTo(ParseFailure.Reason.EVENT_TIME_OUT_OF_BOUNDS);
        assertThat(live.check("p3", NOW + HOUR / 2, NOW, sources)).isNull();

        EventTimeBounds archive = EventTimeBounds.ARCHIVE;
        assertThat(archive.check("f1", NOW - 3000 * DAY, NOW, sources)).isNull();
        assertThat(reason(archive.check("f2", 0, NOW, sources)))
                .isEqualTo(ParseFailure.Reason.EVENT_TIME_OUT_OF_BOUNDS);
        assertThat(reason(archive.check(
                        "f3", Instant.parse("2090-01-01T00:00:00Z").toEpochMilli(), NOW, sources)))
                .isEqualTo(ParseFailure.Reason.EVENT_TIME_OUT_OF_BOUNDS);
        assertThat(archive.check("f4", Event.NO_TIME, NOW, sources))
                .as("no time: not for this check")
                .isNull();
    }

    @Test
    void oneRecordFarAheadOfItsSourceIsAnOutlierAndMovesNothing() {
        EventTimeBounds b = EventTimeBounds.ARCHIVE;
        long t = NOW - 400 * DAY;
        assertThat(b.check("file", t, NOW, sources)).isNull();
        assertThat(b.check("file", t + HOUR, NOW, sources)).isNull();
        assertThat(reason(b.check("file", t + 300 * DAY, NOW, sources)))
                .isEqualTo(ParseFailure.Reason.EVENT_TIME_OUTLIER);
        // The outlier did not become the reference: the next ordinary records are believed.
        assertThat(b.check("file", t + 2 * HOUR, NOW, sources)).isNull();
        assertThat(b.check("file", t + 3 * HOUR, NOW, sources)).isNull();
        // Behind is late, not an outlier; another source has its own reference.
        assertThat(b.check("file", t - 200 * DAY, NOW, sources)).isNull();
        assertThat(b.check("other", t + 300 * DAY, NOW, sources)).isNull();
    }

    @Test
    void aSourceThatMovesAheadForGoodIsFollowedOnceItsNewTimesAreTheMajority() {
        EventTimeBounds b = EventTimeBounds.ARCHIVE;
        long t = NOW - 400 * DAY;
        for (int i = 0; i < EventTimeBounds.WINDOW; i++) {
            assertThat(b.check("file", t + i * HOUR, NOW, sources)).isNull();
        }
        long later = t + 200 * DAY;
        int refused = 0;
        while (b.check("file", later, NOW, sources) != null) {
            refused++;
            later += HOUR;
        }
        assertThat(refused).isEqualTo(EventTimeBounds.WINDOW / 2 + 1);
    }

    @Test
    void aSourceThatWasQuietMayComeBackAsFarAheadAsTheClockMoved() {
        EventTimeBounds b = EventTimeBounds.LIVE;
        long t = NOW - 10 * DAY;
        assertThat(b.check("partition-0", t, NOW - 5 * DAY, sources)).isNull();
        // Three days later by the wall clock, records three days later: not an outlier.
        assertThat(b.check("partition-0", t + 3 * DAY, NOW - 2 * DAY, sources)).isNull();
        // Five days ahead of that partition at once, without the clock moving: an outlier.
        assertThat(reason(b.check("partition-0", t + 8 * DAY, NOW - 2 * DAY, sources)))
                .isEqualTo(ParseFailure.Reason.EVENT_TIME_OUTLIER);
    }

    @Test
    void boundsMustBePositive() {
        assertThatThrownBy(() -> EventTimeBounds.LIVE.withMaxAge(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventTimeBounds.LIVE.withMaxFuture(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventTimeBounds.LIVE.withMaxAheadOfSource(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
