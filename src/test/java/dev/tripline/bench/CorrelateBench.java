package dev.tripline.bench;

import static dev.tripline.bench.EndToEndBench.log;
import static dev.tripline.bench.EndToEndBench.median;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.CorrelationState;
import dev.tripline.correlate.MapCorrelator;
import dev.tripline.correlate.MapGroupState;
import dev.tripline.correlate.Signal;
import dev.tripline.flink.CorrelateFunction;
import dev.tripline.flink.CorrelateOperator;
import dev.tripline.flink.DetectFunction;
import dev.tripline.flink.FiredRecord;
import dev.tripline.flink.GroupKey;
import dev.tripline.flink.Harnesses;
import dev.tripline.flink.LiveRules;
import dev.tripline.flink.RawRecord;
import dev.tripline.flink.RuleUpdate;
import dev.tripline.flink.SignalRecord;
import dev.tripline.job.DetectionJob;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.RuleSet;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cep.CEP;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.util.Collector;

/**
 * Item 3 of the benchmark issue, the correlate stage: Tripline's {@link CorrelateFunction} against the flagship
 * written as a Flink CEP pattern, in the same Flink harness over the same input, and the state Tripline keeps
 * for a million principals with an open sequence, checkpointed with RocksDB.
 *
 * <p><b>Throughput.</b> Input: the signals that Tripline's detect stage ({@link DetectFunction}, run once over the
 * generated file before anything is timed) emits for the flagship's two correlations, i.e. the successful
 * unapproved EnableRegions, resource creations and access keys, each carrying its correlation's group
 * (account, principal, and for the resource arm the region through the alias), keyed by
 * {@link SignalRecord#key}. Parsing and matching are item 1 and 2; putting them in front of both sides would
 * time the same work twice and hide the stage being compared. Both jobs: the same in-memory source at the same
 * parallelism, the same event-time watermarks (15 minutes out-of-orderness, as the job; every 200 ms, or with
 * {@code --watermarks event-time} as the replayed signals' event time advances: {@link EventTimeWatermarks}),
 * keyBy the same key;
 * then either {@code CorrelateFunction} or {@code CEP.pattern(...)} with {@link #flagshipPattern()}; a sink that
 * counts flagship alerts by key, so the two sides can be held to the same answer. The day's signals are replayed
 * {@code --copies} times, each copy a day later (windows are an hour, so copies never meet), to give each run
 * enough work to time; each run is timed from its source's first signal to the job's end ({@link #FIRST_EMIT}),
 * so job submission and deployment are left out; {@code --warmups} unmeasured runs of each side first (3: both
 * sides were still getting faster over the first three after a single one), then ABBA order, medians, ratio.
 *
 * <p><b>State.</b> {@code --principals} distinct principals each enable an unapproved region and do nothing
 * else ({@link CloudTrailGenerator#enableRegions}), so every one holds an open partial match for each of the two
 * correlations. The records go through detect → keyBy → {@code CorrelateFunction} on {@link EmbeddedRocksDBStateBackend} (what each key stores, slot
 * index, slot key and packed evidence, summed beside it, {@link StoredBytes}) with full
 * (non-incremental) checkpoints to a local directory; once every record is in, {@code --checkpoints}
 * checkpoints are triggered one after another and their sizes and durations read from the job's checkpoint
 * statistics.
 */
public final class CorrelateBench {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The flagship's single-event rules (rules/aws/cloudtrail/aws_unused_region_then_activity.yml). */
    static final String UNAPPROVED_REGION_ENABLED = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a01";

    static final String RESOURCE_CREATED = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a02";
    static final String ACCESS_KEY_CREATED = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a03";
    static final Duration TIMESPAN = Duration.ofMinutes(60);
    static final Duration OUT_OF_ORDERNESS = Duration.ofMinutes(15);
    static final long DAY = Duration.ofDays(1).toMillis();

    private CorrelateBench() {}

    // ---- input ------------------------------------------------------------------------------------------------

    /** The flagship signals of a file, in file order, through DetectFunction (one thread, Flink's test harness). */
    static List<SignalRecord> flagshipSignals(Path file, RuleSet rules) throws Exception {
        CompiledMatcher matcher = CompiledMatcher.compile(rules.rules());
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        List<SignalRecord> out = new ArrayList<>();
        try (BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h =
                        Harnesses.detect(new DetectFunction(matcher, engine));
                BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while ((line = r.readLine()) != null) {
                h.processElement(new RawRecord(file.toString(), ++n, line.getBytes(StandardCharsets.UTF_8)), 0L);
                if (n % 4096 == 0) {
                    drain(h, out);
                }
            }
            drain(h, out);
        }
        return out;
    }

    private static void drain(
            BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h, List<SignalRecord> out) {
        for (SignalRecord s : h.extractOutputValues()) {
            if (CloudTrailGenerator.FLAGSHIP.contains(s.planId)) {
                out.add(s);
            }
        }
        h.getOutput().clear();
        for (var tag : List.of(DetectFunction.SINGLE_MATCHES, DetectFunction.DEAD_LETTERS)) {
            ConcurrentLinkedQueue<?> side = h.getSideOutput(tag);
            if (side != null) {
                side.clear();
            }
        }
    }

    /** The signals {@code copies} times, copy k shifted k days later in event time (re-encoded, re-keyed). */
    static List<SignalRecord> replay(List<SignalRecord> day, int copies, CorrelationEngine engine) {
        List<SignalRecord> out = new ArrayList<>(day.size() * copies);
        for (int k = 0; k < copies; k++) {
            for (SignalRecord r : day) {
                if (k == 0) {
                    out.add(r);
                    continue;
                }
                Signal s = Harnesses.signal(r, engine);
                out.add(SignalRecord.of(
                        engine.plan(r.planId),
                        new Signal(s.ruleIndex(), s.ruleId(), s.time() + k * DAY, s.group(), s.value(), s.evidence()),
                        r.stage));
            }
        }
        return out;
    }

