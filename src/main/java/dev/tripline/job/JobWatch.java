package dev.tripline.job;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import org.apache.flink.core.execution.JobClient;

/**
 * Watches an embedded job from this process while it runs. It counts the job's restarts (Flink's own count, read
 * through {@link RestartCounts}), telling each one as it happens (a failing source or operator must not restart silently), and it stops the job when, right after a
 * garbage collection, more than {@link EmbeddedOptions#heapLimitPercent} of the heap is still in use: a heap
 * that full means state that does not fit, and carrying on costs minutes of collections before an unclear
 * failure. Keeps the restart count and the reason it stopped the job; {@link #close} stops watching and resets
 * the heap thresholds it set.
 */
final class JobWatch implements AutoCloseable {
    private static final long POLL_MILLIS = 200;

    private final JobClient client;
    private final EmbeddedOptions options;
    private final Consumer<String> notices;
    private final ScheduledExecutorService poller;
    private final List<MemoryPoolMXBean> pools = new ArrayList<>();
    private final NotificationListener heapListener = this::heapNotification;
    private final String jobId;
    private int restarts; // guarded by this
    private volatile String stopReason;

    JobWatch(JobClient client, EmbeddedOptions options, Consumer<String> notices) {
        this.client = client;
        this.jobId = client.getJobID().toHexString();
        this.options = options;
        this.notices = notices;
        for (MemoryPoolMXBean pool : oldGenerationPools()) {
            long max = pool.getUsage().getMax();
            pool.setCollectionUsageThreshold(Math.max(1, max / 100 * options.heapLimitPercent()));
            pools.add(pool);
        }
        ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).addNotificationListener(heapListener, null, null);
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tripline-job-watch");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The heap pools whose fill after a collection says the heap is full: the old generation's. Young pools (eden,
     * survivor) take a collection threshold too, but a survivor space is routinely almost full right after a
     * collection; the Parallel and Serial collectors give it a fixed maximum (G1 gives it none), so watching it
     * stopped every run on those collectors. Only an old generation pool supports a usage threshold.
     */
    static List<MemoryPoolMXBean> oldGenerationPools() {
        List<MemoryPoolMXBean> old = new ArrayList<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP
                    && pool.isUsageThresholdSupported()
                    && pool.isCollectionUsageThresholdSupported()
                    && pool.getUsage().getMax() > 0) {
                old.add(pool);
            }
        }
        return old;
    }

    /** How often the job restarted after a failure so far, told or not yet. */
    int restarts() {
        poll();
        return restarts;
    }

    /** Why this watch stopped the job, or null when it did not. */
    String stopReason() {
        return stopReason;
    }

    private synchronized void poll() {
        long now = RestartCounts.of(jobId);
        while (restarts < now) {
            restarts++;
            notices.accept("the job failed and restarts (" + restarts + " of " + options.restartAttempts()
                    + ", embedded.restart-attempts)");
        }
    }

    private void heapNotification(Notification n, Object handback) {
        if (!MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(n.getType()) || stopReason != null) {
            return;
        }
        Runtime rt = Runtime.getRuntime();
        long max = rt.maxMemory();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        stopReason = "the heap is full: " + (used >> 20) + " MB of " + (max >> 20) + " MB still in use after a "
                + "garbage collection (over embedded.heap-limit-percent, " + options.heapLimitPercent() + "%)"
                + (options.stateBackend() == EmbeddedOptions.StateBackend.HEAP
                        ? ", with the job's state on the heap. Keep state in RocksDB on local disk "
                                + "(embedded.state-backend: rocksdb in --config) or give the run more heap "
                                + "(TRIPLINE_JAVA_OPTS=-Xmx4g)"
                        : ". Give the run more heap (TRIPLINE_JAVA_OPTS=-Xmx4g)");
        client.cancel();
    }

    @Override
    public void close() {
        poller.shutdownNow();
        RestartCounts.forget(jobId);
        try {
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).removeNotificationListener(heapListener);
        } catch (ListenerNotFoundException alreadyGone) {
            // nothing to remove
        }
        pools.forEach(p -> p.setCollectionUsageThreshold(0));
    }
}
