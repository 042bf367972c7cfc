package dev.tripline.flink;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.program.RuleProgram;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CorrelateFunction} with live rule updates, run by {@link LiveCorrelateOperator}. Signals are the keyed
 * input; validated {@link RuleUpdate}s arrive on the broadcast input. On an update the state of every group whose
 * correlation changed or went away is cleared ({@link CorrelateFunction#dropStale}, counted per rule like a
 * rollout), then the engine is swapped: unchanged correlations keep their open partial matches.
 *
 * <p>The two inputs are not ordered relative to each other, so a signal made under a newer rule set can arrive
 * before this subtask's copy of that update. Such a signal (its plan id and fingerprint are unknown here, and not
 * of a set this subtask already replaced) is held in keyed state and retried every {@link #RETRY_MILLIS} of
 * processing time; once its rules are here it is correlated like any other signal (late or not by the usual
 * rule). If they have not come within {@link #PENDING_TIMEOUT_MILLIS}, or the input ends first, it goes to the
 * {@link CorrelateFunction#LATE} output with stage {@value #UNKNOWN_RULES_STAGE} and the
 * {@code signals_unknown_plan} counter. A signal of a set this subtask already replaced is counted in
 * {@code signals_superseded_rules}: its correlation's state was cleared with the update.
 */
public class LiveCorrelateFunction extends KeyedBroadcastProcessFunction<String, SignalRecord, RuleUpdate, FiredRecord>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LiveCorrelateFunction.class);

    static final long RETRY_MILLIS = 1_000;
    static final long PENDING_TIMEOUT_MILLIS = 10 * 60_000;
    /** Held signals per group beyond which further ones are given up at once (a flood under unknown rules). */
    static final int MAX_PENDING_PER_KEY = 10_000;
    /** The {@link LateRecord#stage} of a signal whose rules never reached this operator. */
    public static final String UNKNOWN_RULES_STAGE = "correlate-unknown-rules";

    private final CorrelateFunction core;
    private final LiveRules live;
    private final String name;

    private transient RuleUpdate restored;
    private transient String running;
    /** Plan id and fingerprint ({@code id@fp}) of correlations this subtask ran and replaced. */
    private transient Set<String> retired;

    private transient ListState<SignalRecord> pending;
    private transient ValueState<Long> pendingSince;
    private transient Counter applied;
    private transient Counter superseded;
    private transient Counter held;

    /** @param name names this stage in logs, e.g. {@code correlate stage 2} */
    public LiveCorrelateFunction(CorrelateFunction core, LiveRules live, String name) {
        this.core = core;
        this.live = live;
        this.name = name;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        restored = live.restore(context, LOG, name);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        // Broadcast and keyed state are snapshotted by Flink.
    }

    @Override
    public void open(Configuration parameters) throws Exception {
        core.setRuntimeContext(getRuntimeContext());
        core.open(parameters);
        pending = getRuntimeContext()
                .getListState(
                        new ListStateDescriptor<>("live-pending-signals", TypeInformation.of(SignalRecord.class)));
        pendingSince = getRuntimeContext().getState(new ValueStateDescriptor<>("live-pending-since", Types.LONG));
        applied = getRuntimeContext().getMetricGroup().counter("rule_updates_applied");
        superseded = getRuntimeContext().getMetricGroup().counter("signals_superseded_rules");
        held = getRuntimeContext().getMetricGroup().counter("signals_held_for_rule_update");
        retired = new HashSet<>();
        running = live.startDigest();
        if (restored != null) {
            RuleProgram o = live.compile(restored);
            if (o.ok()) {
                core.swap(o.engine());
                running = restored.digest();
            } else {
                LOG.error(
                        "{}: the restored live rule set {} does not compile here; running the start rules: {}",
                        name,
                        restored.version,
                        o.errors());
            }
            restored = null;
        }
    }

    /** Called by the operator after a restore, once the live set (if any) runs: the rollout sweep. */
    Map<String, Long> dropStaleState(KeyedStateBackend<String> backend) throws Exception {
        return core.dropStaleState(backend);
    }

    @Override
    public void processElement(SignalRecord record, ReadOnlyContext ctx, Collector<FiredRecord> out) throws Exception {
        if (core.knows(record.key)) {
            core.processElement(record, adapt(ctx.timestamp(), ctx.timerService(), ctx.getCurrentKey(), ctx), out);
            return;
        }
        if (retired.contains(planAndFingerprint(record.key))) {
            superseded.inc();
            return;
        }
        hold(record, ctx.timerService());
    }

    private void hold(SignalRecord record, TimerService timers) throws Exception {
        Long since = pendingSince.value();
        if (since == null) {
            long now = timers.currentProcessingTime();
            pendingSince.update(now);
            timers.registerProcessingTimeTimer(now + RETRY_MILLIS);
            // Fires when the input ends: what is still held then is given up rather than lost.
            timers.registerEventTimeTimer(Long.MAX_VALUE);
        } else if (count(pending.get()) >= MAX_PENDING_PER_KEY) {
            core.countUnknownPlan(1);
            return;
        }
        pending.add(record);
        held.inc();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FiredRecord> out) throws Exception {
        KeyedAdapter adapter = adapt(timestamp, ctx.timerService(), ctx.getCurrentKey(), ctx);
        if (pendingSince.value() != null) {
            boolean end = ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == Long.MAX_VALUE;
            release(ctx.getCurrentKey(), end, ctx.timerService(), adapter, out);
        }
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            core.onTimer(
                    timestamp,
                    core.new OnTimerContext() {
                        @Override
                        public TimeDomain timeDomain() {
                            return TimeDomain.EVENT_TIME;
                        }

                        @Override
                        public String getCurrentKey() {
                            return ctx.getCurrentKey();
                        }

                        @Override
                        public Long timestamp() {
                            return timestamp;
                        }

                        @Override
                        public TimerService timerService() {
                            return ctx.timerService();
                        }

                        @Override
                        public <X> void output(OutputTag<X> tag, X value) {
                            ctx.output(tag, value);
                        }
                    },
                    out);
        }
    }

    /** Correlates the held signals once their rules are here; gives them up at the deadline or the end. */
    private void release(String key, boolean end, TimerService timers, KeyedAdapter adapter, Collector<FiredRecord> out)
            throws Exception {
        List<SignalRecord> records = new ArrayList<>();
        pending.get().forEach(records::add);
        if (core.knows(key)) {
            clearPending();
            records.sort(Comparator.comparingLong(r -> r.time));
            for (SignalRecord r : records) {
                core.processElement(r, adapter, out);
            }
            return;
        }
        long since = pendingSince.value();
        boolean replaced = retired.contains(planAndFingerprint(key));
        if (end || replaced || timers.currentProcessingTime() - since >= PENDING_TIMEOUT_MILLIS) {
            clearPending();
            core.countUnknownPlan(records.size());
            LOG.warn(
                    "{}: {} signals of correlation '{}' (fingerprint {}) were made under rules this operator {}; "
                            + "sent to the late output",
                    name,
                    records.size(),
                    SignalRecord.planIdOf(key),
                    SignalRecord.fingerprintOf(key),
                    replaced
                            ? "has since replaced"
                            : end
                                    ? "had not received when the input ended"
                                    : "did not receive within " + PENDING_TIMEOUT_MILLIS / 1000 + " s");
            long watermark = timers.currentWatermark();
            for (SignalRecord r : records) {
                LateRecord l = LateRecord.ofSignal(r.planId, r.signal(), watermark);
                l.stage = UNKNOWN_RULES_STAGE;
                adapter.output(CorrelateFunction.LATE, l);
            }
            return;
        }
        timers.registerProcessingTimeTimer(timers.currentProcessingTime() + RETRY_MILLIS);
    }

    private void clearPending() {
        pending.clear();
        pendingSince.clear();
    }

    @Override
    public void processBroadcastElement(RuleUpdate update, Context ctx, Collector<FiredRecord> out) throws Exception {
        if (update.digest().equals(running)) {
            ctx.getBroadcastState(LiveRules.STATE).put(LiveRules.CURRENT, live.store(update));
            return;
        }
        RuleProgram o = live.compile(update);
        if (!o.ok()) {
            LOG.error(
                    "{}: update {} passed validation but does not compile here; the running rules stay: {}",
                    name,
                    update.version,
                    o.errors());
            return;
        }
        CorrelationEngine before = core.engine();
        CorrelationEngine after = o.engine();
        for (CorrelationPlan p : before.plans()) {
            CorrelationPlan now = after.plan(p.id());
            if (now == null || !now.fingerprint().equals(p.fingerprint())) {
                retired.add(p.id() + "@" + p.fingerprint());
            }
        }
        // A set that brings an old version back makes it current again.
        after.plans().forEach(p -> retired.remove(p.id() + "@" + p.fingerprint()));
        core.swap(after);
        core.dropStale(f -> ctx.applyToKeyedState(core.indexDescriptor(), f), "Live rule update " + update.version);
        ctx.getBroadcastState(LiveRules.STATE).put(LiveRules.CURRENT, live.store(update));
        running = update.digest();
        applied.inc();
        LOG.info(
                "{}: runs rule set {} ({} correlations)",
                name,
                update.version,
                after.plans().size());
    }

    private static String planAndFingerprint(String key) {
        return SignalRecord.planIdOf(key) + "@" + SignalRecord.fingerprintOf(key);
    }

    private static int count(Iterable<?> it) {
        int n = 0;
        for (Object ignored : it) {
            n++;
        }
        return n;
    }

    private KeyedAdapter adapt(Long timestamp, TimerService timers, String key, ReadOnlyContext ctx) {
        BiConsumer<OutputTag<Object>, Object> sides = (tag, v) -> ctx.output(tag, v);
        return new KeyedAdapter(timestamp, timers, key, sides);
    }

    private KeyedAdapter adapt(Long timestamp, TimerService timers, String key, OnTimerContext ctx) {
        BiConsumer<OutputTag<Object>, Object> sides = (tag, v) -> ctx.output(tag, v);
        return new KeyedAdapter(timestamp, timers, key, sides);
    }

    /** The core's context, backed by this function's: same key, timers and side outputs. */
    private final class KeyedAdapter
            extends org.apache.flink.streaming.api.functions.KeyedProcessFunction<String, SignalRecord, FiredRecord>
                    .Context {
        private final Long timestamp;
        private final TimerService timers;
        private final String key;
        private final BiConsumer<OutputTag<Object>, Object> sides;

        KeyedAdapter(Long timestamp, TimerService timers, String key, BiConsumer<OutputTag<Object>, Object> sides) {
            core.super();
            this.timestamp = timestamp;
            this.timers = timers;
            this.key = key;
            this.sides = sides;
        }

        @Override
        public Long timestamp() {
            return timestamp;
        }

        @Override
        public TimerService timerService() {
            return timers;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <X> void output(OutputTag<X> tag, X value) {
            sides.accept((OutputTag<Object>) (OutputTag<?>) tag, value);
        }

        @Override
        public String getCurrentKey() {
            return key;
        }
    }
}