    // ---- the harness ------------------------------------------------------------------------------------------

    /** What the current job reads; a static because the local cluster runs in this JVM. */
    static volatile List<SignalRecord> input = List.of();
    /** Flagship alerts of the current job: key to count. */
    static final Map<String, Long> ALERTS = new ConcurrentHashMap<>();
    /**
     * When the current job's source emitted its first signal (System.nanoTime; 0 before): throughput is timed
     * from there to the job's end, so the cluster's submission and deployment of the job, the same for both
     * sides and up to a second here, do not dilute the stages being compared.
     */
    static final java.util.concurrent.atomic.AtomicLong FIRST_EMIT = new java.util.concurrent.atomic.AtomicLong();
    /**
     * The JVM's CPU time (all threads, nanoseconds) when the current job's source emitted its first signal. On a
     * shared machine the wall time of a run mostly measures what share of the cores the job got; the CPU time it
     * used is the work it did, and signals per CPU-second compare the two sides' costs much more steadily.
     */
    static final java.util.concurrent.atomic.AtomicLong FIRST_EMIT_CPU = new java.util.concurrent.atomic.AtomicLong();

    /** CPU time this JVM has used so far, all threads, nanoseconds. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Marks the start of the timed part of a run, once per job (both source subtasks call it). */
    static void firstEmit() {
        if (FIRST_EMIT.compareAndSet(0, System.nanoTime())) {
            FIRST_EMIT_CPU.set(processCpuNanos());
        }
    }

    /** Each subtask emits every parallelism-th signal of {@link #input}, in order. */
    static final class ListSource extends RichParallelSourceFunction<SignalRecord> {
        private static final long serialVersionUID = 1L;
        private volatile boolean running = true;

        @Override
        public void run(SourceContext<SignalRecord> ctx) {
            List<SignalRecord> in = input;
            int n = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
            firstEmit();
            for (int i = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(); running && i < in.size(); i += n) {
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(in.get(i));
                }
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    static DataStream<SignalRecord> signals(StreamExecutionEnvironment env) {
        WatermarkStrategy<SignalRecord> watermarks = watermarksFollowEventTime
                ? WatermarkStrategy.forGenerator(c -> new EventTimeWatermarks())
                : WatermarkStrategy.forBoundedOutOfOrderness(OUT_OF_ORDERNESS);
        return env.addSource(new ListSource(), "signals", TypeInformation.of(SignalRecord.class))
                .assignTimestampsAndWatermarks(watermarks.withTimestampAssigner((r, ts) -> r.time))
                .name("signal event time");
    }

    /**
     * {@code --watermarks event-time}: both sides' watermarks follow the replayed event time ({@link
     * EventTimeWatermarks}); by default ({@code periodic}) Flink emits them every 200 ms of the machine's time,
     * as the harness always has. Set once by {@link #main}, before any job is built.
     */
    static boolean watermarksFollowEventTime;

    /** How far the latest event time moves before {@link EventTimeWatermarks} emits the next watermark. */
    static final long WATERMARK_STEP = Duration.ofMinutes(1).toMillis();

    /**
     * The job's watermark ({@link #OUT_OF_ORDERNESS} behind the latest event time), emitted as the replayed
     * signals' event time advances, every {@link #WATERMARK_STEP} of it, instead of every 200 ms of the
     * machine's time. A replay covers days of event time in seconds: with periodic watermarks the watermark lags
     * by hours to days, and how far, so how much each side buffers, depends on how fast the run goes; a live
     * stream's watermark stays minutes behind. Keeps the latest event time and the last watermark emitted.
     */
    static final class EventTimeWatermarks implements WatermarkGenerator<SignalRecord> {
        private long latest = Long.MIN_VALUE;
        private long emitted = Long.MIN_VALUE;

        @Override
        public void onEvent(SignalRecord r, long time, WatermarkOutput out) {
            if (time <= latest) {
                return;
            }
            latest = time;
            long watermark = latest - OUT_OF_ORDERNESS.toMillis() - 1;
            if (emitted == Long.MIN_VALUE || watermark - emitted >= WATERMARK_STEP) {
                emitted = watermark;
                out.emitWatermark(new Watermark(watermark));
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput out) {
            // Nothing: watermarks follow event time only; the end of input brings the final one.
        }
    }

    /** Tripline's correlate stage as DetectionJob builds stage 1 of a STREAMING job. */
    static SingleOutputStreamOperator<FiredRecord> correlate(DataStream<SignalRecord> in, CorrelationEngine engine) {
        return correlate(in, DetectionJob.noUpdates(in), engine);
    }

    /** {@link #correlate(DataStream, CorrelationEngine)} on a control stream the job already has (one per job). */
    static SingleOutputStreamOperator<FiredRecord> correlate(
            DataStream<SignalRecord> in, DataStream<RuleUpdate> updates, CorrelationEngine engine) {
        return in.keyBy(SignalRecord::key, GroupKey.TYPE)
                .connect(updates.broadcast())
                .transform(
                        "correlate",
                        TypeInformation.of(FiredRecord.class),
                        new CorrelateOperator(new CorrelateFunction(engine), null));
    }

    /** Tripline: keyBy the signal's key, CorrelateFunction (as DetectionJob's stage 1), count flagship alerts. */
    static JobGraph triplineJob(RuleSet rules, int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        correlate(signals(env), engine).addSink(new FiredSink()).name("count");
        return env.getStreamGraph().getJobGraph();
    }

    /**
     * The harness alone: the same source, watermarks and keyBy on the signal's key as {@link #triplineJob}, and a
     * keyed operator that only counts what it is given. Its rate is the most either side could reach here; what
     * each side stays below it is the cost of its own operator.
     */
    static JobGraph floorJob(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        signals(env)
                .keyBy(SignalRecord::key, GroupKey.TYPE)
                .process(new CountOnly())
                .returns(Types.LONG)
                .name("count only")
                .sinkTo(new DiscardingSink<>())
                .name("discard");
        return env.getStreamGraph().getJobGraph();
    }

    /** Emits one count at the end of input: per signal, nothing but the call. */
    static final class CountOnly extends KeyedProcessFunction<GroupKey, SignalRecord, Long> {
        private static final long serialVersionUID = 1L;
        private long seen;

        @Override
        public void processElement(SignalRecord r, Context ctx, Collector<Long> out) {
            seen++;
        }
    }

    static final class FiredSink implements SinkFunction<FiredRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void invoke(FiredRecord r, Context context) {
            if (r.alert && CloudTrailGenerator.FLAGSHIP.contains(r.correlationId)) {
                ALERTS.merge(r.key, 1L, Long::sum);
            }
        }
    }

    /**
     * The signal as CEP sees it: the same key and time, and the rule that matched, decoded once (CorrelateFunction
     * decodes each signal once too).
     */
    public static class CepSignal {
        public String key;
        public String ruleId;
        public long time;
        public byte[] signal;

        public CepSignal() {}

        static CepSignal of(SignalRecord r) {
            CepSignal c = new CepSignal();
            c.key = r.key().toString();
            c.ruleId = r.ruleId;
            c.time = r.time;
            c.signal = r.evidence;
            return c;
        }
    }

    static final class ToCep implements MapFunction<SignalRecord, CepSignal> {
        private static final long serialVersionUID = 1L;

        @Override
        public CepSignal map(SignalRecord r) {
            return CepSignal.of(r);
        }
    }

    static final class RuleIs extends SimpleCondition<CepSignal> {
        private static final long serialVersionUID = 1L;
        private final Set<String> ids;

        RuleIs(String... ids) {
            this.ids = Set.of(ids);
        }

        @Override
        public boolean filter(CepSignal s) {
            return ids.contains(s.ruleId);
        }
    }

    /**
     * The flagship in CEP, read off the rule file: a successful unapproved EnableRegion, then (relaxed contiguity,
     * other signals may come between) a successful resource creation or access key by the same group, within 60
     * minutes; the region of the resource arm is in the key, as Tripline's alias puts it in the group. After a
     * match the partial matches that started before its end are dropped: Tripline consumes the signals inside a
     * match's time range, so both sides raise one alert for an EnableRegion followed by several creations.
     */
    static Pattern<CepSignal, CepSignal> flagshipPattern() {
        return Pattern.<CepSignal>begin("enabled", AfterMatchSkipStrategy.skipPastLastEvent())
                .where(new RuleIs(UNAPPROVED_REGION_ENABLED))
                .followedBy("activity")
                .where(new RuleIs(RESOURCE_CREATED, ACCESS_KEY_CREATED))
                .within(TIMESPAN);
    }

    static JobGraph cepJob(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        DataStream<CepSignal> keyed = signals(env)
                .map(new ToCep())
                .returns(CepSignal.class)
                .name("to CEP")
                .keyBy(c -> c.key, Types.STRING);
        CEP.pattern(keyed, flagshipPattern())
                .inEventTime()
                .process(new CepMatch(), Types.STRING)
                .name("CEP flagship")
                .addSink(new KeySink())
                .name("count");
        return env.getStreamGraph().getJobGraph();
    }

    static final class CepMatch extends PatternProcessFunction<CepSignal, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processMatch(Map<String, List<CepSignal>> match, Context ctx, Collector<String> out) {
            out.collect(match.get("enabled").get(0).key);
        }
    }

