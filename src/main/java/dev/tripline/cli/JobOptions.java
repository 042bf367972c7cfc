package dev.tripline.cli;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.EventTimeBounds;
import dev.tripline.flink.LiveRules;
import dev.tripline.flink.RuleUpdate;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.io.LiveUpdateOptions;
import dev.tripline.io.RuleUpdateConnectors;
import dev.tripline.io.S3Options;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.Durations;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.job.TriplineConfig;
import dev.tripline.program.RuleProgram;
import dev.tripline.report.HuntResults;
import dev.tripline.rule.RuleLoadOptions;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options {@code tripline run} and {@code tripline hunt} share, and the steps they share: resolve flags over
 * the configuration file over defaults, load the rules, build the local Flink environment, run, write, and
 * print the summary.
 *
 * <p>Precedence, for every setting: a flag, else the configuration file's key, else the built-in default. Flags
 * without a default value are null here so that "not given" can be told from "given the default".
 */
final class JobOptions {
    // Exit statuses, distinct per cause and listed in Main's help and docs/run.md.
    static final int OK = 0;
    static final int RULES_FAILED = 1;
    static final int BAD_USAGE = 2;
    /** Output could not be written (or a savepoint read). */
    static final int JOB_FAILED = 3;
    /** The job failed while running: an exception in the job, the heap exhausted, a restart limit reached. */
    static final int JOB_ERROR = 4;

    static final int WEB_PORT_TAKEN = 5;
    static final int SOURCE_UNREACHABLE = 6;
    /** 128 + SIGINT: the run was interrupted and printed its summary. */
    static final int INTERRUPTED = 130;
    /** 128 + SIGTERM. */
    static final int TERMINATED = 143;

