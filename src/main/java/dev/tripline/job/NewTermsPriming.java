package dev.tripline.job;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.flink.CorrelateFunction;
import dev.tripline.flink.GroupKey;
import dev.tripline.flink.NewTermsHistory;
import dev.tripline.flink.SignalRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.api.java.typeutils.runtime.kryo.JavaSerializer;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The priming savepoint of a hunt ({@code tripline hunt --prime-savepoint DIR}): the new_terms state a streaming job
 * would hold had it seen the archive, written with Flink's state processor API in the hunt's own (BATCH) job, so
 * that a fresh deployment started from it alerts on a term first seen after the archive and stays quiet on terms
 * the archive had.
 *
 * <p>What is written, for every new_terms correlation, under the uid of its correlate stage and with the
 * descriptors, key serializer and TTL the job uses ({@link CorrelateFunction}):
 * <ul>
 *   <li>per term (one {@link GroupKey}): its latest sighting, as a decided one ({@link CorrelationPlan#seenTerm}),
 *       with the group's timer at the end of its window plus the lateness; a term whose window had ended by the
 *       archive's end is left out (it would be gone at once);</li>
 *   <li>{@link NewTermsHistory}: the history start, so the primed job knows its terms cover the history from
 *       there: the hunt's own start when it has one ({@code correlation.new-terms-history-start}, else
 *       {@code --from}), else the earliest signal time of the hunt.</li>
 * </ul>
 * The archive's end is the latest signal time of the hunt (every correlation's signals count). Both are found in
 * the same job: a global reduce of the signal times is broadcast, and BATCH mode reads a broadcast input before
 * the keyed one.
 */
public final class NewTermsPriming {
    /** Accumulators of what was written. */
    static final String ACC_TERMS = "tripline-prime-terms";

    static final String ACC_EXPIRED = "tripline-prime-terms-past-window";
    static final String ACC_START = "tripline-prime-history-start";
    static final String ACC_END = "tripline-prime-history-end";

    private static final MapStateDescriptor<String, TimeBounds> BOUNDS =
            new MapStateDescriptor<>("prime-time-bounds", Types.STRING, TypeInformation.of(TimeBounds.class));
    private static final String ALL = "all";

    private NewTermsPriming() {}

    /**
     * What the hunt primed, from its accumulators.
     *
     * @param terms        terms written, over every new_terms correlation
     * @param pastWindow   terms the archive had but whose window ended before its end, not written
     * @param historyStart epoch millis the primed history starts at; {@link Long#MAX_VALUE} when the hunt had no
     *                     signal (nothing is primed)
     * @param historyEnd   the archive's end (latest signal time), epoch millis
     * @param correlations the new_terms correlations of the rule set
     */
    public record Result(long terms, long pastWindow, long historyStart, long historyEnd, List<String> correlations) {
        public boolean primed() {
            return historyStart != Long.MAX_VALUE;
        }

        static Result of(JobExecutionResult r, CorrelationEngine engine) {
            return new Result(
                    value(r.getAccumulatorResult(ACC_TERMS), 0),
                    value(r.getAccumulatorResult(ACC_EXPIRED), 0),
                    value(r.getAccumulatorResult(ACC_START), Long.MAX_VALUE),
                    value(r.getAccumulatorResult(ACC_END), Long.MIN_VALUE),
                    newTerms(engine).stream().map(CorrelationPlan::id).toList());
        }

        private static long value(Object v, long absent) {
            return v instanceof Number n ? n.longValue() : absent;
        }
    }

    /** The new_terms correlations of {@code engine}. */
    public static List<CorrelationPlan> newTerms(CorrelationEngine engine) {
        return engine.plans().stream().filter(CorrelationPlan::isNewTerms).toList();
    }