    static final class KeySink implements SinkFunction<String> {
        private static final long serialVersionUID = 1L;

        @Override
        public void invoke(String key, Context context) {
            ALERTS.merge(key, 1L, Long::sum);
        }
    }

    /**
     * @param cpuSeconds CPU time the whole JVM used over the same span as {@code seconds}
     */
    record Run(double seconds, double signalsPerSecond, long alerts, Map<String, Long> byKey, double cpuSeconds) {
        double signalsPerCpuSecond(int signals) {
            return signals / cpuSeconds;
        }
    }

    static Run run(MiniCluster cluster, JobGraph job, List<SignalRecord> in) throws Exception {
        input = in;
        ALERTS.clear();
        System.gc();
        FIRST_EMIT.set(0);
        JobID id = cluster.submitJob(job).get().getJobID();
        var result = cluster.requestJobResult(id).get();
        double s = (System.nanoTime() - FIRST_EMIT.get()) / 1e9;
        double cpu = (processCpuNanos() - FIRST_EMIT_CPU.get()) / 1e9;
        if (!result.isSuccess()) {
            throw new IllegalStateException(
                    "job failed",
                    result.getSerializedThrowable()
                            .map(t -> t.deserializeError(CorrelateBench.class.getClassLoader()))
                            .orElse(null));
        }
        Map<String, Long> byKey = new HashMap<>(ALERTS);
        long alerts = byKey.values().stream().mapToLong(Long::longValue).sum();
        return new Run(s, in.size() / s, alerts, byKey, cpu);
    }

