package dev.tripline.job;

import dev.tripline.alert.DedupPolicy;
import dev.tripline.alert.EvidenceSample;
import dev.tripline.correlate.AnchorPruning;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.AnchorFilter;
import dev.tripline.flink.CorrelateFunction;
import dev.tripline.flink.CorrelateOperator;
import dev.tripline.flink.CorrelationAlerts;
import dev.tripline.flink.DeadLetter;
import dev.tripline.flink.DedupFunction;
import dev.tripline.flink.DetectFunction;
import dev.tripline.flink.DetectOperator;
import dev.tripline.flink.EventTimeBounds;
import dev.tripline.flink.FiredRecord;
import dev.tripline.flink.GroupKey;
import dev.tripline.flink.LateRecord;
import dev.tripline.flink.LiveRules;
import dev.tripline.flink.RawRecord;
import dev.tripline.flink.RuleUpdate;
import dev.tripline.flink.RuleUpdateStatus;
import dev.tripline.flink.RuleUpdateValidator;
import dev.tripline.flink.SignalRecord;
import dev.tripline.flink.SignalRouter;
import dev.tripline.flink.SingleMatch;
import dev.tripline.flink.TieOrderedKeyedOperator;
import dev.tripline.flink.TimeRange;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleSet;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * The detection job's topology, independent of where records come from and where alerts go, so that
 * {@code tripline run}, a cluster deployment and tests build the same graph over different sources and sinks:
 *
 * <pre>
 * source ─ detect ─┬─ dead letters ──────────────────────────────────────────────────────────▶ dead-letter sink
 *                  ├─ signals ─ watermarks(eventTime) ─┬ stage 1: keyBy(plan, group) ─ correlate ─ alerts ─┐
 *                  │                                   └ stage 2 … (chaining, see below) ─ alerts ─────────┤
 *                  └─ single matches ─ watermarks(eventTime) ─────────────────────────────────────────────┴ keyBy(dedup key)
 *                                                                                            ─ dedup ─▶ alert sink
 * late signals (correlate) and late alert candidates (dedup) ─────────────────────────────────▶ late output
 * </pre>
 *
 * <p>State is keyed by (correlation, group), the group being the correlation's own group-by values, so a
 * correlation whose group-by is not (account, principal) needs nothing special. Chaining (a correlation over
 * correlations) runs one correlate stage per level ({@link CorrelationEngine#stageOf}): stage k holds the plans
 * of level k and takes their rule signals from detect plus the firings of lower stages, re-keyed; a rule set
 * without chaining has one stage. A BATCH job with fixed rules routes detect's signals with one operator instead
 * of a filter per stage, and first drops the signals no alert can need ({@link #routeInBatch}); its stages then get
 * everything else, chained signals included.
 *
 * <p>Every stateful operator has a fixed uid ({@link CorrelateFunction#UID} for stage 1, {@code UID-k} for stage
 * k, {@link DedupFunction#UID}); the stateless ones get one too so that a savepoint maps onto the graph whatever
 * Flink chains. A rule set with deeper chaining adds stages, which restore empty; one with less leaves a stage's
 * state unclaimed, so its rollout must allow non-restored state.
 *
 * <p>With live rule updates ({@link #live}) a control stream of whole rule sets is validated once
 * ({@link RuleUpdateValidator}, parallelism 1; rejections leave on {@link Outputs#ruleUpdates}) and broadcast to
 * detect and every correlate stage, which swap their rules between two records; signals carry their stage so
 * routing follows the live set. See docs/live-updates.md. A BATCH job has no updates: its detect takes the records
 * alone and is chained to the source ({@link DetectOperator}).
 */
public final class DetectionJob {
    public static final String UID_DETECT = "tripline-detect";
    public static final String UID_SIGNAL_TIME = "tripline-signal-watermarks";
    public static final String UID_SINGLE_TIME = "tripline-single-watermarks";
    public static final String UID_CORRELATION_ALERTS = "tripline-correlation-alerts";
    public static final String UID_SINGLE_ALERTS = "tripline-single-alerts";
    public static final String UID_NO_RULE_UPDATES = "tripline-no-rule-updates";
    /**
     * The network buffer timeout Tripline runs with (Flink's default is 100 ms). A composite alert crosses two
     * keyed exchanges, and at alert rates their buffers leave on the timeout, so the default alone puts p99 alert
     * latency near 200 ms (BENCHMARKS.md, end to end). Set where the environment is made: the embedded run
     * sets it; a cluster sets {@code execution.buffer-timeout.interval: 10ms} (deploy/).
     */
    public static final long BUFFER_TIMEOUT_MILLIS = 10;

    /**
     * Knobs of the topology.
     *
     * @param outOfOrderness        how far behind the latest event time an event may arrive and still be on time
     * @param idleness              after how long without records an input split stops holding back the watermark
     * @param defaultDedupMinutes   a rule's dedup period when it sets none (Panther's default is 60)
     * @param correlationSuppression a correlation fires at most once per group per this period
     * @param allowedLateness       how far behind the watermark a match may arrive and still be correlated and
     *                              deduplicated (windows and dedup periods are kept that much longer); later
     *                              ones go to the late output
     * @param stateTtl              processing-time backstop TTL of correlation state; zero
     *                              ({@link CorrelateFunction#NO_STATE_TTL}, the default) for none
     * @param timeRange             events outside it are dropped (and counted) right after parsing: a hunt's
     *                              {@code --from}/{@code --to}; {@link TimeRange#ALL} for a live job
     * @param evidenceLimit         matches or firings whose evidence a deduplicated alert shows (its earliest and
     *                              latest), see {@link EvidenceSample}
     * @param eventTimeBounds       event times believed; others are dead letters ({@link EventTimeBounds#ARCHIVE}
     *                              unless the source is a live stream, {@link EventTimeBounds#LIVE})
     */
    public record Options(
            Duration outOfOrderness,
            Duration idleness,
            int defaultDedupMinutes,
            Duration correlationSuppression,
            Duration allowedLateness,
            Duration stateTtl,
            TimeRange timeRange,
            int evidenceLimit,
            EventTimeBounds eventTimeBounds)
            implements Serializable {
        private static final long serialVersionUID = 4L;
        public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofMinutes(15);
        public static final Duration DEFAULT_IDLENESS = Duration.ofMinutes(1);
        public static final Duration DEFAULT_CORRELATION_SUPPRESSION = Duration.ofMinutes(60);

        public Options {
            Objects.requireNonNull(outOfOrderness, "outOfOrderness");
            Objects.requireNonNull(idleness, "idleness");
            Objects.requireNonNull(correlationSuppression, "correlationSuppression");
            Objects.requireNonNull(allowedLateness, "allowedLateness");
            Objects.requireNonNull(stateTtl, "stateTtl");
            Objects.requireNonNull(timeRange, "timeRange");
            Objects.requireNonNull(eventTimeBounds, "eventTimeBounds");
            if (outOfOrderness.isNegative()) {
                throw new IllegalArgumentException("out-of-orderness must not be negative: " + outOfOrderness);
            }
            if (idleness.isNegative() || idleness.isZero()) {
                throw new IllegalArgumentException("idleness must be positive: " + idleness);
            }
            if (defaultDedupMinutes < 1) {
                throw new IllegalArgumentException(
                        "default dedup period must be at least 1 minute: " + defaultDedupMinutes);
            }
            if (correlationSuppression.isNegative() || correlationSuppression.isZero()) {
                throw new IllegalArgumentException(
                        "correlation suppression must be positive: " + correlationSuppression);
            }
            if (allowedLateness.isNegative()) {
                throw new IllegalArgumentException("allowed lateness must not be negative: " + allowedLateness);
            }
            if (stateTtl.isNegative()) {
                throw new IllegalArgumentException("state TTL must not be negative: " + stateTtl);
            }
            EvidenceSample.checkLimit(evidenceLimit);
        }

        /** The options before state TTL and time range existed: those two at their defaults. */
        public Options(
                Duration outOfOrderness,
                Duration idleness,
                int defaultDedupMinutes,
                Duration correlationSuppression,
                Duration allowedLateness) {
            this(
                    outOfOrderness,
                    idleness,
                    defaultDedupMinutes,
                    correlationSuppression,
                    allowedLateness,
                    CorrelateFunction.NO_STATE_TTL,
                    TimeRange.ALL,
                    EvidenceSample.DEFAULT_LIMIT,
                    EventTimeBounds.ARCHIVE);
        }

        public static Options defaults() {
            return new Options(
                    DEFAULT_OUT_OF_ORDERNESS,
                    DEFAULT_IDLENESS,
                    DedupPolicy.DEFAULT_PERIOD_MINUTES,
                    DEFAULT_CORRELATION_SUPPRESSION,
                    Duration.ZERO);
        }

        public Options withOutOfOrderness(Duration d) {
            return new Options(
                    d,
                    idleness,
                    defaultDedupMinutes,
                    correlationSuppression,
                    allowedLateness,
                    stateTtl,
                    timeRange,
                    evidenceLimit,
                    eventTimeBounds);
        }

        public Options withIdleness(Duration d) {
            return new Options(
                    outOfOrderness,
                    d,
                    defaultDedupMinutes,
                    correlationSuppression,
                    allowedLateness,
                    stateTtl,
                    timeRange,
                    evidenceLimit,
                    eventTimeBounds);
        }

        public Options withDefaultDedupMinutes(int minutes) {
            return new Options(
                    outOfOrderness,
                    idleness,
                    minutes,
                    correlationSuppression,
                    allowedLateness,
                    stateTtl,
                    timeRange,
                    evidenceLimit,
                    eventTimeBounds);
        }

        public Options withCorrelationSuppression(Duration d) {
            return new Options(
                    outOfOrderness,
                    idleness,
                    defaultDedupMinutes,
                    d,
                    allowedLateness,
                    stateTtl,
                    timeRange,
                    evidenceLimit,
                    eventTimeBounds);
        }

        public Options withAllowedLateness(Duration d) {
            return new Options(
                    outOfOrderness,
                    idleness,
                    defaultDedupMinutes,
                    correlationSuppression,
                    d,
                    stateTtl,
                    timeRange,
                    evidenceLimit,
                    eventTimeBounds);
        }

        public Options withStateTtl(Duration d) {
            return new Options(
                    outOfOrderness,
                    idleness,
                    defaultDedupMinutes,
                    correlationSuppression,
                    allowedLateness,
                    d,
                    timeRange,
                    evidenceLimit,
                    eventTimeBounds);
        }

        public Options withEvidenceLimit(int limit) {
            return new Options(
                    outOfOrderness,
                    idleness,
                    defaultDedupMinutes,
                    correlationSuppression,
                    allowedLateness,
                    stateTtl,
                    timeRange,
                    limit,
                    eventTimeBounds);
        }

        public Options withEventTimeBounds(EventTimeBounds b) {
            return new Options(
                    outOfOrderness,
                    idleness,
                    defaultDedupMinutes,
                    correlationSuppression,
                    allowedLateness,
                    stateTtl,
                    timeRange,
                    evidenceLimit,
                    b);
        }

        public Options withTimeRange(TimeRange r) {
            return new Options(
                    outOfOrderness,
                    idleness,
                    defaultDedupMinutes,
                    correlationSuppression,
                    allowedLateness,
                    stateTtl,
                    r,
                    evidenceLimit,
                    eventTimeBounds);
        }
    }

    /**
     * The job's outputs, before sinks: alerts, dead letters, matches that came later than the lateness, and with
     * live rule updates what became of each update (null without).
     */
    public record Outputs(
            DataStream<AlertRecord> alerts,
            DataStream<DeadLetter> deadLetters,
            DataStream<LateRecord> late,
            DataStream<RuleUpdateStatus> ruleUpdates) {}

    private final RuleProgram program;
    private final RuleSet rules;
    private final Options options;
    private final CompiledMatcher matcher;
    private final CorrelationEngine engine;
    /** Null: the rules are fixed for the job's life. */
    private LiveRules live;

    private int minStages = 1;
    /** Null, or where a BATCH run also writes its new_terms priming savepoint ({@link NewTermsPriming}). */
    private String primeSavepoint;

    private boolean pruneSignals = true;

    /** A job running {@code program}; IllegalArgumentException, listing them, when the program has errors. */
    public DetectionJob(RuleProgram program, Options options) {
        this.program = Objects.requireNonNull(program, "program").requireOk();
        this.options = Objects.requireNonNull(options, "options");
        this.rules = program.rules();
        this.matcher = program.matcher();
        this.engine = program.engine();
    }

    /**
     * Turns on live rule updates: {@link #build(DataStream, DataStream)} then takes a control stream of
     * {@link RuleUpdate}s, validated once ({@link RuleUpdateValidator}, parallelism 1) and broadcast to detect
     * and every correlate stage. The topology keeps every uid of the fixed-rules job; it adds the validator.
     */
    public DetectionJob live(LiveRules liveRules) {
        this.live = Objects.requireNonNull(liveRules, "liveRules");
        return this;
    }

    /**
     * Runs at least {@code n} correlate stages, so that live updates may chain correlations that deep without
     * a restart (stages the rules do not use pass nothing).
     */
    public DetectionJob correlateStages(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("correlate stages must be at least 1, got " + n);
        }
        this.minStages = n;
        return this;
    }

    /**
     * Also writes, when the (BATCH) job runs, a savepoint of the new_terms state its input leaves
     * ({@link NewTermsPriming}) to {@code path}, for a streaming job to start from.
     */
    public DetectionJob primeNewTerms(String path) {
        this.primeSavepoint = Objects.requireNonNull(path, "path");
        return this;
    }

    /**
     * Whether a BATCH job with fixed rules prunes the signals no alert can need ({@link AnchorPruning}); on by
     * default. Off only to compare with it: the alerts are the same either way.
     */
    public DetectionJob pruneSignals(boolean on) {
        this.pruneSignals = on;
        return this;
    }

    /** The correlate stages this job's graph has. */
    public int stages() {
        return Math.max(minStages, Math.max(1, engine.stages()));
    }

    /** Builds the topology over {@code source} and returns its outputs for the caller's sinks. */
    public Outputs build(DataStream<RawRecord> source) {
        if (live != null) {
            throw new IllegalStateException("a job with live rule updates is built with its control stream");
        }
        return build(source, null);
    }

    /**
     * Builds the topology with live rule updates from {@code updates} (see {@link #live}); with {@code updates}
     * null, the fixed-rules topology.
     */
    public Outputs build(DataStream<RawRecord> source, DataStream<RuleUpdate> updates) {
        if ((updates == null) != (live == null)) {
            throw new IllegalStateException(
                    live == null
                            ? "rule updates need live(...) first"
                            : "a job with live rule updates needs its control stream");
        }
        int stageCount = stages();
        boolean batch = isBatch(source);
        // Every job runs the same functions: the start rules are what they hold from the beginning, and a job
        // without live updates has a control stream with nothing in it.
        LiveRules liveRules = (live != null ? live : fixedRules()).withStages(stageCount);
        // BATCH with fixed rules (a hunt, a run over files): detect takes the records alone and chains to the
        // readers (DetectOperator), and the correlate stages' control stream ends at once instead of with the
        // input. Drawn from the input, it would end only once every file was read.
        boolean fixedRulesBatch = batch && updates == null;
        DataStream<RuleUpdate> control = updates != null
                ? updates
                : fixedRulesBatch ? noUpdates(endsAtOnce(source.getExecutionEnvironment())) : noUpdates(source);
        SingleOutputStreamOperator<RuleUpdate> validated = control.transform(
                        "validate rule updates",
                        TypeInformation.of(RuleUpdate.class),
                        new RuleUpdateValidator(liveRules))
                .setParallelism(1)
                .setMaxParallelism(1)
                .uid(RuleUpdateValidator.UID);
        DetectOperator detect = new DetectOperator(new DetectFunction(
                matcher,
                engine,
                options.timeRange(),
                options.defaultDedupMinutes(),
                liveRules,
                options.eventTimeBounds()));
        TypeInformation<SignalRecord> signalType = TypeInformation.of(SignalRecord.class);
        SingleOutputStreamOperator<SignalRecord> detected = (fixedRulesBatch
                        ? source.transform("detect", signalType, detect)
                        : source.connect(validated.broadcast()).transform("detect", signalType, detect))
                .uid(UID_DETECT);

        if (primeSavepoint != null) {
            if (!batch) {
                throw new IllegalStateException("a priming savepoint is written by a BATCH job (a hunt)");
            }
            NewTermsPriming.attach(detected, engine, primeSavepoint, options.stateTtl(), options.allowedLateness());
        }
        DataStream<SignalRecord> signals = detected.assignTimestampsAndWatermarks(
                        WatermarkStrategy.<SignalRecord>forBoundedOutOfOrderness(options.outOfOrderness())
                                .withTimestampAssigner((r, ts) -> r.time)
                                .withIdleness(options.idleness()))
                .uid(UID_SIGNAL_TIME)
                .name("signal event time");
        // Detect's signals for each stage (index stage - 1).
        List<DataStream<SignalRecord>> fromDetect =
                fixedRulesBatch ? routeInBatch(signals, stageCount) : routeByFilters(signals, stageCount);

        // Stage k takes detect's signals for its plans and the chained firings of every lower stage for them.
        List<DataStream<SignalRecord>> chained = new ArrayList<>();
        List<DataStream<FiredRecord>> fired = new ArrayList<>();
        List<DataStream<LateRecord>> late = new ArrayList<>();
        // BATCH mode sorts each stage's signals by key and time, on numbers that stand for the keys
        // (NumberedSortKeys); keys past its limit name the job's plans by their place in the rule program.
        TypeInformation<GroupKey> keyType =
                batch ? new NumberedSortKeys<>(GroupKey.sortedType(engine.plans())) : GroupKey.TYPE;
        for (int stage = 1; stage <= stageCount; stage++) {
            DataStream<SignalRecord> input = fromDetect.get(stage - 1);
            for (int j = 0; j < chained.size(); j++) {
                input = input.union(forStage(chained.get(j), stage, "stage-" + (j + 1)));
            }
            String uid = stage == 1 ? CorrelateFunction.UID : CorrelateFunction.UID + "-" + stage;
            String name = stage == 1 ? "correlate" : "correlate stage " + stage;
            CorrelateFunction correlate = new CorrelateFunction(
                    engine, liveRules, name, options.stateTtl(), options.allowedLateness(), batch);
            // BATCH mode: same-instant signals of a group in one order (see dedup below).
            SingleOutputStreamOperator<FiredRecord> correlated = input.keyBy(SignalRecord::key, keyType)
                    .connect(validated.broadcast())
                    .transform(
                            name,
                            TypeInformation.of(FiredRecord.class),
                            new CorrelateOperator(correlate, batch ? DetectionJob::signalTieOrder : null))
                    .uid(uid);
            fired.add(correlated);
            DataStream<SignalRecord> chainedOut = correlated.getSideOutput(CorrelateFunction.CHAINED_SIGNALS);
            if (batch && stage < stageCount) {
                // A chained signal leaves its stage with the stamp of the record or timer that fired it; BATCH
                // sorts each group's signals by their stamps, and the next stage takes the order for its
                // watermark, so it is stamped with its own time (detect's signals already are). Here, chained to
                // this stage, rather than on the next stage's union, which would be a task of its own. Watermark
                // strategies do nothing in BATCH; this only sets the stamps.
                chainedOut = chainedOut
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<SignalRecord>noWatermarks().withTimestampAssigner((r, ts) -> r.time))
                        .uid("tripline-chained-signal-time-stage-" + stage)
                        .name("chained signal event time, stage " + stage);
            }
            chained.add(chainedOut);
            late.add(correlated.getSideOutput(CorrelateFunction.LATE));
        }
        CorrelationAlerts toAlerts = new CorrelationAlerts(DedupPolicy.suppression(options.correlationSuppression()));
        // BATCH: each stage's firings become alerts in the stage's own task, chained to it, rather than in one
        // task behind their union: a task less to schedule and a blocking exchange less to write and read. A stream
        // keeps the one task, whose uid its savepoints hold.
        List<DataStream<FiredRecord>> firings = fired;
        if (!batch) {
            DataStream<FiredRecord> allFired = fired.get(0);
            for (int i = 1; i < fired.size(); i++) {
                allFired = allFired.union(fired.get(i));
            }
            firings = List.of(allFired);
        }
        DataStream<AlertRecord> composite = null;
        for (int i = 0; i < firings.size(); i++) {
            DataStream<AlertRecord> alerts = firings.get(i)
                    .flatMap(toAlerts)
                    .returns(TypeInformation.of(AlertRecord.class))
                    .uid(batch ? UID_CORRELATION_ALERTS + "-stage-" + (i + 1) : UID_CORRELATION_ALERTS)
                    .name(batch ? "correlation alerts, stage " + (i + 1) : "correlation alerts");
            composite = composite == null ? alerts : composite.union(alerts);
        }

        DataStream<AlertRecord> single = detected.getSideOutput(DetectFunction.SINGLE_MATCHES)
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<SingleMatch>forBoundedOutOfOrderness(options.outOfOrderness())
                                .withTimestampAssigner((m, ts) -> m.eventTime)
                                .withIdleness(options.idleness()))
                .uid(UID_SINGLE_TIME)
                .name("single event time")
                .map(AlertRecord::of)
                .returns(TypeInformation.of(AlertRecord.class))
                .uid(UID_SINGLE_ALERTS)
                .name("single alerts");

        // BATCH: sorted on numbers that stand for the dedup keys, as the signals are (NumberedSortKeys).
        KeyedStream<AlertRecord, String> candidates = single.union(composite)
                .keyBy(a -> a.dedupKey, batch ? new NumberedSortKeys<>(Types.STRING) : Types.STRING);
        DedupFunction dedup = new DedupFunction(
                options.allowedLateness().toMillis(),
                options.evidenceLimit(),
                // Bounded input in BATCH mode: one final line per period, independent of arrival order. A stream
                // emits at once and updates.
                batch ? DedupFunction.Emission.FINAL : DedupFunction.Emission.LIVE);
        // BATCH mode sorts by key and time only; equal times must still reach dedup in one order, or the evidence
        // (and the alert id) of a period would follow the arrival order of CloudTrail's same-second events.
        SingleOutputStreamOperator<AlertRecord> alerts = (batch
                        ? candidates.transform(
                                "dedup",
                                TypeInformation.of(AlertRecord.class),
                                new TieOrderedKeyedOperator<>(dedup, DetectionJob::tieOrder))
                        : candidates.process(dedup))
                .uid(DedupFunction.UID)
                .name("dedup");
        DataStream<LateRecord> allLate = alerts.getSideOutput(DedupFunction.LATE);
        for (DataStream<LateRecord> l : late) {
            allLate = allLate.union(l);
        }
        return new Outputs(
                alerts,
                detected.getSideOutput(DetectFunction.DEAD_LETTERS),
                allLate,
                updates == null ? null : validated.getSideOutput(RuleUpdateValidator.STATUS));
    }

    /** True when {@code stream}'s environment runs in BATCH mode (a hunt, a run over files). */
    private static boolean isBatch(DataStream<?> stream) {
        return stream.getExecutionEnvironment().getConfiguration().get(ExecutionOptions.RUNTIME_MODE)
                == RuntimeExecutionMode.BATCH;
    }

    /**
     * The order of alert candidates with the same dedup key and time: by their encoded alert, which is the same
     * for the same match whatever the file order or parallelism. Any fixed order does; this one needs no decoding.
     */
    private static int tieOrder(AlertRecord a, AlertRecord b) {
        return Arrays.compareUnsigned(a.alertBytes(), b.alertBytes());
    }

    /** The order of signals with the same group and time: by their typed fields, then their packed evidence. */
    private static int signalTieOrder(SignalRecord a, SignalRecord b) {
        int c = Integer.compare(a.ruleIndex, b.ruleIndex);
        if (c == 0) {
            c = a.ruleId.compareTo(b.ruleId);
        }
        if (c == 0) {
            c = Objects.compare(a.value, b.value, Comparator.nullsFirst(Comparator.naturalOrder()));
        }
        return c != 0 ? c : Arrays.compareUnsigned(a.evidence, b.evidence);
    }

    /** Detect's signals for each stage: a filter per stage (the streaming graph's uids), none for a single stage. */
    private static List<DataStream<SignalRecord>> routeByFilters(DataStream<SignalRecord> signals, int stageCount) {
        List<DataStream<SignalRecord>> byStage = new ArrayList<>();
        for (int stage = 1; stage <= stageCount; stage++) {
            byStage.add(stageCount == 1 ? signals : forStage(signals, stage, "detect"));
        }
        return byStage;
    }

    /**
     * BATCH with fixed rules: detect's signals for each stage, sent there by one operator chained to detect
     * ({@link SignalRouter}), and with pruning on, without those no alert can need: {@link AnchorPruning} calls
     * them prunable, and {@link AnchorFilter}, which reads every anchor first, drops those whose group has no anchor
     * (docs/correlation.md, "Pruning in BATCH runs"). Only the prunable signals take that detour; the few it keeps
     * are then sent to their stage. A streaming job keeps every signal: its anchors may come after the signals
     * that need them.
     */
    private List<DataStream<SignalRecord>> routeInBatch(DataStream<SignalRecord> signals, int stageCount) {
        AnchorPruning pruning = pruneSignals ? AnchorPruning.of(engine) : AnchorPruning.none();
        SingleOutputStreamOperator<SignalRecord> routed = signals.transform(
                        "route signals", SignalRecord.TYPE, new SignalRouter(pruning, stageCount))
                .uid(SignalRouter.UID);
        DataStream<SignalRecord> kept = pruning.isEmpty()
                ? null
                : routed.getSideOutput(SignalRouter.PRUNABLE)
                        .connect(routed.getSideOutput(SignalRouter.ANCHORS).broadcast())
                        .transform("prune signals without anchor", SignalRecord.TYPE, new AnchorFilter())
                        .uid(AnchorFilter.UID);
        List<DataStream<SignalRecord>> byStage = new ArrayList<>();
        for (int stage = 1; stage <= stageCount; stage++) {
            DataStream<SignalRecord> s = stage == 1 ? routed : routed.getSideOutput(SignalRouter.stage(stage));
            if (kept != null) {
                s = s.union(stageCount == 1 ? kept : forStage(kept, stage, "anchor-filter"));
            }
            byStage.add(s);
        }
        return byStage;
    }

    /** The signals of {@code in} whose plan lives in {@code stage}, under the rules that made them. */
    private static DataStream<SignalRecord> forStage(DataStream<SignalRecord> in, int stage, String from) {
        return in.filter(r -> r.stage == stage)
                .uid("tripline-route-" + from + "-to-stage-" + stage)
                .name("signals for stage " + stage);
    }

    /**
     * The control stream of a job without live updates: nothing, drawn from {@code input} by a stateless operator,
     * so that it ends with the input, holds no state a savepoint would have to carry (a savepoint of such a job
     * restores into one with live updates, and back) and holds nothing back (the validator sends the final
     * watermark at once).
     */
    public static <T> DataStream<RuleUpdate> noUpdates(DataStream<T> input) {
        return input.flatMap((T in, Collector<RuleUpdate> out) -> {})
                .returns(TypeInformation.of(RuleUpdate.class))
                .uid(UID_NO_RULE_UPDATES)
                .name("no rule updates");
    }

    /**
     * One element, at once, for {@link #noUpdates} to turn into nothing: a control stream of fixed rules that does
     * not wait for the input. Same uid scheme as the rest of the graph; it holds no state.
     */
    private static DataStream<Long> endsAtOnce(StreamExecutionEnvironment env) {
        return env.fromSequence(0, 0)
                .setParallelism(1)
                .uid(UID_NO_RULE_UPDATES + "-source")
                .name("fixed rules");
    }

    /** The load options and digest of a job that takes no updates. */
    private LiveRules fixedRules() {
        return new LiveRules(RuleLoadOptions.defaults(), program.digest(), 1);
    }

    /** Builds the topology over {@code source} and attaches the sinks. */
    public void attach(DataStream<RawRecord> source, Sink<AlertRecord> alertSink, Sink<DeadLetter> deadLetterSink) {
        attach(source, null, alertSink, deadLetterSink);
    }

    /** As {@link #attach(DataStream, Sink, Sink)} with live rule updates from {@code updates} (null: none). */
    public Outputs attach(
            DataStream<RawRecord> source,
            DataStream<RuleUpdate> updates,
            Sink<AlertRecord> alertSink,
            Sink<DeadLetter> deadLetterSink) {
        Outputs out = build(source, updates);
        out.alerts().sinkTo(alertSink).uid("tripline-alert-sink").name("alert sink");
        out.deadLetters()
                .sinkTo(deadLetterSink)
                .uid("tripline-dead-letter-sink")
                .name("dead-letter sink");
        return out;
    }
}
