package dev.tripline.correlate;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The per-key driver of a {@link CorrelationEngine}, free of Flink: for one (correlation, group) at a time it
 * decides lateness, steps or expires the plan on the group's {@link GroupState}, keeps the group's one timer at
 * the plan's next deadline plus the plan's lateness, and hands what fired, the chained signals for outer
 * correlations, late signals and counts to an {@link Output}. The Flink correlate functions implement the two
 * ports over keyed state, the timer service and side outputs; tests implement them with maps. It keeps no state
 * of its own beyond the engine and the lateness per plan.
 *
 * <p>Lateness: a watermark W says no event at or before W will come, so a signal at or before
 * {@code W - lateness} is late (its windows may be closed) and goes to {@link Output#late}. The lateness is the
 * allowed lateness, and for a chained plan also the time its inner correlations may take to report
 * ({@link CorrelationEngine#latenessMillis}); windows are decided that much after their end.
 */
public final class Correlator implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Port: where the driver's results go. */
    public interface Output {
        void fired(CorrelationPlan plan, Fired fired);

        /** A firing that feeds {@code outer} (chaining), as the outer plan's signal. */
        void chained(CorrelationPlan outer, Signal signal);

        /** A firing that could not feed {@code outer}: the inner group lacks one of the outer group-by fields. */
        void chainDropped(CorrelationPlan outer, Fired fired);

        void late(CorrelationPlan plan, Signal signal, long watermark);

        /** The group hit the per-rule slot limit and the oldest slots went; {@code first}: its first time. */
        void evicted(CorrelationPlan plan, List<String> group, int slots, boolean first);

        /** Signals folded into a slot that already stood for them. */
        void folded(CorrelationPlan plan, int signals);

        /** new_terms: terms first seen while the plan was still learning its history window, so not alerted. */
        default void learned(CorrelationPlan plan, int terms) {}
    }

    private CorrelationEngine engine;
    private final long allowedLatenessMillis;
    private Map<String, Long> lateness;

    public Correlator(CorrelationEngine engine, long allowedLatenessMillis) {
        if (allowedLatenessMillis < 0) {
            throw new IllegalArgumentException("allowed lateness must not be negative: " + allowedLatenessMillis);
        }
        this.allowedLatenessMillis = allowedLatenessMillis;
        swap(engine);
    }

    /** Runs {@code next} from now on (a live rule update); the caller clears the state of changed plans. */
    public void swap(CorrelationEngine next) {
        Map<String, Long> l = new HashMap<>();
        for (CorrelationPlan p : next.plans()) {
            l.put(p.id(), next.latenessMillis(p.id(), allowedLatenessMillis));
        }
        engine = next;
        lateness = l;
    }

    public CorrelationEngine engine() {
        return engine;
    }

    /** The plan with this id and fingerprint, or null when the running rules have no such plan. */
    public CorrelationPlan plan(String planId, String fingerprint) {
        CorrelationPlan p = engine.plan(planId);
        return p != null && p.fingerprint().equals(fingerprint) ? p : null;
    }

    /** Steps {@code plan} with {@code signal} on its group, unless the signal is late at {@code watermark}. */
    public void onSignal(CorrelationPlan plan, Signal signal, long watermark, GroupState g, Output out) {
        long planLateness = lateness.get(plan.id());
        if (isLate(signal.time(), watermark, planLateness)) {
            out.late(plan, signal, watermark);
            return;
        }
        finish(plan, plan.step(g, signal), signal.group(), g, planLateness, out);
    }

    /**
     * Steps {@code plan} with {@code signal} from an input that gives each group's signals in event-time order (a
     * BATCH job sorts by key and time): no signal before this one's time can still come, so that is the
     * watermark, and whatever fell due before it is expired first. State then stays as small as in a stream,
     * however many signals a group has over a whole archive.
     */
    public void onSignalInTimeOrder(CorrelationPlan plan, Signal signal, GroupState g, Output out) {
        long watermark = signal.time() - 1;
        long due = g.timer();
        if (due <= watermark) {
            onTimer(plan, due, watermark, g, out);
        }
        onSignal(plan, signal, watermark, g, out);
    }

    /**
     * The group's timer at {@code timestamp} fired with the watermark at {@code watermark}: closes what is due.
     * A timer other than the group's current one (replaced, its deletion raced with firing) does nothing.
     */
    public void onTimer(CorrelationPlan plan, long timestamp, long watermark, GroupState g, Output out) {
        if (g.timer() != timestamp) {
            return;
        }
        long planLateness = lateness.get(plan.id());
        long w = Math.max(timestamp, watermark);
        StepResult r = plan.expire(g, w == Long.MAX_VALUE ? w : w - planLateness);
        finish(plan, r, null, g, planLateness, out);
    }

    private void finish(
            CorrelationPlan plan, StepResult r, List<String> group, GroupState g, long planLateness, Output out) {
        if (r.folded() > 0) {
            out.folded(plan, r.folded());
        }
        if (r.learned() > 0) {
            out.learned(plan, r.learned());
        }
        if (r.evicted() > 0) {
            out.evicted(plan, group != null ? group : g.group(), r.evicted(), r.firstEviction());
        }
        if (r.nextTimer() != StepResult.KEEP_TIMER) {
            long next = r.nextTimer() > Long.MAX_VALUE - planLateness ? Long.MAX_VALUE : r.nextTimer() + planLateness;
            g.timer(next);
        }
        List<Fired> fired = r.fired();
        for (int i = 0; i < fired.size(); i++) { // indexed: most steps fire nothing, and need no iterator
            Fired f = fired.get(i);
            out.fired(plan, f);
            for (CorrelationPlan outer : engine.consumersOf(f.correlationId())) {
                Optional<Signal> s = outer.signal(f);
                if (s.isEmpty()) {
                    out.chainDropped(outer, f);
                } else {
                    out.chained(outer, s.get());
                }
            }
        }
    }

    /**
     * Flink's rule: an event at {@code time} is late when {@code time + lateness <= watermark}. No watermark yet
     * (or BATCH mode, where it stays at its minimum until the end): never late.
     */
    public static boolean isLate(long time, long watermark, long lateness) {
        if (watermark == Long.MIN_VALUE || watermark < Long.MIN_VALUE + lateness) {
            return false;
        }
        return time <= watermark - lateness;
    }
}