    record Throughput(
            int signalsPerDay,
            int copies,
            List<Double> tripline,
            List<Double> cep,
            List<Double> floor,
            long triplineAlerts,
            long cepAlerts,
            int keysOnlyTripline,
            int keysOnlyCep,
            long planted,
            List<Double> triplineCpu,
            List<Double> cepCpu) {
        double triplineMedian() {
            return median(tripline);
        }

        double cepMedian() {
            return median(cep);
        }

        double ratio() {
            return triplineMedian() / cepMedian();
        }

        double pairedRatio() {
            return EndToEndBench.pairedRatio(tripline, cep);
        }

        double floorMedian() {
            return median(floor);
        }

        /** Signals per CPU-second of the whole JVM, median of the Tripline runs; steadier than the wall figures. */
        double triplineCpuMedian() {
            return median(triplineCpu);
        }

        double cepCpuMedian() {
            return median(cepCpu);
        }

        /** Tripline over CEP in signals per CPU-second: the cost ratio of the two jobs, whatever share they got. */
        double cpuRatio() {
            return triplineCpuMedian() / cepCpuMedian();
        }

        double pairedCpuRatio() {
            return EndToEndBench.pairedRatio(triplineCpu, cepCpu);
        }

        /** The best ratio any correlate operator could show against CEP here: the harness alone against CEP. */
        double ceilingRatio() {
            return floorMedian() / cepMedian();
        }

        /**
         * CEP's operator cost per signal over Tripline's, each the time per signal above the harness alone (medians):
         * the ratio of the two operators with the shared plumbing taken out.
         */
        double operatorCostRatio() {
            double f = 1 / floorMedian();
            return (1 / cepMedian() - f) / (1 / triplineMedian() - f);
        }
    }

    static Throughput throughput(
            MiniCluster cluster,
            RuleSet rules,
            List<SignalRecord> day,
            int copies,
            int warmups,
            int reps,
            int parallelism,
            long planted)
            throws Exception {
        List<SignalRecord> in = replay(day, copies, CorrelationEngine.compile(rules));
        log(
                "correlate: %,d flagship signals a day, %d days, %,d signals a run; %d unmeasured and %d measured"
                        + " repetitions each, parallelism %d; watermarks %s",
                day.size(),
                copies,
                in.size(),
                warmups,
                reps,
                parallelism,
                watermarksFollowEventTime ? "following event time" : "every 200 ms");
        // Unmeasured runs of each, alternated: class loading, the JIT's tiers, CEP's and the correlate's code paths.
        for (int i = 0; i < warmups; i++) {
            run(cluster, triplineJob(rules, parallelism), in);
            run(cluster, cepJob(parallelism), in);
            run(cluster, floorJob(parallelism), in);
        }
        List<Double> t = new ArrayList<>();
        List<Double> c = new ArrayList<>();
        List<Double> f = new ArrayList<>();
        List<Double> tCpu = new ArrayList<>();
        List<Double> cCpu = new ArrayList<>();
        Run lastT = null;
        Run lastC = null;
        for (int i = 0; i < reps; i++) {
            boolean triplineFirst = i % 2 == 0; // ABBA, with the harness alone first or last
            if (!triplineFirst) {
                f.add(floorRun(cluster, parallelism, in, i));
            }
            for (int k = 0; k < 2; k++) {
                if ((k == 0) == triplineFirst) {
                    lastT = run(cluster, triplineJob(rules, parallelism), in);
                    t.add(lastT.signalsPerSecond());
                    tCpu.add(lastT.signalsPerCpuSecond(in.size()));
                    log(
                            "  rep %d tripline correlate %,10.0f signals/s (%.2f s, %,d alerts; %,.0f signals per CPU-s)",
                            i + 1,
                            lastT.signalsPerSecond(),
                            lastT.seconds(),
                            lastT.alerts(),
                            lastT.signalsPerCpuSecond(in.size()));
                } else {
                    lastC = run(cluster, cepJob(parallelism), in);
                    c.add(lastC.signalsPerSecond());
                    cCpu.add(lastC.signalsPerCpuSecond(in.size()));
                    log(
                            "  rep %d flink cep          %,10.0f signals/s (%.2f s, %,d alerts; %,.0f signals per CPU-s)",
                            i + 1,
                            lastC.signalsPerSecond(),
                            lastC.seconds(),
                            lastC.alerts(),
                            lastC.signalsPerCpuSecond(in.size()));
                }
            }
            if (triplineFirst) {
                f.add(floorRun(cluster, parallelism, in, i));
            }
        }
        int onlyT = 0;
        int onlyC = 0;
        for (var e : lastT.byKey().entrySet()) {
            if (!e.getValue().equals(lastC.byKey().get(e.getKey()))) {
                onlyT++;
            }
        }
        for (var e : lastC.byKey().entrySet()) {
            if (!e.getValue().equals(lastT.byKey().get(e.getKey()))) {
                onlyC++;
            }
        }
        Throughput tp = new Throughput(
                day.size(),
                copies,
                t,
                c,
                f,
                lastT.alerts(),
                lastC.alerts(),
                onlyT,
                onlyC,
                planted * copies,
                tCpu,
                cCpu);
        log(
                "  harness alone %,.0f signals/s: at most %.2fx CEP here; operator cost per signal, CEP over Tripline:"
                        + " %.2fx",
                tp.floorMedian(), tp.ceilingRatio(), tp.operatorCostRatio());
        log(
                "  wall: Tripline %,.0f vs CEP %,.0f signals/s = %.2fx (paired %.2fx); CPU: %,.0f vs %,.0f signals per"
                        + " CPU-s = %.2fx (paired %.2fx)",
                tp.triplineMedian(),
                tp.cepMedian(),
                tp.ratio(),
                tp.pairedRatio(),
                tp.triplineCpuMedian(),
                tp.cepCpuMedian(),
                tp.cpuRatio(),
                tp.pairedCpuRatio());
        return tp;
    }

    private static double floorRun(MiniCluster cluster, int parallelism, List<SignalRecord> in, int rep)
            throws Exception {
        Run r = run(cluster, floorJob(parallelism), in);
        log("  rep %d harness alone      %,10.0f signals/s (%.2f s)", rep + 1, r.signalsPerSecond(), r.seconds());
        return r.signalsPerSecond();
    }

