package dev.tripline.flink;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.CorrelationState;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.Signal;
import dev.tripline.correlate.StepResult;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
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
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The correlation engine on Flink: keyed by {@link SignalRecord#key} (one correlation plan, one group), it keeps
 * that group's {@link CorrelationState} as bytes, steps it with each signal (so an ordered sequence fires as soon
 * as the signals seen prove it, whatever the watermark) and closes windows from an event-time timer at the
 * plan's {@code nextTimer}. The state and the timer go as soon as the plan reports nothing open; a
 * processing-time TTL is only a backstop against a bug or a lost timer.
 *
 * <p>A firing that feeds an outer correlation (chaining) is re-emitted as that plan's signal on
 * {@link #CHAINED_SIGNALS}, to be keyed again and fed to the stage that holds the outer plan
 * ({@link CorrelationEngine#stageOf}): the outer plan's key differs from this one, so it cannot be stepped here.
 *
 * <p>Late data: a signal at or before {@code watermark - lateness} goes to {@link #LATE} and the
 * {@code late_records} metric instead of the state, because the windows it belongs to may already be closed. The
 * lateness is the job's allowed lateness, and for a chained plan also the time its inner correlations may take to
 * report ({@link CorrelationEngine#latenessMillis}); windows are closed that much after their end, so a signal
 * within the lateness still finds its partners.
 */
public class CorrelateFunction extends KeyedProcessFunction<String, SignalRecord, FiredRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CorrelateFunction.class);

    /** Stable operator uid: state in savepoints is found by it; never change it. */
    public static final String UID = "tripline-correlate";
    public static final OutputTag<SignalRecord> CHAINED_SIGNALS = new OutputTag<>("chained-signals") {
    };
    public static final OutputTag<LateRecord> LATE = new OutputTag<>("late-signals") {
    };
    /** Name of the keyed state holding a group's {@link CorrelationState} bytes (savepoint readers use it). */
    public static final String STATE_NAME = "correlation-state";
    /** Default backstop TTL: far beyond any sane correlation timespan plus out-of-orderness. */
    public static final Duration DEFAULT_STATE_TTL = Duration.ofDays(7);

    /** Not final: a live rule update swaps it ({@link LiveCorrelateFunction}). */
    private CorrelationEngine engine;
    private final Duration stateTtl;
    private final long allowedLatenessMillis;
    /** Plan id to its lateness (the allowed lateness, more for chained plans). */
    private transient Map<String, Long> lateness;

    private transient ValueState<byte[]> state;
    /** The event-time timer registered for this key, so that a rescheduled timer replaces the old one. */
    private transient ValueState<Long> timer;
    private transient Counter fired;
    private transient Counter evicted;
    private transient Counter chainDropped;
    private transient Counter unknownPlan;
    private transient Counter late;
    private transient Map<String, Counter> droppedByRule;
    private transient ValueStateDescriptor<byte[]> stateDescriptor;

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
        this.engine = engine;
        this.stateTtl = stateTtl;
        this.allowedLatenessMillis = allowedLateness.toMillis();
    }

    @Override
    public void open(Configuration parameters) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build();
        ValueStateDescriptor<byte[]> stateDesc = stateDescriptor(ttl);
        state = getRuntimeContext().getState(stateDesc);
        stateDescriptor = stateDesc;
        droppedByRule = new HashMap<>();
        ValueStateDescriptor<Long> timerDesc = new ValueStateDescriptor<>("correlation-timer", Types.LONG);
        timerDesc.enableTimeToLive(ttl);
        timer = getRuntimeContext().getState(timerDesc);
        MetricGroup m = getRuntimeContext().getMetricGroup();
        fired = m.counter("correlations_fired");
        evicted = m.counter("signals_evicted");
        chainDropped = m.counter("chained_signals_dropped_missing_group");
        unknownPlan = m.counter("signals_unknown_plan");
        late = m.counter("late_records");
        lateness = latenessOf(engine);
    }

    private Map<String, Long> latenessOf(CorrelationEngine e) {
        Map<String, Long> l = new HashMap<>();
        for (CorrelationPlan p : e.plans()) {
            l.put(p.id(), e.latenessMillis(p.id(), allowedLatenessMillis));
        }
        return l;
    }

    /**
     * Runs {@code newEngine} from now on (a live rule update). The caller clears the state its correlations
     * changed or removed ({@link #dropStale}); the rest keeps its open partial matches.
     */
    void swap(CorrelationEngine newEngine) {
        engine = newEngine;
        lateness = latenessOf(newEngine);
    }

    CorrelationEngine engine() {
        return engine;
    }

    /** True when this operator's rules have the plan, with that fingerprint, that {@code key} belongs to. */
    boolean knows(String key) {
        return planOf(key) != null;
    }

    /** Counts signals that no rules this operator ran or will run can take. */
    void countUnknownPlan(long n) {
        unknownPlan.inc(n);
    }

    ValueStateDescriptor<byte[]> stateDescriptor() {
        return stateDescriptor;
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
        Signal signal = record.signal();
        long planLateness = lateness.get(plan.id());
        long watermark = ctx.timerService().currentWatermark();
        if (LateRecord.isLate(signal.time(), watermark, planLateness)) {
            late.inc();
            ctx.output(LATE, LateRecord.ofSignal(plan.id(), signal, watermark));
            return;
        }
        StepResult r = plan.step(load(), signal);
        evicted.inc(r.evicted());
        store(r, ctx.timerService(), planLateness);
        emit(r, ctx, out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FiredRecord> out) throws Exception {
        Long due = timer.value();
        if (due == null || due != timestamp) {
            return; // a timer replaced by a later one whose deletion raced with firing; nothing is due
        }
        timer.clear();
        CorrelationPlan plan = planOf(ctx.getCurrentKey());
        if (plan == null) {
            // State of a correlation that changed or went away; the restore sweep normally clears it first.
            droppedFor(SignalRecord.planIdOf(ctx.getCurrentKey())).inc();
            state.clear();
            return;
        }
        long planLateness = lateness.get(plan.id());
        long watermark = Math.max(timestamp, ctx.timerService().currentWatermark());
        StepResult r = plan.expire(load(), watermark == Long.MAX_VALUE ? watermark : watermark - planLateness);
        store(r, ctx.timerService(), planLateness);
        emit(r, ctx, out);
    }

    private CorrelationState load() throws java.io.IOException {
        byte[] bytes = state.value();
        return bytes == null ? null : CorrelationState.fromBytes(bytes);
    }

    /** Keeps the state and moves the timer to the next window end plus the plan's lateness. */
    private void store(StepResult r, org.apache.flink.streaming.api.TimerService timers, long planLateness)
            throws java.io.IOException {
        Long old = timer.value();
        if (r.state() == null || r.state().isEmpty()) {
            state.clear();
            if (old != null) {
                timers.deleteEventTimeTimer(old);
                timer.clear();
            }
            return;
        }
        state.update(r.state().toBytes());
        long next = r.nextTimer() > Long.MAX_VALUE - planLateness ? Long.MAX_VALUE : r.nextTimer() + planLateness;
        if (old != null && old == next) {
            return;
        }
        if (old != null) {
            timers.deleteEventTimeTimer(old);
        }
        if (next == Long.MAX_VALUE) {
            timer.clear();
        } else {
            timers.registerEventTimeTimer(next);
            timer.update(next);
        }
    }

    private void emit(StepResult r, Context ctx, Collector<FiredRecord> out) {
        String key = ctx.getCurrentKey();
        for (Fired f : r.fired()) {
            fired.inc();
            CorrelationPlan plan = engine.plan(f.correlationId());
            out.collect(plan == null ? FiredRecord.of(key, f) : FiredRecord.of(key, f, plan.rule()));
            for (CorrelationPlan outer : engine.consumersOf(f.correlationId())) {
                Optional<Signal> s = outer.signal(f);
                if (s.isEmpty()) {
                    chainDropped.inc();
                } else {
                    ctx.output(CHAINED_SIGNALS, SignalRecord.of(outer, s.get(), engine.stageOf(outer.id())));
                }
            }
        }
    }

    /**
     * The descriptor of the correlation state, with the TTL it is written with; a savepoint reader must declare
     * TTL too (values are stored with their timestamps), though its duration and visibility may differ.
     */
    public static ValueStateDescriptor<byte[]> stateDescriptor(StateTtlConfig ttl) {
        ValueStateDescriptor<byte[]> d = new ValueStateDescriptor<>(STATE_NAME,
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        d.enableTimeToLive(ttl);
        return d;
    }

    /** The plan a state key belongs to, or null when this rule set has no plan with that id and fingerprint. */
    private CorrelationPlan planOf(String key) {
        CorrelationPlan plan = engine.plan(SignalRecord.planIdOf(key));
        return plan != null && plan.fingerprint().equals(SignalRecord.fingerprintOf(key)) ? plan : null;
    }

    /**
     * Clears the state of every key whose correlation this rule set changed or removed, counting and logging it
     * per correlation; called by {@link CorrelateOperator} when the operator starts from a savepoint or checkpoint.
     * Timers of cleared keys stay registered and find nothing when they fire.
     *
     * @return correlation id to the number of groups whose open partial matches were dropped
     */
    Map<String, Long> dropStaleState(KeyedStateBackend<String> backend) throws Exception {
        return dropStale(f -> backend.applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                stateDescriptor, f), "Rule rollout");
    }

    /** Visits every key that has correlation state, with that key current; the state backend's or a broadcast's. */
    interface KeyWalk {
        void forEachKey(KeyedStateFunction<String, ValueState<byte[]>> f) throws Exception;
    }

    /**
     * Clears the state of every key {@code walk} visits whose correlation the current rules changed or removed,
     * counting ({@code rollout_state_dropped{rule=…}}) and logging per correlation; shared by the restore sweep
     * and live rule updates. {@code why} starts the log line.
     */
    Map<String, Long> dropStale(KeyWalk walk, String why) throws Exception {
        Map<String, Long> dropped = new java.util.TreeMap<>();
        walk.forEachKey((key, value) -> {
            if (planOf(key) == null && value.value() != null) {
                String id = SignalRecord.planIdOf(key);
                dropped.merge(id, 1L, Long::sum);
                droppedFor(id).inc();
                value.clear();
                timer.clear();
            }
        });
        dropped.forEach((id, n) -> {
            CorrelationPlan now = engine.plan(id);
            LOG.warn("{}: correlation '{}' {}; dropped the open partial matches of {} groups", why, id,
                    now == null ? "is no longer in the rule set" : "changed (now fingerprint " + now.fingerprint() + ")",
                    n);
        });
        return dropped;
    }

    /** The per-correlation counter of groups dropped by rollouts: metric {@code rollout_state_dropped{rule=…}}. */
    private Counter droppedFor(String correlationId) {
        return droppedByRule.computeIfAbsent(correlationId, id -> getRuntimeContext().getMetricGroup()
                .addGroup("rule", id).counter("rollout_state_dropped"));
    }
}
