package dev.tripline.correlate;

import dev.tripline.event.Event;
import dev.tripline.rule.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A single-threaded driver of a {@link CorrelationEngine}: per (correlation, group) state in memory, a timer
 * queue in event time, and chaining. It does what the Flink KeyedProcessFunction does, for the CLI's batch
 * paths and for tests; the Flink layer keeps the same per-key state as bytes in MapState and registers
 * {@link StepResult#nextTimer()} as an event-time timer.
 */
public final class LocalCorrelator {
    private static final int MAX_CHAIN_DEPTH = 64;

    /** State key: correlation id and group values. */
    private record Key(String correlation, List<String> group) {
    }

    private final CorrelationEngine engine;
    private final Map<Key, CorrelationState> states = new HashMap<>();
    private final TreeMap<Long, List<Key>> timers = new TreeMap<>();
    private final Map<Key, Long> timerOf = new HashMap<>();
    private long watermark = Long.MIN_VALUE;
    private long dropped;
    private long evicted;

    public LocalCorrelator(CorrelationEngine engine) {
        this.engine = engine;
    }

    /** Feeds one rule match; returns the correlations it fired (alerting and signal-only ones). */
    public List<Fired> onMatch(Rule rule, Event event) {
        List<Fired> out = new ArrayList<>();
        for (CorrelationPlan plan : engine.consumersOf(rule.id())) {
            Optional<Signal> s = plan.signal(rule, event);
            if (s.isEmpty()) {
                dropped++;
                continue;
            }
            step(plan, s.get(), out, 0);
        }
        return out;
    }

    /** Advances event time: closes windows ending at or before {@code newWatermark}. */
    public List<Fired> advanceWatermark(long newWatermark) {
        List<Fired> out = new ArrayList<>();
        watermark = Math.max(watermark, newWatermark);
        while (!timers.isEmpty() && timers.firstKey() <= watermark) {
            Map.Entry<Long, List<Key>> due = timers.pollFirstEntry();
            for (Key k : due.getValue()) {
                if (!due.getKey().equals(timerOf.get(k))) {
                    continue;
                }
                timerOf.remove(k);
                CorrelationPlan plan = engine.plan(k.correlation());
                StepResult r = plan.expire(states.get(k), watermark);
                store(k, r);
                chain(r.fired(), out, 0);
            }
        }
        return out;
    }

    private void step(CorrelationPlan plan, Signal s, List<Fired> out, int depth) {
        Key k = new Key(plan.id(), s.group());
        StepResult r = plan.step(states.get(k), s);
        evicted += r.evicted();
        store(k, r);
        chain(r.fired(), out, depth);
    }

    private void chain(List<Fired> fired, List<Fired> out, int depth) {
        for (Fired f : fired) {
            out.add(f);
            if (depth >= MAX_CHAIN_DEPTH) {
                continue;
            }
            for (CorrelationPlan outer : engine.consumersOf(f.correlationId())) {
                Optional<Signal> s = outer.signal(f);
                if (s.isEmpty()) {
                    dropped++;
                } else {
                    step(outer, s.get(), out, depth + 1);
                }
            }
        }
    }

    private void store(Key k, StepResult r) {
        if (r.state() == null) {
            states.remove(k);
            timerOf.remove(k);
            return;
        }
        states.put(k, r.state());
        Long old = timerOf.get(k);
        if (old == null || old != r.nextTimer()) {
            timerOf.put(k, r.nextTimer());
            timers.computeIfAbsent(r.nextTimer(), t -> new ArrayList<>()).add(k);
        }
    }

    /** Number of (correlation, group) states open. */
    public int openStates() {
        return states.size();
    }

    /** Total bytes of all open states in their encoded form. */
    public long stateBytes() {
        return states.values().stream().mapToLong(s -> s.toBytes().length).sum();
    }

    /** Signals dropped because a group-by or value field was missing (counted, not correlated). */
    public long dropped() {
        return dropped;
    }

    /** Signals evicted by the per-rule limit of a group. */
    public long evicted() {
        return evicted;
    }

    /** Pending timers (stale entries of rescheduled keys excluded). */
    public int pendingTimers() {
        return timerOf.size();
    }
}