    /**
     * Why the correlate stage costs what it costs on this input: what one correlate step handles. One thread, the
     * {@link MapCorrelator} (the same driver and plans as the Flink function), the day's signals in arrival order,
     * windows closed as the job's watermark (15 minutes behind the latest event time) would close them. Per
     * signal: the slots of its group after the step and the encoded size of the group's slot index (what a step
     * that adds or removes a slot rewrites on RocksDB; the evidence of a slot is written once, beside it).
     */
    record StepProfile(
            int signals,
            int groups,
            int hottestGroupSignals,
            double meanOpenSignals,
            int maxOpenSignals,
            double meanStateBytes,
            long maxStateBytes) {}

    static StepProfile stepProfile(RuleSet rules, List<SignalRecord> day) {
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        MapCorrelator correlator = new MapCorrelator(engine);
        Map<String, Integer> perGroup = new HashMap<>();
        long maxTime = Long.MIN_VALUE;
        long open = 0;
        int maxOpen = 0;
        long bytes = 0;
        long maxBytes = 0;
        for (int i = 0; i < day.size(); i++) {
            SignalRecord r = day.get(i);
            CorrelationPlan plan = engine.plan(r.planId);
            perGroup.merge(r.key().toString(), 1, Integer::sum);
            Signal signal = r.signal(plan);
            correlator.onSignal(plan, signal);
            MapGroupState g = correlator.group(plan.id(), signal.group());
            CorrelationState index = g == null ? null : g.index();
            int n = index == null ? 0 : index.size();
            long b = index == null ? 0 : index.toBytes().length;
            open += n;
            bytes += b;
            maxOpen = Math.max(maxOpen, n);
            maxBytes = Math.max(maxBytes, b);
            maxTime = Math.max(maxTime, r.time);
            if (i % 256 == 0) {
                correlator.advanceWatermark(maxTime - OUT_OF_ORDERNESS.toMillis());
            }
        }
        int hottest =
                perGroup.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return new StepProfile(
                day.size(),
                perGroup.size(),
                hottest,
                (double) open / day.size(),
                maxOpen,
                (double) bytes / day.size(),
                maxBytes);
    }

    // ---- a hot principal ---------------------------------------------------------------------------------------

    /**
     * The signals of the hot-principal case, made on the fly (a million records would not fit the heap goal as a
     * list): record 0 is an EnableRegion of the resource correlation, records 1..n are resource creations spread
     * evenly over the following hour at one-second resolution (as CloudTrail stamps them). {@code spread = false}:
     * every creation is in the EnableRegion's group (one principal, the first creation completes the sequence and
     * the rest find no EnableRegion); {@code spread = true}: creation i is in a group of its own (principal
     * suffixed with i), except the first, so both inputs raise the same one alert.
     */
    static final class HotSource extends RichParallelSourceFunction<SignalRecord> {
        private static final long serialVersionUID = 1L;
        private final CorrelationEngine engine;
        /** The two template signals as records' fields ({@link Signal} and the records are not serialisable). */
        private final Template enable;

        private final Template create;
        private final int followUps;
        private final boolean spread;
        private volatile boolean running = true;

        HotSource(CorrelationEngine engine, Signal enable, Signal create, int followUps, boolean spread) {
            CorrelationPlan plan = engine.plan(CloudTrailGenerator.FLAGSHIP_RESOURCES);
            this.engine = engine;
            this.enable = Template.of(SignalRecord.of(plan, enable, 1));
            this.create = Template.of(SignalRecord.of(plan, create, 1));
            this.followUps = followUps;
            this.spread = spread;
        }

        @Override
        public void run(SourceContext<SignalRecord> ctx) {
            firstEmit();
            int n = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
            long t0 = enable.time();
            for (int i = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(); running && i <= followUps; i += n) {
                SignalRecord r;
                if (i == 0) {
                    r = enable.at(t0, create.group());
                } else {
                    long t = t0 + (long) (i - 1) * 3600 / followUps * 1000;
                    String[] group = create.group();
                    if (spread && i > 1) {
                        group = group.clone();
                        group[1] = group[1] + "-" + i;
                    }
                    r = create.at(t, group);
                }
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(r);
                }
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    /** A signal record's fields, serialisable, to stamp out records of other times and groups. */
    record Template(
            String planId,
            String fingerprint,
            String[] group,
            int ruleIndex,
            String ruleId,
            long time,
            String value,
            byte[] evidence)
            implements java.io.Serializable {
        static Template of(SignalRecord r) {
            return new Template(r.planId, r.fingerprint, r.group(), r.ruleIndex, r.ruleId, r.time, r.value, r.evidence);
        }

        SignalRecord at(long t, String[] inGroup) {
            SignalRecord r = new SignalRecord();
            r.planId = planId;
            r.fingerprint = fingerprint;
            r.group(inGroup);
            r.stage = 1;
            r.ruleIndex = ruleIndex;
            r.ruleId = ruleId;
            r.time = t;
            r.value = value;
            r.evidence = evidence;
            return r;
        }
    }

    static JobGraph hotJob(
            RuleSet rules, int parallelism, Signal enable, Signal create, int followUps, boolean spread) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        correlate(
                        env.addSource(
                                        new HotSource(engine, enable, create, followUps, spread),
                                        "signals",
                                        TypeInformation.of(SignalRecord.class))
                                .assignTimestampsAndWatermarks(
                                        WatermarkStrategy.<SignalRecord>forBoundedOutOfOrderness(OUT_OF_ORDERNESS)
                                                .withTimestampAssigner((r, ts) -> r.time)),
                        engine)
                .addSink(new FiredSink())
                .name("count");
        return env.getStreamGraph().getJobGraph();
    }

