package dev.tripline.flink;

import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Signal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * One {@link Signal} for one correlation plan on its way to {@link CorrelateFunction}: a Flink POJO of plain typed
 * fields, keyed by {@link #key()} (plan id, the plan's semantic fingerprint, group values). The evidence travels in
 * the plan's packed form ({@link CorrelationPlan#packed}), which is also what the correlate stage stores: it is
 * encoded once, in detect, and a signal that only repeats a slot is never decoded.
 */
@TypeInfo(SignalRecord.TypeFactory.class)
public class SignalRecord {
    /** Flink's type for signal records: {@link Serializer}, also what {@code TypeInformation.of} gives. */
    public static final TypeInformation<SignalRecord> TYPE =
            new SingletonTypeInfo<>(SignalRecord.class, Serializer.INSTANCE, false);

    public String planId;
    /** The plan's {@link CorrelationPlan#fingerprint()} under the rules that made the signal. */
    public String fingerprint;
    /** The group-by values, in the plan's group-by order. */
    public String[] group;
    /**
     * The correlate stage that holds the plan ({@code CorrelationEngine#stageOf}) under the rules that made the
     * signal, so that routing follows live rule updates.
     */
    public int stage;

    public int ruleIndex;
    public String ruleId;
    /** Event time of the signal, epoch millis; what the downstream watermark strategy reads. */
    public long time;
    /** See {@link Signal#value()}; null for most types. */
    public String value;
    /** {@link CorrelationPlan#packed}. */
    public byte[] evidence;

    public SignalRecord() {}

    public static SignalRecord of(CorrelationPlan plan, Signal s, int stage) {
        SignalRecord r = new SignalRecord();
        r.planId = plan.id();
        r.fingerprint = plan.fingerprint();
        r.group = s.group().toArray(String[]::new);
        r.stage = stage;
        r.ruleIndex = s.ruleIndex();
        r.ruleId = s.ruleId();
        r.time = s.time();
        r.value = s.value();
        r.evidence = plan.packed(s);
        return r;
    }

    /** The state key: derived from the fields, never parsed back. */
    public GroupKey key() {
        return new GroupKey(planId, fingerprint, group);
    }

    /** The signal as {@code plan} (the plan of {@link #key()} under the running rules) steps it. */
    public Signal signal(CorrelationPlan plan) {
        return plan.signal(ruleIndex, ruleId, time, List.of(group), value, evidence);
    }

    @Override
    public String toString() {
        return "SignalRecord{" + planId + "@" + fingerprint + Arrays.toString(group) + " " + ruleId + " @" + time + "}";
    }

    /** Makes {@code TypeInformation.of(SignalRecord.class)} give {@link #TYPE}. */
    public static final class TypeFactory extends TypeInfoFactory<SignalRecord> {
        @Override
        public TypeInformation<SignalRecord> createTypeInfo(
                java.lang.reflect.Type t, Map<String, TypeInformation<?>> genericParameters) {
            return TYPE;
        }
    }

    /**
     * The fields in order, strings in Flink's own string form (null allowed where the field may be null), the
     * group as a count and its values, the evidence as a length and its bytes. Written by hand because Flink's
     * POJO serializer reaches every field by reflection, on every record and on every copy between chained
     * operators. A copy is shallow: nothing changes a record's arrays once it is made.
     */
    public static final class Serializer extends TypeSerializerSingleton<SignalRecord> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();
        private static final int MAX_GROUP_VALUES = 1024;
        private static final int MAX_EVIDENCE_BYTES = 64 << 20;
        private static final int MAX_STRING_CHARS = 64 << 20;
        private static final KnownIds IDS = new KnownIds();
        /** The most a thread's {@link #SCRATCH} keeps; a longer string (hostile, or a bug) reads into its own. */
        private static final int MAX_SCRATCH_BYTES = 64 << 10;
        /** Where a string's bytes are read before they become a string: one array per thread, not per string. */
        private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[256]);

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public SignalRecord createInstance() {
            return new SignalRecord();
        }

        @Override
        public SignalRecord copy(SignalRecord from) {
            SignalRecord r = new SignalRecord();
            r.planId = from.planId;
            r.fingerprint = from.fingerprint;
            r.group = from.group;
            r.stage = from.stage;
            r.ruleIndex = from.ruleIndex;
            r.ruleId = from.ruleId;
            r.time = from.time;
            r.value = from.value;
            r.evidence = from.evidence;
            return r;
        }

        @Override
        public SignalRecord copy(SignalRecord from, SignalRecord reuse) {
            return copy(from);
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(SignalRecord r, DataOutputView out) throws IOException {
            writeString(r.planId, out);
            writeString(r.fingerprint, out);
            out.writeInt(r.group.length);
            for (String g : r.group) {
                writeString(g, out);
            }
            out.writeInt(r.stage);
            out.writeInt(r.ruleIndex);
            writeString(r.ruleId, out);
            out.writeLong(r.time);
            writeString(r.value, out);
            if (r.evidence == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(r.evidence.length);
                out.write(r.evidence);
            }
        }

        @Override
        public SignalRecord deserialize(DataInputView in) throws IOException {
            SignalRecord r = new SignalRecord();
            r.planId = readString(in, IDS);
            r.fingerprint = readString(in, IDS);
            int n = in.readInt();
            if (n < 0 || n > MAX_GROUP_VALUES) {
                throw new IOException("corrupt signal record: " + n + " group values");
            }
            r.group = new String[n];
            for (int i = 0; i < n; i++) {
                r.group[i] = readString(in, null);
            }
            r.stage = in.readInt();
            r.ruleIndex = in.readInt();
            r.ruleId = readString(in, IDS);
            r.time = in.readLong();
            r.value = readString(in, null);
            int length = in.readInt();
            if (length < -1 || length > MAX_EVIDENCE_BYTES) {
                throw new IOException("corrupt signal record: evidence of " + length + " bytes");
            }
            if (length >= 0) {
                r.evidence = new byte[length];
                in.readFully(r.evidence);
            }
            return r;
        }

        /**
         * {@link StringValue#writeString}'s bytes (length + 1, then each char, both seven bits a byte), written in
         * one call when every char fits one byte, as the ids, fingerprints and group values of signals do.
         */
        static void writeString(String s, DataOutputView out) throws IOException {
            if (s == null) {
                out.write(0);
                return;
            }
            int length = s.length();
            for (int i = 0; i < length; i++) {
                if (s.charAt(i) >= 0x80) {
                    StringValue.writeString(s, out);
                    return;
                }
            }
            writeVarInt(length + 1, out);
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        }

        private static void writeVarInt(int v, DataOutputView out) throws IOException {
            while (v >= 0x80) {
                out.write(v | 0x80);
                v >>>= 7;
            }
            out.write(v);
        }

        /**
         * {@link StringValue#readString}: reads as many bytes as the string has chars in one call (each char takes
         * at least one byte, so this never reads past the string), and decodes char by char only from the first
         * char that took more than one byte.
         */
        static String readString(DataInputView in, KnownIds ids) throws IOException {
            int length = readVarInt(in, in.readUnsignedByte()) - 1;
            if (length < 0) {
                return null;
            }
            if (length > MAX_STRING_CHARS) {
                throw new IOException("corrupt signal record: a string of " + length + " chars");
            }
            byte[] bytes = SCRATCH.get();
            if (bytes.length < length) {
                bytes = new byte[length];
                if (length <= MAX_SCRATCH_BYTES) {
                    SCRATCH.set(bytes);
                }
            }
            in.readFully(bytes, 0, length);
            int ascii = 0;
            while (ascii < length && bytes[ascii] >= 0) {
                ascii++;
            }
            if (ascii == length) {
                return ids == null
                        ? new String(bytes, 0, length, StandardCharsets.ISO_8859_1)
                        : ids.text(bytes, length);
            }
            char[] chars = new char[length];
            for (int i = 0; i < ascii; i++) {
                chars[i] = (char) bytes[i];
            }
            int next = ascii; // the next byte of the array not yet decoded; past it, bytes come from the input
            for (int i = ascii; i < length; i++) {
                int b = next < length ? bytes[next++] & 0xff : in.readUnsignedByte();
                int c = b & 0x7f;
                for (int shift = 7; b >= 0x80; shift += 7) {
                    b = next < length ? bytes[next++] & 0xff : in.readUnsignedByte();
                    c |= (b & 0x7f) << shift;
                }
                chars[i] = (char) c;
            }
            return new String(chars);
        }

        /**
         * The plan ids, fingerprints and rule ids read so far, found by their bytes: they repeat on every record, so a
         * record takes the one string of each (its hash computed once) instead of making its own. A fixed table of
         * immutable entries, shared by every thread: a slot another id took is replaced, a race only costs a string.
         */
        static final class KnownIds {
            private record Entry(byte[] bytes, String text) {}

            private final Entry[] table = new Entry[256];

            /** The string of the first {@code length} bytes of {@code bytes}, which are ASCII. */
            String text(byte[] bytes, int length) {
                int hash = length;
                for (int i = 0; i < length; i++) {
                    hash = 31 * hash + bytes[i];
                }
                int slot = (hash ^ hash >>> 16) & (table.length - 1);
                Entry e = table[slot];
                if (e != null && Arrays.equals(e.bytes, 0, e.bytes.length, bytes, 0, length)) {
                    return e.text;
                }
                String text = new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
                table[slot] = new Entry(Arrays.copyOf(bytes, length), text);
                return text;
            }
        }

        /** A seven-bits-a-byte number whose first byte is {@code first}. */
        private static int readVarInt(DataInputView in, int first) throws IOException {
            int v = first & 0x7f;
            for (int shift = 7, b = first; b >= 0x80; shift += 7) {
                if (shift > 28) {
                    throw new IOException("corrupt signal record: a string length runs past 32 bits");
                }
                b = in.readUnsignedByte();
                v |= (b & 0x7f) << shift;
            }
            return v;
        }

        @Override
        public SignalRecord deserialize(SignalRecord reuse, DataInputView in) throws IOException {
            return deserialize(in);
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            serialize(deserialize(in), out);
        }

        @Override
        public TypeSerializerSnapshot<SignalRecord> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Restores {@link Serializer#INSTANCE}. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SignalRecord> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
