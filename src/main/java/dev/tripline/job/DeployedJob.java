package dev.tripline.job;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.LiveRules;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.io.Connectors;
import dev.tripline.io.InputFile;
import dev.tripline.io.LiveUpdateOptions;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.io.RuleUpdateConnectors;
import dev.tripline.io.SinkOptions;
import dev.tripline.io.SourceOptions;
import dev.tripline.program.RuleProgram;
import java.util.List;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The detection job as a Flink cluster runs it ({@code tripline job}, submitted with {@code flink run} or started
 * by the Kubernetes operator in application mode): the source and the sinks come from the configuration's
 * {@code source:} and {@code sink:}, and the environment is whatever the cluster hands over, so its own
 * configuration (state backend, checkpoint storage, restart strategy, parallelism) applies. Two settings the job
 * needs are filled in only when the cluster leaves them unset: a 10 ms buffer timeout
 * ({@link DetectionJob#BUFFER_TIMEOUT_MILLIS}) and checkpointing at {@code sink.checkpoint-interval}, which the
 * exactly-once Kafka sink and restartable sources need.
 */
public final class DeployedJob {
    /** The Flink job name; the rollout docs and scripts find the running job by it. */
    public static final String NAME = "tripline";

    private DeployedJob() {}

    /** Adds the job to {@code env}; throws IllegalArgumentException naming the config key that is wrong. */
    public static void build(
            StreamExecutionEnvironment env,
            RuleProgram rules,
            DetectionJob.Options options,
            TriplineConfig config,
            AlertFormat format) {
        build(
                env,
                rules,
                options,
                config,
                format,
                config.liveUpdates().kafka() == null
                        ? null
                        : new LiveRules(config.ruleLoadOptions(), rules.digest(), 1));
    }

    /**
     * As above; with {@code rules.updates} configured, rule updates from that control topic are applied live
     * under {@code live} (the start files' digest and load options), and statuses go to its status topic.
     */
    public static void build(
            StreamExecutionEnvironment env,
            RuleProgram rules,
            DetectionJob.Options options,
            TriplineConfig config,
            AlertFormat format,
            LiveRules live) {
        SourceOptions source = config.source();
        SinkOptions sink = config.sink();
        if (sink.kind() == SourceOptions.Kind.FILE) {
            throw new IllegalArgumentException("sink.kind: a cluster job writes alerts to kafka or kinesis, "
                    + "not to a file (use 'tripline run' for that)");
        }
        String missing = source.missingSettings() != null ? source.missingSettings() : sink.missingSettings();
        if (missing != null) {
            throw new IllegalArgumentException(missing);
        }
        List<InputFile> files = List.of();
        if (source.kind() == SourceOptions.Kind.FILE) {
            List<String> paths = config.settings().inputPaths();
            if (paths == null || paths.isEmpty()) {
                throw new IllegalArgumentException(
                        "input.paths: a cluster job with source.kind file needs input paths");
            }
            // On a cluster the file systems (S3 among them) are the ones its own configuration and plugins set up.
            files = ArchiveFiles.list(paths, ArchiveFiles.Scope.ALL).files();
        }
        if (env.getConfiguration().getOptional(ExecutionOptions.BUFFER_TIMEOUT).isEmpty()) {
            env.setBufferTimeout(DetectionJob.BUFFER_TIMEOUT_MILLIS);
        }
        if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
            env.enableCheckpointing(sink.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        }
        LiveUpdateOptions.Kafka control =
                live == null ? null : config.liveUpdates().kafka();
        DetectionJob job = new DetectionJob(rules, options);
        if (control != null) {
            Integer stages = config.liveUpdates().correlateStages();
            job.correlateStages(stages == null ? 1 : stages).live(live);
        }
        DetectionJob.Outputs out = job.attach(
                Connectors.source(env, source, files, new RawRecordFormat()),
                control == null ? null : RuleUpdateConnectors.source(env, control),
                Connectors.alertSink(sink, format),
                Connectors.deadLetterSink(sink));
        if (control != null && control.statusTopic() != null) {
            RuleUpdateConnectors.statusSink(out.ruleUpdates(), control);
        }
    }
}
