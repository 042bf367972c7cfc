package dev.tripline.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.correlate.CorrelationExplanation;
import dev.tripline.event.Event;
import dev.tripline.match.Explanation;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.Rule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tripline rules explain RULE --event FILE}: why a rule matched an event or not, node by node; for a
 * correlation ({@code rules explain CORRELATION --events FILE}), per group the signals, the windows considered and
 * why it fired or not.
 */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = "Show why a rule matches an event or not, selection by selection; for a correlation, why it "
                + "fires or not over the events in order, group by group.")
final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RULE", description = "Rule or correlation id, or Sigma name.")
    String ruleId;

    @Option(
            names = {"--event", "--events"},
            required = true,
            paramLabel = "FILE",
            description = "Event file: one record, JSON Lines, a CloudTrail log file (.json/.json.gz), EventBridge "
                    + "or CloudWatch Logs envelope. Every event in it is explained; for a correlation, the events "
                    + "arrive in file order.")
    Path eventFile;

    @Option(
            names = "--rules",
            paramLabel = "PATH",
            split = ",",
            defaultValue = "rules",
            description = "Rule files or directories (default: ${DEFAULT-VALUE}).")
    List<Path> rulePaths;

    @Mixin
    RuleOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuleProgram loaded = RulesCommand.loadOrNull(options, rulePaths, err);
        if (loaded == null) {
            return RulesCommand.BAD_CONFIG;
        }
        if (!loaded.ok()) {
            RulesCommand.printLoadProblems(err, loaded, options.quiet);
        }
        Optional<Rule> rule = loaded.rules().rule(ruleId);
        boolean correlation =
                rule.isEmpty() && loaded.rules().correlation(ruleId).isPresent();
        if (rule.isEmpty() && !correlation) {
            err.println("tripline: no rule or correlation with id or name '" + ruleId + "' in " + rulePaths);
            return RulesCommand.BAD_CONFIG;
        }
        EventFiles.Read read = EventFiles.read(eventFile);
        read.failures().forEach(f -> err.println(eventFile + ": " + f));
        if (read.events().isEmpty()) {
            err.println("tripline: no event could be read from " + eventFile);
            return RulesCommand.BAD_CONFIG;
        }
        if (correlation) {
            String text = CorrelationExplanation.explain(loaded.rules(), loaded.matcher(), ruleId, read.events())
                    .orElseThrow();
            out.print(text);
            out.flush();
            return text.contains("  FIRED: ") ? RulesCommand.OK : RulesCommand.RULES_FAILED;
        }
        boolean anyMatch = false;
        for (Event event : read.events()) {
            Explanation x = Explanation.of(rule.get(), event);
            anyMatch |= x.result();
            ObjectNode root = event.root();
            out.printf(
                    "%s on event %s (%s %s):%n",
                    x.result() ? "MATCH" : "NO MATCH",
                    text(root, "eventID"),
                    text(root, "eventSource"),
                    text(root, "eventName"));
            out.print(x.render());
        }
        // print() does not flush an auto-flushing writer; without this the last explanation can stay buffered.
        out.flush();
        return anyMatch ? RulesCommand.OK : RulesCommand.RULES_FAILED;
    }

    private static String text(ObjectNode root, String field) {
        return root.hasNonNull(field) ? root.get(field).asText() : "-";
    }
}