    /**
     * Adds the savepoint's writing to the job of {@code signals} (the detect stage's signals, BATCH mode); it is
     * written when that job runs.
     *
     * @param path            the savepoint directory
     * @param stateTtl        the state TTL of the job that will start from it (its descriptors must match)
     * @param allowedLateness the allowed lateness of that job (its timers are due that much later)
     */
    public static void attach(
            DataStream<SignalRecord> signals,
            CorrelationEngine engine,
            String path,
            Duration stateTtl,
            Duration allowedLateness) {
        List<CorrelationPlan> plans = newTerms(engine);
        if (plans.isEmpty()) {
            throw new IllegalArgumentException("the rules hold no new_terms correlation: there is nothing to prime");
        }
        DataStream<TimeBounds> bounds = signals.map(r -> TimeBounds.of(r.time))
                .returns(TypeInformation.of(TimeBounds.class))
                .name("prime: signal times")
                .keyBy(b -> ALL, Types.STRING)
                .reduce(TimeBounds::merge)
                .name("prime: history bounds");
        int maxParallelism = signals.getExecutionEnvironment()
                .getConfiguration()
                .getOptional(PipelineOptions.MAX_PARALLELISM)
                .orElse(128);
        registerStateSerializers(signals.getExecutionEnvironment());
        SavepointWriter writer = SavepointWriter.newSavepoint(
                signals.getExecutionEnvironment(), new HashMapStateBackend(), maxParallelism);
        Map<Integer, List<CorrelationPlan>> byStage = plans.stream()
                .collect(Collectors.groupingBy(p -> engine.stageOf(p.id()), TreeMap::new, Collectors.toList()));
        for (Map.Entry<Integer, List<CorrelationPlan>> stage : byStage.entrySet()) {
            Map<String, Long> windows = new HashMap<>();
            Map<String, Long> due = new HashMap<>();
            for (CorrelationPlan p : stage.getValue()) {
                String version = p.id() + "@" + p.fingerprint();
                windows.put(version, p.rule().timespan().toMillis());
                // When the job's timer for a term seen at t falls: t + this (the plan's lateness in that job).
                due.put(version, engine.latenessMillis(p.id(), allowedLateness.toMillis()));
            }
            long declared = stage.getValue().get(0).options().newTermsHistoryStart();
            Set<String> versions = Set.copyOf(windows.keySet());
            DataStream<PrimedTerm> terms = signals.filter(r -> versions.contains(r.planId + "@" + r.fingerprint))
                    .name("prime: new_terms signals")
                    .keyBy(SignalRecord::key, GroupKey.TYPE)
                    .reduce((a, b) -> b.time > a.time ? b : a)
                    .name("prime: latest sighting per term")
                    .keyBy(SignalRecord::key, GroupKey.TYPE)
                    .connect(bounds.broadcast(BOUNDS))
                    .process(new WithinWindow(windows, declared), TypeInformation.of(PrimedTerm.class))
                    .name("prime: terms within their window");
            String uid = stage.getKey() == 1 ? CorrelateFunction.UID : CorrelateFunction.UID + "-" + stage.getKey();
            writer.withOperator(
                    OperatorIdentifier.forUid(uid),
                    OperatorTransformation.bootstrapWith(terms)
                            .keyBy(new TermKey(), GroupKey.TYPE)
                            .transform(new Writer(engine, due, stateTtl)));
        }
        writer.write(path);
    }

    /**
     * The state processor API passes its snapshots between its operators as generic types; Kryo cannot make
     * their instances (package-private constructors), so they travel in Java serialisation, which they support.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void registerStateSerializers(StreamExecutionEnvironment env) {
        SerializerConfig config = env.getConfig().getSerializerConfig();
        config.addDefaultKryoSerializer(OperatorSubtaskState.class, (Class) JavaSerializer.class);
        config.addDefaultKryoSerializer(OperatorState.class, (Class) JavaSerializer.class);
    }

    /** The earliest and latest signal time. */
    public static final class TimeBounds {
        public long min;
        public long max;

        public TimeBounds() {}

        static TimeBounds of(long t) {
            TimeBounds b = new TimeBounds();
            b.min = t;
            b.max = t;
            return b;
        }

        static TimeBounds merge(TimeBounds a, TimeBounds b) {
            TimeBounds m = new TimeBounds();
            m.min = Math.min(a.min, b.min);
            m.max = Math.max(a.max, b.max);
            return m;
        }
    }

    /**
     * A term to write (its latest sighting), or, with {@link #start} set, the history start of a plan version
     * (a marker, keyed by the version with an empty group).
     */
    public static final class PrimedTerm {
        public String planId;
        public String fingerprint;
        public String[] group;
        public long lastSeen;
        /** Markers only: the history start; {@link Long#MIN_VALUE} on terms. */
        public long start = Long.MIN_VALUE;

        public PrimedTerm() {}

        boolean marker() {
            return start != Long.MIN_VALUE;
        }

        GroupKey key() {
            return new GroupKey(planId, fingerprint, Arrays.asList(group));
        }
    }

    /** The state key of a {@link PrimedTerm}, typed (the writer partitions by it before it knows the key type). */
    static final class TermKey implements KeySelector<PrimedTerm, GroupKey>, ResultTypeQueryable<GroupKey> {
        private static final long serialVersionUID = 1L;

        @Override
        public GroupKey getKey(PrimedTerm t) {
            return t.key();
        }

        @Override
        public TypeInformation<GroupKey> getProducedType() {
            return GroupKey.TYPE;
        }
    }

