package dev.tripline.job;

import dev.tripline.correlate.CorrelationState;
import dev.tripline.flink.CorrelateFunction;
import dev.tripline.flink.GroupKey;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

/**
 * Reads the open correlation state out of a savepoint (or retained checkpoint) of the detection job, with Flink's
 * state processor API in a local environment: one {@link Group} per (correlate stage, correlation, fingerprint,
 * group) key. The job is not involved; {@code tripline rollout plan} compares the result with a new rule set.
 */
public final class SavepointCorrelations {
    /** Correlate stages are looked for up to this depth of chaining. */
    static final int MAX_STAGES = 16;

    /**
     * One key of a correlate operator's state.
     *
     * @param operatorUid       {@code tripline-correlate} or {@code tripline-correlate-k}
     * @param group             the group-by values, joined with {@code ", "} (a list would need Kryo)
     * @param signals           slots the group holds (its open partial match; one slot stands for every signal
     *                          of one rule at one instant, with one value for the value types)
     * @param oldestSignalTime  event time of the oldest, epoch millis
     */
    public record Group(
            String operatorUid,
            String correlationId,
            String fingerprint,
            String group,
            int signals,
            long oldestSignalTime)
            implements Serializable {}

    private SavepointCorrelations() {}

    /**
     * Every non-empty correlation group in the savepoint at {@code path} (a directory or its _metadata file). A job
     * run with a state TTL stores its state with timestamps, which a reader must declare: the savepoint is read as
     * written without TTL (the default), and if its state does not read that way, as written with one.
     */
    public static List<Group> read(String path) throws Exception {
        try {
            return read(path, false);
        } catch (Exception withoutTtl) {
            try {
                return read(path, true);
            } catch (Exception withTtl) {
                withTtl.addSuppressed(withoutTtl);
                throw withTtl;
            }
        }
    }

    private static List<Group> read(String path, boolean ttl) throws Exception {
        CheckpointMetadata metadata = SavepointLoader.loadSavepointMetadata(path);
        Set<OperatorID> withState = new HashSet<>();
        for (OperatorState s : metadata.getOperatorStates()) {
            if (s.getStates().stream()
                    .anyMatch(sub -> sub.getManagedKeyedState().hasState())) {
                withState.add(s.getOperatorID());
            }
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(1, EmbeddedRun.loopbackConfiguration());
        SavepointReader savepoint = SavepointReader.read(env, path, new EmbeddedRocksDBStateBackend());
        DataStream<Group> all = null;
        for (int stage = 1; stage <= MAX_STAGES; stage++) {
            String uid = stage == 1 ? CorrelateFunction.UID : CorrelateFunction.UID + "-" + stage;
            OperatorIdentifier id = OperatorIdentifier.forUid(uid);
            if (!withState.contains(id.getOperatorId())) {
                continue;
            }
            DataStream<Group> groups =
                    savepoint.readKeyedState(id, new Reader(uid, ttl), GroupKey.TYPE, TypeInformation.of(Group.class));
            all = all == null ? groups : all.union(groups);
        }
        List<Group> out = new ArrayList<>();
        if (all == null) {
            return out;
        }
        try (CloseableIterator<Group> it = all.executeAndCollect("tripline rollout plan: read " + path)) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** Reads each key's slot index (the evidence beside it is not needed for the plan). */
    static final class Reader extends KeyedStateReaderFunction<GroupKey, Group> {
        private static final long serialVersionUID = 1L;
        private final String uid;
        private final boolean ttl;
        private transient ValueState<CorrelationState> state;

        Reader(String uid, boolean ttl) {
            this.uid = uid;
            this.ttl = ttl;
        }

        @Override
        public void open(Configuration parameters) {
            // The state processor API of Flink 1.20 still declares this one abstract.
            // TTL must be declared as the job declared it; returning expired values shows what a restore would find.
            state = getRuntimeContext()
                    .getState(CorrelateFunction.indexDescriptor(
                            ttl
                                    ? StateTtlConfig.newBuilder(Duration.ofDays(1))
                                            .setStateVisibility(
                                                    StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp)
                                            .build()
                                    : null));
        }

        @Override
        public void readKey(GroupKey key, Context ctx, Collector<Group> out) throws Exception {
            CorrelationState s = state.value();
            if (s != null && !s.isEmpty()) {
                out.collect(new Group(
                        uid,
                        key.planId(),
                        key.fingerprint(),
                        String.join(", ", key.group()),
                        s.size(),
                        s.oldestSignalTime()));
            }
        }
    }
}
