package dev.tripline.job;

import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.DetectFunction;
import dev.tripline.io.DeadLetter;
import dev.tripline.io.RawRecord;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.rule.RuleSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * {@code tripline run}: the {@link DetectionJob} in this process over files, in STREAMING mode on a bounded
 * source (so watermarks, timers and dedup behave exactly as on a cluster). Alerts and dead letters are encoded
 * in the job and collected here, so the caller writes them with one writer each and needs no file sink; the
 * totals come from the job's accumulators.
 */
public final class EmbeddedRun {

    /** What one run saw: for the summary on stderr. */
    public record Summary(int files, long records, long events, long deadLetters, Map<String, Long> alertsByRule,
                          Map<String, String> ruleTitles) {
        public long alerts() {
            return alertsByRule.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Receives output lines; an exception stops the run. */
    public interface LineSink {
        void line(String line) throws IOException;
    }

    private final RuleSet rules;
    private final DetectionJob.Options options;
    private final AlertFormat format;
    private final RawRecordFormat reader;

    public EmbeddedRun(RuleSet rules, DetectionJob.Options options, AlertFormat format, RawRecordFormat reader) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.options = Objects.requireNonNull(options, "options");
        this.format = Objects.requireNonNull(format, "format");
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    /** Runs over {@code files} (as {@link dev.tripline.io.ArchiveFiles#list} gives them) until they are read. */
    public Summary run(StreamExecutionEnvironment env, List<Path> files, LineSink alerts, LineSink deadLetters)
            throws Exception {
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        DataStream<RawRecord> source = env.fromSource(RawRecordFormat.source(files, reader),
                WatermarkStrategy.noWatermarks(), "files").uid("tripline-file-source");
        return run(env, source, files.size(), alerts, deadLetters);
    }

    /**
     * Runs over any source (Kafka, Kinesis) with alerts and dead letters collected here. An unbounded source
     * keeps this call (and the process) running until it is interrupted; with checkpointing on, collected lines
     * arrive once their checkpoint completes.
     */
    public Summary run(StreamExecutionEnvironment env, DataStream<RawRecord> source, int files, LineSink alerts,
                       LineSink deadLetters) throws Exception {
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        DetectionJob.Outputs out = new DetectionJob(rules, options).build(source);
        AlertFormat f = format;
        DataStream<RunOutput> lines = out.alerts()
                .map(r -> encode(r, f)).returns(TypeInformation.of(RunOutput.class))
                .uid("tripline-encode-alerts").name("encode alerts")
                .union(out.deadLetters().map(d -> new RunOutput(false, null, null, d.toJsonLine()))
                        .returns(TypeInformation.of(RunOutput.class))
                        .uid("tripline-encode-dead-letters").name("encode dead letters"));

        Map<String, Long> byRule = new LinkedHashMap<>();
        Map<String, String> titles = new LinkedHashMap<>();
        JobExecutionResult result;
        try (CloseableIterator<RunOutput> it = lines.collectAsync()) {
            JobClient client = env.executeAsync("tripline run");
            while (it.hasNext()) {
                RunOutput o = it.next();
                if (o.alert) {
                    alerts.line(o.line);
                    byRule.merge(o.ruleId, 1L, Long::sum);
                    titles.putIfAbsent(o.ruleId, o.ruleTitle);
                } else {
                    deadLetters.line(o.line);
                }
            }
            result = client.getJobExecutionResult().get();
        }
        return new Summary(files, counter(result, DetectFunction.ACC_RECORDS),
                counter(result, DetectFunction.ACC_EVENTS), counter(result, DetectFunction.ACC_DEAD_LETTERS),
                byRule, titles);
    }

    /**
     * Runs with the sinks attached inside the job (Kafka, Kinesis): nothing travels back to this process, so an
     * unbounded source runs until interrupted, and checkpointing (every {@code checkpointInterval}) is what
     * commits exactly-once output and source positions. Returns the totals when a bounded source ends.
     */
    public Summary runAttached(StreamExecutionEnvironment env, DataStream<RawRecord> source, int files,
                               Sink<AlertRecord> alertSink, Sink<DeadLetter> deadLetterSink) throws Exception {
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        new DetectionJob(rules, options).attach(source, alertSink, deadLetterSink);
        JobClient client = env.executeAsync("tripline run");
        // Ctrl-C: cancel the job so that open transactions are aborted rather than left to time out.
        Thread hook = new Thread(() -> {
            try {
                client.cancel().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception alreadyGone) {
                // The job ended or the cluster went down first; either way there is nothing left to cancel.
            }
        }, "tripline-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        JobExecutionResult result;
        try {
            result = client.getJobExecutionResult().get();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running; nothing to undo.
            }
        }
        return new Summary(files, counter(result, DetectFunction.ACC_RECORDS),
                counter(result, DetectFunction.ACC_EVENTS), counter(result, DetectFunction.ACC_DEAD_LETTERS),
                Map.of(), Map.of());
    }

    /** Turns on checkpointing, which exactly-once sinks and restartable sources need. */
    public static void enableCheckpointing(StreamExecutionEnvironment env, java.time.Duration interval) {
        env.enableCheckpointing(interval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
    }

    private static RunOutput encode(AlertRecord r, AlertFormat format) {
        Alert a = r.alert();
        return new RunOutput(true, a.rule().id(), a.rule().title(), format.encode(a));
    }

    private static long counter(JobExecutionResult result, String name) {
        Object v = result.getAccumulatorResult(name);
        return v instanceof Number n ? n.longValue() : 0L;
    }
}
