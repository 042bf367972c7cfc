package dev.tripline.flink;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.CorrelationState;
import dev.tripline.correlate.Correlator;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.GroupState;
import dev.tripline.correlate.Signal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.KeyedStateFunction;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The correlation engine on Flink: keyed by {@link SignalRecord#key} (one correlation plan, one group), it runs the
 * {@link Correlator} with its ports over keyed state, the timer service and outputs. Per key it keeps
 * <ul>
 *   <li>{@value #INDEX_STATE}: the group's slot index ({@link CorrelationState}, a few bytes per slot, no
 *       evidence), rewritten when slots come or go;</li>
 *   <li>{@value #SLOTS_STATE}: MapState from slot key to the slot's packed evidence, written once per slot
 *       (and while an aggregate slot still collects evidence), read only when a match uses the slot;</li>
 *   <li>{@code correlation-timer}: the one event-time timer registered for the group.</li>
 * </ul>
 * All three are cleared as soon as the plan reports nothing open; a processing-time TTL is only a backstop
 * against a bug or a lost timer. A signal that only repeats a slot (same rule and instant) reads one map entry
 * and writes nothing.
 *
 * <p>A firing that feeds an outer correlation (chaining) is re-emitted as that plan's signal on
 * {@link #CHAINED_SIGNALS}, to be keyed again and fed to the stage that holds the outer plan
 * ({@link CorrelationEngine#stageOf}): the outer plan's key differs from this one, so it cannot be stepped here.
 * A late signal (see {@link Correlator}) goes to {@link #LATE} and the {@code late_records} metric.
 */
public class CorrelateFunction extends KeyedProcessFunction<String, SignalRecord, FiredRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CorrelateFunction.class);

    /** Stable operator uid: state in savepoints is found by it; never change it. */
    public static final String UID = "tripline-correlate";

    public static final OutputTag<SignalRecord> CHAINED_SIGNALS = new OutputTag<>("chained-signals") {};
    public static final OutputTag<LateRecord> LATE = new OutputTag<>("late-signals") {};
    /** Keyed state of a group's slot index (savepoint readers use it). */
    public static final String INDEX_STATE = "correlation-index";
    /** Keyed map state of a group's slot evidence. */
    public static final String SLOTS_STATE = "correlation-slots";
    /** Default backstop TTL: far beyond any sane correlation timespan plus out-of-orderness. */
    public static final Duration DEFAULT_STATE_TTL = Duration.ofDays(7);

    private final Correlator correlator;
    private final Duration stateTtl;

    private transient ValueState<CorrelationState> index;
    private transient MapState<String, byte[]> slots;
    /** The event-time timer registered for this key, so that a rescheduled timer replaces the old one. */
    private transient ValueState<Long> timer;

    private transient ValueStateDescriptor<CorrelationState> indexDescriptor;
    private transient Counter fired;
    private transient Counter evicted;
    private transient Counter folded;
    private transient Counter chainDropped;
    private transient Counter unknownPlan;
    private transient Counter late;
    private transient Map<String, Counter> droppedByRule;
    private transient Map<String, Counter> evictedByRule;
    private transient Ports ports;

    public CorrelateFunction(CorrelationEngine engine) {
        this(engine, DEFAULT_STATE_TTL, Duration.ZERO);
    }

    /**
     * @param stateTtl        processing-time backstop for state a bug left behind
     * @param allowedLateness how far behind the watermark a signal may arrive and still be correlated
     */
    public CorrelateFunction(CorrelationEngine engine, Duration stateTtl, Duration allowedLateness) {
        if (stateTtl.isNegative() || stateTtl.isZero()) {
            throw new IllegalArgumentException("state TTL must be positive: " + stateTtl);
        }
        if (allowedLateness.isNegative()) {
            throw new IllegalArgumentException("allowed lateness must not be negative: " + allowedLateness);
        }
        this.correlator = new Correlator(engine, allowedLateness.toMillis());
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(Configuration parameters) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build();
        indexDescriptor = indexDescriptor(ttl);
        index = getRuntimeContext().getState(indexDescriptor);
        slots = getRuntimeContext().getMapState(slotsDescriptor(ttl));
        ValueStateDescriptor<Long> timerDesc = new ValueStateDescriptor<>("correlation-timer", Types.LONG);
        timerDesc.enableTimeToLive(ttl);
        timer = getRuntimeContext().getState(timerDesc);
        MetricGroup m = getRuntimeContext().getMetricGroup();
        fired = m.counter("correlations_fired");
        evicted = m.counter("signals_evicted");
        folded = m.counter("signals_folded");
        chainDropped = m.counter("chained_signals_dropped_missing_group");
        unknownPlan = m.counter("signals_unknown_plan");
        late = m.counter("late_records");
        droppedByRule = new HashMap<>();
        evictedByRule = new HashMap<>();
        ports = new Ports();
    }

    /**
     * Runs {@code newEngine} from now on (a live rule update). The caller clears the state its correlations
     * changed or removed ({@link #dropStale}); the rest keeps its open partial matches.
     */
    void swap(CorrelationEngine newEngine) {
        correlator.swap(newEngine);
    }

    CorrelationEngine engine() {
        return correlator.engine();
    }

    /** True when this operator's rules have the plan, with that fingerprint, that {@code key} belongs to. */
    boolean knows(String key) {
        return planOf(key) != null;
    }

    /** Counts signals that no rules this operator ran or will run can take. */
    void countUnknownPlan(long n) {
        unknownPlan.inc(n);
    }

    ValueStateDescriptor<CorrelationState> indexDescriptor() {
        return indexDescriptor;
    }

    @Override
    public void processElement(SignalRecord record, Context ctx, Collector<FiredRecord> out) throws Exception {
        CorrelationPlan plan = planOf(record.key);
        if (plan == null) {
            // A signal built under a rule version this operator does not run: only while a rule update is reaching
            // the operators, or when records made before a restore are replayed with a different rule set.
            unknownPlan.inc();
            return;
        }
        correlator.onSignal(
                plan,
                record.signal(),
                ctx.timerService().currentWatermark(),
                ports.at(record.key, ctx.timerService(), ctx, out),
                ports);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FiredRecord> out) throws Exception {
        String key = ctx.getCurrentKey();
        CorrelationPlan plan = planOf(key);
        if (plan == null) {
            // State of a correlation that changed or went away; the restore sweep normally clears it first.
            if (index.value() != null) {
                droppedFor(SignalRecord.planIdOf(key)).inc();
            }
            clearGroup();
            return;
        }
        correlator.onTimer(
                plan,
                timestamp,
                ctx.timerService().currentWatermark(),
                ports.at(key, ctx.timerService(), ctx, out),
                ports);
    }

    private void clearGroup() throws Exception {
        index.clear();
        slots.clear();
        timer.clear();
    }

    /** The group state and output ports over this function's keyed state, for the key being processed. */
    private final class Ports implements GroupState, Correlator.Output {
        private String key;
        private TimerService timers;
        private Context ctx;
        private Collector<FiredRecord> out;

        Ports at(String key, TimerService timers, Context ctx, Collector<FiredRecord> out) {
            this.key = key;
            this.timers = timers;
            this.ctx = ctx;
            this.out = out;
            return this;
        }

        @Override
        public List<String> group() {
            return SignalRecord.groupOf(key);
        }

        @Override
        public CorrelationState index() {
            try {
                return index.value();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void index(CorrelationState s) {
            try {
                if (s == null) {
                    index.clear();
                } else {
                    index.update(s);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public boolean hasSlot(String slotKey) {
            try {
                return slots.contains(slotKey);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public byte[] evidence(String slotKey) {
            try {
                return slots.get(slotKey);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void evidence(String slotKey, byte[] packed) {
            try {
                slots.put(slotKey, packed);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void removeSlot(String slotKey) {
            try {
                slots.remove(slotKey);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public long timer() {
            try {
                Long t = timer.value();
                return t == null ? Long.MAX_VALUE : t;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void timer(long next) {
            long old = timer();
            if (old == next) {
                return;
            }
            if (old != Long.MAX_VALUE) {
                timers.deleteEventTimeTimer(old);
            }
            try {
                if (next == Long.MAX_VALUE) {
                    timer.clear();
                } else {
                    timers.registerEventTimeTimer(next);
                    timer.update(next);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void fired(CorrelationPlan plan, Fired f) {
            fired.inc();
            out.collect(FiredRecord.of(key, f, plan.rule()));
        }

        @Override
        public void chained(CorrelationPlan outer, Signal s) {
            ctx.output(CHAINED_SIGNALS, SignalRecord.of(outer, s, engine().stageOf(outer.id())));
        }

        @Override
        public void chainDropped(CorrelationPlan outer, Fired f) {
            chainDropped.inc();
        }

        @Override
        public void late(CorrelationPlan plan, Signal s, long watermark) {
            late.inc();
            ctx.output(LATE, LateRecord.ofSignal(plan.id(), s, watermark));
        }

        @Override
        public void evicted(CorrelationPlan plan, List<String> group, int n, boolean first) {
            evicted.inc(n);
            evictedByRule
                    .computeIfAbsent(
                            plan.id(),
                            id -> getRuntimeContext()
                                    .getMetricGroup()
                                    .addGroup("rule", id)
                                    .counter("correlation_limit_evicted"))
                    .inc(n);
            if (first) {
                LOG.warn(
                        "correlation '{}': group {} holds more than {} slots of one rule; the oldest are evicted "
                                + "(counted in correlation_limit_evicted, logged once per group)",
                        plan.id(),
                        group,
                        plan.options().maxSignalsPerRule());
            }
        }

        @Override
        public void folded(CorrelationPlan plan, int n) {
            folded.inc(n);
        }
    }

    /**
     * The descriptors of the correlation state, with the TTL they are written with; a savepoint reader must declare
     * TTL too (values are stored with their timestamps), though its duration and visibility may differ.
     */
    public static ValueStateDescriptor<CorrelationState> indexDescriptor(StateTtlConfig ttl) {
        ValueStateDescriptor<CorrelationState> d =
                new ValueStateDescriptor<>(INDEX_STATE, CorrelationStateSerializer.INSTANCE);
        d.enableTimeToLive(ttl);
        return d;
    }

    public static MapStateDescriptor<String, byte[]> slotsDescriptor(StateTtlConfig ttl) {
        MapStateDescriptor<String, byte[]> d = new MapStateDescriptor<>(
                SLOTS_STATE, Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        d.enableTimeToLive(ttl);
        return d;
    }

    /** The plan a state key belongs to, or null when this rule set has no plan with that id and fingerprint. */
    private CorrelationPlan planOf(String key) {
        return correlator.plan(SignalRecord.planIdOf(key), SignalRecord.fingerprintOf(key));
    }

    /**
     * Clears the state of every key whose correlation this rule set changed or removed, counting and logging it
     * per correlation; called by {@link CorrelateOperator} when the operator starts from a savepoint or checkpoint.
     * Timers of cleared keys stay registered and find nothing when they fire.
     *
     * @return correlation id to the number of groups whose open partial matches were dropped
     */
    Map<String, Long> dropStaleState(KeyedStateBackend<String> backend) throws Exception {
        return dropStale(
                f -> backend.applyToAllKeys(
                        VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, indexDescriptor, f),
                "Rule rollout");
    }

    /** Visits every key that has a slot index, with that key current; the state backend's or a broadcast's. */
    interface KeyWalk {
        void forEachKey(KeyedStateFunction<String, ValueState<CorrelationState>> f) throws Exception;
    }

    /**
     * Clears the state of every key {@code walk} visits whose correlation the current rules changed or removed
     * (index, slots and timer), counting ({@code rollout_state_dropped{rule=…}}) and logging per correlation;
     * shared by the restore sweep and live rule updates. {@code why} starts the log line.
     */
    Map<String, Long> dropStale(KeyWalk walk, String why) throws Exception {
        Map<String, Long> dropped = new java.util.TreeMap<>();
        walk.forEachKey((key, value) -> {
            if (planOf(key) == null && value.value() != null) {
                String id = SignalRecord.planIdOf(key);
                dropped.merge(id, 1L, Long::sum);
                droppedFor(id).inc();
                value.clear();
                slots.clear();
                timer.clear();
            }
        });
        dropped.forEach((id, n) -> {
            CorrelationPlan now = engine().plan(id);
            LOG.warn(
                    "{}: correlation '{}' {}; dropped the open partial matches of {} groups",
                    why,
                    id,
                    now == null
                            ? "is no longer in the rule set"
                            : "changed (now fingerprint " + now.fingerprint() + ")",
                    n);
        });
        return dropped;
    }

    /** The per-correlation counter of groups dropped by rollouts: metric {@code rollout_state_dropped{rule=…}}. */
    private Counter droppedFor(String correlationId) {
        return droppedByRule.computeIfAbsent(
                correlationId,
                id -> getRuntimeContext().getMetricGroup().addGroup("rule", id).counter("rollout_state_dropped"));
    }
}
