package dev.tripline.cli;

import dev.tripline.correlate.CorrelationTestRunner;
import dev.tripline.job.TriplineConfig;
import dev.tripline.match.RuleTestRunner;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleFilter;
import dev.tripline.rule.RuleLoadOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tripline rules validate | test | explain}. */
@Command(
        name = "rules",
        mixinStandardHelpOptions = true,
        description = "Validate, test and explain detection rules.",
        subcommands = {RulesCommand.Validate.class, RulesCommand.Test.class, ExplainCommand.class, CoverageCommand.class
        })
final class RulesCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "missing command: validate, test, explain or coverage");
    }

    /** Exit codes: 0 all good, 1 rule errors or failed tests, 2 bad usage or configuration. */
    static final int OK = 0;

    static final int RULES_FAILED = 1;
    static final int BAD_CONFIG = 2;

    static void printLoadProblems(PrintWriter err, RuleProgram program, boolean quiet) {
        for (LoadError e : program.errors()) {
            err.println(e);
        }
        for (LoadError w : quiet ? List.<LoadError>of() : program.warnings()) {
            err.println(w.location() + ": warning: " + w.message());
        }
    }

    /**
     * Loads and compiles rules with the configured placeholders ({@link RuleProgram#load}); null (after saying
     * why) when the configuration is bad.
     */
    static RuleProgram loadOrNull(RuleOptions options, List<Path> paths, PrintWriter err) {
        RuleLoadOptions loadOptions;
        java.time.Duration stateTtl;
        try {
            loadOptions = options.loadOptions();
            stateTtl = options.config()
                    .settings()
                    .applyTo(dev.tripline.job.DetectionJob.Options.defaults())
                    .stateTtl();
        } catch (TriplineConfig.ConfigException e) {
            err.println("tripline: " + e.getMessage());
            return null;
        }
        for (Path p : paths) {
            if (!Files.exists(p)) {
                // A path that is not there is a usage error (2), not a rule error (1).
                err.println("tripline: no such rule file or directory: " + p);
                return null;
            }
        }
        return RuleProgram.load(RuleProgram.START_VERSION, paths, loadOptions).withStateTtl(stateTtl);
    }

    @Command(
            name = "validate",
            mixinStandardHelpOptions = true,
            description = "Load and compile rules; print every error as file:line:col and exit 1 if there is any.")
    static final class Validate implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "PATH", description = "Rule files or directories.")
        List<Path> paths;

        @Mixin
        RuleOptions options;

        @Option(names = "--show-index", description = "Print how the compiled matcher indexes the rules.")
        boolean showIndex;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            RuleProgram program = loadOrNull(options, paths, err);
            if (program == null) {
                return BAD_CONFIG;
            }
            printLoadProblems(err, program, options.quiet);
            if (showIndex) {
                out.print(program.matcher().describeIndex());
            }
            for (RuleFilter f : program.filters()) {
                List<String> targets = program.filterTargets().getOrDefault(f.id(), List.of());
                out.printf(
                        "filter %s (%s) applies to %d rules: %s%n",
                        f.id(), f.title(), targets.size(), String.join(", ", targets));
            }
            out.printf(
                    "%d rules (%d enabled), %d correlations; %d errors, %d warnings%n",
                    program.rules().rules().size(),
                    program.matcher().rules().size(),
                    program.rules().correlations().size(),
                    program.errors().size(),
                    program.warnings().size());
            StringBuilder kinds = new StringBuilder("loaded by kind:");
            program.countsByKind()
                    .forEach((kind, n) ->
                            kinds.append(' ').append(kind).append(' ').append(n).append(','));
            kinds.setLength(kinds.length() - 1);
            out.printf("%s; %d files refused (each error above says why)%n", kinds, program.filesWithErrors());
            return program.ok() ? OK : RULES_FAILED;
        }
    }

    @Command(
            name = "test",
            mixinStandardHelpOptions = true,
            description = "Run every rule's tests (Panther Tests:, Sigma sidecar .tests.yml, test-sources.yml).")
    static final class Test implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "PATH", description = "Rule files or directories.")
        List<Path> paths;

        @Mixin
        RuleOptions options;

        @Option(names = "--junit-xml", paramLabel = "FILE", description = "Also write the results as JUnit XML.")
        Path junitXml;

        @Option(
                names = {"-v", "--verbose"},
                description = "Print every test, not only failures.")
        boolean verbose;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            RuleProgram loaded = loadOrNull(options, paths, err);
            if (loaded == null) {
                return BAD_CONFIG;
            }
            printLoadProblems(err, loaded, options.quiet);
            RuleTestRunner.ExternalTests external = RuleTestRunner.loadExternal(paths, loaded.rules());
            RuleTestRunner.Report report = CorrelationTestRunner.withCorrelationTests(
                    RuleTestRunner.run(loaded.rules(), external), loaded.rules());
            for (LoadError e : report.errors()) {
                err.println(e);
            }
            for (LoadError w : report.warnings()) {
                err.println(w.location() + ": warning: " + w.message());
            }
            for (RuleTestRunner.TestResult r : report.results()) {
                if (r.status() == RuleTestRunner.Status.FAILED) {
                    out.printf("FAIL %s [%s] %s: %s%n", r.location(), r.ruleId(), r.testName(), r.reason());
                } else if (verbose) {
                    out.printf(
                            "%s %s [%s] %s%s%n",
                            r.status() == RuleTestRunner.Status.PASSED ? "ok  " : "skip",
                            r.location(),
                            r.ruleId(),
                            r.testName(),
                            r.reason() == null ? "" : ": " + r.reason());
                }
            }
            if (junitXml != null) {
                JUnitXml.write(junitXml, report);
                out.println("JUnit XML written to " + junitXml);
            }
            long rulesWithTests = report.results().stream()
                    .filter(r -> r.origin() != RuleTestRunner.Origin.CORRELATION)
                    .map(RuleTestRunner.TestResult::ruleId)
                    .distinct()
                    .count();
            long externalCount = report.results().stream()
                    .filter(r -> r.origin() == RuleTestRunner.Origin.EXTERNAL)
                    .count();
            List<RuleTestRunner.TestResult> correlationTests = report.results().stream()
                    .filter(r -> r.origin() == RuleTestRunner.Origin.CORRELATION)
                    .toList();
            long correlationsWithTests = correlationTests.stream()
                    .map(RuleTestRunner.TestResult::ruleId)
                    .distinct()
                    .count();
            out.printf(
                    "Rule tests: %d passed, %d failed, %d skipped (%d rules with tests of %d loaded, "
                            + "%d correlations with tests of %d loaded; %d tests from the rule files, "
                            + "%d labelled events from test-sources, %d correlation tests)%n",
                    report.passed(),
                    report.failed(),
                    report.skipped(),
                    rulesWithTests,
                    loaded.rules().rules().size(),
                    correlationsWithTests,
                    loaded.rules().correlations().size(),
                    report.total() - externalCount - correlationTests.size(),
                    externalCount,
                    correlationTests.size());
            if (!report.externalRecordsForUnknownRules().isEmpty()) {
                out.printf(
                        "%d labelled events name %d rules that are not loaded (not run)%n",
                        report.externalRecordsForUnknownRules().values().stream()
                                .mapToInt(Integer::intValue)
                                .sum(),
                        report.externalRecordsForUnknownRules().size());
            }
            boolean ok = loaded.ok() && report.ok();
            return ok ? OK : RULES_FAILED;
        }
    }
}
