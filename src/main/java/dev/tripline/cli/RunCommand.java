package dev.tripline.cli;

import dev.tripline.flink.RawRecord;
import dev.tripline.flink.RuleUpdate;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.io.Connectors;
import dev.tripline.io.KafkaConnectors;
import dev.tripline.io.KinesisConnectors;
import dev.tripline.io.KinesisSourceOptions;
import dev.tripline.io.LiveUpdateOptions;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.io.RuleDirectorySource;
import dev.tripline.io.RuleUpdateConnectors;
import dev.tripline.io.SinkOptions;
import dev.tripline.io.SourceOptions;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedRun;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tripline run}: the detection job embedded in this process over files and directories, or over stdin
 * ({@code -}) as it arrives; alerts to stdout or a file, dead letters to a file, a summary on stderr at the end.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run the detection job in-process over CloudTrail files (JSON Lines, .json, .json.gz, "
                + "AWSLogs/ directory trees), or over stdin ('-') as it arrives, and write alerts as JSON Lines.")
final class RunCommand implements Callable<Integer> {
    /** Checks of a Kafka or Kinesis source before the job starts: all of them together stay under 30 s. */
    static final int SOURCE_ATTEMPTS = 3;

    static final Duration SOURCE_ATTEMPT_TIMEOUT = Duration.ofSeconds(8);

    /** The input name that means stdin. */
    static final String STDIN = "-";

    @Parameters(
            arity = "0..*",
            paramLabel = "INPUT",
            description = "Input files or directories, or '-' for stdin (default: input.paths from --config).")
    List<String> inputs;

    @Option(
            names = "--source",
            paramLabel = "file|kafka|kinesis",
            description = "Where records come from (default: source.kind of --config, else file).")
    String source;

    @Option(
            names = "--sink",
            paramLabel = "file|kafka|kinesis",
            description = "Where alerts and dead letters go (default: sink.kind of --config, else file).")
    String sink;

    @Option(
            names = "--watch-rules",
            description = "Watch the --rules paths and apply a changed rule set while the job runs, without a "
                    + "restart (a bad set is rejected and the running rules stay). Needs an unbounded input: "
                    + "stdin ('-'), kafka or kinesis; a run over files ends when they are read.")
    boolean watchRules;

    @Option(
            names = "--from-savepoint",
            paramLabel = "DIR",
            description = "Start from a savepoint: one of a stopped job, or the priming savepoint of "
                    + "'tripline hunt --prime-savepoint' (new_terms rules then know the archive's terms). Needs a "
                    + "stream input (stdin '-', kafka or kinesis); a run over files starts without state.")
    String fromSavepoint;

    @Mixin
    JobOptions job;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final InputStream stdin;
    /** The signal hook of a run from the real command line (null in tests that pass their own stdin). */
    private Interruption interruption;

    RunCommand() {
        this(System.in);
    }

