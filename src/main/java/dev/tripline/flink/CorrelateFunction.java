package dev.tripline.flink;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.CorrelationState;
import dev.tripline.correlate.Correlator;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.GroupState;
import dev.tripline.correlate.Signal;
import dev.tripline.program.RuleProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.KeyedStateFunction;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The correlation engine on Flink, one keyed broadcast function for every job: signals keyed by {@link GroupKey}
 * (one correlation plan, one group) are the data input, validated {@link RuleUpdate}s the broadcast input. It runs
 * the {@link Correlator} with its ports over keyed state, the timer service and outputs. The rules it starts with
 * are the job's start rules; a live update (or the live set a restore brings back, {@link LiveRules}) replaces
 * them between two records.
 *
 * <p>Keyed state, per group:
 * <ul>
 *   <li>{@value #INDEX_STATE}: the group's slot index ({@link CorrelationState}, a few bytes per slot, no
 *       evidence) with the time of the group's one event-time timer, rewritten when slots come or go or the
 *       timer moves;</li>
 *   <li>{@value #SLOTS_STATE}: MapState from slot id to the slot's packed evidence, written once per slot
 *       (and while an aggregate slot still collects evidence), read only when a match uses the slot.</li>
 * </ul>
 * Operator state: where the new_terms history of the state starts ({@link NewTermsHistory}), applied to every rule
 * set the operator runs and rewritten on each checkpoint. Both keyed states are cleared as soon as the plan
 * reports nothing open; a processing-time TTL (when configured) is only a backstop against a bug or a lost timer.
 * A call reads the index once and writes it at most once, after the correlator is done ({@link Ports#flush}); a
 * signal that only repeats a slot (same rule and instant) reads the index and writes nothing.
 *
 * <p>Rule changes: the state of every group whose correlation changed or went away is cleared by one piece of
 * code, {@link #dropStale}, whether the change came with a restore (the operator's sweep,
 * {@link #dropStaleState}) or with a live update; it is counted per rule ({@code rollout_state_dropped}). The two
 * inputs are not ordered relative to each other, so a signal made under a newer rule set can arrive before this
 * subtask's copy of that update: such a signal (its plan version is unknown here, and not one this subtask
 * replaced) is held in keyed state ({@code live-pending-signals}) and retried every {@link #RETRY_MILLIS} of
 * processing time; if its rules have not come within {@link #PENDING_TIMEOUT_MILLIS}, or the input ends first,
 * it goes to {@link #LATE} with stage {@value #UNKNOWN_RULES_STAGE} and the {@code signals_unknown_plan} counter.
 * A signal of a plan version this subtask already replaced is counted in {@code signals_superseded_rules}.
 *
 * <p>A firing that feeds an outer correlation (chaining) is re-emitted as that plan's signal on
 * {@link #CHAINED_SIGNALS}, to be keyed again and fed to the stage that holds the outer plan
 * ({@link CorrelationEngine#stageOf}). A late signal (see {@link Correlator}) goes to {@link #LATE} and the
 * {@code late_records} metric.
 */
public class CorrelateFunction extends KeyedBroadcastProcessFunction<GroupKey, SignalRecord, RuleUpdate, FiredRecord>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 2L;
    private static final Logger LOG = LoggerFactory.getLogger(CorrelateFunction.class);

    /** Stable operator uid: state in savepoints is found by it; never change it. */
    public static final String UID = "tripline-correlate";

    public static final OutputTag<SignalRecord> CHAINED_SIGNALS = new OutputTag<>("chained-signals") {};
    public static final OutputTag<LateRecord> LATE = new OutputTag<>("late-signals") {};
    /** Keyed state of a group's slot index (savepoint readers use it). */
    public static final String INDEX_STATE = "correlation-index";
    /** Keyed map state of a group's slot evidence. */
    public static final String SLOTS_STATE = "correlation-slots";
    /** No processing-time TTL: state is cleared by the correlation's own timers. */
    public static final Duration NO_STATE_TTL = Duration.ZERO;

    static final long RETRY_MILLIS = 1_000;
    static final long PENDING_TIMEOUT_MILLIS = 10 * 60_000;
    /** Held signals per group beyond which further ones are given up at once (a flood under unknown rules). */
    static final int MAX_PENDING_PER_KEY = 10_000;
    /** Accumulator name prefix, followed by the rule id: new_terms terms learned, not alerted (run summaries). */
    public static final String ACC_NEW_TERMS_LEARNED = "tripline-new-terms-learned:";
    /** The {@link LateRecord#stage} of a signal whose rules never reached this operator. */
    public static final String UNKNOWN_RULES_STAGE = "correlate-unknown-rules";

    private final Correlator correlator;
    private final Duration stateTtl;
    private final LiveRules live;
    private final String name;
    /** BATCH: each group's signals come in event-time order, and that order is the watermark. */
    private final boolean timeOrdered;

    private transient ValueState<CorrelationState> index;
    private transient MapState<Long, byte[]> slots;

    private transient ListState<SignalRecord> pending;
    private transient ValueState<Long> pendingSince;
    /** Operator state: where the new_terms history of this state starts ({@link NewTermsHistory}). */
    private transient ListState<org.apache.flink.api.java.tuple.Tuple2<String, Long>> newTermsHistory;
    /** The history starts the state came with, applied to every rule set this operator runs. */
    private transient Map<String, Long> restoredHistory;

    private transient ValueStateDescriptor<CorrelationState> indexDescriptor;
    /** The live set a restore brought back, applied at open; null to run the start rules. */
    private transient RuleUpdate restored;
    /** Digest of the rule files running now: a repeated update of the same files changes nothing. */
    private transient String running;
    /** {@link GroupKey#planVersion()} of plans this subtask ran and replaced. */
    private transient Set<String> retired;

    private transient Counter fired;
    private transient Counter evicted;
    private transient Counter folded;
    private transient Counter learned;
    private transient Counter chainDropped;
    private transient Counter unknownPlan;
    private transient Counter late;
    private transient Counter applied;
    private transient Counter superseded;
    private transient Counter held;
    private transient Map<String, Counter> droppedByRule;
    private transient Map<String, Counter> evictedByRule;
    /** Accumulators {@link #ACC_NEW_TERMS_LEARNED}{@code <rule id>}, made on a rule's first learned term. */
    private transient Map<String, LongCounter> learnedByRule;

    private transient Ports ports;

    /** A stage running {@code engine} with no live updates expected, no TTL and no allowed lateness (tests). */
    public CorrelateFunction(CorrelationEngine engine) {
        this(engine, LiveRules.none(), "correlate", NO_STATE_TTL, Duration.ZERO);
    }

    /**
     * @param engine          the start rules' correlations
     * @param live            how updates compile, and the digest of the start files
     * @param name            names this stage in logs, e.g. {@code correlate stage 2}
     * @param stateTtl        processing-time backstop for state a bug left behind; {@link #NO_STATE_TTL} for none
     * @param allowedLateness how far behind the watermark a signal may arrive and still be correlated
     */
    public CorrelateFunction(
            CorrelationEngine engine, LiveRules live, String name, Duration stateTtl, Duration allowedLateness) {
        this(engine, live, name, stateTtl, allowedLateness, false);
    }

    /**
     * @param timeOrdered the input gives each group's signals in event-time order (BATCH mode sorts it so), which
     *                    then serves as the watermark ({@link Correlator#onSignalInTimeOrder})
     */
    public CorrelateFunction(
            CorrelationEngine engine,
            LiveRules live,
            String name,
            Duration stateTtl,
            Duration allowedLateness,
            boolean timeOrdered) {
        if (stateTtl.isNegative()) {
            throw new IllegalArgumentException("state TTL must not be negative: " + stateTtl);
        }
        if (allowedLateness.isNegative()) {
            throw new IllegalArgumentException("allowed lateness must not be negative: " + allowedLateness);
        }
        this.correlator = new Correlator(engine, allowedLateness.toMillis());
        this.stateTtl = stateTtl;
        this.live = live;
        this.name = name;
        this.timeOrdered = timeOrdered;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        restored = live.restore(context, LOG, name);
        newTermsHistory = NewTermsHistory.state(context);
        restoredHistory = NewTermsHistory.restored(newTermsHistory);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        // Broadcast and keyed state are snapshotted by Flink.
        newTermsHistory.update(NewTermsHistory.entries(correlator.engine()));
    }

    @Override
    public void open(OpenContext openContext) {
        StateTtlConfig ttl = ttlConfig(stateTtl);
        indexDescriptor = indexDescriptor(ttl);
        index = getRuntimeContext().getState(indexDescriptor);
        slots = getRuntimeContext().getMapState(slotsDescriptor(ttl));
        pending = getRuntimeContext()
                .getListState(
                        new ListStateDescriptor<>("live-pending-signals", TypeInformation.of(SignalRecord.class)));
        pendingSince = getRuntimeContext().getState(new ValueStateDescriptor<>("live-pending-since", Types.LONG));
        MetricGroup m = getRuntimeContext().getMetricGroup();
        fired = m.counter("correlations_fired");
        evicted = m.counter("signals_evicted");
        folded = m.counter("signals_folded");
        learned = m.counter("new_terms_learned");
        chainDropped = m.counter("chained_signals_dropped_missing_group");
        unknownPlan = m.counter("signals_unknown_plan");
        late = m.counter("late_records");
        applied = m.counter("rule_updates_applied");
        superseded = m.counter("signals_superseded_rules");
        held = m.counter("signals_held_for_rule_update");
        droppedByRule = new HashMap<>();
        evictedByRule = new HashMap<>();
        learnedByRule = new HashMap<>();
        retired = new HashSet<>();
        ports = new Ports();
        running = live.startDigest();
        if (restored != null) {
            RuleProgram o = live.compile(restored);
            if (o.ok()) {
                correlator.swap(o.engine());
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
        CorrelationEngine primed = NewTermsHistory.apply(correlator.engine(), restoredHistory);
        if (primed != correlator.engine()) {
            LOG.info("{}: new_terms history restored with the state: {}", name, restoredHistory);
            correlator.swap(primed);
        }
    }

    /**
     * The TTL the state is written with, or null for none. Background cleanup stays off: it walks entries on every
     * state access, and the timers already clear what a correlation no longer needs.
     */
    public static StateTtlConfig ttlConfig(Duration stateTtl) {
        if (stateTtl.isZero()) {
            return null;
        }
        return StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .disableCleanupInBackground()
                .build();
    }

    CorrelationEngine engine() {
        return correlator.engine();
    }

    @Override
    public void processElement(SignalRecord record, ReadOnlyContext ctx, Collector<FiredRecord> out) throws Exception {
        GroupKey key = ctx.getCurrentKey();
        CorrelationPlan plan = correlator.plan(key.planId(), key.fingerprint());
        if (plan != null && timeOrdered) {
            correlator.onSignalInTimeOrder(
                    plan, record.signal(plan), ports.at(key, ctx.timerService(), ctx, out), ports);
            ports.flush();
        } else if (plan != null) {
            correlator.onSignal(
                    plan,
                    record.signal(plan),
                    ctx.timerService().currentWatermark(),
                    ports.at(key, ctx.timerService(), ctx, out),
                    ports);
            ports.flush();
        } else if (retired.contains(key.planVersion())) {
            superseded.inc();
        } else {
            hold(record, ctx.timerService());
        }
    }

    /** Keeps a signal of rules not here yet until they come, or gives it up (see the class comment). */
    private void hold(SignalRecord record, TimerService timers) throws Exception {
        Long since = pendingSince.value();
        if (since == null) {
            long now = timers.currentProcessingTime();
            pendingSince.update(now);
            timers.registerProcessingTimeTimer(now + RETRY_MILLIS);
            // Fires when the input ends: what is still held then is given up rather than lost.
            timers.registerEventTimeTimer(Long.MAX_VALUE);
        } else if (count(pending.get()) >= MAX_PENDING_PER_KEY) {
            unknownPlan.inc();
            return;
        }
        pending.add(record);
        held.inc();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FiredRecord> out) throws Exception {
        GroupKey key = ctx.getCurrentKey();
        boolean eventTime = ctx.timeDomain() == TimeDomain.EVENT_TIME;
        // Held signals have their own timers: the processing-time retries and the end of input. A correlation's
        // timer is never at the end of input, so it need not look for them.
        boolean end = eventTime && timestamp == Long.MAX_VALUE;
        if ((!eventTime || end) && pendingSince.value() != null) {
            release(key, end, ctx, out);
        }
        if (!eventTime) {
            return;
        }
        CorrelationPlan plan = correlator.plan(key.planId(), key.fingerprint());
        if (plan == null) {
            // State of a correlation that changed or went away; the sweep normally clears it first.
            if (index.value() != null) {
                droppedFor(key.planId()).inc();
            }
            clearGroup();
            return;
        }
        correlator.onTimer(
                plan,
                timestamp,
                ctx.timerService().currentWatermark(),
                ports.at(key, ctx.timerService(), ctx, out).firing(timestamp),
                ports);
        ports.flush();
    }

    /** Correlates the held signals once their rules are here; gives them up at the deadline or the end. */
    private void release(GroupKey key, boolean end, OnTimerContext ctx, Collector<FiredRecord> out) throws Exception {
        TimerService timers = ctx.timerService();
        List<SignalRecord> records = new ArrayList<>();
        pending.get().forEach(records::add);
        CorrelationPlan plan = correlator.plan(key.planId(), key.fingerprint());
        if (plan != null) {
            clearPending();
            records.sort(Comparator.comparingLong(r -> r.time));
            for (SignalRecord r : records) {
                correlator.onSignal(
                        plan, r.signal(plan), timers.currentWatermark(), ports.at(key, timers, ctx, out), ports);
                ports.flush();
            }
            return;
        }
        long since = pendingSince.value();
        boolean replaced = retired.contains(key.planVersion());
        if (end || replaced || timers.currentProcessingTime() - since >= PENDING_TIMEOUT_MILLIS) {
            clearPending();
            unknownPlan.inc(records.size());
            LOG.warn(
                    "{}: {} signals of correlation '{}' (fingerprint {}) were made under rules this operator {}; "
                            + "sent to the late output",
                    name,
                    records.size(),
                    key.planId(),
                    key.fingerprint(),
                    replaced
                            ? "has since replaced"
                            : end
                                    ? "had not received when the input ended"
                                    : "did not receive within " + PENDING_TIMEOUT_MILLIS / 1000 + " s");
            long watermark = timers.currentWatermark();
            for (SignalRecord r : records) {
                LateRecord l = LateRecord.ofUnknownPlan(r, watermark);
                l.stage = UNKNOWN_RULES_STAGE;
                ctx.output(LATE, l);
            }
            return;
        }
        timers.registerProcessingTimeTimer(timers.currentProcessingTime() + RETRY_MILLIS);
    }

    private void clearPending() {
        pending.clear();
        pendingSince.clear();
    }

    private void clearGroup() throws Exception {
        index.clear();
        slots.clear();
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
        CorrelationEngine after = NewTermsHistory.apply(o.engine(), restoredHistory);
        for (CorrelationPlan p : correlator.engine().plans()) {
            CorrelationPlan now = after.plan(p.id());
            if (now == null || !now.fingerprint().equals(p.fingerprint())) {
                retired.add(p.id() + "@" + p.fingerprint());
            }
        }
        // A set that brings an old version back makes it current again.
        after.plans().forEach(p -> retired.remove(p.id() + "@" + p.fingerprint()));
        correlator.swap(after);
        ports.descriptors.clear();
        dropStale(f -> ctx.applyToKeyedState(indexDescriptor, f), "Live rule update " + update.version);
        ctx.getBroadcastState(LiveRules.STATE).put(LiveRules.CURRENT, live.store(update));
        running = update.digest();
        applied.inc();
        LOG.info(
                "{}: runs rule set {} ({} correlations)",
                name,
                update.version,
                after.plans().size());
    }

    /**
     * Clears the state of every key whose correlation the running rules changed or removed; called by
     * {@link CorrelateOperator} when the operator starts from a savepoint or checkpoint. Timers of cleared keys stay
     * registered and find nothing when they fire.
     *
     * @return correlation id to the number of groups whose open partial matches were dropped
     */
    Map<String, Long> dropStaleState(KeyedStateBackend<GroupKey> backend) throws Exception {
        return dropStale(
                f -> backend.applyToAllKeys(
                        VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, indexDescriptor, f),
                "Rule rollout");
    }

    /** Visits every key that has a slot index, with that key current; the state backend's or a broadcast's. */
    interface KeyWalk {
        void forEachKey(KeyedStateFunction<GroupKey, ValueState<CorrelationState>> f) throws Exception;
    }

    /**
     * Clears the state of every key {@code walk} visits whose correlation the running rules changed or removed
     * (index and slots; the timer finds nothing when it fires), counting ({@code rollout_state_dropped{rule=…}}) and logging per correlation; the
     * one place the restore sweep and live rule updates drop state. {@code why} starts the log line.
     */
    private Map<String, Long> dropStale(KeyWalk walk, String why) throws Exception {
        Map<String, Long> dropped = new TreeMap<>();
        walk.forEachKey((key, value) -> {
            if (correlator.plan(key.planId(), key.fingerprint()) == null && value.value() != null) {
                dropped.merge(key.planId(), 1L, Long::sum);
                droppedFor(key.planId()).inc();
                value.clear();
                slots.clear();
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

    private static int count(Iterable<?> it) {
        int n = 0;
        for (Object ignored : it) {
            n++;
        }
        return n;
    }

    /**
     * The group state and output ports over this function's keyed state, for the key being processed. Between
     * {@link #at} and {@link #flush} it holds the group's index as read once ({@link CorrelationState} with the
     * group's timer in it), and writes it back at most once at the flush. Slot removals wait for the flush too, so
     * that a group whose last slot goes is cleared whole rather than one entry at a time.
     */
    private final class Ports implements GroupState, Correlator.Output {
        private GroupKey key;
        private TimerService timers;
        private ReadOnlyContext ctx;
        private Collector<FiredRecord> out;

        private boolean loaded;
        /** The index as the correlator left it so far; null when nothing is open. */
        private CorrelationState current;
        /** The index must be written back (or cleared, when {@link #current} is null). */
        private boolean dirty;
        /** The event-time timer registered for the key; {@link Long#MAX_VALUE} when none. */
        private long registered;
        /**
         * The timer firing in this call ({@link Long#MIN_VALUE}: none). Flink took it off its queue before the call,
         * so when it is the group's own timer there is nothing to delete when the timer moves.
         */
        private long firing;
        /**
         * Ids of the slots removed since {@link #at}, deleted at the flush unless the whole group goes; the slots' own
         * boxed ids, which heap state's evidence map holds as its keys (found by identity).
         */
        private Long[] removed = new Long[8];

        private int removedCount;
        /** Each running plan's alert descriptor, encoded once ({@link FiredRecord#descriptor}). */
        private final Map<CorrelationPlan, byte[]> descriptors = new IdentityHashMap<>();

        Ports at(GroupKey key, TimerService timers, ReadOnlyContext ctx, Collector<FiredRecord> out) {
            this.key = key;
            this.timers = timers;
            this.ctx = ctx;
            this.out = out;
            loaded = false;
            current = null;
            dirty = false;
            removedCount = 0;
            firing = Long.MIN_VALUE;
            return this;
        }

        /** Says that Flink is firing the key's timer at {@code timestamp} (see {@link #firing}). */
        Ports firing(long timestamp) {
            firing = timestamp;
            return this;
        }

        private CorrelationState load() {
            if (!loaded) {
                try {
                    current = index.value();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                registered = current == null ? Long.MAX_VALUE : current.timer();
                loaded = true;
            }
            return current;
        }

        /** Writes what the correlator changed: the index with the timer, and the slots it removed. */
        void flush() throws Exception {
            if (dirty && current == null) {
                index.clear();
                slots.clear();
            } else {
                for (int i = 0; i < removedCount; i++) {
                    slots.remove(removed[i]);
                }
                if (dirty) {
                    current.timer(registered);
                    index.update(current);
                }
            }
            removedCount = 0;
            dirty = false;
        }

        @Override
        public List<String> group() {
            return key.group();
        }

        @Override
        public CorrelationState index() {
            return load();
        }

        @Override
        public void index(CorrelationState s) {
            load();
            current = s;
            dirty = true;
        }

        @Override
        public byte[] evidence(Long slot) {
            try {
                return slots.get(slot);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void evidence(Long slot, byte[] packed) {
            try {
                // A group emptied and begun again within one call hands out its ids again.
                for (int i = 0; i < removedCount; i++) {
                    if (removed[i].longValue() == slot.longValue()) {
                        removed[i] = removed[--removedCount];
                        break;
                    }
                }
                slots.put(slot, packed);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void removeSlot(Long slot) {
            if (removedCount == removed.length) {
                removed = java.util.Arrays.copyOf(removed, removedCount * 2);
            }
            removed[removedCount++] = slot;
        }

        @Override
        public long timer() {
            load();
            return registered;
        }

        @Override
        public void timer(long next) {
            load();
            if (next != registered) {
                if (registered != Long.MAX_VALUE && registered != firing) {
                    timers.deleteEventTimeTimer(registered);
                }
                if (next != Long.MAX_VALUE) {
                    timers.registerEventTimeTimer(next);
                }
                registered = next;
            }
            if (current != null && current.timer() != next) {
                dirty = true;
            }
        }

        @Override
        public void fired(CorrelationPlan plan, Fired f) {
            fired.inc();
            if (f.alert()) { // a building block's firing only feeds its outer correlations (chained)
                byte[] descriptor = descriptors.computeIfAbsent(plan, p -> FiredRecord.descriptor(p.rule()));
                out.collect(FiredRecord.of(key, f, descriptor, plan.rule().alertTitle()));
            }
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

        @Override
        public void learned(CorrelationPlan plan, int terms) {
            learned.inc(terms);
            learnedByRule
                    .computeIfAbsent(plan.id(), id -> {
                        LongCounter c = new LongCounter();
                        getRuntimeContext().addAccumulator(ACC_NEW_TERMS_LEARNED + id, c);
                        return c;
                    })
                    .add(terms);
        }
    }

    /**
     * The descriptors of the correlation state, with the TTL they are written with (null: none); a savepoint
     * reader must declare the same (values with TTL are stored with their timestamps).
     */
    public static ValueStateDescriptor<CorrelationState> indexDescriptor(StateTtlConfig ttl) {
        ValueStateDescriptor<CorrelationState> d =
                new ValueStateDescriptor<>(INDEX_STATE, CorrelationStateSerializer.INSTANCE);
        if (ttl != null) {
            d.enableTimeToLive(ttl);
        }
        return d;
    }

    public static MapStateDescriptor<Long, byte[]> slotsDescriptor(StateTtlConfig ttl) {
        MapStateDescriptor<Long, byte[]> d = new MapStateDescriptor<>(
                SLOTS_STATE, Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        if (ttl != null) {
            d.enableTimeToLive(ttl);
        }
        return d;
    }
}
