package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Signal;
import dev.tripline.flink.CorrelateFunction;
import dev.tripline.flink.CorrelateOperator;
import dev.tripline.flink.FiredRecord;
import dev.tripline.flink.GroupKey;
import dev.tripline.flink.SignalRecord;
import dev.tripline.testing.Flagship;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.testutils.CommonTestUtils;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline rollout plan}'s reader against a real savepoint of the correlate operator: groups, slots (a
 * repeated signal of one rule and instant is one slot) and the oldest slot's time come back per correlation.
 */
class SavepointCorrelationsTest {
    static final AtomicBoolean EMITTED = new AtomicBoolean();
    static final AtomicBoolean STOP = new AtomicBoolean();
    static volatile List<SignalRecord> input = List.of();

    /** Emits {@link #input}, then idles until told to stop, so a savepoint holds the open state. */
    static final class Source extends RichParallelSourceFunction<SignalRecord> {
        private static final long serialVersionUID = 1L;
        private volatile boolean running = true;

        @Override
        public void run(SourceContext<SignalRecord> ctx) throws Exception {
            for (SignalRecord r : input) {
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(r);
                }
            }
            EMITTED.set(true);
            while (running && !STOP.get()) {
                Thread.sleep(20);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    static SignalRecord signal(CorrelationPlan plan, int rule, long time, String principal) {
        Evidence ev = new Evidence(
                plan.inputs().get(rule),
                "ev-" + time,
                time,
                "EnableRegion",
                "account.amazonaws.com",
                "us-east-1",
                Map.of());
        List<String> group = new ArrayList<>(List.of("123456789012", principal, "ap-southeast-1"))
                .subList(0, plan.rule().groupBy().size());
        return SignalRecord.of(plan, new Signal(rule, plan.inputs().get(rule), time, group, null, List.of(ev)), 1);
    }

    @Test
    void readsGroupsAndSlotsOfTheCorrelateOperator(@TempDir Path dir) throws Exception {
        CorrelationEngine engine = CorrelationEngine.compile(Flagship.rules());
        CorrelationPlan region = engine.plan(Flagship.REGION_PLAN);
        CorrelationPlan key = engine.plan(Flagship.KEY_PLAN);
        long t0 = 1_709_632_800_000L;
        input = List.of(
                signal(region, 0, t0, "mallory"),
                signal(region, 0, t0, "mallory"),
                signal(region, 0, t0 + 60_000, "mallory"),
                signal(region, 0, t0 + 5_000, "alice"),
                signal(key, 0, t0 + 1_000, "mallory"));
        Configuration c = new Configuration();
        c.set(RestOptions.BIND_PORT, "0");
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(c)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(1)
                .build())) {
            cluster.start();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            // The job's correlate operator, with a control stream that ends at once (no live updates).
            DataStream<SignalRecord> signals =
                    env.addSource(new Source(), "signals", TypeInformation.of(SignalRecord.class));
            signals.keyBy(SignalRecord::key, GroupKey.TYPE)
                    .connect(DetectionJob.noUpdates(signals).broadcast())
                    .transform(
                            "correlate",
                            TypeInformation.of(FiredRecord.class),
                            new CorrelateOperator(new CorrelateFunction(engine), null))
                    .uid(CorrelateFunction.UID)
                    .name("correlate")
                    .sinkTo(new DiscardingSink<>());
            EMITTED.set(false);
            STOP.set(false);
            JobID id =
                    cluster.submitJob(env.getStreamGraph().getJobGraph()).get().getJobID();
            while (!EMITTED.get()) {
                Thread.sleep(20);
            }
            // The source can emit before the correlate task is running, and a savepoint needs every task running.
            CommonTestUtils.waitForAllTaskRunning(cluster, id, false);
            String savepoint = cluster.triggerSavepoint(
                            id, dir.toUri().toString(), false, SavepointFormatType.CANONICAL)
                    .get(2, TimeUnit.MINUTES);
            STOP.set(true);
            cluster.cancelJob(id).get();
            assertThat(Files.exists(Path.of(java.net.URI.create(savepoint)).resolve("_metadata")))
                    .isTrue();

            List<SavepointCorrelations.Group> groups = SavepointCorrelations.read(savepoint);
            assertThat(groups)
                    .extracting(g ->
                            g.correlationId() + " " + g.group() + " " + g.signals() + " " + (g.oldestSignalTime() - t0))
                    .containsExactlyInAnyOrder(
                            Flagship.REGION_PLAN + " 123456789012, mallory, ap-southeast-1 2 0",
                            Flagship.REGION_PLAN + " 123456789012, alice, ap-southeast-1 1 5000",
                            Flagship.KEY_PLAN + " 123456789012, mallory 1 1000");
            assertThat(groups).allSatisfy(g -> {
                assertThat(g.operatorUid()).isEqualTo(CorrelateFunction.UID);
                assertThat(g.fingerprint())
                        .isEqualTo(engine.plan(g.correlationId()).fingerprint());
            });
        }
    }
}
