package dev.tripline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.job.RolloutPlan;
import dev.tripline.job.SavepointCorrelations;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tripline rollout}: what a savepoint rollout to new rules keeps and drops (docs/rollouts.md). */
@Command(
        name = "rollout",
        mixinStandardHelpOptions = true,
        description = "Savepoint rollouts of new rules.",
        subcommands = RolloutCommand.Plan.class)
final class RolloutCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'tripline rollout plan'");
    }

    @Command(
            name = "plan",
            mixinStandardHelpOptions = true,
            description = "Read a savepoint of the running job and report, per correlation, the open partial "
                    + "matches that restoring it with the new rules keeps or drops.")
    static final class Plan implements Callable<Integer> {
        @Option(
                names = "--savepoint",
                required = true,
                paramLabel = "PATH",
                description = "The savepoint (directory or its _metadata file; file:// URIs too).")
        String savepoint;

        @Option(
                names = "--rules",
                paramLabel = "DIR",
                defaultValue = "rules",
                description = "The new rule set (default: ${DEFAULT-VALUE}).")
        List<Path> rules;

        @Option(
                names = "--format",
                paramLabel = "text|json",
                defaultValue = "text",
                description = "Output format (default: ${DEFAULT-VALUE}).")
        String format;

        @Mixin
        RuleOptions ruleOptions;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                if (!format.equals("text") && !format.equals("json")) {
                    throw JobOptions.fail(
                            err,
                            "rollout plan",
                            JobOptions.BAD_USAGE,
                            "--format must be text or json, got '" + format + "'");
                }
                Path local = localPath(savepoint);
                if (local != null && !Files.exists(local)) {
                    throw JobOptions.fail(
                            err,
                            "rollout plan",
                            JobOptions.BAD_USAGE,
                            "--savepoint: no such file or directory: " + savepoint);
                }
                CorrelationEngine engine = JobOptions.loadRules("rollout plan", err, ruleOptions, rules)
                        .engine();
                List<SavepointCorrelations.Group> saved;
                try {
                    saved = SavepointCorrelations.read(savepoint);
                } catch (Exception e) {
                    throw JobOptions.fail(
                            err,
                            "rollout plan",
                            JobOptions.JOB_FAILED,
                            "cannot read savepoint " + savepoint + ": " + rootMessage(e));
                }
                RolloutPlan plan = RolloutPlan.of(saved, engine);
                if (format.equals("json")) {
                    out.println(json(plan, savepoint, rules));
                } else {
                    printText(out, plan, savepoint, rules);
                }
                out.flush();
                return JobOptions.OK;
            } catch (JobOptions.Failed f) {
                return f.code;
            }
        }

        /** The local path of a plain path or file: URI (Flink prints file:/...); null for remote file systems. */
        static Path localPath(String savepoint) {
            if (savepoint.startsWith("file:")) {
                return Path.of(java.net.URI.create(savepoint));
            }
            return savepoint.contains("://") ? null : Path.of(savepoint);
        }

        private static String rootMessage(Throwable e) {
            Throwable t = e;
            while (t.getCause() != null) {
                t = t.getCause();
            }
            return t.getClass().getSimpleName() + ": " + t.getMessage();
        }

        static void printText(PrintWriter out, RolloutPlan plan, String savepoint, List<Path> rules) {
            out.printf("Rollout plan: savepoint %s -> rules %s%n%n", savepoint, rules);
            out.printf(
                    "%-20s  %-38s  %-16s  %-16s  %6s  %7s  %s%n",
                    "verdict", "correlation", "saved", "new", "groups", "signals", "oldest signal");
            for (RolloutPlan.Row r : plan.rows()) {
                out.printf(
                        "%-20s  %-38s  %-16s  %-16s  %6d  %7d  %s%n",
                        r.verdict().text(),
                        r.correlationId(),
                        r.savedFingerprint() == null ? "-" : r.savedFingerprint(),
                        r.newFingerprint() == null ? "-" : r.newFingerprint(),
                        r.groups(),
                        r.signals(),
                        r.oldestSignalTime() == Long.MAX_VALUE ? "-" : Instant.ofEpochMilli(r.oldestSignalTime()));
                if (r.title() != null) {
                    out.printf("%-20s  %s%n", "", r.title());
                }
            }
            out.printf(
                    "%nKeeps %d groups, drops %d (%d of changed correlations, %d of removed ones); "
                            + "%d correlations start empty.%n",
                    plan.groups(RolloutPlan.Verdict.KEEP),
                    plan.groups(RolloutPlan.Verdict.DROP_CHANGED) + plan.groups(RolloutPlan.Verdict.DROP_REMOVED),
                    plan.groups(RolloutPlan.Verdict.DROP_CHANGED),
                    plan.groups(RolloutPlan.Verdict.DROP_REMOVED),
                    plan.rows().stream()
                            .filter(r -> r.verdict() == RolloutPlan.Verdict.NEW)
                            .count());
            plan.notes().forEach(n -> out.println("Note: " + n));
        }

        static String json(RolloutPlan plan, String savepoint, List<Path> rules) throws Exception {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = mapper.createObjectNode();
            root.put("savepoint", savepoint);
            ArrayNode ruleDirs = root.putArray("rules");
            rules.forEach(p -> ruleDirs.add(p.toString()));
            ArrayNode rows = root.putArray("correlations");
            for (RolloutPlan.Row r : plan.rows()) {
                ObjectNode n = rows.addObject();
                n.put("id", r.correlationId());
                n.put("title", r.title());
                n.put("verdict", r.verdict().name().toLowerCase(java.util.Locale.ROOT));
                n.put("saved_fingerprint", r.savedFingerprint());
                n.put("new_fingerprint", r.newFingerprint());
                n.put("groups", r.groups());
                n.put("signals", r.signals());
                if (r.oldestSignalTime() != Long.MAX_VALUE) {
                    n.put(
                            "oldest_signal",
                            Instant.ofEpochMilli(r.oldestSignalTime()).toString());
                }
            }
            ArrayNode notes = root.putArray("notes");
            plan.notes().forEach(notes::add);
            return mapper.writeValueAsString(root);
        }
    }
}
