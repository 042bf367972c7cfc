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
 * of bytes and decodes only the signals it keeps ({@link #signal()}).
 */
public final class PrunableSignal {
    public static final TypeInformation<PrunableSignal> TYPE =
            new SingletonTypeInfo<>(PrunableSignal.class, Serializer.INSTANCE, false);

    /** The (anchored plan, group) hash the filter looks up among the anchors. */
    final long anchorHash;
    /** The signal, as {@link SignalRecord.Serializer} writes it. */
    private final byte[] signal;

    PrunableSignal(long anchorHash, byte[] signal) {
        this.anchorHash = anchorHash;
        this.signal = signal;
    }

    /** {@code r} to be looked up by {@code anchorHash}; {@code buffer} is where it is encoded before being copied. */
    static PrunableSignal of(long anchorHash, SignalRecord r, DataOutputSerializer buffer) throws IOException {
        buffer.clear();
        SignalRecord.Serializer.INSTANCE.serialize(r, buffer);
        return new PrunableSignal(anchorHash, buffer.getCopyOfBuffer());
    }

    /** The signal, decoded. */
    SignalRecord signal() throws IOException {
        return SignalRecord.Serializer.INSTANCE.deserialize(new DataInputDeserializer(signal));
    }

    /** The hash, then the signal as a block ({@link CompactText#writeBlock}). Immutable: copies are the record. */
    public static final class Serializer extends ImmutableSerializer<PrunableSignal> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();
        private static final String WHAT = "prunable signal";

        @Override
        public PrunableSignal createInstance() {
            return new PrunableSignal(0, new byte[0]);
        }

        @Override
        public void serialize(PrunableSignal p, DataOutputView out) throws IOException {
            out.writeLong(p.anchorHash);
            CompactText.writeBlock(p.signal, out);
        }

        @Override
        public PrunableSignal deserialize(DataInputView in) throws IOException {
            long hash = in.readLong();
            byte[] signal = CompactText.readBlock(in, WHAT);
            if (signal == null) {
                throw new IOException("corrupt " + WHAT + ": no signal");
            }
            return new PrunableSignal(hash, signal);
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