    /** With the stream {@code -} reads: tests pass a pipe. */
    RunCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try (Interruption interruption = stdin == System.in ? Interruption.install() : null) {
            this.interruption = interruption;
            JobOptions.Prepared prepared = job.prepare("run", err, DetectionJob.Options.defaults());
            SourceOptions src = prepared.config().source();
            SinkOptions snk = prepared.config().sink();
            if (source != null || sink != null) {
                SourceOptions.Kind sk = source == null ? src.kind() : SourceOptions.kind(source);
                SourceOptions.Kind kk = sink == null ? snk.kind() : SourceOptions.kind(sink);
                if (sk == null || kk == null) {
                    throw JobOptions.fail(
                            err, "run", JobOptions.BAD_USAGE, "--source and --sink take file, kafka or kinesis");
                }
                src = src.withKind(sk);
                snk = snk.withKind(kk);
            }
            String missing = src.missingSettings() != null ? src.missingSettings() : snk.missingSettings();
            if (missing != null) {
                throw JobOptions.fail(err, "run", JobOptions.BAD_USAGE, missing);
            }
            JobOptions.Prepared p = src.kind() == SourceOptions.Kind.FILE ? prepared : prepared.forLiveSource();
            EmbeddedRun.Input input = src.kind() == SourceOptions.Kind.FILE ? fileInput(err, p) : streamInput(err, src);
            if (fromSavepoint != null && input.mode() != RuntimeExecutionMode.STREAMING) {
                throw JobOptions.fail(
                        err,
                        "run",
                        JobOptions.BAD_USAGE,
                        "--from-savepoint needs a stream input (stdin '-', kafka or kinesis): a run over files runs in "
                                + "BATCH mode, which starts without state");
            }
            StreamExecutionEnvironment env = job.environment("run", err, p.config(), fromSavepoint);
            if (src.kind() != SourceOptions.Kind.FILE || snk.kind() != SourceOptions.Kind.FILE) {
                // Exactly-once sinks commit on checkpoints, and restartable sources keep their positions there.
                EmbeddedRun.enableCheckpointing(env, snk.checkpointInterval());
            }
            if (input.stream() != null && snk.kind() != SourceOptions.Kind.FILE) {
                throw JobOptions.fail(err, "run", JobOptions.BAD_USAGE, "stdin ('-') is read with the file sink only");
            }
            EmbeddedRun.Live live = JobOptions.live(p, control(err, p, src, input));
            EmbeddedRun.Summary summary;
            if (snk.kind() != SourceOptions.Kind.FILE) {
                // Sinks inside the job: an unbounded source runs until interrupted (Ctrl-C cancels the job).
                EmbeddedRun run = new EmbeddedRun(p.rules(), p.options(), p.format(), new RawRecordFormat());
                JobOptions.watch(run, "run", err, p);
                if (live != null) {
                    run.live(live);
                }
                DataStream<RawRecord> records = input.connector() != null
                        ? input.connector().apply(env)
                        : Connectors.source(env, src, input.files(), new RawRecordFormat());
                // STREAMING even over files: exactly-once sinks commit on checkpoints, and BATCH mode takes none
                // (a run over files to Kafka committed nothing). So this path keeps the watermark's limits.
                summary = run.runAttached(
                        env,
                        RuntimeExecutionMode.STREAMING,
                        records,
                        input.files().size(),
                        input.skipped().size(),
                        Connectors.alertSink(snk, p.format()),
                        Connectors.deadLetterSink(snk));
            } else {
                summary = JobOptions.execute("run", spec, env, input.mode(), input, p, null, 0, live);
            }
            JobOptions.printSummary(err, "run", summary, false);
            return JobOptions.OK;
        } catch (JobOptions.Failed f) {
            return f.code;
        }
    }

    /**
     * The control stream of live rule updates: the watched rule paths with {@code --watch-rules}, else the
     * control topic of {@code rules.updates} when the input is unbounded; null for fixed rules. A bounded input
     * gets none, so that the run still ends with its input.
     */
    private BiFunction<StreamExecutionEnvironment, String, DataStream<RuleUpdate>> control(
            PrintWriter err, JobOptions.Prepared p, SourceOptions src, EmbeddedRun.Input input)
            throws JobOptions.Failed {
        LiveUpdateOptions lo = p.config().liveUpdates();
        boolean bounded = (src.kind() == SourceOptions.Kind.FILE && input.stream() == null)
                || (src.kind() == SourceOptions.Kind.KAFKA
                        && src.kafka() != null
                        && src.kafka().bounded());
        if (watchRules) {
            if (bounded) {
                throw JobOptions.fail(
                        err,
                        "run",
                        JobOptions.BAD_USAGE,
                        "--watch-rules needs an unbounded input "
                                + "(stdin '-', kafka or kinesis): a run over files ends when they are read");
            }
            if (lo.kafka() != null) {
                throw JobOptions.fail(
                        err,
                        "run",
                        JobOptions.BAD_USAGE,
                        "--watch-rules and rules.updates (a control " + "topic) both give rule updates; use one");
            }
            List<Path> paths = job.rules;
            long max = p.loadOptions().maxFileBytes();
            Duration every = lo.watchInterval();
            String start = p.startDigest();
            return (env, stream) -> env.addSource(
                            new RuleDirectorySource(paths, max, every, start, stream),
                            "rule directory",
                            TypeInformation.of(RuleUpdate.class))
                    .setParallelism(1)
                    .uid(RuleDirectorySource.UID);
        }
        if (lo.kafka() != null && !bounded) {
            LiveUpdateOptions.Kafka k = lo.kafka();
            return (env, stream) -> RuleUpdateConnectors.source(env, k);
        }
        return null;
    }

    /** Files and directories from the command line or input.paths, or stdin for '-'. */
    private EmbeddedRun.Input fileInput(PrintWriter err, JobOptions.Prepared p) throws JobOptions.Failed {
        List<String> names = JobOptions.inputs(inputs, p.config());
        if (names.isEmpty()) {
            throw JobOptions.fail(
                    err,
                    "run",
                    JobOptions.BAD_USAGE,
                    "no input: name files or directories, '-' for stdin, or set input.paths in --config");
        }
        if (names.contains(STDIN)) {
            if (names.size() > 1) {
                throw JobOptions.fail(
                        err, "run", JobOptions.BAD_USAGE, "'-' (stdin) cannot be mixed with other inputs");
            }
            return EmbeddedRun.Input.stream(interruption == null ? stdin : interruption.endable(stdin), STDIN);
        }
        ArchiveFiles.Listing files = JobOptions.listFiles(err, "run", names, ArchiveFiles.Scope.ALL, p.config());
        if (files.files().isEmpty()) {
            throw JobOptions.fail(err, "run", JobOptions.BAD_USAGE, "no input files found in " + names);
        }
        return EmbeddedRun.Input.files(files);
    }

    /** A Kafka or Kinesis source; INPUT names files, so it is an error here. */
    private EmbeddedRun.Input streamInput(PrintWriter err, SourceOptions src) throws JobOptions.Failed {
        if (inputs != null && !inputs.isEmpty()) {
            throw JobOptions.fail(err, "run", JobOptions.BAD_USAGE, "INPUT files are only read with --source file");
        }
        checkReachable(err, src);
        return EmbeddedRun.Input.connector(env -> Connectors.source(env, src, List.of(), new RawRecordFormat()));
    }

    /**
     * Kafka and Kinesis sources wait for an unreachable broker or endpoint silently (for ever, or through long SDK
     * retries): ask first, visibly, {@link #SOURCE_ATTEMPTS} times, and fail naming the configuration to check. A
     * Kinesis stream that does not exist fails at once; a Kafka topic may still be created, so only the cluster is
     * asked.
     */
    private static void checkReachable(PrintWriter err, SourceOptions src) throws JobOptions.Failed {
        if (src.kind() == SourceOptions.Kind.KAFKA && src.kafka() != null) {
            String where = "Kafka at " + String.join(",", src.kafka().bootstrapServers());
            for (int attempt = 1; attempt <= SOURCE_ATTEMPTS; attempt++) {
                String why = KafkaConnectors.unreachable(src.kafka(), SOURCE_ATTEMPT_TIMEOUT);
                if (why == null) {
                    return;
                }
                notAnswering(err, where, attempt, why);
            }
            throw JobOptions.fail(
                    err, "run", JobOptions.SOURCE_UNREACHABLE, "Kafka source unreachable; check source.kafka");
        }
        if (src.kind() == SourceOptions.Kind.KINESIS && src.kinesis() != null) {
            KinesisSourceOptions k = src.kinesis();
            String where = "Kinesis at " + (k.endpoint() != null ? k.endpoint() : "region " + k.region());
            for (int attempt = 1; attempt <= SOURCE_ATTEMPTS; attempt++) {
                KinesisConnectors.Unreachable why = KinesisConnectors.unreachable(k, SOURCE_ATTEMPT_TIMEOUT);
                if (why == null) {
                    return;
                }
                if (why.streamMissing()) {
                    throw JobOptions.fail(
                            err,
                            "run",
                            JobOptions.SOURCE_UNREACHABLE,
                            "source.kinesis.stream-arn: no stream " + k.streamArn() + " at "
                                    + where.substring("Kinesis at ".length()) + " (" + why.message() + ")");
                }
                notAnswering(err, where, attempt, why.message());
            }
            throw JobOptions.fail(
                    err,
                    "run",
                    JobOptions.SOURCE_UNREACHABLE,
                    "Kinesis source unreachable; check source.kinesis (endpoint, region, properties)");
        }
    }

    private static void notAnswering(PrintWriter err, String where, int attempt, String why) {
        err.println("tripline run: " + where + " does not answer (attempt " + attempt + " of " + SOURCE_ATTEMPTS + "): "
                + why);
        err.flush();
    }
}
