package dev.tripline.flink;

import dev.tripline.correlate.CorrelationState;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for a group's slot index, in {@link CorrelationState}'s own versioned byte form. With heap
 * state the index stays an object between steps (no encoding per signal); RocksDB and snapshots use the bytes.
 */
public final class CorrelationStateSerializer extends TypeSerializerSingleton<CorrelationState> {
    private static final long serialVersionUID = 1L;
    public static final CorrelationStateSerializer INSTANCE = new CorrelationStateSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public CorrelationState createInstance() {
        return new CorrelationState();
    }

    @Override
    public CorrelationState copy(CorrelationState from) {
        return from.copy();
    }

    @Override
    public CorrelationState copy(CorrelationState from, CorrelationState reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(CorrelationState record, DataOutputView target) throws IOException {
        record.write(target);
    }

    @Override
    public CorrelationState deserialize(DataInputView source) throws IOException {
        return CorrelationState.read(source);
    }

    @Override
    public CorrelationState deserialize(CorrelationState reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<CorrelationState> snapshotConfiguration() {
        return new SlotIdSnapshot();
    }

    /** Restores {@link #INSTANCE}, whose index carries the group's timer and its slots' ids (format 4). */
    public static final class SlotIdSnapshot extends ReplacingLayoutSnapshot<CorrelationState> {
        public SlotIdSnapshot() {
            super(() -> INSTANCE, Snapshot.class, TimerInIndexSnapshot.class);
        }
    }

    /**
     * The snapshot of indexes written when slot evidence was keyed by text (format 3, the timer in the index). Kept
     * so that a savepoint of that layout is refused at restore instead of read wrongly: its evidence entries are
     * under keys the index no longer names.
     */
    public static final class TimerInIndexSnapshot extends SimpleTypeSerializerSnapshot<CorrelationState> {
        public TimerInIndexSnapshot() {
            super(() -> INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<CorrelationState> resolveSchemaCompatibility(
                TypeSerializerSnapshot<CorrelationState> old) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }

    /**
     * The snapshot of indexes written before they carried the group's timer (format 2, the timer in a state of its
     * own). Kept so that a savepoint of that layout is refused at restore instead of read wrongly: its groups'
     * timers would be unknown to the index, and their state would never be cleared.
     */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<CorrelationState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<CorrelationState> resolveSchemaCompatibility(
                TypeSerializerSnapshot<CorrelationState> old) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