    /**
     * The hot-principal case: signals/s with every follow-up in one group against the same signals spread over as
     * many groups, ABBA, with the heap sampled during the hot runs: the most used, and the most still live after
     * a collection (what the state and the job really hold).
     */
    record Hot(
            int followUps,
            List<Double> hot,
            List<Double> spread,
            long hotAlerts,
            long spreadAlerts,
            long peakHeapBytes,
            long peakLiveHeapBytes) {
        double ratio() {
            return median(hot) / median(spread);
        }
    }

    static Hot hot(MiniCluster cluster, RuleSet rules, List<SignalRecord> day, int followUps, int reps, int parallelism)
            throws Exception {
        Signal enable = null;
        Signal create = null;
        for (SignalRecord r : day) {
            if (r.planId.equals(CloudTrailGenerator.FLAGSHIP_RESOURCES)) {
                Signal s = r.signal(CorrelationEngine.compile(rules).plan(r.planId));
                if (enable == null && s.ruleId().equals(UNAPPROVED_REGION_ENABLED)) {
                    enable = s;
                }
                if (create == null && s.ruleId().equals(RESOURCE_CREATED)) {
                    create = s;
                }
            }
        }
        if (enable == null || create == null) {
            throw new IllegalStateException("no EnableRegion or resource creation among the flagship signals");
        }
        Signal first = new Signal(
                enable.ruleIndex(), enable.ruleId(), enable.time(), create.group(), enable.value(), enable.evidence());
        log(
                "hot principal: %,d follow-ups in one group vs spread over %,d groups; %d repetitions each",
                followUps, followUps, reps);
        HeapWatch heap = new HeapWatch();
        runHot(cluster, rules, parallelism, first, create, followUps, true, null);
        runHot(cluster, rules, parallelism, first, create, followUps, false, heap);
        List<Double> hot = new ArrayList<>();
        List<Double> spread = new ArrayList<>();
        long[] alerts = new long[2];
        for (int i = 0; i < reps; i++) {
            boolean hotFirst = i % 2 == 0;
            for (int k = 0; k < 2; k++) {
                boolean isHot = (k == 0) == hotFirst;
                Run r = runHot(cluster, rules, parallelism, first, create, followUps, !isHot, isHot ? heap : null);
                (isHot ? hot : spread).add(r.signalsPerSecond());
                alerts[isHot ? 0 : 1] = r.alerts();
                log(
                        "  rep %d %-6s %,10.0f signals/s (%.2f s, %,d alerts)",
                        i + 1, isHot ? "hot" : "spread", r.signalsPerSecond(), r.seconds(), r.alerts());
            }
        }
        log(
                "  heap during the hot runs: %,d MB at most, %,d MB live after a collection at most",
                heap.peak / (1 << 20), heap.peakLive / (1 << 20));
        return new Hot(followUps, hot, spread, alerts[0], alerts[1], heap.peak, heap.peakLive);
    }

    private static Run runHot(
            MiniCluster cluster,
            RuleSet rules,
            int parallelism,
            Signal enable,
            Signal create,
            int followUps,
            boolean spread,
            HeapWatch heap)
            throws Exception {
        if (heap != null) {
            heap.start();
        }
        try {
            return run(
                    cluster,
                    hotJob(rules, parallelism, enable, create, followUps, spread),
                    java.util.Collections.nCopies(followUps + 1, null));
        } finally {
            if (heap != null) {
                heap.stop();
            }
        }
    }

    /** Samples the heap every 50 ms: the most used, and the most used right after a collection. */
    static final class HeapWatch {
        long peak;
        long peakLive;
        private volatile boolean on;
        private Thread thread;

