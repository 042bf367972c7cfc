package dev.tripline.job;

import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;

/**
 * How the job embedded in {@code tripline run} and {@code hunt} keeps state and survives failures (the
 * {@code embedded:} section of the configuration; a cluster has its own Flink configuration for both).
 *
 * @param restartAttempts how often a failed job restarts before the run fails (exit 4); 0 = never
 * @param restartDelay    the wait before each restart
 * @param stateBackend    where keyed state (open correlation sequences, dedup periods) lives in a streaming run:
 *                        on the heap, or in RocksDB on local disk. A run over files is in BATCH mode, which holds
 *                        one key's state at a time and uses neither
 * @param stateDir        RocksDB's local directory; null = the temporary directory
 * @param heapLimitPercent the share of the heap in use after a garbage collection at which the run stops with
 *                        a statement of what to change, instead of collecting garbage for minutes first
 */
public record EmbeddedOptions(
        int restartAttempts, Duration restartDelay, StateBackend stateBackend, String stateDir, int heapLimitPercent) {

    public enum StateBackend {
        HEAP,
        ROCKSDB
    }

    public static final int MAX_RESTART_ATTEMPTS = 100;
    public static final EmbeddedOptions DEFAULTS =
            new EmbeddedOptions(3, Duration.ofSeconds(1), StateBackend.HEAP, null, 90);

    /** The Flink keys these options stand for, set in {@code conf} (the local environment's configuration). */
    public Configuration applyTo(Configuration conf) {
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restartAttempts);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, restartDelay);
        conf.set(StateBackendOptions.STATE_BACKEND, stateBackend == StateBackend.ROCKSDB ? "rocksdb" : "hashmap");
        if (stateDir != null) {
            conf.setString("state.backend.rocksdb.localdir", stateDir);
        }
        return RestartCounts.applyTo(conf); // so that the run can tell each restart
    }
}
