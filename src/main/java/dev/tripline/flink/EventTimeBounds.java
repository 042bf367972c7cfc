package dev.tripline.flink;

import dev.tripline.event.Event;
import dev.tripline.event.ParseFailure;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which event times the job believes. Event time drives watermarks, correlation windows and dedup periods, so one
 * record with an absurd time would move them for everybody (every later record late, dedup periods over at once).
 * A time that fails these bounds makes its record a dead letter with its own reason, before it reaches a rule:
 *
 * <ul>
 *   <li>{@link ParseFailure.Reason#EVENT_TIME_OUT_OF_BOUNDS}: more than {@code maxAge} before the present or more
 *       than {@code maxFuture} after it (the wall clock of the machine reading it);
 *   <li>{@link ParseFailure.Reason#EVENT_TIME_OUTLIER}: more than {@code maxAheadOfSource} after the other recent
 *       records of its source (file, Kafka partition, Kinesis shard; the median of the last {@link #WINDOW}),
 *       plus the wall-clock time that passed since the source's last record, so a source that was quiet and
 *       comes back later is not an outlier.
 * </ul>
 *
 * <p>Only times ahead of the source are outliers: a record behind is late, which the watermark already handles.
 * The first record of a source has nothing to be compared with; the present bounds still apply to it. A source
 * whose times move ahead for good (a gap in an archive) is followed once its new times are most of the window:
 * {@code WINDOW / 2 + 1} records, dead letters until then. {@link #LIVE} suits streams read as they happen,
 * {@link #ARCHIVE} files and hunts.
 */
public record EventTimeBounds(Duration maxAge, Duration maxFuture, Duration maxAheadOfSource) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Recent times kept per source; their median is the source's reference time. */
    public static final int WINDOW = 16;

    /**
     * Streams read as they happen (Kafka, Kinesis, the deployed job): CloudTrail delivers within minutes, so a
     * record a month old or an hour in the future is wrong, and a day ahead of its partition is an outlier.
     */
    public static final EventTimeBounds LIVE =
            new EventTimeBounds(Duration.ofDays(30), Duration.ofHours(1), Duration.ofDays(1));

    /**
     * Files and hunts: archives reach back years (ten, the longest duration the configuration accepts); a record is
     * still never from the future, and 30 days ahead of the rest of its file is an outlier.
     */
    public static final EventTimeBounds ARCHIVE =
            new EventTimeBounds(Duration.ofDays(3650), Duration.ofDays(1), Duration.ofDays(30));

    public EventTimeBounds {
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(maxFuture, "maxFuture");
        Objects.requireNonNull(maxAheadOfSource, "maxAheadOfSource");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("max event age must be positive: " + maxAge);
        }
        if (maxFuture.isNegative()) {
            throw new IllegalArgumentException("max event future must not be negative: " + maxFuture);
        }
        if (maxAheadOfSource.isNegative() || maxAheadOfSource.isZero()) {
            throw new IllegalArgumentException("max ahead of source must be positive: " + maxAheadOfSource);
        }
    }

    public EventTimeBounds withMaxAge(Duration d) {
        return new EventTimeBounds(d, maxFuture, maxAheadOfSource);
    }

    public EventTimeBounds withMaxFuture(Duration d) {
        return new EventTimeBounds(maxAge, d, maxAheadOfSource);
    }

    public EventTimeBounds withMaxAheadOfSource(Duration d) {
        return new EventTimeBounds(maxAge, maxFuture, d);
    }

    /** Why {@code eventTime} is not believed, or null when it is; {@code sources} remembers it either way. */
    public Rejection check(String source, long eventTime, long now, Sources sources) {
        if (eventTime == Event.NO_TIME) {
            return null;
        }
        if (eventTime < now - maxAge.toMillis()) {
            return new Rejection(
                    ParseFailure.Reason.EVENT_TIME_OUT_OF_BOUNDS,
                    "event time " + Instant.ofEpochMilli(eventTime) + " is more than " + maxAge
                            + " before the present (" + Instant.ofEpochMilli(now) + ")");
        }
        if (eventTime > now + maxFuture.toMillis()) {
            return new Rejection(
                    ParseFailure.Reason.EVENT_TIME_OUT_OF_BOUNDS,
                    "event time " + Instant.ofEpochMilli(eventTime) + " is more than " + maxFuture
                            + " after the present (" + Instant.ofEpochMilli(now) + ")");
        }
        return sources.observe(source, eventTime, now, maxAheadOfSource.toMillis());
    }

    /** A time that is not believed: the dead letter's reason and message. */
    public record Rejection(ParseFailure.Reason reason, String message) {}

    /**
     * The recent event times of each source one reader sees: a ring of the last {@link #WINDOW} times (believed
     * or not, so that a source that moves ahead for good is followed) and the wall-clock time of its last record.
     * Kept in memory by one detect subtask for at most {@code maxSources} sources, the least recently seen
     * dropped first; not checkpointed, so after a restart each source starts again with no reference.
     */
    public static final class Sources {
        private final Map<String, Ring> rings;

        public Sources(int maxSources) {
            this.rings = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Ring> eldest) {
                    return size() > maxSources;
                }
            };
        }

        Rejection observe(String source, long eventTime, long now, long maxAhead) {
            Ring ring = rings.computeIfAbsent(source == null ? "" : source, s -> new Ring());
            Rejection r = null;
            if (ring.size > 0) {
                long reference = ring.median();
                long quiet = Math.max(0, now - ring.lastSeen);
                if (eventTime - reference > maxAhead + quiet) {
                    r = new Rejection(
                            ParseFailure.Reason.EVENT_TIME_OUTLIER,
                            "event time " + Instant.ofEpochMilli(eventTime) + " is more than "
                                    + Duration.ofMillis(maxAhead) + " ahead of the recent records of its source ("
                                    + Instant.ofEpochMilli(reference) + ")");
                }
            }
            ring.add(eventTime, now);
            return r;
        }
    }

    private static final class Ring {
        final long[] times = new long[WINDOW];
        /** The same times in ascending order, kept so as they come: the median is read for every record. */
        final long[] sorted = new long[WINDOW];

        int size;
        int next;
        long lastSeen;

        void add(long t, long now) {
            if (size == WINDOW) {
                remove(times[next]);
            }
            times[next] = t;
            next = (next + 1) % WINDOW;
            insert(t);
            lastSeen = now;
        }

        private void remove(long t) {
            int at = Arrays.binarySearch(sorted, 0, size, t);
            System.arraycopy(sorted, at + 1, sorted, at, size - at - 1);
            size--;
        }

        private void insert(long t) {
            int at = Arrays.binarySearch(sorted, 0, size, t);
            at = at < 0 ? -at - 1 : at;
            System.arraycopy(sorted, at, sorted, at + 1, size - at);
            sorted[at] = t;
            size++;
        }

        /** The lower median: with two times, the earlier, so one outlier never becomes the reference. */
        long median() {
            return sorted[(size - 1) / 2];
        }
    }
}
