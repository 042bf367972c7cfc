package dev.tripline.correlate;

import dev.tripline.event.Event;
import dev.tripline.rule.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@link Correlator} with map-backed ports, single-threaded: per (correlation, group) a {@link MapGroupState},
 * a timer queue in event time, and chaining fed straight back in. What the Flink correlate stages do, for tests
 * and benchmarks that drive rules and events without a Flink job.
 */
public final class MapCorrelator {
    private static final int MAX_CHAIN_DEPTH = 64;

    /** State key: correlation id and group values. */
    private record Key(String correlation, List<String> group) {}

    private final Correlator correlator;
    private final Map<Key, MapGroupState> groups = new HashMap<>();
    private final TreeMap<Long, List<Key>> timers = new TreeMap<>();
    /** The timer each group has queued, so a group whose timer did not move is not queued again. */
    private final Map<Key, Long> registered = new HashMap<>();

    private long watermark = Long.MIN_VALUE;
    private long dropped;
    private long combinationsCut;
    private long evicted;
    private long folded;
    private long learned;
    private long late;

    public MapCorrelator(CorrelationEngine engine) {
        this(engine, 0);
    }

    public MapCorrelator(CorrelationEngine engine, long allowedLatenessMillis) {
        this.correlator = new Correlator(engine, allowedLatenessMillis);
    }

    /** Feeds one rule match; returns the correlations it fired (alerting and signal-only ones). */
    public List<Fired> onMatch(Rule rule, Event event) {
        List<Fired> out = new ArrayList<>();
        for (CorrelationPlan plan : correlator.engine().consumersOf(rule.id())) {
            CorrelationPlan.Signals s = plan.signals(rule, event);
            if (s.isEmpty()) {
                dropped++;
            }
            combinationsCut += s.combinationsCut();
            for (Signal one : s.signals()) {
                onSignal(plan, one, out);
            }
        }
        return out;
    }

    /** Feeds one signal of {@code plan}; returns the correlations it fired, chained ones included. */
    public List<Fired> onSignal(CorrelationPlan plan, Signal s) {
        List<Fired> out = new ArrayList<>();
        onSignal(plan, s, out);
        return out;
    }

    private void onSignal(CorrelationPlan plan, Signal s, List<Fired> out) {
        step(plan, s, out, 0);
    }

    private void step(CorrelationPlan plan, Signal s, List<Fired> out, int depth) {
        Key k = new Key(plan.id(), s.group());
        MapGroupState g = groups.computeIfAbsent(k, x -> new MapGroupState(x.group()));
        correlator.onSignal(plan, s, watermark, g, new Out(out, depth));
        track(k, g);
    }

    /** Advances event time to {@code newWatermark} and fires the timers due. */
    public List<Fired> advanceWatermark(long newWatermark) {
        List<Fired> out = new ArrayList<>();
        watermark = Math.max(watermark, newWatermark);
        while (!timers.isEmpty() && timers.firstKey() <= watermark) {
            Map.Entry<Long, List<Key>> due = timers.pollFirstEntry();
            for (Key k : due.getValue()) {
                MapGroupState g = groups.get(k);
                if (g != null && g.timer() == due.getKey()) {
                    registered.remove(k);
                    correlator.onTimer(
                            correlator.engine().plan(k.correlation()), due.getKey(), watermark, g, new Out(out, 0));
                    track(k, g);
                }
            }
        }
        return out;
    }

    /** Drops a group that holds nothing; queues its timer when it moved. */
    private void track(Key k, MapGroupState g) {
        if (g.isEmpty()) {
            groups.remove(k);
            registered.remove(k);
            return;
        }
        long t = g.timer();
        Long before = registered.get(k);
        if (t != Long.MAX_VALUE && (before == null || before != t)) {
            registered.put(k, t);
            timers.computeIfAbsent(t, x -> new ArrayList<>()).add(k);
        }
    }

    /** The state of one group, or null when it holds nothing. */
    public MapGroupState group(String correlation, List<String> group) {
        return groups.get(new Key(correlation, group));
    }

    /** Number of (correlation, group) states open. */
    public int openStates() {
        return groups.size();
    }

    /** Bytes all open groups store ({@link MapGroupState#storedBytes}). */
    public long stateBytes() {
        return groups.values().stream().mapToLong(MapGroupState::storedBytes).sum();
    }

    /** Slots held over all groups. */
    public long slots() {
        return groups.values().stream().mapToLong(MapGroupState::slotEntries).sum();
    }

    /** new_terms: term combinations of an event beyond {@link CorrelationPlan#MAX_TERM_COMBINATIONS}, not signalled. */
    public long combinationsCut() {
        return combinationsCut;
    }

    /** Signals dropped because a group-by or value field was missing (counted, not correlated). */
    public long dropped() {
        return dropped;
    }

    /** Slots evicted by the per-rule limit of a group. */
    public long evicted() {
        return evicted;
    }

    /** Signals folded into an existing slot. */
    public long folded() {
        return folded;
    }

    /** new_terms: terms first seen while a plan was still learning its history window. */
    public long learned() {
        return learned;
    }

    /** Signals that arrived at or behind the watermark (minus lateness). */
    public long late() {
        return late;
    }

    /** Groups with a timer registered. */
    public int pendingTimers() {
        return (int) groups.values().stream()
                .filter(g -> g.timer() != Long.MAX_VALUE)
                .count();
    }

    /** The output port of one call: results into {@code out}, chained signals stepped at once. */
    private final class Out implements Correlator.Output {
        private final List<Fired> out;
        private final int depth;

        Out(List<Fired> out, int depth) {
            this.out = out;
            this.depth = depth;
        }

        @Override
        public void fired(CorrelationPlan plan, Fired f) {
            out.add(f);
        }

        @Override
        public void chained(CorrelationPlan outer, Signal s) {
            if (depth < MAX_CHAIN_DEPTH) {
                step(outer, s, out, depth + 1);
            }
        }

        @Override
        public void chainDropped(CorrelationPlan outer, Fired f) {
            dropped++;
        }

        @Override
        public void late(CorrelationPlan plan, Signal s, long w) {
            late++;
        }

        @Override
        public void evicted(CorrelationPlan plan, List<String> g, int n, boolean first) {
            evicted += n;
        }

        @Override
        public void folded(CorrelationPlan plan, int n) {
            folded += n;
        }

        @Override
        public void learned(CorrelationPlan plan, int terms) {
            learned += terms;
        }
    }
}
