package dev.tripline.flink;

import dev.tripline.event.Event;
import java.io.Serializable;
import java.time.Instant;

/**
 * The event-time range a hunt looks at, {@code [fromMillis, toMillis)} in epoch millis; {@link #ALL} when
 * unbounded. Events outside it are dropped right after parsing and counted, never dead-lettered: they are good
 * input, just not asked about.
 */
public record TimeRange(long fromMillis, long toMillis) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final TimeRange ALL = new TimeRange(Long.MIN_VALUE, Long.MAX_VALUE);

    public TimeRange {
        if (fromMillis >= toMillis) {
            throw new IllegalArgumentException("empty time range: from " + Instant.ofEpochMilli(fromMillis)
                    + " is not before to " + Instant.ofEpochMilli(toMillis));
        }
    }

    /** {@code from}/{@code to} may be null (unbounded on that side). */
    public static TimeRange of(Instant from, Instant to) {
        return new TimeRange(
                from == null ? Long.MIN_VALUE : from.toEpochMilli(), to == null ? Long.MAX_VALUE : to.toEpochMilli());
    }

    public boolean isAll() {
        return fromMillis == Long.MIN_VALUE && toMillis == Long.MAX_VALUE;
    }

    /**
     * True when an event at {@code eventTimeMillis} is inside. An event without a time ({@link Event#NO_TIME})
     * is inside only the unbounded range: a hunt over a time range cannot say it belongs there.
     */
    public boolean contains(long eventTimeMillis) {
        if (eventTimeMillis == Event.NO_TIME) {
            return isAll();
        }
        return eventTimeMillis >= fromMillis && (toMillis == Long.MAX_VALUE || eventTimeMillis < toMillis);
    }

    /** The lower bound as an instant, null when unbounded. */
    public Instant from() {
        return fromMillis == Long.MIN_VALUE ? null : Instant.ofEpochMilli(fromMillis);
    }

    /** The upper bound (exclusive) as an instant, null when unbounded. */
    public Instant to() {
        return toMillis == Long.MAX_VALUE ? null : Instant.ofEpochMilli(toMillis);
    }
}
