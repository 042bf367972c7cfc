package dev.tripline.job;

import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.AnchorFilter;
import dev.tripline.flink.CorrelateFunction;
import dev.tripline.flink.DeadLetter;
import dev.tripline.flink.DetectFunction;
import dev.tripline.flink.LiveRules;
import dev.tripline.flink.RawRecord;
import dev.tripline.flink.RuleUpdate;
import dev.tripline.flink.RuleUpdateStatus;
import dev.tripline.flink.RuleUpdateValidator;
import dev.tripline.flink.RunOutput;
import dev.tripline.flink.RunOutputBatcher;
import dev.tripline.flink.RunOutputs;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.io.InputFile;
import dev.tripline.io.InputStreamSource;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.program.RuleProgram;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The {@link DetectionJob} in this process, for {@code tripline run} and {@code tripline hunt}: over files in
 * BATCH mode (Flink sorts keyed input by key and time instead of tracking watermarks, so the alerts do not depend
 * on file order, parallelism or speed; see {@link Input#mode}), or over a stream of this process (stdin) or a
 * connector in STREAMING mode as records arrive, with watermarks, timers and dedup exactly as on a cluster.
 * {@link #run(StreamExecutionEnvironment, List, LineSink, LineSink)} keeps STREAMING over files for tests and
 * benchmarks of the streaming topology. Alerts and dead letters are encoded
 * in the job and collected here, so the caller writes them with one writer each and needs no file sink; the
 * totals come from the job's accumulators, and so does live progress while it runs.
 */
public final class EmbeddedRun {

    /**
     * What one run saw: for the summary on stderr.
     *
     * @param skippedFiles files of the input directories not read because their name is not an audit-log name
     * @param late         what arrived too late to be correlated or deduplicated; null when the run cannot tell
     *                     (sinks inside the job: see the late_records metric)
     * @param deadLettersByReason the dead letters by reason, in reason name order
     * @param newTermsLearned new_terms terms learned while a rule's history was not yet known (not alerted), by
     *                        rule id
     * @param newTermsCombinationsCut new_terms term combinations of an event beyond the bound, not signalled
     * @param signalsPruned   correlation signals a BATCH run dropped because their group had no anchor
     *                        ({@link AnchorFilter}; they cannot change an alert)
     * @param primed          what a hunt's priming savepoint holds; null when none was written
     */
    public record Summary(
            int files,
            int skippedFiles,
            long records,
            long events,
            long deadLetters,
            Map<String, Long> alertsByRule,
            Map<String, String> ruleTitles,
            long eventsOutsideRange,
            Late late,
            long ruleUpdatesAccepted,
            long ruleUpdatesRejected,
            long alertUpdates,
            long signalsMissingGroup,
            long embeddedJsonUnreadable,
            SortedMap<String, Long> deadLettersByReason,
            SortedMap<String, Long> newTermsLearned,
            long newTermsCombinationsCut,
            long signalsPruned,
            NewTermsPriming.Result primed) {
        /** True when the run took live rule updates. */
        public boolean live() {
            return ruleUpdatesAccepted >= 0;
        }

        public long alerts() {
            return alertsByRule.values().stream().mapToLong(Long::longValue).sum();
        }

        /** new_terms terms learned (not alerted), over every rule. */
        public long newTermsLearnedTotal() {
            return newTermsLearned.values().stream().mapToLong(Long::longValue).sum();
        }

        /** All late records; -1 when the run cannot tell. */
        public long lateRecords() {
            return late == null ? -1 : late.alertCandidates() + late.signals();
        }
    }

    /**
     * Matches that reached a stateful operator more than the allowed lateness behind the watermark (STREAMING
     * mode only): alert candidates dedup could not count and signals correlate could not use. Each could have
     * been at most one alert, so their number bounds the alerts lost to lateness.
     *
     * @param rules        the rules of the late alert candidates
     * @param correlations the correlations of the late signals
     */
    public record Late(long alertCandidates, Set<String> rules, long signals, Set<String> correlations) {
        public Late {
            rules = Set.copyOf(rules);
            correlations = Set.copyOf(correlations);
        }

        public static final Late NONE = new Late(0, Set.of(), 0, Set.of());
    }

    /** Receives output lines; an exception stops the run. */
    public interface LineSink {
        void line(String line) throws IOException;
    }

    /**
     * Where records come from: files (as {@link dev.tripline.io.ArchiveFiles#list} gives them), a stream of this
     * process, or a connector that adds its own source (Kafka, Kinesis) to the environment.
     */
    public record Input(
            List<InputFile> files,
            List<org.apache.flink.core.fs.Path> skipped,
            InputStream stream,
            String streamName,
            Function<StreamExecutionEnvironment, DataStream<RawRecord>> connector) {
        /** Local files or folders, as {@link ArchiveFiles#list} reads them. */
        public static Input files(List<Path> files) {
            return files(ArchiveFiles.list(files.stream().map(Path::toString).toList(), ArchiveFiles.Scope.ALL));
        }

        /** The files of a listing; its skipped files are counted in the summary. */
        public static Input files(ArchiveFiles.Listing listing) {
            return new Input(listing.files(), listing.skipped(), null, null, null);
        }

        /** A stream of this process (stdin); records name {@code name} as their origin. */
        public static Input stream(InputStream in, String name) {
            return new Input(List.of(), List.of(), Objects.requireNonNull(in, "in"), name, null);
        }

        /** A source the connector builds, such as {@code Connectors.source}; may be unbounded. */
        public static Input connector(Function<StreamExecutionEnvironment, DataStream<RawRecord>> connector) {
            return new Input(List.of(), List.of(), null, null, Objects.requireNonNull(connector, "connector"));
        }

        /**
         * The mode a run of this input takes. Files are all there before the job starts, so they run in BATCH
         * mode: every keyed stream is sorted by event time, nothing is late, and the alerts cannot depend on the
         * order files are read in, the parallelism or the machine's speed (a hunt does the same). A stream
         * (stdin) or a connector is read as it arrives, in STREAMING mode, with the out-of-orderness bound.
         */
        public RuntimeExecutionMode mode() {
            return stream == null && connector == null ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING;
        }
    }

    /** Live totals of a running job, read from its accumulators. */
    public record Progress(
            long elapsedMillis,
            int filesTotal,
            long filesDone,
            long records,
            long events,
            long eventsOutsideRange,
            long deadLetters) {}

    /** Called from a background thread while the job runs; must not block for long. */
    public interface ProgressListener {
        void progress(Progress p);
    }

    private final RuleProgram rules;
    private final DetectionJob.Options options;
    private final AlertFormat format;
    private final RawRecordFormat reader;
    private LineSink late = line -> {};
    /**
     * Live rule updates: the job's {@link LiveRules}, its control stream (given the environment and the id of the
     * run's stream input, null when none, so that a watcher can end with stdin), and (attached runs) where
     * statuses go; null for fixed rules.
     */
    public record Live(
            LiveRules rules,
            BiFunction<StreamExecutionEnvironment, String, DataStream<RuleUpdate>> control,
            int correlateStages,
            Consumer<DataStream<RuleUpdateStatus>> statusSink) {}

    private Live live;
    /** The running job, for {@link #cancel}. */
    private volatile JobClient running;

    private LineSink ruleUpdates = line -> {};
    /** How the job is watched while it runs (restarts told, the heap limit); null: not watched. */
    private EmbeddedOptions watched;

    private LineSink notices = line -> {};
    /** Null, or where a BATCH run writes its new_terms priming savepoint. */
    private String primeSavepoint;

    /**
     * The job stopped for good: a failure outlasted the restart limit, or the heap filled up. The message says
     * why and names the key or setting to change.
     */
    public static final class Stopped extends Exception {
        Stopped(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public EmbeddedRun(RuleProgram rules, DetectionJob.Options options, AlertFormat format, RawRecordFormat reader) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.options = Objects.requireNonNull(options, "options");
        this.format = Objects.requireNonNull(format, "format");
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    /** Where late records (see {@link DetectionJob.Outputs#late}) are written; by default only counted. */
    public EmbeddedRun lateRecords(LineSink sink) {
        this.late = Objects.requireNonNull(sink, "sink");
        return this;
    }

    /** Takes live rule updates from {@code l}'s control stream (an unbounded one keeps the run going). */
    public EmbeddedRun live(Live l) {
        this.live = Objects.requireNonNull(l, "live");
        return this;
    }

    /** Where the status message of each live rule update goes (accepted or rejected, one line each). */
    public EmbeddedRun ruleUpdates(LineSink sink) {
        this.ruleUpdates = Objects.requireNonNull(sink, "sink");
        return this;
    }

    /**
     * Watches the running job: each restart (the restart strategy of {@code o}, set on the environment by
     * {@link EmbeddedOptions#applyTo}) is told to {@code sink} as it happens and counted in the failure, and the
     * job is stopped when the heap is over {@code o}'s limit after a garbage collection.
     */
    public EmbeddedRun watch(EmbeddedOptions o, LineSink sink) {
        this.watched = Objects.requireNonNull(o, "o");
        this.notices = Objects.requireNonNull(sink, "sink");
        return this;
    }

    /**
     * A BATCH run also writes a savepoint of the new_terms state its input leaves to {@code path}
     * ({@link NewTermsPriming}); the summary tells what it holds.
     */
    public EmbeddedRun primeNewTerms(String path) {
        this.primeSavepoint = Objects.requireNonNull(path, "path");
        return this;
    }

    private JobWatch startWatch(JobClient client) {
        if (watched == null) {
            return null;
        }
        return new JobWatch(client, watched, line -> {
            try {
                notices.line(line);
            } catch (IOException e) {
                // A notice that cannot be written changes nothing about the run.
            }
        });
    }

    /** {@code failure} of the job, explained when the watch stopped the job or the job used up its restarts. */
    private Exception explained(JobWatch watch, Exception failure) {
        if (watch == null) {
            return failure;
        }
        if (watch.stopReason() != null) {
            return new Stopped(watch.stopReason(), null);
        }
        if (watch.restarts() > 0) {
            Throwable root = failure;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String m = root.getMessage();
            return new Stopped(
                    "after " + watch.restarts() + " restarts (embedded.restart-attempts: "
                            + watched.restartAttempts() + "): "
                            + root.getClass().getSimpleName()
                            + (m == null ? "" : ": " + m.lines().findFirst().orElse("")),
                    failure);
        }
        return failure;
    }

    private DetectionJob job() {
        DetectionJob job = new DetectionJob(rules, options);
        if (live != null) {
            job.correlateStages(Math.max(1, live.correlateStages())).live(live.rules());
        }
        if (primeSavepoint != null) {
            job.primeNewTerms(primeSavepoint);
        }
        return job;
    }

    /**
     * Runs over {@code files} in STREAMING mode until they are read: the live topology over a bounded source, for
     * tests and benchmarks; the CLI reads files in their {@link Input#mode}.
     */
    public Summary run(StreamExecutionEnvironment env, List<Path> files, LineSink alerts, LineSink deadLetters)
            throws Exception {
        return run(env, RuntimeExecutionMode.STREAMING, Input.files(files), alerts, deadLetters, null, 0);
    }

    /**
     * Runs until the input is read (a stream: until it is closed). An unbounded connector keeps this call (and
     * the process) running until it is interrupted; with checkpointing on, its lines arrive once their
     * checkpoint completes.
     *
     * @param mode             STREAMING or BATCH; a stream input needs STREAMING
     * @param progress         null, or told the job's totals every {@code progressMillis} while it runs
     */
    public Summary run(
            StreamExecutionEnvironment env,
            RuntimeExecutionMode mode,
            Input input,
            LineSink alerts,
            LineSink deadLetters,
            ProgressListener progress,
            long progressMillis)
            throws Exception {
        if (input.stream() != null && mode != RuntimeExecutionMode.STREAMING) {
            throw new IllegalArgumentException("a stream input runs in STREAMING mode only");
        }
        env.setRuntimeMode(mode);
        String streamId = null;
        DataStream<RawRecord> source;
        if (input.connector() != null) {
            source = input.connector().apply(env);
        } else if (input.stream() != null) {
            streamId = InputStreamSource.register(input.stream());
            source = env.addSource(new InputStreamSource(streamId, input.streamName()), "stdin", RawRecord.TYPE)
                    .setParallelism(1)
                    .uid("tripline-stream-source");
        } else {
            source = env.fromSource(
                            RawRecordFormat.source(input.files(), reader), WatermarkStrategy.noWatermarks(), "files")
                    .uid("tripline-file-source");
        }
        return collect(env, mode, source, input, streamId, alerts, deadLetters, progress, progressMillis);
    }

    /** Builds the job over {@code source}, collects its output lines here until it ends, and sums up. */
    private Summary collect(
            StreamExecutionEnvironment env,
            RuntimeExecutionMode mode,
            DataStream<RawRecord> source,
            Input input,
            String streamId,
            LineSink alerts,
            LineSink deadLetters,
            ProgressListener progress,
            long progressMillis)
            throws Exception {
        int files = input.files().size();
        DetectionJob.Outputs out =
                job().build(source, live == null ? null : live.control().apply(env, streamId));
        AlertFormat f = format;
        // A bounded input in BATCH mode sends its lines on in groups: the collection's work is per element.
        int linesPerElement = mode == RuntimeExecutionMode.BATCH ? LINES_PER_ELEMENT : 1;
        DataStream<RunOutputs> outputs = encodedLines(
                        out.alerts(), r -> encode(r, f), "alerts", "encode alerts", linesPerElement)
                .union(
                        encodedLines(
                                out.deadLetters(),
                                d -> RunOutput.deadLetter(d.toJsonLine()),
                                "dead-letters",
                                "encode dead letters",
                                linesPerElement),
                        encodedLines(
                                out.late(),
                                l -> RunOutput.late(l.stage, l.ruleId, l.toJsonLine()),
                                "late",
                                "encode late records",
                                linesPerElement));
        DataStream<RunOutputs> lines = out.ruleUpdates() == null
                ? outputs
                : outputs.union(encodedLines(
                        out.ruleUpdates(),
                        s -> RunOutput.ruleUpdate(s.message()),
                        "rule-updates",
                        "encode rule update statuses",
                        linesPerElement));

        Map<String, Long> byRule = new LinkedHashMap<>();
        Map<String, String> titles = new LinkedHashMap<>();
        long updates = 0;
        long lateCandidates = 0;
        long lateSignals = 0;
        Set<String> lateRules = new TreeSet<>();
        Set<String> lateCorrelations = new TreeSet<>();
        JobExecutionResult result;
        ScheduledExecutorService ticker = null;
        JobWatch watch = null;
        long started = System.nanoTime();
        try (CloseableIterator<RunOutputs> it = lines.collectAsync()) {
            JobClient client = env.executeAsync(mode == RuntimeExecutionMode.BATCH ? "tripline hunt" : "tripline run");
            running = client;
            watch = startWatch(client);
            if (progress != null && progressMillis > 0) {
                ticker = startProgress(client, started, files, progress, progressMillis);
            }
            while (it.hasNext()) {
                for (RunOutput o : it.next().lines()) {
                    if (o.alert) {
                        alerts.line(o.line());
                        if (o.update) {
                            updates++;
                        } else {
                            byRule.merge(o.ruleId, 1L, Long::sum);
                        }
                        titles.putIfAbsent(o.ruleId, o.ruleTitle);
                    } else if (o.ruleUpdate) {
                        ruleUpdates.line(o.line());
                    } else if (o.late) {
                        late.line(o.line());
                        if ("correlate".equals(o.lateStage)) {
                            lateSignals++;
                            lateCorrelations.add(o.ruleId);
                        } else {
                            lateCandidates++;
                            lateRules.add(o.ruleId);
                        }
                    } else {
                        deadLetters.line(o.line());
                    }
                }
            }
            result = client.getJobExecutionResult().get();
        } catch (Exception failure) {
            throw explained(watch, failure);
        } finally {
            if (watch != null) {
                watch.close();
            }
            if (ticker != null) {
                ticker.shutdownNow();
            }
            if (streamId != null) {
                InputStreamSource.unregister(streamId);
            }
        }
        if (ticker != null) {
            // The last word: a job shorter than one tick still reports its totals once.
            progress.progress(new Progress(
                    (System.nanoTime() - started) / 1_000_000,
                    files,
                    files,
                    counter(result, DetectFunction.ACC_RECORDS),
                    counter(result, DetectFunction.ACC_EVENTS),
                    counter(result, DetectFunction.ACC_OUTSIDE_RANGE),
                    counter(result, DetectFunction.ACC_DEAD_LETTERS)));
        }
        return new Summary(
                files,
                input.skipped().size(),
                counter(result, DetectFunction.ACC_RECORDS),
                counter(result, DetectFunction.ACC_EVENTS),
                counter(result, DetectFunction.ACC_DEAD_LETTERS),
                byRule,
                titles,
                counter(result, DetectFunction.ACC_OUTSIDE_RANGE),
                new Late(lateCandidates, lateRules, lateSignals, lateCorrelations),
                live == null ? -1 : counter(result, RuleUpdateValidator.ACC_ACCEPTED),
                live == null ? -1 : counter(result, RuleUpdateValidator.ACC_REJECTED),
                updates,
                counter(result, DetectFunction.ACC_SIGNALS_DROPPED),
                counter(result, DetectFunction.ACC_EMBEDDED_JSON_UNREADABLE),
                deadLettersByReason(result),
                newTermsLearned(result),
                counter(result, DetectFunction.ACC_TERM_COMBINATIONS_CUT),
                counter(result, AnchorFilter.ACC_PRUNED),
                primeSavepoint == null ? null : NewTermsPriming.Result.of(result, rules.engine()));
    }

    private static ScheduledExecutorService startProgress(
            JobClient client, long started, int filesTotal, ProgressListener listener, long millis) {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tripline-progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(
                () -> {
                    Map<String, Object> acc;
                    try {
                        acc = client.getAccumulators().get(millis, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } catch (Exception e) {
                        return; // the job is starting or finishing: no totals this tick
                    }
                    listener.progress(new Progress(
                            (System.nanoTime() - started) / 1_000_000,
                            filesTotal,
                            Math.min(filesTotal, value(acc.get(DetectFunction.ACC_FILES_DONE))),
                            value(acc.get(DetectFunction.ACC_RECORDS)),
                            value(acc.get(DetectFunction.ACC_EVENTS)),
                            value(acc.get(DetectFunction.ACC_OUTSIDE_RANGE)),
                            value(acc.get(DetectFunction.ACC_DEAD_LETTERS))));
                },
                millis,
                millis,
                TimeUnit.MILLISECONDS);
        return ticker;
    }

    private static long value(Object v) {
        return v instanceof Number n ? n.longValue() : 0L;
    }

    /**
     * Runs with the sinks attached inside the job (Kafka, Kinesis): nothing travels back to this process, so an
     * unbounded source runs until interrupted, and checkpointing (every {@code checkpointInterval}) is what
     * commits exactly-once output and source positions. Returns the totals when a bounded source ends.
     *
     * @param mode the runtime mode; the CLI passes STREAMING, as the exactly-once sinks commit on checkpoints
     */
    public Summary runAttached(
            StreamExecutionEnvironment env,
            RuntimeExecutionMode mode,
            DataStream<RawRecord> source,
            int files,
            int skippedFiles,
            Sink<AlertRecord> alertSink,
            Sink<DeadLetter> deadLetterSink)
            throws Exception {
        env.setRuntimeMode(mode);
        DetectionJob.Outputs out =
                job().attach(source, live == null ? null : live.control().apply(env, null), alertSink, deadLetterSink);
        if (out.ruleUpdates() != null && live.statusSink() != null) {
            live.statusSink().accept(out.ruleUpdates());
        }
        JobClient client = env.executeAsync("tripline run");
        running = client;
        JobWatch watch = startWatch(client);
        // Ctrl-C: cancel the job so that open transactions are aborted rather than left to time out.
        Thread hook = new Thread(
                () -> {
                    try {
                        client.cancel().get(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception alreadyGone) {
                        // The job ended or the cluster went down first; either way there is nothing left to cancel.
                    }
                },
                "tripline-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        JobExecutionResult result;
        try {
            result = client.getJobExecutionResult().get();
        } catch (Exception failure) {
            throw explained(watch, failure);
        } finally {
            if (watch != null) {
                watch.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running; nothing to undo.
            }
        }
        return new Summary(
                files,
                skippedFiles,
                counter(result, DetectFunction.ACC_RECORDS),
                counter(result, DetectFunction.ACC_EVENTS),
                counter(result, DetectFunction.ACC_DEAD_LETTERS),
                Map.of(),
                Map.of(),
                counter(result, DetectFunction.ACC_OUTSIDE_RANGE),
                null,
                live == null ? -1 : counter(result, RuleUpdateValidator.ACC_ACCEPTED),
                live == null ? -1 : counter(result, RuleUpdateValidator.ACC_REJECTED),
                0,
                counter(result, DetectFunction.ACC_SIGNALS_DROPPED),
                counter(result, DetectFunction.ACC_EMBEDDED_JSON_UNREADABLE),
                deadLettersByReason(result),
                newTermsLearned(result),
                counter(result, DetectFunction.ACC_TERM_COMBINATIONS_CUT),
                counter(result, AnchorFilter.ACC_PRUNED),
                null);
    }

    /**
     * Cancels the running job (a run whose control stream is unbounded does not end with its input); the run then
     * fails with the cancellation. Does nothing when no job runs.
     */
    public void cancel() throws Exception {
        JobClient c = running;
        if (c != null) {
            c.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The configuration every embedded cluster starts from: the REST endpoint, the RPC services and the blob
     * server of the job and task managers all bound to 127.0.0.1, so that a run on a laptop or a shared host
     * opens nothing beyond loopback (Flink's defaults bind RPC and blob ports to every interface).
     */
    public static Configuration loopbackConfiguration() {
        Configuration conf = new Configuration();
        conf.set(RestOptions.BIND_ADDRESS, LOOPBACK);
        conf.set(RestOptions.ADDRESS, LOOPBACK);
        conf.set(JobManagerOptions.BIND_HOST, LOOPBACK);
        conf.set(JobManagerOptions.ADDRESS, LOOPBACK);
        conf.set(TaskManagerOptions.BIND_HOST, LOOPBACK);
        conf.set(TaskManagerOptions.HOST, LOOPBACK);
        return conf;
    }

    private static final String LOOPBACK = "127.0.0.1";

    /**
     * {@code conf} with task slots for a job of {@code parallelism} in this process: twice the parallelism, so
     * that in BATCH the regions that do not wait for each other (the readers with detect chained to them, the
     * control stream the correlate stages read) run side by side; a STREAMING job shares slots between its
     * operators and leaves the rest unused. Managed memory, which only BATCH's sorts use and a task manager
     * divides among its slots, is {@link #LOCAL_MANAGED_MEMORY} unless configured.
     */
    public static Configuration slots(Configuration conf, int parallelism) {
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, 2 * parallelism);
        if (!conf.contains(TaskManagerOptions.MANAGED_MEMORY_SIZE)) {
            conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, LOCAL_MANAGED_MEMORY);
        }
        return conf;
    }

    /**
     * Managed memory of the embedded cluster: BATCH mode's sort buffers (a correlate stage gets half of its slot's
     * share, the other half going to its unsorted rule-update input). Three times what two slots of a default
     * local cluster had (128 MB each): at parallelism 2, 96 MB per correlate subtask, so the signals of 300,000
     * CloudTrail records (about 66 MB per subtask in the sort buffer) are sorted in memory instead of in three
     * spilled runs merged from disk. It is native memory outside the heap, reserved for each sort as it starts and
     * written only as far as records fill it, so a run's resident memory grows with its input, not with this.
     */
    private static final MemorySize LOCAL_MANAGED_MEMORY = MemorySize.ofMebiBytes(768);

    /** Turns on checkpointing, which exactly-once sinks and restartable sources need. */
    public static void enableCheckpointing(StreamExecutionEnvironment env, java.time.Duration interval) {
        env.enableCheckpointing(interval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
    }

    /**
     * Lines per collected element in BATCH mode: 256 alert lines of about 2 KB are half a megabyte, a few of the
     * network's buffers, and the collection's per-element work is paid 256 times less often.
     */
    static final int LINES_PER_ELEMENT = 256;

    /**
     * {@code records} encoded as lines by {@code encode} (operator {@code tripline-encode-<what>}, named {@code
     * name}), in elements of up to {@code maxLines} by a {@link RunOutputBatcher} chained to it ({@code
     * tripline-group-<what>}).
     */
    private static <T> DataStream<RunOutputs> encodedLines(
            DataStream<T> records, MapFunction<T, RunOutput> encode, String what, String name, int maxLines) {
        return records.map(encode)
                .returns(RunOutput.TYPE)
                .uid("tripline-encode-" + what)
                .name(name)
                .transform("group " + what.replace('-', ' '), RunOutputs.TYPE, new RunOutputBatcher(maxLines))
                .uid("tripline-group-" + what);
    }

    private static RunOutput encode(AlertRecord r, AlertFormat format) {
        Alert a = r.alert();
        return RunOutput.alert(a.rule().id(), a.rule().title(), format.encode(a), a.revision() > 0);
    }

    /** The per-reason dead letter totals of a finished job, sorted by reason so that summaries compare. */
    private static SortedMap<String, Long> deadLettersByReason(JobExecutionResult result) {
        SortedMap<String, Long> byReason = new TreeMap<>();
        result.getAllAccumulatorResults().forEach((name, value) -> {
            if (name.startsWith(DetectFunction.ACC_DEAD_LETTERS_BY_REASON) && value(value) > 0) {
                byReason.put(name.substring(DetectFunction.ACC_DEAD_LETTERS_BY_REASON.length()), value(value));
            }
        });
        return byReason;
    }

    /** new_terms terms learned by rule id, from the correlate stages' accumulators. */
    private static SortedMap<String, Long> newTermsLearned(JobExecutionResult result) {
        SortedMap<String, Long> byRule = new TreeMap<>();
        result.getAllAccumulatorResults().forEach((name, value) -> {
            if (name.startsWith(CorrelateFunction.ACC_NEW_TERMS_LEARNED) && value(value) > 0) {
                byRule.put(name.substring(CorrelateFunction.ACC_NEW_TERMS_LEARNED.length()), value(value));
            }
        });
        return byRule;
    }

    private static long counter(JobExecutionResult result, String name) {
        return value(result.getAccumulatorResult(name));
    }
}
