package dev.tripline.alert;

/**
 * Panther's dedup and threshold semantics as pure functions over {@link DedupState}, in event time. The Flink
 * layer keeps one state per (rule, dedup key) and calls {@link #offer} for every match; nothing here knows
 * about Flink.
 *
 * <p>Semantics for a key with period P and threshold T:
 * <ul>
 *   <li>The first match opens a period {@code [t, t + P)} and counts 1.</li>
 *   <li>A match inside the open period is counted. The period's single alert is emitted by the match that brings
 *       the count to T ({@link Outcome#EMIT}); before that it is {@link Outcome#PENDING}, after it
 *       {@link Outcome#SUPPRESSED}.</li>
 *   <li>A match at or after {@code firstSeen + P} opens a new period, exactly like a first match.</li>
 *   <li>Out of order: a match earlier than {@code firstSeen} whose time still shares a period with everything
 *       counted ({@code lastSeen - t < P}) moves the period start back to it and is counted, so events that
 *       arrive shuffled within a period give the same single alert as in order. An earlier match that cannot
 *       share the period belongs to a period this state no longer holds: with T = 1 it is emitted as an alert of
 *       its own ({@link Outcome#EMIT_UNTRACKED}), with T &gt; 1 it cannot be counted anywhere and is dropped
 *       ({@link Outcome#DROPPED_UNTRACKED}); in both cases the state is unchanged. The job's allowed lateness
 *       bounds how often this happens.</li>
 * </ul>
 *
 * <p>Clearing: events with time {@code t >= firstSeen + P} open a new period whatever the state holds, and
 * earlier ones are counted only while they are accepted as not late. So the state can be dropped once the
 * watermark minus the job's allowed lateness reaches {@link #clearableAt} ({@code firstSeen + P + lateness});
 * an event-time timer at that instant is the natural place.
 */
public final class Dedup {

    public enum Outcome {
        /** Emit the period's alert now. */
        EMIT,
        /** Counted; the period has not reached its threshold yet. */
        PENDING,
        /** Counted into the period's alert, which was already emitted. */
        SUPPRESSED,
        /** Too early for the held period; emitted on its own (threshold 1), state unchanged. */
        EMIT_UNTRACKED,
        /** Too early for the held period and threshold above 1: not counted, state unchanged. */
        DROPPED_UNTRACKED;

        public boolean emits() {
            return this == EMIT || this == EMIT_UNTRACKED;
        }
    }

    /**
     * The result of one offer.
     *
     * @param state     the state to keep for the key (never null)
     * @param count     matches counted into the alert's period, for the alert's {@code count}
     * @param firstSeen the alert's first_seen
     * @param lastSeen  the alert's last_seen
     * @param endsHeld  the match opened a new period in place of the one {@code offer} was given: that period is
     *                  over, and whatever it still has to report must go out before its state is replaced
     */
    public record Decision(
            Outcome outcome, DedupState state, int count, long firstSeen, long lastSeen, boolean endsHeld) {
        public boolean emit() {
            return outcome.emits();
        }
    }

    private Dedup() {}

    /** Counts a match at event time {@code eventTime} into {@code state} (null when the key has none). */
    public static Decision offer(DedupState state, long eventTime, DedupPolicy policy) {
        long p = policy.periodMillis();
        int threshold = policy.threshold();
        if (state == null || eventTime >= saturatedAdd(state.firstSeen(), p)) {
            return counted(new DedupState(eventTime, eventTime, 1, false), threshold, state != null);
        }
        if (eventTime >= state.firstSeen() || state.lastSeen() - eventTime < p) {
            DedupState next = new DedupState(
                    Math.min(state.firstSeen(), eventTime),
                    Math.max(state.lastSeen(), eventTime),
                    saturatedIncrement(state.count()),
                    state.alerted());
            return counted(next, threshold, false);
        }
        Outcome o = threshold <= 1 ? Outcome.EMIT_UNTRACKED : Outcome.DROPPED_UNTRACKED;
        return new Decision(o, state, 1, eventTime, eventTime, false);
    }

    private static Decision counted(DedupState s, int threshold, boolean endsHeld) {
        if (s.alerted()) {
            return new Decision(Outcome.SUPPRESSED, s, s.count(), s.firstSeen(), s.lastSeen(), endsHeld);
        }
        if (s.count() >= threshold) {
            DedupState alerted = new DedupState(s.firstSeen(), s.lastSeen(), s.count(), true);
            return new Decision(Outcome.EMIT, alerted, s.count(), s.firstSeen(), s.lastSeen(), endsHeld);
        }
        return new Decision(Outcome.PENDING, s, s.count(), s.firstSeen(), s.lastSeen(), endsHeld);
    }

    /** The event time from which the state may be dropped, given the job's allowed lateness. */
    public static long clearableAt(DedupState state, DedupPolicy policy, long allowedLatenessMillis) {
        return saturatedAdd(saturatedAdd(state.firstSeen(), policy.periodMillis()), Math.max(0, allowedLatenessMillis));
    }

    /** True when {@code watermark} shows that no event the job still accepts can touch {@code state}. */
    public static boolean clearable(DedupState state, DedupPolicy policy, long allowedLatenessMillis, long watermark) {
        return watermark >= clearableAt(state, policy, allowedLatenessMillis);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
    }

    private static int saturatedIncrement(int n) {
        return n == Integer.MAX_VALUE ? n : n + 1;
    }
}
