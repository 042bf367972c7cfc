package dev.tripline.flink;

import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * BATCH only: a signal on its way to {@link AnchorFilter}, as the filter needs it: the hash it is looked up by
 * ({@link AnchorFilter#anchorHash}, made once, where the signal is routed) and the signal itself encoded
 * ({@link SignalRecord.Serializer}). Nearly every such signal is dropped, so the filter reads a number and a block
 * of bytes and decodes only the signals it keeps ({@link #signal()}). Where it is routed it holds the record, which
 * is encoded once, straight into the exchange it leaves on.
 */
public final class PrunableSignal {
    public static final TypeInformation<PrunableSignal> TYPE =
            new SingletonTypeInfo<>(PrunableSignal.class, Serializer.INSTANCE, false);

    /** The (anchored plan, group) hash the filter looks up among the anchors. */
    final long anchorHash;
    /** The signal as routed, not yet encoded; null for one read back. */
    private final SignalRecord record;
    /** The signal read back, as {@link SignalRecord.Serializer} writes it; null for one routed here. */
    private final byte[] signal;

    private PrunableSignal(long anchorHash, SignalRecord record, byte[] signal) {
        this.anchorHash = anchorHash;
        this.record = record;
        this.signal = signal;
    }

    /** {@code r} to be looked up by {@code anchorHash}. Nothing may change {@code r} after. */
    static PrunableSignal of(long anchorHash, SignalRecord r) {
        return new PrunableSignal(anchorHash, r, null);
    }

    /** The signal, decoded (or as routed, when it has not crossed an exchange). */
    SignalRecord signal() throws IOException {
        return record != null
                ? record
                : SignalRecord.Serializer.INSTANCE.deserialize(new DataInputDeserializer(signal));
    }

    /** The hash, then the signal as a block ({@link CompactText#writeBlock}). Immutable: copies are the record. */
    public static final class Serializer extends ImmutableSerializer<PrunableSignal> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();
        private static final String WHAT = "prunable signal";

        /** Where a routed signal is encoded, to be written as a block after its length: one buffer per thread. */
        private static final ThreadLocal<DataOutputSerializer> ENCODING =
                ThreadLocal.withInitial(() -> new DataOutputSerializer(256));

        @Override
        public PrunableSignal createInstance() {
            return new PrunableSignal(0, null, new byte[0]);
        }

        @Override
        public void serialize(PrunableSignal p, DataOutputView out) throws IOException {
            out.writeLong(p.anchorHash);
            if (p.signal != null) {
                CompactText.writeBlock(p.signal, out);
                return;
            }
            // The record's bytes as a block, without making an array of them first.
            DataOutputSerializer encoded = ENCODING.get();
            encoded.clear();
            SignalRecord.Serializer.INSTANCE.serialize(p.record, encoded);
            CompactText.writeBlock(encoded.getSharedBuffer(), encoded.length(), out);
        }

        @Override
        public PrunableSignal deserialize(DataInputView in) throws IOException {
            long hash = in.readLong();
            byte[] signal = CompactText.readBlock(in, WHAT);
            if (signal == null) {
                throw new IOException("corrupt " + WHAT + ": no signal");
            }
            return new PrunableSignal(hash, null, signal);
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            out.writeLong(in.readLong());
            CompactText.copyBlock(in, out, WHAT);
        }

        @Override
        public TypeSerializerSnapshot<PrunableSignal> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Never in state (a BATCH job takes no checkpoints); Flink still asks every serializer for a snapshot. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<PrunableSignal> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
