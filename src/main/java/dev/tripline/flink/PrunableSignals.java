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
 * BATCH only: a run of prunable signals on their way from {@link SignalRouter} to {@link AnchorFilter}, as one
 * record of the exchange. Each signal is the hash the filter looks it up by ({@link AnchorFilter#anchorHash}, made
 * once, where the signal is routed) and the signal encoded ({@link SignalRecord.Serializer#WITHOUT_KEY_HASH}),
 * after its length. Nearly every such signal is dropped, so the filter reads a number and skips a length of bytes
 * for most of them, and decodes only the ones it keeps; and the router makes no correlation key for a signal it
 * writes here (its values and their hash), only the filter does, for a signal it keeps. One exchange record
 * carries many signals: the exchange's own work per record (serializing the record's envelope, the partition's
 * buffers, reading it back, the filter's call) is paid per run, not per signal, and that work was most of what a
 * pruned signal cost after detect made it.
 */
public final class PrunableSignals {
    public static final TypeInformation<PrunableSignals> TYPE =
            new SingletonTypeInfo<>(PrunableSignals.class, Serializer.INSTANCE, false);

    /** A run is sent once its bytes reach this many; a signal is never split between runs. */
    static final int RUN_BYTES = 32 * 1024;

    private final byte[] bytes;

    private PrunableSignals(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * Where a router writes a run: {@link #add} each signal, {@link #take} the run once {@link #full} or at the end
     * of the input. Keeps the bytes of the run being written, nothing else.
     */
    static final class Writer {
        private final DataOutputSerializer out = new DataOutputSerializer(RUN_BYTES + 1024);

        void add(long anchorHash, SignalRecord r) throws IOException {
            out.writeLong(anchorHash);
            int lengthAt = out.length();
            out.writeInt(0);
            SignalRecord.Serializer.WITHOUT_KEY_HASH.serialize(r, out);
            out.writeIntUnsafe(out.length() - lengthAt - 4, lengthAt);
        }

        boolean full() {
            return out.length() >= RUN_BYTES;
        }

        boolean isEmpty() {
            return out.length() == 0;
        }

        /** The run written so far, in a record of its own; the writer starts a new run. */
        PrunableSignals take() {
            PrunableSignals run = new PrunableSignals(out.getCopyOfBuffer());
            out.clear();
            return run;
        }
    }

    /** What a reader of a run is given for each signal it keeps. */
    interface Kept {
        void signal(SignalRecord r);
    }

    /**
     * Hands {@code kept} every signal of this run whose hash {@code keep} says yes to, decoded; returns how many
     * it dropped, undecoded.
     */
    int read(java.util.function.LongPredicate keep, Kept kept) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        int dropped = 0;
        while (in.available() > 0) {
            long hash = in.readLong();
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                throw new IOException("corrupt prunable signal of " + length + " bytes");
            }
            if (keep.test(hash)) {
                int end = in.getPosition() + length;
                SignalRecord r = SignalRecord.Serializer.WITHOUT_KEY_HASH.deserialize(in);
                if (in.getPosition() != end) {
                    throw new IOException("corrupt prunable signal: " + length + " bytes written, read to " + end);
                }
                kept.signal(r);
            } else {
                in.skipBytesToRead(length);
                dropped++;
            }
        }
        return dropped;
    }

    /** The run's bytes as a block ({@link CompactText#writeBlock}). Immutable: copies are the record. */
    public static final class Serializer extends ImmutableSerializer<PrunableSignals> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();
        private static final String WHAT = "prunable signals";

        @Override
        public PrunableSignals createInstance() {
            return new PrunableSignals(new byte[0]);
        }

        @Override
        public void serialize(PrunableSignals p, DataOutputView out) throws IOException {
            CompactText.writeBlock(p.bytes, out);
        }

        @Override
        public PrunableSignals deserialize(DataInputView in) throws IOException {
            byte[] bytes = CompactText.readBlock(in, WHAT);
            if (bytes == null) {
                throw new IOException("corrupt " + WHAT + ": no bytes");
            }
            return new PrunableSignals(bytes);
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            CompactText.copyBlock(in, out, WHAT);
        }

        @Override
        public TypeSerializerSnapshot<PrunableSignals> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Never in state (a BATCH job takes no checkpoints); Flink still asks every serializer for a snapshot. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<PrunableSignals> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
