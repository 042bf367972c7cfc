package dev.tripline.flink;

import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.UnpackedEvidence;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.LongPredicate;
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
 * once, where the signal is routed), then the signal's fields as {@link SignalRecord.Serializer} writes them after
 * their length, with the evidence as detect read it, not packed ({@link UnpackedEvidence}): the head values (as
 * bytes, written once for the signals of one event in a run), then the output fields' values. Nearly every such
 * signal is dropped, so the filter reads a number and skips a length of bytes for most of them, and decodes and
 * packs the evidence of only the ones it keeps. One exchange record carries many signals: the exchange's own work
 * per record (serializing the record's envelope, the partition's buffers, reading it back, the filter's call) is
 * paid per run, not per signal, and that work was most of what a pruned signal cost after detect made it.
 */
public final class PrunableSignals {
    public static final TypeInformation<PrunableSignals> TYPE =
            new SingletonTypeInfo<>(PrunableSignals.class, Serializer.INSTANCE, false);

    /** A run is sent once its bytes reach this many; a signal is never split between runs. */
    static final int RUN_BYTES = 32 * 1024;

    /** In a signal's head mark: its evidence is packed already, and follows its fields as a block. */
    private static final int PACKED = -1;
    /** In a signal's head mark: its evidence's head values are those of the head written last in this run. */
    private static final int SAME_HEAD = -2;
    /** Output field values of one signal at most; a larger count is a corrupt run. */
    private static final int MAX_FIELDS = 1024;

    private final byte[] bytes;

    private PrunableSignals(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * Where a router writes a run: {@link #add} each signal, {@link #take} the run once {@link #full} or at the end
     * of the input. Keeps the bytes of the run being written and the head values written last in it, nothing else.
     */
    static final class Writer {
        private final DataOutputSerializer out = new DataOutputSerializer(RUN_BYTES + 1024);
        /** The head bytes written last in this run: the signals of one event share the array (by identity). */
        private byte[] lastHead;

        void add(long anchorHash, SignalRecord r) throws IOException {
            out.writeLong(anchorHash);
            UnpackedEvidence evidence = r.unpacked();
            if (evidence == null) {
                out.writeInt(PACKED);
            } else if (evidence.head() == lastHead) {
                out.writeInt(SAME_HEAD);
            } else {
                lastHead = evidence.head();
                out.writeInt(lastHead.length);
                out.write(lastHead);
            }
            int lengthAt = out.length();
            out.writeInt(0);
            SignalRecord.Serializer.writeFields(r, out);
            if (evidence == null) {
                CompactText.writeBlock(r.evidence(), out);
            } else {
                String[] fields = evidence.fields();
                out.writeInt(fields.length);
                for (String f : fields) {
                    CompactText.write(f, out);
                }
            }
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
            lastHead = null;
            return run;
        }
    }

    /** What a reader of a run is given for each signal it keeps. */
    interface Kept {
        void signal(SignalRecord r);
    }

    /**
     * Hands {@code kept} every signal of this run whose hash {@code keep} says yes to, decoded, its evidence packed
     * by its plan as {@code plans} gives it by id (the plans that made the signals); returns how many it dropped,
     * undecoded.
     */
    int read(LongPredicate keep, Function<String, CorrelationPlan> plans, Kept kept) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        int dropped = 0;
        int headAt = -1;
        int headLength = 0;
        while (in.available() > 0) {
            long hash = in.readLong();
            int head = in.readInt();
            if (head >= 0) {
                if (head > in.available()) {
                    throw new IOException("corrupt prunable signal: head of " + head + " bytes");
                }
                headAt = in.getPosition();
                headLength = head;
                in.skipBytesToRead(head);
            } else if (head != PACKED && (head != SAME_HEAD || headAt < 0)) {
                throw new IOException("corrupt prunable signal: head mark " + head);
            }
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                throw new IOException("corrupt prunable signal of " + length + " bytes");
            }
            if (keep.test(hash)) {
                int end = in.getPosition() + length;
                SignalRecord r = SignalRecord.Serializer.readFields(in);
                if (head == PACKED) {
                    r.evidence(CompactText.readBlock(in, "prunable signal: evidence"));
                } else {
                    r.evidence(pack(r, plans, Arrays.copyOfRange(bytes, headAt, headAt + headLength), in));
                }
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

    /** The evidence of {@code r}, its field values read from {@code in}, packed by its plan. */
    private static byte[] pack(SignalRecord r, Function<String, CorrelationPlan> plans, byte[] head, DataInputView in)
            throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_FIELDS) {
            throw new IOException("corrupt prunable signal: " + n + " field values");
        }
        String[] fields = new String[n];
        for (int i = 0; i < n; i++) {
            fields[i] = CompactText.read(in);
        }
        CorrelationPlan plan = plans.apply(r.planId);
        if (plan == null || !plan.fingerprint().equals(r.fingerprint)) {
            // Fixed rules: the filter is given the plans detect ran.
            throw new IllegalStateException(
                    "no plan " + r.planId + "@" + r.fingerprint + " to pack a signal's evidence");
        }
        return plan.packEvent(r.ruleIndex, head, fields, r.group());
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
