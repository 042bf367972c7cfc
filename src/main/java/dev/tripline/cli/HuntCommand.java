package dev.tripline.cli;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.TimeRange;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.Durations;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.job.NewTermsPriming;
import dev.tripline.report.Backtest;
import dev.tripline.report.HuntReport;
import dev.tripline.report.HuntResults;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
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
    /** The exit code of a hunt whose alerts differ from its {@code --expect} file. */
    static final int BACKTEST_DIFFERS = 4;

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
            names = "--expect",
            paramLabel = "FILE",
            description = "Backtest: a YAML file of expected alert counts per rule id (and per group); after the "
                    + "hunt every difference is listed and the exit code is 4.")
    Path expect;

    @Option(
            names = "--junit-xml",
            paramLabel = "FILE",
            description = "With --expect: also write the backtest's checks as JUnit XML.")
    Path junitXml;

    @Option(
            names = "--report",
            paramLabel = "FILE.html",
            description = "Write a self-contained HTML report: timeline per account and principal, correlation "
                    + "alerts with their evidence, counts per rule and level, dead letters and late records.")
    Path report;

    @Option(
            names = "--prime-savepoint",
            paramLabel = "DIR",
            description = "Also write a Flink savepoint of the new_terms state the hunted archive leaves (the terms "
                    + "seen within each rule's history window, and where that history starts) to DIR, for the "
                    + "streaming job to start from (flink run -s DIR ... job): its new_terms rules then alert on "
                    + "terms first seen after the archive instead of learning (docs/hunting.md).")
    String primeSavepoint;

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
            Backtest.Expectation expectation = expectation(err, p);
            if ((expect != null || report != null) && p.format() != AlertFormat.JSONL) {
                throw JobOptions.fail(
                        err,
                        "hunt",
                        JobOptions.BAD_USAGE,
                        "--expect and --report read Tripline's own alerts: drop --format ocsf (or output.format)");
            }
            if (junitXml != null && expect == null) {
                throw JobOptions.fail(err, "hunt", JobOptions.BAD_USAGE, "--junit-xml needs --expect FILE");
            }
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
            if (primeSavepoint != null) {
                checkPrimeSavepoint(err, p);
            }
            StreamExecutionEnvironment env = job.environment("hunt", err, p.config());
            ProgressLine line = new ProgressLine(err, progress, "tripline hunt:");
            EmbeddedRun.Summary summary;
            HuntResults results = expect != null || report != null ? new HuntResults() : null;
            try {
                summary = JobOptions.execute(
                        "hunt",
                        spec,
                        env,
                        RuntimeExecutionMode.BATCH,
                        EmbeddedRun.Input.files(files),
                        p,
                        line,
                        line.intervalMillis(interval),
                        null,
                        results,
                        primeSavepoint);
            } finally {
                line.finish();
            }
            JobOptions.printSummary(err, "hunt", summary, true);
            if (summary.primed() != null) {
                printPrimed(err, summary.primed(), p);
            }
            if (report != null) {
                writeReport(err, names, range, p, summary, results);
            }
            return expectation == null ? JobOptions.OK : backtest(err, expectation, results);
        } catch (JobOptions.Failed f) {
            return f.code;
        }
    }

    /** Refuses a priming savepoint there is nothing for, or one that would overwrite a directory with content. */
    private void checkPrimeSavepoint(PrintWriter err, JobOptions.Prepared p) throws JobOptions.Failed {
        if (NewTermsPriming.newTerms(p.rules().engine()).isEmpty()) {
            throw JobOptions.fail(
                    err,
                    "hunt",
                    JobOptions.BAD_USAGE,
                    "--prime-savepoint: the rules hold no new_terms rule, so there is no state to prime");
        }
        Path local = primeSavepoint.contains("://") && !primeSavepoint.startsWith("file:")
                ? null
                : primeSavepoint.startsWith("file:")
                        ? Path.of(java.net.URI.create(primeSavepoint))
                        : Path.of(primeSavepoint);
        try {
            if (local != null && Files.isDirectory(local)) {
                try (var entries = Files.list(local)) {
                    if (entries.findAny().isPresent()) {
                        throw JobOptions.fail(
                                err,
                                "hunt",
                                JobOptions.BAD_USAGE,
                                "--prime-savepoint: " + primeSavepoint + " is not empty; name a new directory");
                    }
                }
            } else if (local != null && Files.exists(local)) {
                throw JobOptions.fail(
                        err, "hunt", JobOptions.BAD_USAGE, "--prime-savepoint: " + primeSavepoint + " is a file");
            }
        } catch (IOException e) {
            throw JobOptions.fail(err, "hunt", JobOptions.BAD_USAGE, "--prime-savepoint: " + e.getMessage());
        }
    }

    private void printPrimed(PrintWriter err, NewTermsPriming.Result r, JobOptions.Prepared p) {
        if (!r.primed()) {
            err.printf(
                    "tripline hunt: priming savepoint written to %s, but it primes nothing: no event matched a "
                            + "correlation's rule, so the history's start is unknown and new_terms rules will learn%n",
                    primeSavepoint);
        } else {
            err.printf(
                    "tripline hunt: priming savepoint written to %s: %d terms of %d new_terms rules, history from %s "
                            + "to %s (%d terms whose window ended before then left out); start the job from it: "
                            + "flink run -s %s ... job%n",
                    primeSavepoint,
                    r.terms(),
                    r.correlations().size(),
                    Instant.ofEpochMilli(r.historyStart()),
                    Instant.ofEpochMilli(r.historyEnd()),
                    r.pastWindow(),
                    primeSavepoint);
            // A rule whose window is longer than the history alerts only once a window has passed since its start.
            List<String> learning = NewTermsPriming.newTerms(p.rules().engine()).stream()
                    .filter(c -> r.historyEnd() - r.historyStart()
                            < c.rule().timespan().toMillis())
                    .map(c -> c.id())
                    .toList();
            if (!learning.isEmpty()) {
                err.printf(
                        "tripline hunt: the history is shorter than the window of %d new_terms rules (%s): started "
                                + "from this savepoint they learn until one window after %s, then alert%n",
                        learning.size(), String.join(", ", learning), Instant.ofEpochMilli(r.historyStart()));
            }
        }
        err.flush();
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

    /** The expectation of {@code --expect}, read before the hunt so that a bad file costs no hunt; null without. */
    private Backtest.Expectation expectation(PrintWriter err, JobOptions.Prepared p) throws JobOptions.Failed {
        if (expect == null) {
            return null;
        }
        Set<String> ids = new TreeSet<>();
        p.rules().rules().rules().forEach(r -> ids.add(r.id()));
        p.rules().rules().correlations().forEach(c -> ids.add(c.id()));
        try {
            return Backtest.parse(expect.toString(), Files.readString(expect, StandardCharsets.UTF_8), ids);
        } catch (IOException e) {
            throw JobOptions.fail(err, "hunt", JobOptions.BAD_USAGE, "--expect: cannot read " + expect + ": " + e);
        } catch (Backtest.ExpectationException e) {
            throw JobOptions.fail(err, "hunt", JobOptions.BAD_USAGE, "--expect: " + e.getMessage());
        }
    }

    /** Compares, lists every difference on stderr, writes JUnit XML when asked; 0 or {@link #BACKTEST_DIFFERS}. */
    private int backtest(PrintWriter err, Backtest.Expectation expectation, HuntResults results)
            throws JobOptions.Failed {
        Backtest.Verdict v = Backtest.compare(expectation, results);
        List<Backtest.Check> diff = v.differences();
        err.printf(
                "tripline hunt: backtest %s: %d of %d checks %s%n",
                expect,
                diff.isEmpty() ? v.checks().size() : diff.size(),
                v.checks().size(),
                diff.isEmpty() ? "passed" : "differ");
        for (Backtest.Check c : diff) {
            err.println("  " + c.describe());
        }
        err.flush();
        if (junitXml != null) {
            try {
                JUnitXml.write(junitXml, expect.toString(), v);
            } catch (IOException e) {
                throw JobOptions.fail(err, "hunt", JobOptions.JOB_FAILED, "--junit-xml: " + e.getMessage());
            }
        }
        return diff.isEmpty() ? JobOptions.OK : BACKTEST_DIFFERS;
    }

    private void writeReport(
            PrintWriter err,
            List<String> names,
            TimeRange range,
            JobOptions.Prepared p,
            EmbeddedRun.Summary s,
            HuntResults results)
            throws JobOptions.Failed {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("inputs", String.join(" ", names));
        params.put("from", range.from() == null ? "(unbounded)" : range.from().toString());
        params.put(
                "to (exclusive)",
                range.to() == null ? "(unbounded)" : range.to().toString());
        params.put("accounts", accounts == null ? "(all)" : String.join(", ", accounts));
        params.put("regions", regions == null ? "(all)" : String.join(", ", regions));
        params.put("rules", job.rules.stream().map(Path::toString).collect(Collectors.joining(" ")));
        params.put("rule set digest", p.rules().digest());
        params.put(
                "rules loaded",
                p.rules().rules().rules().size() + " rules, "
                        + p.rules().rules().correlations().size() + " correlations");
        Map<String, Long> totals = new LinkedHashMap<>();
        totals.put("files", (long) s.files());
        totals.put("files skipped (not audit-log names)", (long) s.skippedFiles());
        totals.put("records", s.records());
        totals.put("events", s.events());
        totals.put("events outside the time range", s.eventsOutsideRange());
        totals.put("dead letters", s.deadLetters());
        totals.put("late records", Math.max(0, s.lateRecords()));
        try {
            if (report.toAbsolutePath().getParent() != null) {
                Files.createDirectories(report.toAbsolutePath().getParent());
            }
            Files.writeString(report, HuntReport.render(params, totals, results), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw JobOptions.fail(err, "hunt", JobOptions.JOB_FAILED, "--report: cannot write " + report + ": " + e);
        }
        err.println("tripline hunt: report written to " + report);
        err.flush();
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