    /**
     * Given the history bounds (the broadcast input, read first in BATCH mode), passes on each term whose latest
     * sighting still covers a time after the archive's end, and emits one history-start marker per plan version.
     */
    static final class WithinWindow
            extends KeyedBroadcastProcessFunction<GroupKey, SignalRecord, TimeBounds, PrimedTerm> {
        private static final long serialVersionUID = 1L;
        private final Map<String, Long> windows;
        private final long declaredStart;
        private transient LongCounter written;
        private transient LongCounter pastWindow;
        private transient LongMinimum start;
        private transient LongMaximum end;

        WithinWindow(Map<String, Long> windows, long declaredStart) {
            this.windows = new HashMap<>(windows);
            this.declaredStart = declaredStart;
        }

        @Override
        public void open(OpenContext openContext) {
            written = getRuntimeContext().getLongCounter(ACC_TERMS);
            pastWindow = getRuntimeContext().getLongCounter(ACC_EXPIRED);
            start = new LongMinimum();
            end = new LongMaximum();
            getRuntimeContext().addAccumulator(ACC_START, start);
            getRuntimeContext().addAccumulator(ACC_END, end);
        }

        @Override
        public void processBroadcastElement(TimeBounds b, Context ctx, Collector<PrimedTerm> out) throws Exception {
            ctx.getBroadcastState(BOUNDS).put(ALL, b);
            // The hunt saw everything from its declared start; without one, from its first signal.
            long from = declaredStart != Long.MAX_VALUE ? declaredStart : b.min;
            start.add(from);
            end.add(b.max);
            for (String version : windows.keySet()) {
                int at = version.lastIndexOf('@');
                PrimedTerm m = new PrimedTerm();
                m.planId = version.substring(0, at);
                m.fingerprint = version.substring(at + 1);
                m.group = new String[0];
                m.start = from;
                out.collect(m);
            }
        }

        @Override
        public void processElement(SignalRecord r, ReadOnlyContext ctx, Collector<PrimedTerm> out) throws Exception {
            TimeBounds b = ctx.getBroadcastState(BOUNDS).get(ALL);
            long window = windows.get(r.planId + "@" + r.fingerprint);
            // The sighting covers (t, t + window]; the job goes on after the archive's end.
            if (b != null && r.time <= b.max - window) {
                pastWindow.add(1);
                return;
            }
            PrimedTerm t = new PrimedTerm();
            t.planId = r.planId;
            t.fingerprint = r.fingerprint;
            t.group = r.group();
            t.lastSeen = r.time;
            written.add(1);
            out.collect(t);
        }
    }

    /**
     * Writes each term's state as the correlate operator keeps it, and the history starts as operator state
     * ({@link NewTermsHistory}).
     */
    static final class Writer extends KeyedStateBootstrapFunction<GroupKey, PrimedTerm>
            implements CheckpointedFunction {
        private static final long serialVersionUID = 1L;
        private final CorrelationEngine engine;
        private final Map<String, Long> lateness;
        private final Duration stateTtl;
        private transient ValueState<dev.tripline.correlate.CorrelationState> index;
        private transient ListState<Tuple2<String, Long>> history;
        private transient Map<String, Long> starts;

        Writer(CorrelationEngine engine, Map<String, Long> lateness, Duration stateTtl) {
            this.engine = Objects.requireNonNull(engine, "engine");
            this.lateness = new HashMap<>(lateness);
            this.stateTtl = stateTtl;
        }

        @Override
        public void open(OpenContext openContext) {
            StateTtlConfig ttl = CorrelateFunction.ttlConfig(stateTtl);
            index = getRuntimeContext().getState(CorrelateFunction.indexDescriptor(ttl));
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            history = NewTermsHistory.state(context);
            starts = new TreeMap<>();
        }

        @Override
        public void processElement(PrimedTerm t, Context ctx) throws Exception {
            String version = t.planId + "@" + t.fingerprint;
            if (t.marker()) {
                starts.merge(version, t.start, Math::min);
                return;
            }
            CorrelationPlan plan = engine.plan(t.planId);
            long due = plan.seenTermDue(t.lastSeen);
            long late = lateness.get(version);
            due = due > Long.MAX_VALUE - late ? Long.MAX_VALUE : due + late;
            // The correlate operator keeps the group's timer in its index: the one it registered.
            dev.tripline.correlate.CorrelationState state = plan.seenTerm(t.lastSeen);
            state.timer(due);
            index.update(state);
            ctx.timerService().registerEventTimeTimer(due);
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            List<Tuple2<String, Long>> entries = new ArrayList<>();
            starts.forEach((version, start) -> entries.add(Tuple2.of(version, start)));
            history.update(entries);
        }
    }
}