        void start() {
            on = true;
            thread = new Thread(
                    () -> {
                        var memory = java.lang.management.ManagementFactory.getMemoryMXBean();
                        var pools = java.lang.management.ManagementFactory.getMemoryPoolMXBeans();
                        while (on) {
                            peak = Math.max(peak, memory.getHeapMemoryUsage().getUsed());
                            long live = 0;
                            for (var p : pools) {
                                if (p.getType() == java.lang.management.MemoryType.HEAP
                                        && p.getCollectionUsage() != null) {
                                    live += p.getCollectionUsage().getUsed();
                                }
                            }
                            peakLive = Math.max(peakLive, live);
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "heap-watch");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            on = false;
            thread.join();
        }
    }

    // ---- state for a million principals ------------------------------------------------------------------------

    static final AtomicLong EMITTED = new AtomicLong();
    static final AtomicBoolean EMITTED_ALL = new AtomicBoolean();
    static final AtomicBoolean STOP = new AtomicBoolean();

    /**
     * Renders {@code principals} EnableRegion records on the fly ({@link CloudTrailGenerator#enableRegions}, same
     * seed, so the same records every time), then idles until told to stop so that checkpoints
     * can be taken of the loaded state.
     */
    static final class EnableRegionSource extends RichParallelSourceFunction<RawRecord> {
        private static final long serialVersionUID = 1L;
        private final int principals;
        private final long seed;
        private volatile boolean running = true;

        EnableRegionSource(int principals, long seed) {
            this.principals = principals;
            this.seed = seed;
        }

        @Override
        public void run(SourceContext<RawRecord> ctx) throws Exception {
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
                CloudTrailGenerator g = new CloudTrailGenerator(
                        CloudTrailGenerator.Config.defaults().withSeed(seed));
                long n = 0;
                for (int done = 0; running && done < principals; done += STATE_CHUNK) {
                    for (String line : g.enableRegions(Math.min(STATE_CHUNK, principals - done))) {
                        RawRecord r = new RawRecord("enable-regions", ++n, line.getBytes(StandardCharsets.UTF_8));
                        synchronized (ctx.getCheckpointLock()) {
                            ctx.collect(r);
                        }
                    }
                }
                EMITTED.set(n);
                EMITTED_ALL.set(true);
            }
            while (running && !STOP.get()) {
                Thread.sleep(20);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    static final int STATE_CHUNK = 10_000;

    /**
     * RocksDB as one would run it for many keys: bloom filters on. Every new principal's first signal looks its key
     * up and misses; without a filter each miss reads a block of every overlapping file, which held this job to
     * about 1,500 records/s (measured while writing this benchmark).
     */
    static Configuration rocksDbOptions() {
        Configuration c = new Configuration();
        c.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        return c;
    }

    static final AtomicLong STORED_BYTES = new AtomicLong();
    static final AtomicLong STORED_STATES = new AtomicLong();

    /**
     * What CorrelateFunction stores for each signal of this workload: every key gets exactly one signal (one
     * principal, one correlation), so its state is that of one step on an empty group
     * ({@link MapGroupState#storedBytes}: slot index, slot key, packed evidence). Summed beside the job rather than
     * read back out of RocksDB.
     */
    static final class StoredBytes implements MapFunction<SignalRecord, Integer> {
        private static final long serialVersionUID = 1L;
        private final CorrelationEngine engine;

        StoredBytes(CorrelationEngine engine) {
            this.engine = engine;
        }

        @Override
        public Integer map(SignalRecord r) {
            Signal s = r.signal(engine.plan(r.planId));
            MapGroupState g = new MapGroupState(s.group());
            // The timer as the driver sets it (without lateness: it changes no byte count), stored with the index.
            g.timer(engine.plan(r.planId).step(g, s).nextTimer());
            int n = (int) g.storedBytes();
            STORED_BYTES.addAndGet(n);
            STORED_STATES.incrementAndGet();
            return n;
        }
    }

    record Checkpoint(long id, long stateBytes, long durationMillis) {}

    record State(
            int principals,
            long openPartialMatches,
            long storedStateBytes,
            double storedBytesPerPrincipal,
            double ingestSeconds,
            List<Checkpoint> checkpoints,
            double checkpointBytesMedian,
            double checkpointMillisMedian,
            double checkpointBytesPerPrincipal,
            String backend) {}

    /** Flink's snapshot compression for the state job; null leaves Flink's default. */
    static Boolean snapshotCompression;

    static State state(
            MiniCluster cluster,
            RuleSet rules,
            int principals,
            int checkpoints,
            int parallelism,
            Path checkpointDir,
            long seed)
            throws Exception {
        log("state: %,d principals with an open EnableRegion, RocksDB, %d checkpoints", principals, checkpoints);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.setStateBackend(new EmbeddedRocksDBStateBackend(false)
                .configure(rocksDbOptions(), CorrelateBench.class.getClassLoader()));
        env.getCheckpointConfig()
                .setCheckpointStorage(checkpointDir.toAbsolutePath().toUri().toString());
        env.getCheckpointConfig().setCheckpointTimeout(TimeUnit.MINUTES.toMillis(10));
        if (snapshotCompression != null) {
            env.getConfig().setUseSnapshotCompression(snapshotCompression);
        }
        // Checkpoints are triggered by hand below; the interval only switches checkpointing on.
        env.enableCheckpointing(TimeUnit.HOURS.toMillis(1));
        CompiledMatcher matcher = CompiledMatcher.compile(rules.rules());
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        // No watermarks: every EnableRegion's window stays open, as for principals whose hour has not passed.
        DataStream<RawRecord> raw =
                env.addSource(new EnableRegionSource(principals, seed), "enable regions", RawRecord.TYPE);
        DataStream<RuleUpdate> updates = DetectionJob.noUpdates(raw);
        DataStream<SignalRecord> detected = raw.connect(updates.broadcast(LiveRules.STATE))
                .process(new DetectFunction(matcher, engine), TypeInformation.of(SignalRecord.class))
                .name("detect");
        detected.map(new StoredBytes(engine)).name("stored bytes").sinkTo(new DiscardingSink<>());
        correlate(detected, updates, engine).sinkTo(new DiscardingSink<>());
        EMITTED_ALL.set(false);
        STOP.set(false);
        STORED_BYTES.set(0);
        STORED_STATES.set(0);
        long t0 = System.nanoTime();
        JobID id = cluster.submitJob(env.getStreamGraph().getJobGraph()).get().getJobID();
        while (!EMITTED_ALL.get()) {
            Thread.sleep(50);
            if (cluster.getJobStatus(id).get().isGloballyTerminalState()) {
                throw new IllegalStateException(
                        "state job ended early: " + cluster.requestJobResult(id).get());
            }
        }
        double emittedAfter = (System.nanoTime() - t0) / 1e9;
        List<Checkpoint> done = new ArrayList<>();
        double ingest = Double.NaN;
        try {
            for (int i = 0; i < checkpoints; i++) {
                // The barrier follows the last record, so every checkpoint holds every principal's state.
                cluster.triggerCheckpoint(id).get(10, TimeUnit.MINUTES);
                if (i == 0) {
                    ingest = (System.nanoTime() - t0) / 1e9;
                    log(
                            "  every record in and checkpoint 1 done after %.1f s (source done after %.1f s)",
                            ingest, emittedAfter);
                }
            }
            // The statistics of the last checkpoint can reach the history a moment after its trigger completes.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                done.clear();
                Collection<AbstractCheckpointStats> history = cluster.getExecutionGraph(id)
                        .get()
                        .getCheckpointStatsSnapshot()
                        .getHistory()
                        .getCheckpoints();
                for (AbstractCheckpointStats c : history) {
                    if (c.getStatus() == CheckpointStatsStatus.COMPLETED) {
                        done.add(new Checkpoint(c.getCheckpointId(), c.getStateSize(), c.getEndToEndDuration()));
                    }
                }
                if (done.size() >= checkpoints || System.nanoTime() > until) {
                    break;
                }
                Thread.sleep(200);
            }
        } finally {
            STOP.set(true);
            cluster.cancelJob(id).get();
            cluster.requestJobResult(id).get(); // cancelled: its tasks and their RocksDB instances are gone
        }
        done.sort((a, b) -> Long.compare(a.id(), b.id()));
        for (Checkpoint c : done) {
            log("  checkpoint %d: %,d bytes, %,d ms", c.id(), c.stateBytes(), c.durationMillis());
        }
        double size = median(done.stream().map(c -> (double) c.stateBytes()).toList());
        double millis =
                median(done.stream().map(c -> (double) c.durationMillis()).toList());
        long[] stored = {STORED_BYTES.get(), STORED_STATES.get()};
        log("  %,d open partial matches, %,d bytes of correlation state", stored[1], stored[0]);
        return new State(
                principals,
                stored[1],
                stored[0],
                (double) stored[0] / principals,
                ingest,
                done,
                size,
                millis,
                size / principals,
                "EmbeddedRocksDBStateBackend, bloom filters, 1 GiB managed memory, full checkpoints, local file system");
    }

    // ---- main -------------------------------------------------------------------------------------------------

    static MiniCluster cluster(int slots) throws Exception {
        Configuration c = new Configuration();
        c.set(RestOptions.BIND_PORT, "0");
        c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, org.apache.flink.configuration.MemorySize.ofMebiBytes(1024));
        MiniCluster m = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(c)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        m.start();
        return m;
    }

    record Result(Throughput throughput, StepProfile stepProfile, Hot hot, State state) {}

    static Result measure(Map<String, String> o) throws Exception {
        long records = Long.parseLong(o.getOrDefault("--records", "2000000").replace("_", ""));
        Path file = Path.of(o.getOrDefault("--file", "target/bench/cloudtrail-" + records + ".jsonl"));
        int reps = Integer.parseInt(o.getOrDefault("--reps", "5"));
        int warmups = Integer.parseInt(o.getOrDefault("--warmups", "3"));
        int parallelism = Integer.parseInt(o.getOrDefault("--parallelism", "2"));
        int copies = Integer.parseInt(o.getOrDefault("--copies", "10"));
        int principals =
                Integer.parseInt(o.getOrDefault("--principals", "1000000").replace("_", ""));
        int checkpoints = Integer.parseInt(o.getOrDefault("--checkpoints", "5"));
        int hotFollowUps = Integer.parseInt(o.getOrDefault("--hot", "1000000").replace("_", ""));
        watermarksFollowEventTime = switch (o.getOrDefault("--watermarks", "periodic")) {
            case "periodic" -> false;
            case "event-time" -> true;
            default -> throw new IllegalArgumentException("--watermarks: periodic or event-time");
        };
        if (o.containsKey("--snapshot-compression")) {
            snapshotCompression = Boolean.parseBoolean(o.get("--snapshot-compression"));
        }
        CloudTrailGenerator.Config config =
                CloudTrailGenerator.Config.defaults().withRecords(records);
        CloudTrailGenerator.Manifest manifest = EndToEndBench.ensureFile(file, config);
        RuleSet rules = EndToEndBench.rules();
        for (String id : CloudTrailGenerator.FLAGSHIP) {
            CorrelationPlan p = CorrelationEngine.compile(rules).plan(id);
            if (p == null) {
                throw new IllegalStateException("flagship correlation " + id + " is not in rules/");
            }
        }
        MiniCluster cluster = cluster(Math.max(2, parallelism));
        try {
            Throughput tp = null;
            StepProfile profile = null;
            Hot hot = null;
            if (reps > 0) {
                long t0 = System.nanoTime();
                List<SignalRecord> day = flagshipSignals(file, rules);
                log(
                        "correlate: detect over %s gave %,d flagship signals (%.0f s)",
                        file, day.size(), (System.nanoTime() - t0) / 1e9);
                tp = throughput(
                        cluster,
                        rules,
                        day,
                        copies,
                        warmups,
                        reps,
                        parallelism,
                        manifest.plants().size());
                profile = stepProfile(rules, day);
                log("  %s", profile);
                if (hotFollowUps > 0) {
                    hot = hot(cluster, rules, day, hotFollowUps, reps, parallelism);
                }
            }
            State st = null;
            if (principals > 0) {
                Path dir = Path.of("target/bench/checkpoints");
                deleteTree(dir);
                Files.createDirectories(dir);
                st = state(cluster, rules, principals, checkpoints, parallelism, dir, config.seed());
                deleteTree(dir);
            }
            return new Result(tp, profile, hot, st);
        } finally {
            cluster.close();
        }
    }

    /** Deletes what is left of a checkpoint directory; Flink may still be discarding checkpoints in it meanwhile. */
    static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths;
        try (var walk = Files.walk(dir)) {
            paths = walk.sorted(java.util.Comparator.reverseOrder()).toList();
        } catch (java.io.UncheckedIOException e) {
            log("  could not list %s: %s", dir, e.getMessage());
            return;
        }
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                log("  left %s: %s", p, e.getMessage());
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = BenchOptions.parse(
                "CorrelateBench",
                args,
                List.of(
                        "--file",
                        "--records",
                        "--reps",
                        "--warmups",
                        "--parallelism",
                        "--copies",
                        "--principals",
                        "--checkpoints",
                        "--snapshot-compression",
                        "--hot",
                        "--watermarks",
                        "--out"));
        long t0 = System.nanoTime();
        Result r = measure(o);
        Path out = Path.of(o.getOrDefault("--out", "target/bench/correlate-result.json"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        JSON.writeValue(out.toFile(), r);
        log("results in %s (%.0f s in all)", out, (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }
}
