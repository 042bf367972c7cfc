package dev.tripline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertFormat;
import dev.tripline.alert.Evidence;
import dev.tripline.bench.CloudTrailGenerator.Manifest;
import dev.tripline.bench.CloudTrailGenerator.Scenario;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.MapCorrelator;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.ParseResult;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.RawRecord;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedOptions;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.job.TriplineConfig;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction;
import org.apache.flink.util.Collector;

/**
 * End-to-end benchmarks of the detection job in this JVM (Flink's local MiniCluster), over a file from
 * {@link CloudTrailGenerator}, in one run so the figures compare:
 *
 * <ol>
 *   <li><b>Throughput</b>: {@code tripline run} ({@link EmbeddedRun} with the repository's {@code rules/} and the
 *       default config, in BATCH mode as the CLI reads files) against a parse-only job (the same FileSource and the same {@link EventParser}, nothing
 *       matched, correlated or deduplicated), alternated, each repetition timed from job build to the last
 *       record, after {@code --warmups} unmeasured runs of each; medians and their ratio.</li>
 *   <li><b>Alert latency</b>: the same {@link DetectionJob} topology fed by a paced source at half the measured
 *       peak, which stamps when each record that completes a planted flagship sequence is emitted (a shared
 *       in-JVM map keyed by eventID, possible because the local cluster runs in this JVM); a sink on the job's
 *       alert output stamps when the composite arrives. Run with Flink's default network buffer timeout and
 *       again with a short one set on the environment (labelled in the output).</li>
 *   <li><b>State per open partial match</b>: {@link MapCorrelator} (the same driver and plans as the Flink
 *       operator, and the same slot index, slot keys and packed evidence it stores) fed one successful
 *       unapproved EnableRegion for each of many distinct principals; stored bytes over open partial
 *       matches.</li>
 * </ol>
 *
 * <p>Options: {@code --file F} (generated if missing or generated with other settings), {@code --records N},
 * {@code --reps R}, {@code --warmups W} (3: unmeasured runs of each side over the whole file first),
 * {@code --parallelism P}, {@code --latency-seconds S} (12), {@code --latency-reps N} (5: ABBA with the two buffer timeouts, medians of
 * the runs' percentiles), {@code --state-principals K}, {@code --mode BATCH|STREAMING} (BATCH, the mode of
 * {@code tripline run FILE}; STREAMING, the path of a stream such as stdin or Kafka),
 * {@code --out JSON}.
 */
public final class EndToEndBench {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The buffer timeout Tripline runs with, beside Flink's default in the latency run. */
    static final long SHORT_BUFFER_TIMEOUT_MS = DetectionJob.BUFFER_TIMEOUT_MILLIS;

    private EndToEndBench() {}

    // ---- the jobs ---------------------------------------------------------------------------------------------

    /** The repository's rules with the default config, as {@code tripline run} loads them. */
    static RuleSet rules() {
        RuleLoader.Result loaded =
                RuleLoader.standard(TriplineConfig.defaults().ruleLoadOptions()).load(List.of(Path.of("rules")));
        if (!loaded.ok()) {
            throw new IllegalStateException("rules/ does not load: " + loaded.errors());
        }
        return loaded.ruleSet();
    }

