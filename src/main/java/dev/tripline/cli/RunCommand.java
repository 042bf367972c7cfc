package dev.tripline.cli;

import dev.tripline.alert.AlertFormat;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.io.Connectors;
import dev.tripline.io.RawRecord;
import dev.tripline.io.SinkOptions;
import dev.tripline.io.SourceOptions;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.rule.RuleLoader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tripline run}: the detection job embedded in this process over files and directories, alerts to stdout
 * or a file, dead letters to a file, a summary on stderr at the end.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the detection job in-process over CloudTrail files (JSON Lines, .json, .json.gz, "
                + "AWSLogs/ directory trees) and write alerts as JSON Lines.")
final class RunCommand implements Callable<Integer> {
    static final int OK = 0;
    static final int RULES_FAILED = 1;
    static final int BAD_USAGE = 2;
    static final int JOB_FAILED = 3;

    @Parameters(arity = "0..*", paramLabel = "INPUT", description = "Input files or directories (file source).")
    List<Path> inputs = List.of();

    @Option(names = "--source", paramLabel = "file|kafka|kinesis",
            description = "Where records come from (default: source.kind of --config, else file).")
    String source;

    @Option(names = "--sink", paramLabel = "file|kafka|kinesis",
            description = "Where alerts and dead letters go (default: sink.kind of --config, else file).")
    String sink;

    @Option(names = "--rules", paramLabel = "DIR", defaultValue = "rules",
            description = "Rule files or directories (default: ${DEFAULT-VALUE}).")
    List<Path> rules;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write alerts here instead of stdout.")
    Path output;

    @Option(names = "--dead-letters", paramLabel = "FILE",
            description = "Write dead letters (input that is not a usable event) here, one JSON object per line.")
    Path deadLetters;

    @Option(names = "--format", paramLabel = "jsonl|ocsf", defaultValue = "jsonl",
            description = "Alert format: jsonl (Tripline alerts) or ocsf (OCSF Detection Finding).")
    String format;

    @Option(names = "--out-of-orderness", paramLabel = "DURATION", defaultValue = "15m",
            description = "How late an event may arrive and still be on time, e.g. 90s, 15m, 1h (default: "
                    + "${DEFAULT-VALUE}).")
    String outOfOrderness;

    @Option(names = "--parallelism", paramLabel = "N", description = "Operator parallelism (default: cores).")
    Integer parallelism;

    @Mixin
    RuleOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    /** {@code 90s}, {@code 15m}, {@code 1h}, {@code 2d}, {@code 500ms}, or ISO-8601 ({@code PT15M}). */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (try 90s, 15m, 1h)");
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        AlertFormat alertFormat = AlertFormat.parse(format).orElse(null);
        if (alertFormat == null) {
            err.println("tripline run: --format must be jsonl or ocsf, got '" + format + "'");
            return BAD_USAGE;
        }
        DetectionJob.Options jobOptions;
        try {
            jobOptions = DetectionJob.Options.defaults().withOutOfOrderness(parseDuration(outOfOrderness));
        } catch (IllegalArgumentException e) {
            err.println("tripline run: --out-of-orderness: " + e.getMessage());
            return BAD_USAGE;
        }
        RuleLoader.Result loaded = RulesCommand.loadOrNull(options, rules, err);
        if (loaded == null) {
            return BAD_USAGE;
        }
        // Errors stop the run and are all shown; warnings are for authors, so a run only counts them.
        loaded.errors().forEach(err::println);
        if (!loaded.warnings().isEmpty()) {
            err.println("tripline run: " + loaded.warnings().size()
                    + " rule warnings (see 'tripline rules validate " + rules.get(0) + "')");
        }
        if (!loaded.ok()) {
            err.println("tripline run: rules have errors; fix them or check with 'tripline rules validate'");
            return RULES_FAILED;
        }
        SourceOptions src = options.config().source();
        SinkOptions snk = options.config().sink();
        if (source != null || sink != null) {
            SourceOptions.Kind sk = source == null ? src.kind() : SourceOptions.kind(source);
            SourceOptions.Kind kk = sink == null ? snk.kind() : SourceOptions.kind(sink);
            if (sk == null || kk == null) {
                err.println("tripline run: --source and --sink take file, kafka or kinesis");
                return BAD_USAGE;
            }
            src = src.withKind(sk);
            snk = snk.withKind(kk);
        }
        String missing = src.missingSettings() != null ? src.missingSettings() : snk.missingSettings();
        if (missing != null) {
            err.println("tripline run: " + missing);
            return BAD_USAGE;
        }
        List<Path> files = List.of();
        try {
            if (src.kind() == SourceOptions.Kind.FILE) {
                files = ArchiveFiles.list(inputs, null, null);
            } else if (!inputs.isEmpty()) {
                err.println("tripline run: INPUT files are only read with --source file");
                return BAD_USAGE;
            }
        } catch (IllegalArgumentException e) {
            err.println("tripline run: " + e.getMessage());
            return BAD_USAGE;
        }
        if (files.isEmpty() && src.kind() == SourceOptions.Kind.FILE) {
            err.println("tripline run: no input files found in " + inputs);
            return BAD_USAGE;
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        if (parallelism != null) {
            env.setParallelism(Math.max(1, parallelism));
        }
        EmbeddedRun run = new EmbeddedRun(loaded.ruleSet(), jobOptions, alertFormat, new RawRecordFormat());
        if (src.kind() != SourceOptions.Kind.FILE || snk.kind() != SourceOptions.Kind.FILE) {
            EmbeddedRun.enableCheckpointing(env, snk.checkpointInterval());
        }
        DataStream<RawRecord> records = Connectors.source(env, src, files, new RawRecordFormat());
        if (snk.kind() != SourceOptions.Kind.FILE) {
            // Sinks inside the job: an unbounded source runs until interrupted (Ctrl-C cancels the job).
            printSummary(err, run.runAttached(env, records, files.size(), Connectors.alertSink(snk, alertFormat),
                    Connectors.deadLetterSink(snk)));
            return OK;
        }
        boolean live = Connectors.unbounded(src);
        EmbeddedRun.Summary summary;
        try (Writer alertOut = output == null ? stdout() : Files.newBufferedWriter(output, StandardCharsets.UTF_8);
             Writer deadOut = deadLetters == null ? Writer.nullWriter()
                     : Files.newBufferedWriter(deadLetters, StandardCharsets.UTF_8)) {
            summary = run.run(env, records, files.size(), line -> writeLine(alertOut, line, live),
                    line -> writeLine(deadOut, line, live));
        } catch (IOException e) {
            err.println("tripline run: cannot write output: " + e.getMessage());
            return JOB_FAILED;
        }
        printSummary(err, summary);
        return OK;
    }

    /** Stdout, flushed but never closed: picocli and the JVM still own it. */
    private Writer stdout() {
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

    /** {@code live}: a source that never ends, so each line is flushed rather than held in a buffer. */
    private static void writeLine(Writer w, String line, boolean live) throws IOException {
        w.write(line);
        w.write('\n');
        if (live) {
            w.flush();
        }
    }

    static void printSummary(PrintWriter err, EmbeddedRun.Summary s) {
        err.printf("tripline run: %d files, %d records, %d events, %d alerts, %d dead letters%n",
                s.files(), s.records(), s.events(), s.alerts(), s.deadLetters());
        for (Map.Entry<String, Long> e : s.alertsByRule().entrySet()) {
            err.printf("  %6d  %s  %s%n", e.getValue(), e.getKey(), s.ruleTitles().get(e.getKey()));
        }
        err.flush();
    }
}
