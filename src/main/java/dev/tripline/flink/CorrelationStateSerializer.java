package dev.tripline.flink;

import dev.tripline.correlate.CorrelationState;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
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
        return new Snapshot();
    }

    /** Restores {@link #INSTANCE}. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<CorrelationState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
