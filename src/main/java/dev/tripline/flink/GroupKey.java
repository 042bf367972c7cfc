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
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The key of correlation state: one correlation plan (its id and semantic fingerprint) and one group (the plan's
 * group-by values, in order). Typed, so that the correlate stage reads the plan and the group from the key it is
 * called under and never parses a string back. The fingerprint is what lets a rollout keep the state of
 * unchanged correlations and drop the rest: a changed correlation's signals land on new keys.
 *
 * <p>{@link #hashCode} decides the key group, so it is defined here from {@link String#hashCode} of the plan id and
 * fingerprint and {@link Arrays#hashCode(byte[])} of the values as {@link CompactText} writes them (both specified
 * by the JDK) rather than left to the record machinery: the same key lands in the same key group on every JVM.
 */
public final class GroupKey {
    /** Flink's type for the key: {@link #SERIALIZER}, usable as a key type. */
    public static final TypeInformation<GroupKey> TYPE =
            new SingletonTypeInfo<>(GroupKey.class, Serializer.INSTANCE, true);

    /** Bound on the group values of a key, checked when one is read back. */
    static final int MAX_GROUP_VALUES = 1024;

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
     * The group values as the serializer writes them ({@link CompactText}'s form, one after the other): one array
     * instead of a string object and its characters per value, so that heap state, which keeps every open
     * group's key, holds few objects per key, and comparing keys on every state access is one array comparison.
     */
    private final byte[] values;
    /** How many values {@link #values} holds. */
    private final int count;

    private final int hash;

    /** Where a key's values are encoded before they are copied into it: one buffer per thread, not per key. */
    private static final ThreadLocal<DataOutputSerializer> ENCODING =
            ThreadLocal.withInitial(() -> new DataOutputSerializer(128));

    public GroupKey(String planId, String fingerprint, List<String> group) {
        this(planId, fingerprint, group.toArray(String[]::new));
    }

    public GroupKey(String planId, String fingerprint, String[] group) {
        DataOutputSerializer encoding = ENCODING.get();
        encoding.clear();
        try {
            for (String g : group) {
                CompactText.write(Objects.requireNonNull(g, "group value"), encoding);
            }
        } catch (IOException e) {
            throw new IllegalStateException("a group value could not be encoded in memory", e);
        }
        this.planId = canonical(Objects.requireNonNull(planId, "planId"));
        this.fingerprint = canonical(Objects.requireNonNull(fingerprint, "fingerprint"));
        this.values = encoding.getCopyOfBuffer();
        this.count = group.length;
        this.hash = hash(this.planId, this.fingerprint, values);
    }

    /** A key of values already in {@link CompactText}'s form, one after the other; {@code values} is kept as is. */
    GroupKey(String planId, String fingerprint, byte[] values, int count) {
        this.planId = canonical(planId);
        this.fingerprint = canonical(fingerprint);
        this.values = values;
        this.count = count;
        this.hash = hash(this.planId, this.fingerprint, values);
    }

    /** The shared id and fingerprint instances cache their hashes, so a key costs one pass over its value bytes. */
    private static int hash(String planId, String fingerprint, byte[] values) {
        return (planId.hashCode() * 31 + fingerprint.hashCode()) * 31 + Arrays.hashCode(values);
    }

    public String planId() {
        return planId;
    }

    public String fingerprint() {
        return fingerprint;
    }

    /** The group-by values, in the plan's group-by order; decoded on each call (a timer's or a firing's path). */
    public List<String> group() {
        DataInputDeserializer in = new DataInputDeserializer(values);
        String[] out = new String[count];
        try {
            for (int i = 0; i < count; i++) {
                out[i] = CompactText.read(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("a key's own value bytes did not decode", e);
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

    /**
     * The key's hash, then plan id, fingerprint, number of values (two bytes) and the values, each string in
     * {@link CompactText}'s form. BATCH mode sorts keyed input on these bytes: it tells keys apart on a short
     * prefix of them, so the hash leads (keys of one plan share their id and fingerprint), and it compares two
     * signals of one group byte by byte over the whole key before their times, so the key is kept short (a UUID
     * plan id and a hex fingerprint or account id take half their text's bytes).
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
            CompactText.writeId(k.planId, out);
            CompactText.writeId(k.fingerprint, out);
            out.writeShort(k.count);
            out.write(k.values);
        }

        @Override
        public GroupKey deserialize(DataInputView in) throws IOException {
            int hash = in.readInt();
            String planId = CompactText.readId(in);
            String fingerprint = CompactText.readId(in);
            if (planId == null || fingerprint == null) {
                throw new IOException("corrupt correlation key: no plan id or fingerprint");
            }
            int n = in.readUnsignedShort();
            if (n > MAX_GROUP_VALUES) {
                throw new IOException("corrupt correlation key: " + n + " group values");
            }
            // The values are kept as they are written: copied string by string, each checked to be there.
            DataOutputSerializer bytes = new DataOutputSerializer(64);
            for (int i = 0; i < n; i++) {
                int start = bytes.length();
                CompactText.copy(in, bytes);
                if (bytes.length() == start + 1 && bytes.getSharedBuffer()[start] == 0) {
                    throw new IOException("corrupt correlation key: a null group value");
                }
            }
            GroupKey k = new GroupKey(planId, fingerprint, bytes.getCopyOfBuffer(), n);
            if (k.hash != hash) {
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
            return new CompactTextSnapshot();
        }
    }

    /** Restores {@link Serializer#INSTANCE}: hash first, strings in {@link CompactText}'s form. */
    public static final class CompactTextSnapshot extends ReplacingLayoutSnapshot<GroupKey> {
        public CompactTextSnapshot() {
            super(() -> Serializer.INSTANCE, Snapshot.class, HashFirstSnapshot.class);
        }
    }

    /**
     * The snapshot of keys written hash first with strings in Flink's own string form. Kept so that a savepoint
     * with such keys is refused at restore, as {@link Snapshot}'s are.
     */
    public static final class HashFirstSnapshot extends SimpleTypeSerializerSnapshot<GroupKey> {
        public HashFirstSnapshot() {
            super(() -> Serializer.INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<GroupKey> resolveSchemaCompatibility(
                TypeSerializerSnapshot<GroupKey> old) {
            return TypeSerializerSchemaCompatibility.incompatible();
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