    /**
     * A local environment as {@code tripline run} makes it: its slots and managed memory ({@link
     * EmbeddedRun#slots}) and its restarts ({@link EmbeddedOptions#DEFAULTS}).
     */
    static StreamExecutionEnvironment environment(int parallelism) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(EmbeddedOptions.DEFAULTS.applyTo(
                        EmbeddedRun.slots(new org.apache.flink.configuration.Configuration(), parallelism)));
        env.setParallelism(parallelism);
        return env;
    }

    /**
     * {@code tripline run FILE --parallelism P} without the CLI: the same EmbeddedRun, rules and options, and the
     * mode the CLI reads files in ({@link EmbeddedRun.Input#mode}: BATCH).
     */
    static EmbeddedRun.Summary embeddedRun(
            Path file, int parallelism, EmbeddedRun.LineSink alerts, EmbeddedRun.LineSink deadLetters)
            throws Exception {
        return embeddedRun(
                file, parallelism, EmbeddedRun.Input.files(List.of(file)).mode(), alerts, deadLetters);
    }

    /** The same in {@code mode}: STREAMING is the path of a stream (stdin, Kafka), its watermark and all. */
    static EmbeddedRun.Summary embeddedRun(
            Path file,
            int parallelism,
            RuntimeExecutionMode mode,
            EmbeddedRun.LineSink alerts,
            EmbeddedRun.LineSink deadLetters)
            throws Exception {
        EmbeddedRun run = new EmbeddedRun(
                RuleProgram.of(rules()), DetectionJob.Options.defaults(), AlertFormat.JSONL, new RawRecordFormat());
        return run.run(
                environment(parallelism), mode, EmbeddedRun.Input.files(List.of(file)), alerts, deadLetters, null, 0);
    }

    /** The baseline: the same source and parser, no matching; counts what it parsed. */
    static long parseOnly(Path file, int parallelism) throws Exception {
        return parseOnly(
                environment(parallelism),
                dev.tripline.io.ArchiveFiles.list(List.of(file.toString()), dev.tripline.io.ArchiveFiles.Scope.ALL)
                        .files(),
                RuntimeExecutionMode.STREAMING);
    }

    /** The baseline over {@code files} on {@code env}, in {@code mode} (a hunt's BATCH, a run's STREAMING). */
    static long parseOnly(
            StreamExecutionEnvironment env, List<dev.tripline.io.InputFile> files, RuntimeExecutionMode mode)
            throws Exception {
        env.setRuntimeMode(mode);
        env.fromSource(RawRecordFormat.source(files, new RawRecordFormat()), WatermarkStrategy.noWatermarks(), "files")
                .process(new ParseOnly())
                .returns(TypeInformation.of(Long.class))
                .name("parse only")
                .sinkTo(new DiscardingSink<>());
        JobExecutionResult r = env.execute("parse only");
        Object events = r.getAccumulatorResult(ParseOnly.EVENTS);
        return events instanceof Number n ? n.longValue() : 0;
    }

    /** Parses like DetectFunction and stops there; emits nothing, so the sink costs nothing. */
    static final class ParseOnly extends ProcessFunction<RawRecord, Long> {
        private static final long serialVersionUID = 1L;
        static final String EVENTS = "bench-parse-only-events";
        private transient EventParser parser;
        private transient LongCounter events;

        @Override
        public void open(OpenContext openContext) {
            parser = new EventParser();
            events = new LongCounter();
            getRuntimeContext().addAccumulator(EVENTS, events);
        }

        @Override
        public void processElement(RawRecord record, Context ctx, Collector<Long> out) {
            if (record.refused != null) {
                return;
            }
            ParseResult r = parser.parse(record.payload == null ? new byte[0] : record.payload);
            events.add(r.events().size());
        }
    }

    // ---- throughput -------------------------------------------------------------------------------------------

    record Throughput(
            List<Double> tripline, List<Double> parseOnly, long records, long events, Map<String, Long> alertsByRule) {
        double triplineMedian() {
            return median(tripline);
        }

        double parseOnlyMedian() {
            return median(parseOnly);
        }

        double ratio() {
            return triplineMedian() / parseOnlyMedian();
        }

        double pairedRatio() {
            return EndToEndBench.pairedRatio(tripline, parseOnly);
        }
    }

    static Throughput throughput(
            Path file, long records, int reps, int warmups, int parallelism, RuntimeExecutionMode mode)
            throws Exception {
        // Unmeasured runs of each over the whole file first: `tripline run` has far more code for the JIT to
        // compile than the parse-only job, and after one run over a prefix it still got faster for four
        // repetitions (69,170 to 90,919 records/s) while the parse-only job did not, so the median fell on warming
        // runs. Logged, to show where each side levels off.
        for (int i = 0; i < warmups; i++) {
            long t0 = System.nanoTime();
            long n = embeddedRun(file, parallelism, mode, l -> {}, l -> {}).records();
            log("  warm-up %d tripline run  %,10.0f records/s", i + 1, n / ((System.nanoTime() - t0) / 1e9));
            t0 = System.nanoTime();
            parseOnly(file, parallelism);
            log("  warm-up %d parse only    %,10.0f records/s", i + 1, records / ((System.nanoTime() - t0) / 1e9));
        }
        List<Double> t = new ArrayList<>();
        List<Double> p = new ArrayList<>();
        EmbeddedRun.Summary last = null;
        long parsed = 0;
        for (int i = 0; i < reps; i++) {
            // ABBA order, so a drift in the machine's speed during the run hits both sides alike.
            boolean triplineFirst = i % 2 == 0;
            for (int k = 0; k < 2; k++) {
                System.gc();
                if ((k == 0) == triplineFirst) {
                    long t0 = System.nanoTime();
                    last = embeddedRun(file, parallelism, mode, l -> {}, l -> {});
                    double s = (System.nanoTime() - t0) / 1e9;
                    t.add(last.records() / s);
                    log(
                            "  rep %d tripline run  %,10.0f records/s (%.1f s, %,d alerts)",
                            i + 1, last.records() / s, s, last.alerts());
                } else {
                    long t0 = System.nanoTime();
                    parsed = parseOnly(file, parallelism);
                    double s = (System.nanoTime() - t0) / 1e9;
                    p.add(records / s);
                    log("  rep %d parse only    %,10.0f records/s (%.1f s)", i + 1, records / s, s);
                }
            }
        }
        Objects.requireNonNull(last);
        if (last.records() != records || last.events() != parsed) {
            throw new IllegalStateException("the two jobs did not see the same input: " + last.records() + "/"
                    + last.events() + " vs " + records + "/" + parsed);
        }
        return new Throughput(t, p, records, parsed, last.alertsByRule());
    }

    // ---- latency ----------------------------------------------------------------------------------------------

    /** Emission time (System.nanoTime) of each completing record, by eventID; filled by the paced source. */
    static final Map<String, Long> EMITTED = new ConcurrentHashMap<>();
    /** Ingest-to-alert latency in nanoseconds, by the completing eventID; filled by the alert sink. */
    static final Map<String, Long> LATENCY = new ConcurrentHashMap<>();

    static final AtomicLong COMPOSITES = new AtomicLong();
    static final AtomicLong SOURCE_RECORDS = new AtomicLong();
    static final AtomicLong SOURCE_NANOS = new AtomicLong();

    /**
     * Reads a JSON Lines file at a fixed rate. Parallel like the FileSource of {@code tripline run} (so detect
     * chains to it the same way) with one active reader, as one file is one split there.
     */
    static final class PacedFileSource extends RichParallelSourceFunction<RawRecord> {
        private static final long serialVersionUID = 1L;
        private final String path;
        private final double perSecond;
        private final long maxRecords;
        private final HashMap<Long, String> completing;
        private volatile boolean running = true;

        PacedFileSource(Path path, double perSecond, long maxRecords, Map<Long, String> completing) {
            this.path = path.toString();
            this.perSecond = perSecond;
            this.maxRecords = maxRecords;
            this.completing = new HashMap<>(completing);
        }

        @Override
        public void run(SourceContext<RawRecord> ctx) throws Exception {
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
                return;
            }
            // Whole lines from a buffered reader: reading a byte at a time held this source below the rate asked.
            try (BufferedReader in = new BufferedReader(
                    new java.io.InputStreamReader(Files.newInputStream(Path.of(path)), StandardCharsets.UTF_8),
                    1 << 20)) {
                long n = 0;
                double nanosPerRecord = 1e9 / perSecond;
                long start = System.nanoTime();
                String text;
                while (running && n < maxRecords && (text = in.readLine()) != null) {
                    n++;
                    long due = start + (long) (n * nanosPerRecord);
                    long now = System.nanoTime();
                    if (due - now > 200_000) {
                        LockSupport.parkNanos(due - now);
                    }
                    RawRecord r = new RawRecord(path, n, text.getBytes(StandardCharsets.UTF_8));
                    String id = completing.get(n);
                    synchronized (ctx.getCheckpointLock()) {
                        if (id != null) {
                            EMITTED.put(id, System.nanoTime());
                        }
                        ctx.collect(r);
                    }
                }
                SOURCE_RECORDS.set(n);
                SOURCE_NANOS.set(System.nanoTime() - start);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    /** Stamps flagship composites on arrival against the emission of the record that completed them. */
    static final class LatencySink implements SinkFunction<AlertRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void invoke(AlertRecord r, Context context) {
            if (!"correlation".equals(r.kind) || !CloudTrailGenerator.FLAGSHIP.contains(r.ruleId)) {
                return;
            }
            long now = System.nanoTime();
            COMPOSITES.incrementAndGet();
            Alert a = r.alert();
            for (Evidence e : a.evidence()) {
                Long emitted = e.eventId() == null ? null : EMITTED.get(e.eventId());
                if (emitted != null) {
                    LATENCY.putIfAbsent(e.eventId(), now - emitted);
                }
            }
        }
    }

    /**
     * One latency run, or the median of several ({@link #median}: p50, p99 and max are the medians of the runs'
     * own; composites and measured are summed; reps says how many).
     */
    record Latency(
            String setting,
            double inputRate,
            double achievedRate,
            long records,
            long composites,
            long measured,
            double p50Ms,
            double p99Ms,
            double maxMs,
            int reps) {
        static Latency median(List<Latency> runs) {
            Latency first = runs.get(0);
            return new Latency(
                    first.setting(),
                    first.inputRate(),
                    EndToEndBench.median(
                            runs.stream().map(Latency::achievedRate).toList()),
                    first.records(),
                    runs.stream().mapToLong(Latency::composites).sum(),
                    runs.stream().mapToLong(Latency::measured).sum(),
                    EndToEndBench.median(runs.stream().map(Latency::p50Ms).toList()),
                    EndToEndBench.median(runs.stream().map(Latency::p99Ms).toList()),
                    EndToEndBench.median(runs.stream().map(Latency::maxMs).toList()),
                    runs.size());
        }
    }

    static Latency latency(
            Path file, Manifest manifest, double rate, long maxRecords, int parallelism, Long bufferTimeoutMs)
            throws Exception {
        EMITTED.clear();
        LATENCY.clear();
        COMPOSITES.set(0);
        Map<Long, String> completing = new HashMap<>();
        long expected = 0;
        for (Scenario s : manifest.plants()) {
            if (s.completingLine() <= maxRecords) {
                completing.put(s.completingLine(), s.completingEventId());
                expected++;
            }
        }
        StreamExecutionEnvironment env = environment(parallelism);
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        if (bufferTimeoutMs != null) {
            env.setBufferTimeout(bufferTimeoutMs);
        }
        DataStream<RawRecord> source = env.addSource(
                        new PacedFileSource(file, rate, maxRecords, completing), "paced file", RawRecord.TYPE)
                .uid("bench-paced-source");
        DetectionJob.Outputs out =
                new DetectionJob(RuleProgram.of(rules()), DetectionJob.Options.defaults()).build(source);
        out.alerts().addSink(new LatencySink()).name("latency sink");
        out.deadLetters().sinkTo(new DiscardingSink<>());
        env.execute("latency");
        long[] ns =
                LATENCY.values().stream().mapToLong(Long::longValue).sorted().toArray();
        if (ns.length != expected || COMPOSITES.get() != expected) {
            log(
                    "  warning: %d planted sequences completed in the input, %d composites, %d measured",
                    expected, COMPOSITES.get(), ns.length);
        }
        double achieved = SOURCE_RECORDS.get() / (SOURCE_NANOS.get() / 1e9);
        String setting = bufferTimeoutMs == null
                ? "Flink default buffer timeout (100 ms)"
                : "Tripline's buffer timeout (" + bufferTimeoutMs + " ms, DetectionJob.BUFFER_TIMEOUT_MILLIS)";
        return new Latency(
                setting,
                rate,
                achieved,
                SOURCE_RECORDS.get(),
                COMPOSITES.get(),
                ns.length,
                percentile(ns, 0.50) / 1e6,
                percentile(ns, 0.99) / 1e6,
                ns.length == 0 ? 0 : ns[ns.length - 1] / 1e6,
                1);
    }

    // ---- state ------------------------------------------------------------------------------------------------

    record State(int principals, int openPartialMatches, long bytes, double bytesPerOpenPartialMatch) {}

    static State state(int principals, long seed) {
        RuleSet rules = rules();
        CompiledMatcher matcher = CompiledMatcher.compile(rules.rules());
        MapCorrelator correlator = new MapCorrelator(CorrelationEngine.compile(rules));
        EventParser parser = new EventParser();
        CloudTrailGenerator g =
                new CloudTrailGenerator(CloudTrailGenerator.Config.defaults().withSeed(seed));
        for (String line : g.enableRegions(principals)) {
            ParseResult r = parser.parse(line.getBytes(StandardCharsets.UTF_8));
            for (Event e : r.events()) {
                matcher.match(e, rule -> correlator.onMatch(rule, e));
            }
        }
        int open = correlator.openStates();
        long bytes = correlator.stateBytes();
        return new State(principals, open, bytes, open == 0 ? 0 : (double) bytes / open);
    }

    // ---- where the time goes ---------------------------------------------------------------------------------

    /**
     * One thread over the first records of the file, no Flink: parse only; parse and match; parse, match and
     * build each single-event alert as DetectFunction does (Alerts.single, then the Java serialisation
     * SingleMatch carries). Explains a throughput ratio, it does not replace it.
     */
    record Breakdown(
            long records,
            long matches,
            long singleAlerts,
            double parseOnly,
            double parseMatch,
            double parseMatchAlert) {}

    static Breakdown breakdown(Path file, int records) throws IOException {
        RuleSet rules = rules();
        CompiledMatcher matcher = CompiledMatcher.compile(rules.rules());
        EventParser parser = new EventParser();
        List<byte[]> lines = new ArrayList<>(records);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String l;
            while (lines.size() < records && (l = r.readLine()) != null) {
                lines.add(l.getBytes(StandardCharsets.UTF_8));
            }
        }
        long[] counts = new long[2];
        double[] rates = new double[3];
        // As detect does: one template per rule, one buffer reused.
        java.util.Map<dev.tripline.rule.Rule, dev.tripline.alert.SingleAlertTemplate> templates =
                new java.util.IdentityHashMap<>();
        org.apache.flink.core.memory.DataOutputSerializer alertBytes =
                new org.apache.flink.core.memory.DataOutputSerializer(1024);
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up; the second is measured
            for (int mode = 0; mode < 3; mode++) {
                counts[0] = 0;
                counts[1] = 0;
                final int m = mode;
                long t0 = System.nanoTime();
                for (byte[] line : lines) {
                    for (Event e : parser.parse(line).events()) {
                        if (m == 0) {
                            continue;
                        }
                        matcher.match(e, rule -> {
                            counts[0]++;
                            if (m == 2 && !rule.signalOnly()) {
                                counts[1]++;
                                dev.tripline.flink.SingleMatch.of(
                                        templates.computeIfAbsent(rule, dev.tripline.alert.SingleAlertTemplate::of),
                                        e,
                                        alertBytes);
                            }
                        });
                    }
                }
                rates[mode] = lines.size() / ((System.nanoTime() - t0) / 1e9);
            }
        }
        return new Breakdown(lines.size(), counts[0], counts[1], rates[0], rates[1], rates[2]);
    }

    // ---- main -------------------------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        long records = Long.parseLong(o.getOrDefault("--records", "2000000").replace("_", ""));
        int reps = Integer.parseInt(o.getOrDefault("--reps", "5"));
        int warmups = Integer.parseInt(o.getOrDefault("--warmups", "3"));
        int parallelism = Integer.parseInt(o.getOrDefault("--parallelism", "2"));
        double latencySeconds = Double.parseDouble(o.getOrDefault("--latency-seconds", "12"));
        int latencyReps = Integer.parseInt(o.getOrDefault("--latency-reps", "5"));
        int statePrincipals = Integer.parseInt(o.getOrDefault("--state-principals", "10000"));
        Path file = Path.of(o.getOrDefault("--file", "target/bench/cloudtrail-" + records + ".jsonl"));
        Path resultFile = Path.of(o.getOrDefault("--out", "target/bench/e2e-result.json"));
        long t0 = System.nanoTime();

        CloudTrailGenerator.Config config =
                CloudTrailGenerator.Config.defaults().withRecords(records);
        Manifest manifest = ensureFile(file, config);
        log(
                "throughput: %d unmeasured and %d measured repetitions each, parallelism %d, %,d records",
                warmups, reps, parallelism, records);
        RuntimeExecutionMode mode = RuntimeExecutionMode.valueOf(o.getOrDefault("--mode", "BATCH"));
        log("end to end: tripline run in %s mode (BATCH is how the CLI reads files)", mode);
        Throughput tp = throughput(file, manifest.records(), reps, warmups, parallelism, mode);

        double rate = tp.triplineMedian() / 2;
        long maxRecords = Math.min(manifest.records(), (long) (rate * latencySeconds));
        log("latency: %,.0f records/s (half the peak), first %,d records", rate, maxRecords);
        List<Latency> byDefault = new ArrayList<>();
        List<Latency> byShort = new ArrayList<>();
        for (int i = 0; i < latencyReps; i++) {
            boolean defaultFirst = i % 2 == 0; // ABBA, as for throughput
            for (int k = 0; k < 2; k++) {
                if ((k == 0) == defaultFirst) {
                    byDefault.add(latency(file, manifest, rate, maxRecords, parallelism, null));
                    log("  rep %d %s", i + 1, byDefault.get(byDefault.size() - 1));
                } else {
                    byShort.add(latency(file, manifest, rate, maxRecords, parallelism, SHORT_BUFFER_TIMEOUT_MS));
                    log("  rep %d %s", i + 1, byShort.get(byShort.size() - 1));
                }
            }
        }
        List<Latency> lat = List.of(Latency.median(byDefault), Latency.median(byShort));

        log("state: %,d principals with an open EnableRegion", statePrincipals);
        State st = state(statePrincipals, config.seed());

        log("cost breakdown: one thread, first %,d records", Math.min(records, 200_000));
        Breakdown bd = breakdown(file, (int) Math.min(records, 200_000));

        String table = table(tp, lat, st, manifest, parallelism, mode) + breakdownTable(bd);
        System.out.println();
        System.out.println(table);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("machine", machine());
        result.put("parallelism", parallelism);
        result.put("mode", mode.name());
        result.put("file", file.toString());
        result.put("generator", config);
        result.put(
                "throughput",
                Map.of(
                        "tripline",
                        tp.tripline(),
                        "parseOnly",
                        tp.parseOnly(),
                        "triplineMedian",
                        tp.triplineMedian(),
                        "parseOnlyMedian",
                        tp.parseOnlyMedian(),
                        "ratio",
                        tp.ratio(),
                        "pairedRatio",
                        tp.pairedRatio(),
                        "alertsByRule",
                        tp.alertsByRule()));
        result.put("latency", lat);
        result.put("state", st);
        result.put("breakdown", bd);
        result.put("seconds", (System.nanoTime() - t0) / 1e9);
        Files.createDirectories(resultFile.toAbsolutePath().getParent());
        JSON.writeValue(resultFile.toFile(), result);
        log("results in %s (%.0f s in all)", resultFile, (System.nanoTime() - t0) / 1e9);
    }

    static Manifest ensureFile(Path file, CloudTrailGenerator.Config config) throws IOException {
        Path m = CloudTrailGenerator.manifestOf(file);
        if (Files.exists(file) && Files.exists(m)) {
            try {
                Manifest existing = Manifest.read(m);
                if (existing.config().equals(config) && Files.size(file) == existing.bytes()) {
                    log("reusing %s (same generator settings)", file);
                    return existing;
                }
            } catch (IOException e) {
                log("regenerating %s: %s", file, e.getMessage());
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        long t0 = System.nanoTime();
        Manifest made = new CloudTrailGenerator(config).write(file);
        log(
                "generated %s: %,d records, %,d bytes, %d scenarios (%.0f s)",
                file, made.records(), made.bytes(), made.scenarios().size(), (System.nanoTime() - t0) / 1e9);
        return made;
    }

    static String table(
            Throughput tp, List<Latency> lat, State st, Manifest m, int parallelism, RuntimeExecutionMode mode) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "End-to-end (%s; parallelism %d; %,d records, %,d MB, %d planted " + "flagship sequences)%n%n",
                machine(),
                parallelism,
                m.records(),
                m.bytes() >> 20,
                m.plants().size()));
        b.append("| measure | value | target |\n|---|---:|---|\n");
        b.append(row(
                "tripline run (" + mode + "), median records/s ("
                        + tp.tripline().size() + " reps)",
                String.format(Locale.ROOT, "%,.0f", tp.triplineMedian()),
                ""));
        b.append(row(
                "parse-only job, median records/s (" + tp.parseOnly().size() + " reps)",
                String.format(Locale.ROOT, "%,.0f", tp.parseOnlyMedian()),
                ""));
        b.append(row(
                "ratio tripline / parse-only",
                String.format(Locale.ROOT, "%.2f", tp.ratio()),
                ">= 0.80 " + (tp.ratio() >= 0.8 ? "(met)" : "(MISSED)")));
        b.append(row(
                "median of the per-repetition ratios",
                String.format(Locale.ROOT, "%.2f", tp.pairedRatio()),
                ">= 0.80 " + (tp.pairedRatio() >= 0.8 ? "(met)" : "(MISSED)")));
        long flagship = tp.alertsByRule().entrySet().stream()
                .filter(e -> CloudTrailGenerator.FLAGSHIP.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue)
                .sum();
        b.append(row(
                "flagship composites in the throughput run (planted)",
                flagship + " (" + m.plants().size() + ")",
                flagship == m.plants().size() ? "exact" : "MISMATCH"));
        for (Latency l : lat) {
            b.append(row(
                    "latency p50 / p99 / max ms, " + l.setting()
                            + String.format(
                                    Locale.ROOT,
                                    " at %,.0f/s (achieved %,.0f/s), %d alerts",
                                    l.inputRate(),
                                    l.achievedRate(),
                                    l.measured()),
                    String.format(Locale.ROOT, "%.1f / %.1f / %.1f", l.p50Ms(), l.p99Ms(), l.maxMs()),
                    "p99 <= 200 ms " + (l.p99Ms() <= 200 ? "(met)" : "(MISSED)")));
        }
        b.append(row(
                "bytes per open partial match (" + st.openPartialMatches() + " open, " + st.principals()
                        + " principals)",
                String.format(Locale.ROOT, "%.0f", st.bytesPerOpenPartialMatch()),
                ""));
        return b.toString();
    }

    static String breakdownTable(Breakdown b) {
        return String.format(
                Locale.ROOT,
                "%nOne thread, no Flink, first %,d records (%,d rule matches, %,d of "
                        + "them single-event alerts before dedup):%n%n| stage | records/s |%n|---|---:|%n"
                        + "| parse | %,.0f |%n| parse + match | %,.0f |%n| parse + match + build and serialise "
                        + "single alerts | %,.0f |%n",
                b.records(),
                b.matches(),
                b.singleAlerts(),
                b.parseOnly(),
                b.parseMatch(),
                b.parseMatchAlert());
    }

    private static String row(String a, String v, String t) {
        return "| " + a + " | " + v + " | " + t + " |\n";
    }

    static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version") + ", max heap "
                + (Runtime.getRuntime().maxMemory() >> 20) + " MB";
    }

    public static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /**
     * The median of each repetition's own ratio {@code a[i] / b[i]}: steadier than the ratio of medians when the
     * machine's load drifts between repetitions.
     */
    static double pairedRatio(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            r.add(a.get(i) / b.get(i));
        }
        return median(r);
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static Map<String, String> options(String[] args) {
        return BenchOptions.parse(
                "EndToEndBench",
                args,
                List.of(
                        "--file",
                        "--records",
                        "--reps",
                        "--warmups",
                        "--parallelism",
                        "--latency-seconds",
                        "--latency-reps",
                        "--state-principals",
                        "--mode",
                        "--out"));
    }

    static void log(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
        System.err.flush();
    }
}
