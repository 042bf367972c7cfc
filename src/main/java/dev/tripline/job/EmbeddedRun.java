package dev.tripline.job;

import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.DetectFunction;
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
import org.apache.flink.core.execution.JobClient;
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
        return new Summary(files.size(), counter(result, DetectFunction.ACC_RECORDS),
                counter(result, DetectFunction.ACC_EVENTS), counter(result, DetectFunction.ACC_DEAD_LETTERS),
                byRule, titles);
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
