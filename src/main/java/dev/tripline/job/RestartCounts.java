package dev.tripline.job;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Flink's own restart count ({@code numRestarts}) of each job of an embedded cluster, read in this process by
 * {@link JobWatch}. Polling the job's status cannot count restarts: two restarts in a row can both look like one
 * RESTARTING status between two polls. This reporter, set in the embedded configuration by {@link #applyTo},
 * keeps each job's gauge by job id while the job runs, and the gauge's last value once Flink removes it, for the
 * last {@value #ENDED_JOBS_KEPT} ended jobs; {@link JobWatch#close} forgets its job's.
 */
public final class RestartCounts implements MetricReporter {
    private static final String REPORTER = "tripline-restarts";
    private static final String JOB_ID = "<job_id>";
    private static final String NUM_RESTARTS = "numRestarts";
    private static final int ENDED_JOBS_KEPT = 64;

    /** Running jobs' gauges by job id; guarded by itself, as is {@link #ENDED}. */
    private static final Map<String, Gauge<?>> RUNNING = new HashMap<>();

    /** Ended jobs' final counts by job id, oldest first. */
    private static final Map<String, Long> ENDED = new LinkedHashMap<>();

    /** Sets this reporter in {@code conf}, an embedded cluster's configuration. */
    static Configuration applyTo(Configuration conf) {
        conf.setString("metrics.reporter." + REPORTER + ".factory.class", Factory.class.getName());
        return conf;
    }

    /** How often Flink restarted job {@code jobId} so far; 0 before its metrics exist. */
    static long of(String jobId) {
        Gauge<?> running;
        synchronized (RUNNING) {
            running = RUNNING.get(jobId);
            if (running == null) {
                return ENDED.getOrDefault(jobId, 0L);
            }
        }
        return value(running);
    }

    static void forget(String jobId) {
        synchronized (RUNNING) {
            RUNNING.remove(jobId);
            ENDED.remove(jobId);
        }
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        String jobId = group.getAllVariables().get(JOB_ID);
        if (NUM_RESTARTS.equals(name) && jobId != null && metric instanceof Gauge<?> gauge) {
            synchronized (RUNNING) {
                RUNNING.put(jobId, gauge);
            }
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        String jobId = group.getAllVariables().get(JOB_ID);
        if (NUM_RESTARTS.equals(name) && jobId != null && metric instanceof Gauge<?> gauge) {
            long last = value(gauge); // the gauge holds on to the job's scheduler; keep only its last value
            synchronized (RUNNING) {
                RUNNING.remove(jobId);
                ENDED.put(jobId, last);
                if (ENDED.size() > ENDED_JOBS_KEPT) {
                    ENDED.remove(ENDED.keySet().iterator().next());
                }
            }
        }
    }

    private static long value(Gauge<?> gauge) {
        return gauge.getValue() instanceof Number n ? n.longValue() : 0;
    }

    /** How Flink creates the reporter (found through META-INF/services). */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new RestartCounts();
        }
    }
}
