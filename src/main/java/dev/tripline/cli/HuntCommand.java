package dev.tripline.cli;

import dev.tripline.flink.TimeRange;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.Durations;
import dev.tripline.job.EmbeddedRun;
import java.io.PrintWriter;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tripline hunt}: the same detection job over archives, in Flink's BATCH mode, restricted to an event-time
 * range. Files are pruned by their CloudTrail day folder, events by their {@code eventTime}; alerts are the
 * ones the live job would have raised (same JSON, same {@code alert_id}).
 */
@Command(
        name = "hunt",
        mixinStandardHelpOptions = true,
        description = "Run the detection job over archived CloudTrail logs (files, AWSLogs/ trees) in batch mode, "
                + "for events in [--from, --to), and write alerts as JSON Lines.")
final class HuntCommand implements Callable<Integer> {

    @Parameters(
            arity = "0..*",
            paramLabel = "PATH",
            description = "Archive files or directories (default: input.paths from --config).")
    List<String> paths;

    @Option(
            names = "--from",
            paramLabel = "TIME",
            description = "Earliest event time, inclusive: 2024-05-01 (start of that UTC day) or 2024-05-01T12:00:00Z.")
    String from;

    @Option(
            names = "--to",
            paramLabel = "TIME",
            description = "Event time to stop at, exclusive: 2024-05-02 (start of that UTC day) or an instant.")
    String to;

    @Option(
            names = "--accounts",
            split = ",",
            paramLabel = "ID",
            description = "Only these AWS accounts (12 digits, comma-separated): other account folders of a "
                    + "CloudTrail archive are not listed.")
    List<String> accounts;

    @Option(
            names = "--regions",
            split = ",",
            paramLabel = "REGION",
            description = "Only these AWS regions (comma-separated): other region folders of a CloudTrail archive "
                    + "are not listed.")
    List<String> regions;

    @Option(
            names = "--progress",
            paramLabel = "auto|terminal|lines|none",
            defaultValue = "auto",
            description = "Progress on stderr: redrawn each second on a terminal, a line every 10 s otherwise "
                    + "(default: ${DEFAULT-VALUE}).")
    ProgressLine.Mode progress;

    @Option(
            names = "--progress-interval",
            paramLabel = "DURATION",
            hidden = true,
            description = "How often to report progress (tests).")
    String progressInterval;

    @Mixin
    JobOptions job;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * An ISO-8601 instant ({@code 2024-05-01T12:00:00Z}, an offset, or no zone meaning UTC) or a date (the start
     * of that UTC day).
     */
    static Instant parseTime(String text) {
        String t = text.trim();
        try {
            if (t.length() == 10) {
                return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            if (t.endsWith("Z") || t.endsWith("z")) {
                return Instant.parse(t.toUpperCase(java.util.Locale.ROOT));
            }
            try {
                return OffsetDateTime.parse(t).toInstant();
            } catch (DateTimeException e) {
                return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
            }
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(
                    "not a date or ISO-8601 instant: '" + text + "' (try 2024-05-01 or 2024-05-01T12:00:00Z)");
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try {
            TimeRange range = range(err);
            Duration interval = null;
            if (progressInterval != null) {
                try {
                    interval = Durations.parse(progressInterval);
                } catch (IllegalArgumentException e) {
                    throw JobOptions.fail(err, "hunt", JobOptions.BAD_USAGE, "--progress-interval: " + e.getMessage());
                }
            }
            JobOptions.Prepared p =
                    job.prepare("hunt", err, DetectionJob.Options.defaults().withTimeRange(range));
            List<String> names = JobOptions.inputs(paths, p.config());
            if (names.isEmpty()) {
                throw JobOptions.fail(
                        err,
                        "hunt",
                        JobOptions.BAD_USAGE,
                        "no input: name archive files or directories, or set input.paths in --config");
            }
            if (names.contains(RunCommand.STDIN)) {
                throw JobOptions.fail(
                        err,
                        "hunt",
                        JobOptions.BAD_USAGE,
                        "hunt reads archives, not stdin; use 'tripline run -' for a stream");
            }
            ArchiveFiles.Listing files = JobOptions.listFiles(err, "hunt", names, scope(err, range), p.config());
            if (files.files().isEmpty()) {
                throw JobOptions.fail(
                        err,
                        "hunt",
                        JobOptions.BAD_USAGE,
                        "no input files found in " + names + (range.isAll() ? "" : " for " + describe(range)));
            }
            StreamExecutionEnvironment env = job.environment("hunt", err, p.config());
            ProgressLine line = new ProgressLine(err, progress, "tripline hunt:");
            EmbeddedRun.Summary summary;
            try {
                summary = JobOptions.execute(
                        "hunt",
                        spec,
                        env,
                        RuntimeExecutionMode.BATCH,
                        EmbeddedRun.Input.files(files),
                        p,
                        line,
                        line.intervalMillis(interval));
            } finally {
                line.finish();
            }
            JobOptions.printSummary(err, "hunt", summary, true);
            return JobOptions.OK;
        } catch (JobOptions.Failed f) {
            return f.code;
        }
    }

    private TimeRange range(PrintWriter err) throws JobOptions.Failed {
        Instant f = null;
        Instant t = null;
        try {
            if (from != null) {
                f = parseTime(from);
            }
        } catch (IllegalArgumentException e) {
            throw JobOptions.fail(err, "hunt", JobOptions.BAD_USAGE, "--from: " + e.getMessage());
        }
        try {
            if (to != null) {
                t = parseTime(to);
            }
        } catch (IllegalArgumentException e) {
            throw JobOptions.fail(err, "hunt", JobOptions.BAD_USAGE, "--to: " + e.getMessage());
        }
        if (f != null && t != null && !f.isBefore(t)) {
            throw JobOptions.fail(
                    err,
                    "hunt",
                    JobOptions.BAD_USAGE,
                    "--from " + f + " must be before --to " + t + " (--to is exclusive)");
        }
        return TimeRange.of(f, t);
    }

    private ArchiveFiles.Scope scope(PrintWriter err, TimeRange range) throws JobOptions.Failed {
        Set<String> acc = accounts == null ? Set.of() : Set.copyOf(accounts);
        Set<String> reg = regions == null ? Set.of() : Set.copyOf(regions);
        for (String a : acc) {
            if (!a.matches("\\d{12}")) {
                throw JobOptions.fail(
                        err, "hunt", JobOptions.BAD_USAGE, "--accounts: '" + a + "' is not a 12-digit AWS account id");
            }
        }
        for (String r : reg) {
            if (!r.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
                throw JobOptions.fail(
                        err,
                        "hunt",
                        JobOptions.BAD_USAGE,
                        "--regions: '" + r + "' is not an AWS region (e.g. eu-west-1)");
            }
        }
        return new ArchiveFiles.Scope(range.from(), range.to(), acc, reg);
    }

    private static String describe(TimeRange r) {
        return "[" + (r.from() == null ? "-inf" : r.from()) + ", " + (r.to() == null ? "+inf" : r.to()) + ")";
    }
}
