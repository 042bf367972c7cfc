package dev.tripline.flink;

import dev.tripline.correlate.CorrelationPlan;
import java.io.IOException;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
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

    /** The shared instance of {@code s} (up to {@link #MAX_CANONICAL} of them); ids read back are made so. */
    static String canonical(String s) {
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

    public GroupKey(String planId, String fingerprint, List<String> group) {
        this(planId, fingerprint, group.toArray(String[]::new));
    }

    public GroupKey(String planId, String fingerprint, String[] group) {
        CompactText.Gathered encoding = CompactText.gathered();
        for (String g : group) {
            encoding.add(Objects.requireNonNull(g, "group value"));
        }
        this.planId = canonical(Objects.requireNonNull(planId, "planId"));
        this.fingerprint = canonical(Objects.requireNonNull(fingerprint, "fingerprint"));
        this.values = encoding.copy();
        this.count = group.length;
        this.hash = hash(this.planId, this.fingerprint, values);
    }

    /**
     * A key of values already in {@link CompactText}'s form, one after the other; {@code values} is kept as is, and so
     * are {@code planId} and {@code fingerprint}: pass the shared instances ({@link #canonical}), as
     * {@link CompactText#readId} returns them, so that a record read off the network looks nothing up for its key.
     */
    GroupKey(String planId, String fingerprint, byte[] values, int count) {
        this(planId, fingerprint, values, count, hash(planId, fingerprint, values));
    }

    /**
     * As {@link #GroupKey(String, String, byte[], int)}, with the key's {@link #hashCode} as the writer of these
     * fields computed it: a signal record carries its key's hash, so that the correlate stage does not hash the
     * values again for every record it reads.
     */
    GroupKey(String planId, String fingerprint, byte[] values, int count, int hash) {
        this.planId = planId;
        this.fingerprint = fingerprint;
        this.values = values;
        this.count = count;
        this.hash = hash;
    }

    /** The shared id and fingerprint instances cache their hashes, so a key costs one pass over its value bytes. */
    private static int hash(String planId, String fingerprint, byte[] values) {
        return (planId.hashCode() * 31 + fingerprint.hashCode()) * 31 + hashOf(values);
    }

    /**
     * {@link Arrays#hashCode(byte[])}, the same value (the key group follows it, so state written by earlier
     * releases stays where it is), eight bytes per step: {@code h * 31 + b} one byte at a time waits for each
     * multiplication before the next, while here the eight products are independent of {@code h} and of each other
     * and only one multiplication per step waits. Every signal record read off the network hashes its key's values
     * (about 70 bytes for the flagship); one byte at a time that was a quarter of reading the record.
     */
    static int hashOf(byte[] values) {
        int h = 1;
        int i = 0;
        for (int n = values.length - 7; i < n; i += 8) {
            int high = values[i] * P7 + values[i + 1] * P6 + (values[i + 2] * P5 + values[i + 3] * P4);
            int low = values[i + 4] * P3 + values[i + 5] * P2 + (values[i + 6] * 31 + values[i + 7]);
            h = h * P8 + (high + low);
        }
        for (; i < values.length; i++) {
            h = h * 31 + values[i];
        }
        return h;
    }

    private static final int P2 = 31 * 31;
    private static final int P3 = P2 * 31;
    private static final int P4 = P3 * 31;
    private static final int P5 = P4 * 31;
    private static final int P6 = P5 * 31;
    private static final int P7 = P6 * 31;
    private static final int P8 = P7 * 31;

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

    /** How many group values the key holds. */
    int size() {
        return count;
    }

    /**
     * The group-by values as an unmodifiable list that decodes them on its first read: a record read back hands
     * its signal this, and a step that only adds a slot never reads its group.
     */
    List<String> groupView() {
        return new GroupView(this);
    }

    private static final class GroupView extends AbstractList<String> implements RandomAccess {
        private final GroupKey key;
        private List<String> values;

        GroupView(GroupKey key) {
            this.key = key;
        }

        @Override
        public String get(int i) {
            if (values == null) {
                values = key.group();
            }
            return values.get(i);
        }

        @Override
        public int size() {
            return key.count;
        }
    }

    /**
     * The group values as {@link CompactText#write} writes them, one after the other: what a record of this key
     * writes for its group. The key's own array, not to be changed.
     */
    byte[] valueBytes() {
        return values;
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
    public static final class Serializer extends ImmutableSerializer<GroupKey> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        public GroupKey createInstance() {
            return new GroupKey("", "", List.of());
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
            return readValues(hash, planId, fingerprint, in);
        }

        @Override
        public TypeSerializerSnapshot<GroupKey> snapshotConfiguration() {
            return new CompactTextSnapshot();
        }
    }

    /**
     * Flink's type for the key of a BATCH job over {@code plans} (the job's rules): {@link SortSerializer}.
     * BATCH mode keeps keyed state in memory, one key at a time, and writes keys only for its sorter to compare.
     */
    public static TypeInformation<GroupKey> sortedType(List<CorrelationPlan> plans) {
        String[] ids = new String[plans.size()];
        String[] fingerprints = new String[plans.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = plans.get(i).id();
            fingerprints[i] = plans.get(i).fingerprint();
        }
        return new SingletonTypeInfo<>(GroupKey.class, new SortSerializer(ids, fingerprints), true);
    }

    /**
     * The key as BATCH mode's sorter compares it: as {@link Serializer} writes it, except that the plan, when it is
     * one of the job's own (its table, fixed when the job is built), is written as its place in the table, two
     * bytes, instead of its id and fingerprint (about 26 bytes). The sorter compares two signals of one group byte
     * by byte over their whole keys before their times, so a sort's cost follows the key's length. A plan not in
     * the table (one a live rule update brought) is written as place 0 followed by its id and fingerprint, so two
     * different keys always write different bytes. Holds the table only.
     */
    public static final class SortSerializer extends TypeSerializer<GroupKey> {
        private static final long serialVersionUID = 1L;
        /** Places beyond this are not used: such plans are written with their id and fingerprint. */
        private static final int MAX_PLACES = 0xFFFF;

        private final String[] planIds;
        private final String[] fingerprints;
        /** Plan id to place (from 1) in the table. */
        private final HashMap<String, Integer> places = new HashMap<>();

        SortSerializer(String[] planIds, String[] fingerprints) {
            if (planIds.length != fingerprints.length) {
                throw new IllegalArgumentException("a plan table needs one fingerprint per plan id");
            }
            this.planIds = planIds.clone();
            this.fingerprints = fingerprints.clone();
            for (int i = 0; i < planIds.length && i < MAX_PLACES; i++) {
                if (places.putIfAbsent(Objects.requireNonNull(planIds[i], "plan id"), i + 1) != null) {
                    throw new IllegalArgumentException("plan " + planIds[i] + " twice in a plan table");
                }
            }
        }

        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public TypeSerializer<GroupKey> duplicate() {
            return this;
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

        /** The place of {@code k}'s plan in the table, from 1; 0 when its id or fingerprint is not there. */
        private int placeOf(GroupKey k) {
            Integer place = places.get(k.planId);
            return place != null && fingerprints[place - 1].equals(k.fingerprint) ? place : 0;
        }

        @Override
        public void serialize(GroupKey k, DataOutputView out) throws IOException {
            out.writeInt(k.hash);
            int place = placeOf(k);
            out.writeShort(place);
            if (place == 0) {
                CompactText.writeId(k.planId, out);
                CompactText.writeId(k.fingerprint, out);
            }
            out.writeShort(k.count);
            out.write(k.values);
        }

        @Override
        public GroupKey deserialize(DataInputView in) throws IOException {
            int hash = in.readInt();
            int place = in.readUnsignedShort();
            if (place > planIds.length) {
                throw new IOException("corrupt correlation key: plan " + place + " of " + planIds.length);
            }
            return place == 0
                    ? readValues(hash, CompactText.readId(in), CompactText.readId(in), in)
                    : readValues(hash, planIds[place - 1], fingerprints[place - 1], in);
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
        public boolean equals(Object o) {
            return o instanceof SortSerializer other
                    && Arrays.equals(other.planIds, planIds)
                    && Arrays.equals(other.fingerprints, fingerprints);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(planIds) * 31 + Arrays.hashCode(fingerprints);
        }

        @Override
        public TypeSerializerSnapshot<GroupKey> snapshotConfiguration() {
            return new SortSnapshot(planIds, fingerprints);
        }
    }

    /**
     * The snapshot of a {@link SortSerializer}: its table. BATCH mode stores no keys; should such a key ever be
     * restored, only the same table reads it.
     */
    public static final class SortSnapshot implements TypeSerializerSnapshot<GroupKey> {
        private String[] planIds = new String[0];
        private String[] fingerprints = new String[0];

        public SortSnapshot() {}

        SortSnapshot(String[] planIds, String[] fingerprints) {
            this.planIds = planIds.clone();
            this.fingerprints = fingerprints.clone();
        }

        @Override
        public int getCurrentVersion() {
            return 1;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeInt(planIds.length);
            for (int i = 0; i < planIds.length; i++) {
                out.writeUTF(planIds[i]);
                out.writeUTF(fingerprints[i]);
            }
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader loader) throws IOException {
            int n = in.readInt();
            if (n < 0 || n > (1 << 20)) {
                throw new IOException("corrupt plan table of " + n + " plans");
            }
            planIds = new String[n];
            fingerprints = new String[n];
            for (int i = 0; i < n; i++) {
                planIds[i] = in.readUTF();
                fingerprints[i] = in.readUTF();
            }
        }

        @Override
        public TypeSerializer<GroupKey> restoreSerializer() {
            return new SortSerializer(planIds, fingerprints);
        }

        @Override
        public TypeSerializerSchemaCompatibility<GroupKey> resolveSchemaCompatibility(
                TypeSerializerSnapshot<GroupKey> old) {
            return old instanceof SortSnapshot o
                            && Arrays.equals(o.planIds, planIds)
                            && Arrays.equals(o.fingerprints, fingerprints)
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }

    /** The rest of a written key after its plan: the values, checked to be there, and the hash checked. */
    private static GroupKey readValues(int hash, String planId, String fingerprint, DataInputView in)
            throws IOException {
        if (planId == null || fingerprint == null) {
            throw new IOException("corrupt correlation key: no plan id or fingerprint");
        }
        int n = in.readUnsignedShort();
        if (n > MAX_GROUP_VALUES) {
            throw new IOException("corrupt correlation key: " + n + " group values");
        }
        // The values are kept as they are written: gathered string by string, each checked to be there.
        CompactText.Gathered bytes = CompactText.gathered();
        for (int i = 0; i < n; i++) {
            if (!bytes.add(in)) {
                throw new IOException("corrupt correlation key: a null group value");
            }
        }
        GroupKey k = new GroupKey(canonical(planId), canonical(fingerprint), bytes.copy(), n);
        if (k.hash != hash) {
            throw new IOException("corrupt correlation key: its hash does not match " + k);
        }
        return k;
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
