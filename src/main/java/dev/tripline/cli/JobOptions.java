package dev.tripline.cli;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.EventTimeBounds;
import dev.tripline.flink.LiveRules;
import dev.tripline.flink.RuleUpdate;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.io.LiveUpdateOptions;
import dev.tripline.io.RuleUpdateConnectors;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.Durations;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.job.TriplineConfig;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoadOptions;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
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
    static final int OK = 0;
    static final int RULES_FAILED = 1;
    static final int BAD_USAGE = 2;
    static final int JOB_FAILED = 3;

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
                    + "(overrides output.dead-letters).")
    Path deadLetters;

    @Option(
            names = "--late-records",
            paramLabel = "FILE",
            description = "Write matches that arrived later than the allowed lateness here, one JSON object per "
                    + "line (they are always counted in the summary).")
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
            RuleLoadOptions loadOptions) {
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
            return new Prepared(config, rules, live, format, output, deadLetters, lateRecords, loadOptions);
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
        if (web && (webPort < 0 || webPort > 65535)) {
            throw fail(err, cmd, BAD_USAGE, "--web-port must be 0 to 65535, got " + webPort);
        }
        String out = output != null ? output : s.alerts();
        Path alertPath = out == null || out.equals("-") ? null : Path.of(out);
        Path deadPath = deadLetters != null ? deadLetters : s.deadLetters() == null ? null : Path.of(s.deadLetters());

        RuleLoadOptions loadOptions;
        try {
            loadOptions = ruleOptions.loadOptions();
        } catch (TriplineConfig.ConfigException e) {
            throw fail(err, cmd, BAD_USAGE, e.getMessage());
        }
        RuleProgram program = loadRules(cmd, err, ruleOptions, rules);
        return new Prepared(config, program, options, alertFormat, alertPath, deadPath, lateRecords, loadOptions);
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
        if (!loaded.warnings().isEmpty()) {
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
    static ArchiveFiles.Listing listFiles(PrintWriter err, String cmd, List<String> names, Instant from, Instant to)
            throws Failed {
        ArchiveFiles.Listing listing;
        try {
            listing = ArchiveFiles.list(names.stream().map(Path::of).toList(), from, to);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw fail(err, cmd, BAD_USAGE, e.getMessage());
        }
        List<Path> skipped = listing.skipped();
        if (!skipped.isEmpty()) {
            int shown = Math.min(SKIPPED_NAMED, skipped.size());
            err.println("tripline " + cmd + ": skipping " + skipped.size() + " files whose names are not "
                    + ArchiveFiles.EVENT_FILE_NAMES + ": "
                    + String.join(
                            ", ",
                            skipped.subList(0, shown).stream()
                                    .map(Path::toString)
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

    /** The local environment: REST bound to loopback, accumulators reported every second, the UI if asked. */
    StreamExecutionEnvironment environment(String cmd, PrintWriter err) throws Failed {
        Configuration conf = new Configuration();
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        // Running jobs report accumulators with task-manager heartbeats; the default 10 s is too slow for progress.
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
        StreamExecutionEnvironment env;
        if (web) {
            int port = webPort == 0 ? freePort(cmd, err) : webPort;
            conf.set(RestOptions.PORT, port);
            conf.set(RestOptions.BIND_PORT, String.valueOf(port));
            env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
            err.println("tripline " + cmd + ": Flink web UI at http://127.0.0.1:" + port + "/");
            err.flush();
        } else {
            env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        }
        if (parallelism != null) {
            env.setParallelism(Math.max(1, parallelism));
        }
        env.setBufferTimeout(DetectionJob.BUFFER_TIMEOUT_MILLIS);
        return env;
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
        PrintWriter err = spec.commandLine().getErr();
        EmbeddedRun run = new EmbeddedRun(p.rules(), p.options(), p.format(), new dev.tripline.io.RawRecordFormat());
        if (live != null) {
            run.live(live).ruleUpdates(line -> {
                err.println("tripline " + cmd + ": " + line);
                err.flush();
            });
        }
        try (Writer alertOut = p.output() == null
                        ? stdout(spec)
                        : Files.newBufferedWriter(p.output(), StandardCharsets.UTF_8);
                Writer deadOut = p.deadLetters() == null
                        ? Writer.nullWriter()
                        : Files.newBufferedWriter(p.deadLetters(), StandardCharsets.UTF_8);
                Writer lateOut = p.lateRecords() == null
                        ? Writer.nullWriter()
                        : Files.newBufferedWriter(p.lateRecords(), StandardCharsets.UTF_8)) {
            run.lateRecords(line -> writeLine(lateOut, line));
            return run.run(
                    env,
                    mode,
                    input,
                    line -> writeLine(alertOut, line),
                    line -> writeLine(deadOut, line),
                    progress,
                    progressMillis);
        } catch (IOException e) {
            throw fail(err, cmd, JOB_FAILED, "cannot write output: " + e.getMessage());
        }
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

    /** One line, flushed: a stdin-fed run must show each alert when it fires, not when the job ends. */
    private static void writeLine(Writer w, String line) throws IOException {
        w.write(line);
        w.write('\n');
        w.flush();
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
        for (Map.Entry<String, Long> e : s.alertsByRule().entrySet()) {
            err.printf(
                    "  %6d  %s  %s%n", e.getValue(), e.getKey(), s.ruleTitles().get(e.getKey()));
        }
        err.flush();
    }
}
