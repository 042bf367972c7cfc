package dev.tripline.flink;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The key of correlation state: one correlation plan (its id and semantic fingerprint) and one group (the plan's
 * group-by values, in order). Typed, so that the correlate stage reads the plan and the group from the key it is
 * called under and never parses a string back. The fingerprint is what lets a rollout keep the state of
 * unchanged correlations and drop the rest: a changed correlation's signals land on new keys.
 *
 * <p>{@link #hashCode} decides the key group, so it is defined here from {@link String#hashCode} (specified by
 * the JDK; for the values, the same formula is applied to their chars as they are encoded) rather than left to the
 * record machinery: the same key lands in the same key group on every JVM.
 */
public final class GroupKey {
    /** Flink's type for the key: {@link #SERIALIZER}, usable as a key type. */
    public static final TypeInformation<GroupKey> TYPE =
            new SingletonTypeInfo<>(GroupKey.class, Serializer.INSTANCE, true);

    /** Plans are few; beyond this many distinct ids and fingerprints, new ones are simply not shared. */
    private static final int MAX_CANONICAL = 4096;
    /**
     * One instance per plan id and fingerprint, so that comparing keys in state (every state access of a
     * signal does) finds them identical at once instead of comparing their characters.
     */
    private static final ConcurrentHashMap<String, String> CANONICAL = new ConcurrentHashMap<>();

    private static String canonical(String s) {
        String known = CANONICAL.get(s);
        if (known != null) {
            return known;
        }
        if (CANONICAL.size() < MAX_CANONICAL) {
            known = CANONICAL.putIfAbsent(s, s);
        }
        return known != null ? known : s;
    }

    private final String planId;
    private final String fingerprint;
    /**
     * The group values as the serializer writes them (each in Flink's string form, one after the other): one
     * array instead of a string object and its characters per value, so that heap state, which keeps every open
     * group's key, holds two objects per key, and comparing keys on every state access is one array comparison.
     */
    private final byte[] values;
    /** How many values {@link #values} holds. */
    private final int count;

    private final int hash;

    public GroupKey(String planId, String fingerprint, List<String> group) {
        this(planId, fingerprint, group.toArray(String[]::new));
    }

    public GroupKey(String planId, String fingerprint, String[] group) {
        this.planId = canonical(Objects.requireNonNull(planId, "planId"));
        this.fingerprint = canonical(Objects.requireNonNull(fingerprint, "fingerprint"));
        int size = 0;
        for (String g : group) {
            size += encodedLength(Objects.requireNonNull(g, "group value"));
        }
        byte[] bytes = new byte[size];
        // The shared instances: their hashes are computed once, not per signal.
        int h = this.planId.hashCode() * 31 + this.fingerprint.hashCode();
        int at = 0;
        for (String g : group) {
            at = writeVarInt(bytes, at, g.length() + 1);
            int valueHash = 0;
            for (int i = 0; i < g.length(); i++) {
                char c = g.charAt(i);
                valueHash = 31 * valueHash + c;
                at = writeVarInt(bytes, at, c);
            }
            h = h * 31 + valueHash; // String#hashCode of the value, computed in the same pass
        }
        this.values = bytes;
        this.count = group.length;
        this.hash = h;
    }

    private GroupKey(String planId, String fingerprint, byte[] values, int count, int hash) {
        this.planId = canonical(planId);
        this.fingerprint = canonical(fingerprint);
        this.values = values;
        this.count = count;
        this.hash = hash;
    }

    public String planId() {
        return planId;
    }

    public String fingerprint() {
        return fingerprint;
    }

    /** The group-by values, in the plan's group-by order; decoded on each call (a timer's or a firing's path). */
    public List<String> group() {
        String[] out = new String[count];
        int[] at = {0};
        for (int i = 0; i < count; i++) {
            int length = readVarInt(values, at) - 1;
            char[] chars = new char[length];
            for (int c = 0; c < length; c++) {
                chars[c] = (char) readVarInt(values, at);
            }
            out[i] = new String(chars);
        }
        return List.of(out);
    }

    /** {@code id@fingerprint}: the plan version this key's state was built under. */
    public String planVersion() {
        return planId + "@" + fingerprint;
    }

    @Override
    public boolean equals(Object o) {
        return o == this
                || o instanceof GroupKey k
                        && k.hash == hash
                        && k.count == count
                        && k.planId.equals(planId)
                        && k.fingerprint.equals(fingerprint)
                        && Arrays.equals(k.values, values);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return planId + "@" + fingerprint + group();
    }

    /** Bytes of {@code s} in Flink's string form ({@link StringValue#writeString}): length + 1, then each char. */
    private static int encodedLength(String s) {
        int n = varIntLength(s.length() + 1);
        for (int i = 0; i < s.length(); i++) {
            n += varIntLength(s.charAt(i));
        }
        return n;
    }

