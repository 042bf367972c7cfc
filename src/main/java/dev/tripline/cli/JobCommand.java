package dev.tripline.cli;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.EventTimeBounds;
import dev.tripline.flink.LiveRules;
import dev.tripline.job.DeployedJob;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.TriplineConfig;
import dev.tripline.program.RuleProgram;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tripline job}: the entry point a Flink cluster runs ({@code flink run tripline-job.jar job ...}, or the
 * Kubernetes operator's {@code args}). It loads the rules and the configuration where the job is submitted,
 * builds {@link DeployedJob} on the environment the cluster provides, and submits it; in detached mode it returns
 * once the cluster has the job.
 */
@Command(
        name = "job",
        mixinStandardHelpOptions = true,
        description = "Submit the detection job to the Flink cluster this is launched on (flink run, application "
                + "mode); source and sinks come from --config (source:, sink:).")
final class JobCommand implements Callable<Integer> {

    @Option(
            names = "--rules",
            paramLabel = "DIR",
            defaultValue = "rules",
            description = "Rule files or directories (default: ${DEFAULT-VALUE}).")
    List<Path> rules;

    @Mixin
    RuleOptions ruleOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try {
            TriplineConfig config = JobOptions.config("job", err, ruleOptions);
            // output.format is checked when the config loads; the job has no --format flag.
            AlertFormat format = JobOptions.alertFormat("job", err, null, config.settings());
            // A cluster job does not know when its history starts unless the configuration says so.
            ruleOptions.jobNewTermsHistoryStart = Long.MAX_VALUE;
            RuleProgram rules = JobOptions.loadRules("job", err, ruleOptions, this.rules);
            LiveRules live = null;
            if (config.liveUpdates().kafka() != null) {
                try {
                    live = new LiveRules(ruleOptions.loadOptions(), rules.digest(), 1);
                } catch (TriplineConfig.ConfigException e) {
                    throw JobOptions.fail(err, "job", JobOptions.BAD_USAGE, e.getMessage());
                }
            }
            // The deployed job reads a live stream: live event-time bounds unless the configuration says otherwise.
            DetectionJob.Options options = config.settings()
                    .applyTo(DetectionJob.Options.defaults().withEventTimeBounds(EventTimeBounds.LIVE));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            try {
                DeployedJob.build(env, rules, options, config, format, live);
            } catch (IllegalArgumentException e) {
                throw JobOptions.fail(err, "job", JobOptions.BAD_USAGE, e.getMessage());
            }
            env.execute(DeployedJob.NAME);
            return JobOptions.OK;
        } catch (JobOptions.Failed f) {
            return f.code;
        }
    }
}