    @Option(
            names = "--rules",
            paramLabel = "DIR",
            defaultValue = "rules",
            description = "Rule files or directories (default: ${DEFAULT-VALUE}).")
    List<Path> rules;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description = "Write alerts here ('-' for stdout; overrides output.alerts; default stdout).")
    String output;

    @Option(
            names = "--dead-letters",
            paramLabel = "FILE",
            description = "Write dead letters (input that is not a usable event) here, one JSON object per line "
                    + "('-' for stdout; overrides output.dead-letters).")
    Path deadLetters;

    @Option(
            names = "--late-records",
            paramLabel = "FILE",
            description = "Write matches that arrived later than the allowed lateness here, one JSON object per "
                    + "line ('-' for stdout; they are always counted in the summary).")
    Path lateRecords;

    @Option(
            names = "--format",
            paramLabel = "jsonl|ocsf",
            description = "Alert format: jsonl (Tripline alerts) or ocsf (OCSF Detection Finding); overrides "
                    + "output.format; default jsonl.")
    String format;

    @Option(
            names = "--out-of-orderness",
            paramLabel = "DURATION",
            description = "How late an event may arrive and still be on time, e.g. 90s, 15m, 1h (overrides "
                    + "time.out-of-orderness; default 15m).")
    String outOfOrderness;

    @Option(names = "--parallelism", paramLabel = "N", description = "Operator parallelism (default: cores).")
    Integer parallelism;

    @Option(names = "--web", description = "Serve Flink's web UI on 127.0.0.1 while the job runs.")
    boolean web;

    @Option(
            names = "--web-port",
            paramLabel = "PORT",
            defaultValue = "8081",
            description = "Port of the web UI (default: ${DEFAULT-VALUE}; 0 = a free port).")
    int webPort;

    @Mixin
    RuleOptions ruleOptions;

    /** A failure already explained on stderr; the command exits with {@link #code}. */
    static final class Failed extends Exception {
        final int code;

        Failed(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    /** Everything a run needs, resolved. {@code output} null = stdout. */
    record Prepared(
            TriplineConfig config,
            RuleProgram rules,
            DetectionJob.Options options,
            AlertFormat format,
            Path output,
            Path deadLetters,
            Path lateRecords,
            RuleLoadOptions loadOptions,
            List<Path> ruleAndConfigPaths) {
        /** The digest of the rule files the job starts with, which live rule updates compare against. */
        String startDigest() {
            return rules.digest();
        }

        /**
         * For a source read as it happens (Kafka, Kinesis): the live event-time bounds, with the configuration's
         * {@code time.max-*} keys over them.
         */
        Prepared forLiveSource() {
            DetectionJob.Options live =
                    options.withEventTimeBounds(config.settings().eventTimeBounds(EventTimeBounds.LIVE));
            return new Prepared(
                    config, rules, live, format, output, deadLetters, lateRecords, loadOptions, ruleAndConfigPaths);
        }
    }

    static Failed fail(PrintWriter err, String cmd, int code, String message) {
        err.println("tripline " + cmd + ": " + message);
        err.flush();
        return new Failed(code);
    }

    /** Resolves configuration and flags, and loads the rules; {@code base} carries command-specific options. */
    Prepared prepare(String cmd, PrintWriter err, DetectionJob.Options base) throws Failed {
        TriplineConfig config = config(cmd, err, ruleOptions);
        TriplineConfig.Settings s = config.settings();
        AlertFormat alertFormat = alertFormat(cmd, err, format, s);
        DetectionJob.Options options = s.applyTo(base);
        if (outOfOrderness != null) {
            try {
                options = options.withOutOfOrderness(Durations.parse(outOfOrderness));
            } catch (IllegalArgumentException e) {
                throw fail(err, cmd, BAD_USAGE, "--out-of-orderness: " + e.getMessage());
            }
        }
        if (parallelism != null && parallelism < 1) {
            throw fail(err, cmd, BAD_USAGE, "--parallelism must be at least 1, got " + parallelism);
        }
        if (web && (webPort < 0 || webPort > 65535)) {
            throw fail(err, cmd, BAD_USAGE, "--web-port must be 0 to 65535, got " + webPort);
        }
        String out = output != null ? output : s.alerts();
        Path alertPath = out == null || out.equals("-") ? null : Path.of(out);
        Path deadPath = deadLetters != null ? deadLetters : s.deadLetters() == null ? null : Path.of(s.deadLetters());

        // A job that does not know when its history starts lets new_terms rules only learn; a hunt knows its --from.
        Instant from = base.timeRange().from();
        ruleOptions.jobNewTermsHistoryStart = from == null ? Long.MAX_VALUE : from.toEpochMilli();
        RuleLoadOptions loadOptions;
        try {
            loadOptions = ruleOptions.loadOptions();
        } catch (TriplineConfig.ConfigException e) {
            throw fail(err, cmd, BAD_USAGE, e.getMessage());
        }
        RuleProgram program = loadRules(cmd, err, ruleOptions, rules);
        List<Path> reads = new ArrayList<>(rules);
        if (ruleOptions.config != null) {
            reads.add(ruleOptions.config);
        }
        return new Prepared(
                config, program, options, alertFormat, alertPath, deadPath, lateRecords, loadOptions, reads);
    }

    /**
     * The live-update setup of a job whose control stream is {@code control} (null: none): the job's load
     * options, its start digest, the configured correlate stages, and the status topic when one is configured.
     */
    static EmbeddedRun.Live live(
            Prepared p, BiFunction<StreamExecutionEnvironment, String, DataStream<RuleUpdate>> control) {
        if (control == null) {
            return null;
        }
        LiveUpdateOptions lo = p.config().liveUpdates();
        LiveUpdateOptions.Kafka k = lo.kafka();
        return new EmbeddedRun.Live(
                new LiveRules(p.loadOptions(), p.startDigest(), 1),
                control,
                lo.correlateStages() == null ? 1 : lo.correlateStages(),
                k != null && k.statusTopic() != null ? s -> RuleUpdateConnectors.statusSink(s, k) : null);
    }

    /** The configuration file (or the defaults) with the flags applied; a bad one fails naming its key. */
    static TriplineConfig config(String cmd, PrintWriter err, RuleOptions ruleOptions) throws Failed {
        try {
            return ruleOptions.config();
        } catch (TriplineConfig.ConfigException e) {
            throw fail(err, cmd, BAD_USAGE, e.getMessage());
        }
    }

    /** The alert format: the {@code --format} flag (null when not given), else output.format, else jsonl. */
    static AlertFormat alertFormat(String cmd, PrintWriter err, String flag, TriplineConfig.Settings s) throws Failed {
        String formatText = flag != null ? flag : s.format() != null ? s.format() : "jsonl";
        AlertFormat alertFormat = AlertFormat.parse(formatText).orElse(null);
        if (alertFormat == null) {
            throw fail(err, cmd, BAD_USAGE, "--format must be jsonl or ocsf, got '" + formatText + "'");
        }
        return alertFormat;
    }

    /** Loads the rules a job runs; every error is printed, and any error fails with {@link #RULES_FAILED}. */
    static RuleProgram loadRules(String cmd, PrintWriter err, RuleOptions ruleOptions, List<Path> rules) throws Failed {
        RuleProgram loaded = RulesCommand.loadOrNull(ruleOptions, rules, err);
        if (loaded == null) {
            throw new Failed(BAD_USAGE);
        }
        // Errors stop the run and are all shown; warnings are for authors, so a run only counts them.
        loaded.errors().forEach(err::println);
        if (!loaded.warnings().isEmpty() && !ruleOptions.quiet) {
            err.println("tripline " + cmd + ": " + loaded.warnings().size()
                    + " rule warnings (see 'tripline rules validate " + rules.get(0) + "')");
        }
        if (!loaded.ok()) {
            throw fail(err, cmd, RULES_FAILED, "rules have errors; fix them or check with 'tripline rules validate'");
        }
        return loaded;
    }

    /**
     * The files of {@code names} (files and directories; see {@link ArchiveFiles#list}). Files a directory holds
     * that are not read are named on stderr here (the first ten) and counted in the summary.
     */
    static ArchiveFiles.Listing listFiles(
            PrintWriter err, String cmd, List<String> names, ArchiveFiles.Scope scope, TriplineConfig config)
            throws Failed {
        ArchiveFiles.Listing listing;
        try {
            if (names.stream().anyMatch(ArchiveFiles::isUri)) {
                if (onCluster()) {
                    // The Flink client that launched this set up the file systems from the cluster's
                    // configuration and plugins, as its task managers did: listing and reading see the same store.
                    if (!config.settings().s3().equals(S3Options.DEFAULTS)) {
                        err.println("tripline " + cmd + ": input.s3 is not used on a cluster: S3 is reached with "
                                + "the cluster's Flink configuration (s3.endpoint, s3.path.style.access, ...) "
                                + "and its plugins directory");
                        err.flush();
                    }
                } else {
                    config.settings().s3().initialize();
                }
            }
            listing = ArchiveFiles.list(names, scope);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw fail(err, cmd, BAD_USAGE, e.getMessage());
        }
        List<org.apache.flink.core.fs.Path> skipped = listing.skipped();
        if (!skipped.isEmpty()) {
            int shown = Math.min(SKIPPED_NAMED, skipped.size());
            err.println("tripline " + cmd + ": skipping " + skipped.size() + " files whose names are not "
                    + ArchiveFiles.EVENT_FILE_NAMES + ": "
                    + String.join(
                            ", ",
                            skipped.subList(0, shown).stream()
                                    .map(ArchiveFiles::display)
                                    .toList())
                    + (skipped.size() > shown ? ", and " + (skipped.size() - shown) + " more" : "")
                    + " (name a file on the command line to read it anyway)");
            err.flush();
        }
        return listing;
    }

    /** How many skipped files {@link #listFiles} names. */
    static final int SKIPPED_NAMED = 10;

    /** Inputs from the command line, else from {@code input.paths}; empty when neither gives any. */
    static List<String> inputs(List<String> fromCommandLine, TriplineConfig config) {
        if (fromCommandLine != null && !fromCommandLine.isEmpty()) {
            return fromCommandLine;
        }
        List<String> configured = config.settings().inputPaths();
        return configured == null ? List.of() : configured;
    }

    /**
     * True when a Flink client launched this process's command ({@code flink run tripline-job.jar hunt ...}): it
     * hands over an environment of its cluster, and the job runs there instead of in this process.
     */
    static boolean onCluster() {
        return !(StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment);
    }

    /**
     * Where the job runs. Launched by a Flink client ({@link #onCluster}): the cluster's environment, whose own
     * configuration decides state backend, slots and restarts, with the parallelism of {@code --parallelism} or
     * {@code flink run -p}; outputs still come back to this process. Otherwise a local environment: every service
     * bound to loopback, accumulators reported every second, the UI if asked.
     */
    StreamExecutionEnvironment environment(String cmd, PrintWriter err, TriplineConfig config) throws Failed {
        return environment(cmd, err, config, null);
    }

    /** As above, restoring the job from the savepoint at {@code fromSavepoint} when it is not null. */
    StreamExecutionEnvironment environment(String cmd, PrintWriter err, TriplineConfig config, String fromSavepoint)
            throws Failed {
        if (onCluster()) {
            if (fromSavepoint != null) {
                throw fail(
                        err,
                        cmd,
                        BAD_USAGE,
                        "--from-savepoint starts a job run in this process; on a cluster give the savepoint to "
                                + "flink run -s");
            }
            if (web) {
                throw fail(
                        err,
                        cmd,
                        BAD_USAGE,
                        "--web serves the UI of a job run in this process; this one runs on the cluster it was "
                                + "submitted to, whose web UI shows it");
            }
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            if (parallelism != null) {
                // An upper bound in BATCH mode when the cluster lets Flink's adaptive batch scheduler choose each
                // operator's parallelism from its data volume (execution.batch.adaptive.auto-parallelism.enabled).
                env.setParallelism(parallelism);
            }
            env.setBufferTimeout(DetectionJob.BUFFER_TIMEOUT_MILLIS);
            return env;
        }
        // The local cluster configures its file systems again from this configuration: S3 settings go in it.
        Configuration conf = config.settings().s3().applyTo(EmbeddedRun.loopbackConfiguration());
        // Restarts with a limit (a failing source must not restart silently forever) and the state backend.
        config.embedded().applyTo(conf);
        EmbeddedRun.slots(
                conf, parallelism != null ? parallelism : Runtime.getRuntime().availableProcessors());
        // Running jobs report accumulators with task-manager heartbeats; the default 10 s is too slow for progress.
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
        if (fromSavepoint != null) {
            conf.set(org.apache.flink.runtime.jobgraph.SavepointConfigOptions.SAVEPOINT_PATH, fromSavepoint);
        }
        StreamExecutionEnvironment env;
        if (web) {
            int port = webPort == 0 ? freePort(cmd, err) : portIfFree(cmd, err, webPort);
            conf.set(RestOptions.PORT, port);
            conf.set(RestOptions.BIND_PORT, String.valueOf(port));
            env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
            err.println("tripline " + cmd + ": Flink web UI at http://127.0.0.1:" + port + "/");
            err.flush();
        } else {
            env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        }
        if (parallelism != null) {
            env.setParallelism(parallelism);
        }
        env.setBufferTimeout(DetectionJob.BUFFER_TIMEOUT_MILLIS);
        return env;
    }

    /**
     * {@code port} when nothing listens on it on 127.0.0.1; otherwise one line and {@link #WEB_PORT_TAKEN},
     * before the cluster starts (whose own bind failure is a long stack trace).
     */
    private static int portIfFree(String cmd, PrintWriter err, int port) throws Failed {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return port;
        } catch (IOException e) {
            throw fail(
                    err,
                    cmd,
                    WEB_PORT_TAKEN,
                    "--web-port " + port + " is in use on 127.0.0.1 (" + e.getMessage()
                            + "); choose another, or --web-port 0 for a free one");
        }
    }

    private static int freePort(String cmd, PrintWriter err) throws Failed {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw fail(err, cmd, BAD_USAGE, "no free port for --web: " + e.getMessage());
        }
    }

    /** Runs the job and writes its output; returns the summary, or throws after explaining. */
    static EmbeddedRun.Summary execute(
            String cmd,
            CommandLine.Model.CommandSpec spec,
            StreamExecutionEnvironment env,
            RuntimeExecutionMode mode,
            EmbeddedRun.Input input,
            Prepared p,
            EmbeddedRun.ProgressListener progress,
            long progressMillis)
            throws Exception {
        return execute(cmd, spec, env, mode, input, p, progress, progressMillis, null);
    }

    /** As above, with live rule updates when {@code live} is not null; each update's status goes to stderr. */
    static EmbeddedRun.Summary execute(
            String cmd,
            CommandLine.Model.CommandSpec spec,
            StreamExecutionEnvironment env,
            RuntimeExecutionMode mode,
            EmbeddedRun.Input input,
            Prepared p,
            EmbeddedRun.ProgressListener progress,
            long progressMillis,
            EmbeddedRun.Live live)
            throws Exception {
        return execute(cmd, spec, env, mode, input, p, progress, progressMillis, live, null, null);
    }

    /**
     * As above; {@code results}, when not null, is also given every alert, dead letter and late record line, and
     * with {@code primeSavepoint} (a BATCH run) the new_terms priming savepoint is written there.
     */
    static EmbeddedRun.Summary execute(
            String cmd,
            CommandLine.Model.CommandSpec spec,
            StreamExecutionEnvironment env,
            RuntimeExecutionMode mode,
            EmbeddedRun.Input input,
            Prepared p,
            EmbeddedRun.ProgressListener progress,
            long progressMillis,
            EmbeddedRun.Live live,
            HuntResults results,
            String primeSavepoint)
            throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        EmbeddedRun run = new EmbeddedRun(p.rules(), p.options(), p.format(), new dev.tripline.io.RawRecordFormat());
        if (primeSavepoint != null) {
            run.primeNewTerms(primeSavepoint);
        }
        watch(run, cmd, err, p);
        if (live != null) {
            run.live(live).ruleUpdates(line -> {
                err.println("tripline " + cmd + ": " + line);
                err.flush();
            });
        }
        Map<String, Path> outputs = new LinkedHashMap<>();
        outputs.put("--output", p.output() == null ? Path.of(OutputPaths.STDOUT) : p.output());
        outputs.put("--dead-letters", p.deadLetters());
        outputs.put("--late-records", p.lateRecords());
        // Inputs in an object store cannot be overwritten by a local output; local ones are checked.
        List<Path> reads = new ArrayList<>();
        input.files().stream()
                .map(f -> ArchiveFiles.localFile(f.path()))
                .filter(f -> f != null)
                .forEach(reads::add);
        reads.addAll(p.ruleAndConfigPaths());
        String conflict = OutputPaths.conflict(outputs, reads);
        if (conflict != null) {
            throw fail(err, cmd, BAD_USAGE, conflict);
        }
        // A stream's lines are flushed one by one, so that each alert shows when it fires; a BATCH run's lines come
        // at its end, and a flush per line (a write to the file each) cost more than collecting them.
        boolean flushEach = mode != RuntimeExecutionMode.BATCH;
        try (Writer alertOut = open(spec, outputs.get("--output"));
                Writer deadOut = open(spec, p.deadLetters());
                Writer lateOut = open(spec, p.lateRecords())) {
            HuntResults tap = results;
            run.lateRecords(line -> {
                writeLine(lateOut, line, flushEach);
                if (tap != null) {
                    tap.late(line);
                }
            });
            return run.run(
                    env,
                    mode,
                    input,
                    line -> {
                        writeLine(alertOut, line, flushEach);
                        if (tap != null) {
                            tap.alert(line);
                        }
                    },
                    line -> {
                        writeLine(deadOut, line, flushEach);
                        if (tap != null) {
                            tap.deadLetter(line);
                        }
                    },
                    progress,
                    progressMillis);
        } catch (IOException e) {
            throw fail(err, cmd, JOB_FAILED, "cannot write output: " + e.getMessage());
        }
    }

    /** Restarts and the heap limit of the configuration's {@code embedded:} section, told on stderr. */
    static void watch(EmbeddedRun run, String cmd, PrintWriter err, Prepared p) {
        run.watch(p.config().embedded(), line -> {
            err.println("tripline " + cmd + ": " + line);
            err.flush();
        });
    }

    /** The writer of an output: none for null, stdout for {@code -}, else the file (created or truncated). */
    private static Writer open(CommandLine.Model.CommandSpec spec, Path path) throws IOException {
        if (path == null) {
            return Writer.nullWriter();
        }
        if (path.toString().equals(OutputPaths.STDOUT)) {
            return stdout(spec);
        }
        return Files.newBufferedWriter(path, StandardCharsets.UTF_8);
    }

    /** Stdout, flushed but never closed: picocli and the JVM still own it. */
    private static Writer stdout(CommandLine.Model.CommandSpec spec) {
        PrintWriter out = spec.commandLine().getOut();
        return new BufferedWriter(new Writer() {
            @Override
            public void write(char[] cbuf, int off, int len) {
                out.write(cbuf, off, len);
            }

            @Override
            public void flush() {
                out.flush();
            }

            @Override
            public void close() {
                out.flush();
            }
        });
    }

    /** One line, flushed when {@code flush}: a stdin-fed run must show each alert when it fires, not when the job ends. */
    private static void writeLine(Writer w, String line, boolean flush) throws IOException {
        w.write(line);
        w.write('\n');
        if (flush) {
            w.flush();
        }
    }

    static void printSummary(PrintWriter err, String cmd, EmbeddedRun.Summary s, boolean withRange) {
        err.printf(
                "tripline %s: %d files%s, %d records, %d events%s, %d alerts%s, %d dead letters%s%n",
                cmd,
                s.files(),
                s.skippedFiles() == 0 ? "" : " (" + s.skippedFiles() + " other files skipped)",
                s.records(),
                s.events(),
                withRange ? ", " + s.eventsOutsideRange() + " outside the time range" : "",
                s.alerts(),
                s.alertUpdates() == 0 ? "" : " (+" + s.alertUpdates() + " updates)",
                s.deadLetters(),
                s.lateRecords() < 0
                        ? " (late records: see the late_records metric)"
                        : ", " + s.lateRecords() + " late records");
        if (!s.deadLettersByReason().isEmpty()) {
            StringBuilder reasons = new StringBuilder("  dead letters by reason:");
            s.deadLettersByReason()
                    .forEach((reason, n) ->
                            reasons.append(' ').append(reason).append(' ').append(n));
            err.println(reasons);
        }
        EmbeddedRun.Late late = s.late();
        if (late != null && s.lateRecords() > 0) {
            err.printf(
                    "  late: up to %d alerts may be missing: %d alert candidates (%d rules) and %d correlation "
                            + "signals (%d correlations) came more than the allowed lateness behind the watermark "
                            + "(--late-records FILE keeps them). Raise time.out-of-orderness (--out-of-orderness) "
                            + "or time.allowed-lateness to cover how far out of order the input arrives, or run "
                            + "over files or use 'tripline hunt', which sort by event time.%n",
                    s.lateRecords(),
                    late.alertCandidates(),
                    late.rules().size(),
                    late.signals(),
                    late.correlations().size());
        }
        if (s.signalsMissingGroup() > 0) {
            err.printf(
                    "  correlations skipped %d matches whose event lacks a group-by field (e.g. an Azure record "
                            + "without a caller has no principal); the rules themselves were evaluated%n",
                    s.signalsMissingGroup());
        }
        if (s.embeddedJsonUnreadable() > 0) {
            err.printf(
                    "  %d events held JSON text a rule reads ([json] step) that could not be read; the field was "
                            + "missing for matching, the events were evaluated%n",
                    s.embeddedJsonUnreadable());
        }
        if (s.live()) {
            err.printf("  rule updates: %d accepted, %d rejected%n", s.ruleUpdatesAccepted(), s.ruleUpdatesRejected());
        }
        if (s.newTermsLearnedTotal() > 0) {
            err.printf(
                    "  new_terms learning, not alerting: %d terms first seen before their rule's history was known "
                            + "(correlation.new-terms-history-start, a hunt's --from, or a priming savepoint from "
                            + "'tripline hunt --prime-savepoint'; see the new_terms_learned metric):%s%n",
                    s.newTermsLearnedTotal(),
                    s.newTermsLearned().entrySet().stream()
                            .map(e -> " " + e.getKey() + " " + e.getValue())
                            .collect(java.util.stream.Collectors.joining(",")));
        }
        if (s.newTermsCombinationsCut() > 0) {
            err.printf(
                    "  new_terms: %d term combinations beyond %d per event were not evaluated (events with many values "
                            + "in the terms' fields; metric new_terms_combinations_cut)%n",
                    s.newTermsCombinationsCut(), dev.tripline.correlate.CorrelationPlan.MAX_TERM_COMBINATIONS);
        }
        if (s.signalsPruned() > 0) {
            err.printf(
                    "  %d correlation signals pruned: steps of a sequence (or what feeds one) whose first step never "
                            + "occurred in their group, which cannot complete it (metric signals_pruned; docs/correlation.md)%n",
                    s.signalsPruned());
        }
        for (Map.Entry<String, Long> e : s.alertsByRule().entrySet()) {
            err.printf(
                    "  %6d  %s  %s%n", e.getValue(), e.getKey(), s.ruleTitles().get(e.getKey()));
        }
        err.flush();
    }
}