    /** Seven bits a byte, low ones first, the high bit set on every byte but the last (as StringValue). */
    private static int varIntLength(int v) {
        int n = 1;
        while (v >= 0x80) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private static int writeVarInt(byte[] to, int at, int v) {
        while (v >= 0x80) {
            to[at++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        to[at++] = (byte) v;
        return at;
    }

    private static int readVarInt(byte[] from, int[] at) {
        int v = 0;
        int shift = 0;
        int b;
        while ((b = from[at[0]++] & 0xff) >= 0x80) {
            v |= (b & 0x7f) << shift;
            shift += 7;
        }
        return v | (b << shift);
    }

    /**
     * The key's hash, then plan id, fingerprint, number of values and the values, each string in Flink's own
     * string form. The hash leads because BATCH mode sorts keyed input on these bytes, comparing a short prefix
     * of them first: keys of one plan share their id and fingerprint, so with those first nearly every
     * comparison fell through to a byte-by-byte walk of both keys.
     */
    public static final class Serializer extends TypeSerializerSingleton<GroupKey> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public GroupKey createInstance() {
            return new GroupKey("", "", List.of());
        }

        @Override
        public GroupKey copy(GroupKey from) {
            return from;
        }

        @Override
        public GroupKey copy(GroupKey from, GroupKey reuse) {
            return from;
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(GroupKey k, DataOutputView out) throws IOException {
            out.writeInt(k.hash);
            StringValue.writeString(k.planId, out);
            StringValue.writeString(k.fingerprint, out);
            out.writeInt(k.count);
            out.write(k.values);
        }

        @Override
        public GroupKey deserialize(DataInputView in) throws IOException {
            int hash = in.readInt();
            String planId = StringValue.readString(in);
            String fingerprint = StringValue.readString(in);
            int n = in.readInt();
            if (n < 0 || n > 1024) {
                throw new IOException("corrupt correlation key: " + n + " group values");
            }
            // The values are kept as they are written; they are walked once to find their end and check the hash.
            ValueBytes bytes = new ValueBytes();
            int h = planId.hashCode() * 31 + fingerprint.hashCode();
            for (int i = 0; i < n; i++) {
                int length = bytes.copyVarInt(in) - 1;
                if (length < 0) {
                    throw new IOException("corrupt correlation key: a null group value");
                }
                int valueHash = 0;
                for (int c = 0; c < length; c++) {
                    valueHash = 31 * valueHash + (char) bytes.copyVarInt(in);
                }
                h = h * 31 + valueHash;
            }
            GroupKey k = new GroupKey(planId, fingerprint, bytes.toArray(), n, h);
            if (h != hash) {
                throw new IOException("corrupt correlation key: its hash does not match " + k);
            }
            return k;
        }

        @Override
        public GroupKey deserialize(GroupKey reuse, DataInputView in) throws IOException {
            return deserialize(in);
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            serialize(deserialize(in), out);
        }

        @Override
        public TypeSerializerSnapshot<GroupKey> snapshotConfiguration() {
            return new HashFirstSnapshot();
        }
    }

    /** The bytes of group values as they are read, for {@link Serializer#deserialize}. */
    private static final class ValueBytes {
        private byte[] bytes = new byte[64];
        private int size;

        /** Copies one value of Flink's variable-length form and returns it (a length or a char). */
        int copyVarInt(DataInputView in) throws IOException {
            int v = 0;
            int shift = 0;
            int b;
            do {
                b = in.readUnsignedByte();
                if (size == bytes.length) {
                    bytes = Arrays.copyOf(bytes, size * 2);
                }
                bytes[size++] = (byte) b;
                if (shift > 28) {
                    throw new IOException("corrupt correlation key: a variable-length number runs past 32 bits");
                }
                v |= (b & 0x7f) << shift;
                shift += 7;
            } while (b >= 0x80);
            return v;
        }

        byte[] toArray() {
            return Arrays.copyOf(bytes, size);
        }
    }

    /** Restores {@link Serializer#INSTANCE}, whose keys start with their hash. */
    public static final class HashFirstSnapshot extends ReplacingLayoutSnapshot<GroupKey> {
        public HashFirstSnapshot() {
            super(() -> Serializer.INSTANCE, Snapshot.class);
        }
    }

    /**
     * The snapshot of keys written before their hash led their bytes. Kept so that a savepoint with such keys is
     * refused at restore (the key serializer is incompatible) instead of read wrongly: its keys would never be
     * found again on RocksDB, and a timer of one would fail to decode when it fired.
     */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<GroupKey> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<GroupKey> resolveSchemaCompatibility(
                TypeSerializerSnapshot<GroupKey> old) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
