package dev.tripline.job;

import java.io.IOException;
import java.util.HashMap;
import java.util.Objects;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The key type of a keyed input that BATCH mode sorts (the correlate stages' and dedup's): each subtask writes a
 * key as the number of its first sighting there, two bytes for most, instead of the key itself.
 *
 * <p>Why: BATCH mode sorts each keyed input by the key's written bytes, then the record's time. Its sort index holds
 * eight bytes of each record: the key's first bytes and, when the key is shorter, the top bytes of the time. It
 * decides a comparison there when they differ; when they are equal it reads both records' whole keys and times
 * back from the sort buffer. Most comparisons of a sort are inside a group, so with a key of eight bytes or more
 * every one of them read both records back, and its cost followed the key's length (36 to 60 bytes for a
 * correlation key, a rule id and the group values for a dedup key). A two-byte number leaves six bytes to the
 * time (about a minute's resolution): different keys, and records of one group a minute or more apart, are told
 * apart in the index, and only records of one group within about a minute are read back, 2 bytes of key each.
 *
 * <p>Only the sorter reads these bytes, in the subtask that wrote them: it needs equal keys to write equal bytes
 * and different keys different bytes that are not a prefix of one another (so that no key's bytes run into
 * another's time), which holds within one subtask; keyed state and timers take the key from the record, and BATCH
 * mode stores no key. The order between groups follows their first records and does not matter: each group is
 * processed alone. Stored keys (streaming jobs, savepoints) never use this type.
 *
 * <p>State: the numbers given so far, one map entry per distinct key of the subtask, kept until the subtask's
 * input ends (the sorter writes them as the records arrive). Past {@link #MAX_NUMBERED} keys the map stops growing:
 * later keys are written as a marker byte and the given serializer's bytes, which still tells them apart from
 * each other and from every number (by the first byte), at the old speed.
 */
public final class NumberedSortKeys<K> extends TypeInformation<K> {
    private static final long serialVersionUID = 1L;

    /** Distinct keys numbered per subtask (a few hundred bytes of heap each); keys past it are written whole. */
    public static final int MAX_NUMBERED = 1 << 20;
    /** Numbers below this are written in two bytes, the rest in three. */
    static final int SHORT_NUMBERS = 1 << 15;
    /** Most keys a subtask can number: what three bytes hold with their first byte's top bits {@code 10}. */
    static final int MAX_NUMBERS = 1 << 22;

    private final TypeInformation<K> keys;
    private final int maxNumbered;

    /** {@code keys}' type, whose serializer writes the keys past {@link #MAX_NUMBERED}. */
    public NumberedSortKeys(TypeInformation<K> keys) {
        this(keys, MAX_NUMBERED);
    }

    NumberedSortKeys(TypeInformation<K> keys, int maxNumbered) {
        this.keys = Objects.requireNonNull(keys, "keys");
        if (maxNumbered < 0 || maxNumbered > MAX_NUMBERS) {
            throw new IllegalArgumentException("numbered keys must be in [0, " + MAX_NUMBERS + "]: " + maxNumbered);
        }
        this.maxNumbered = maxNumbered;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<K> getTypeClass() {
        return keys.getTypeClass();
    }

    @Override
    public boolean isKeyType() {
        return true;
    }

    @Override
    public TypeSerializer<K> createSerializer(SerializerConfig config) {
        return new Serializer<>(keys.createSerializer(config), maxNumbered);
    }

    @Override
    @Deprecated
    public TypeSerializer<K> createSerializer(ExecutionConfig config) {
        return createSerializer(config.getSerializerConfig());
    }

    @Override
    public String toString() {
        return "NumberedSortKeys(" + keys + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NumberedSortKeys<?> other && other.keys.equals(keys) && other.maxNumbered == maxNumbered;
    }

    @Override
    public int hashCode() {
        return keys.hashCode() * 31 + maxNumbered;
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof NumberedSortKeys;
    }

    /**
     * Writes a key as its number: below {@link #SHORT_NUMBERS} in two bytes (first byte {@code 0xxxxxxx}), else in
     * three (first byte {@code 10xxxxxx}); past the limit as byte {@link #WHOLE} and the key's own bytes. The first
     * byte says how long a number is, so no key's bytes are a prefix of another's. Stateful: {@link #duplicate}
     * gives a serializer with no numbers yet.
     */
    public static final class Serializer<K> extends TypeSerializer<K> {
        private static final long serialVersionUID = 1L;
        static final int WHOLE = 0xFF;

        private final TypeSerializer<K> whole;
        private final int maxNumbered;
        private transient HashMap<K, Integer> numbers;

        Serializer(TypeSerializer<K> whole, int maxNumbered) {
            this.whole = whole;
            this.maxNumbered = maxNumbered;
        }

        /** Distinct keys numbered so far. */
        int numbered() {
            return numbers == null ? 0 : numbers.size();
        }

        @Override
        public void serialize(K key, DataOutputView out) throws IOException {
            if (numbers == null) {
                numbers = new HashMap<>();
            }
            Integer n = numbers.get(key);
            if (n == null && numbers.size() < maxNumbered) {
                n = numbers.size();
                numbers.put(key, n);
            }
            if (n == null) {
                out.writeByte(WHOLE);
                whole.serialize(key, out);
            } else if (n < SHORT_NUMBERS) {
                out.writeShort(n);
            } else {
                out.writeByte(0x80 | n >>> 16);
                out.writeShort(n & 0xFFFF);
            }
        }

        @Override
        public K deserialize(DataInputView in) throws IOException {
            throw new UnsupportedOperationException("a numbered sort key is written for BATCH mode's sorter only");
        }

        @Override
        public K deserialize(K reuse, DataInputView in) throws IOException {
            return deserialize(in);
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            throw new UnsupportedOperationException("a numbered sort key is written for BATCH mode's sorter only");
        }

        @Override
        public boolean isImmutableType() {
            return whole.isImmutableType();
        }

        @Override
        public TypeSerializer<K> duplicate() {
            return new Serializer<>(whole.duplicate(), maxNumbered);
        }

        @Override
        public K createInstance() {
            return whole.createInstance();
        }

        @Override
        public K copy(K from) {
            return whole.copy(from);
        }

        @Override
        public K copy(K from, K reuse) {
            return whole.copy(from, reuse);
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Serializer<?> other && other.whole.equals(whole) && other.maxNumbered == maxNumbered;
        }

        @Override
        public int hashCode() {
            return whole.hashCode() * 31 + maxNumbered;
        }

        @Override
        public TypeSerializerSnapshot<K> snapshotConfiguration() {
            return new Snapshot<>(whole.snapshotConfiguration());
        }
    }

    /**
     * A numbered key is never stored; should a BATCH job's key serializer be snapshotted, it restores as the
     * serializer of the keys themselves, and no numbered bytes are ever read with it.
     */
    public static final class Snapshot<K> implements TypeSerializerSnapshot<K> {
        private TypeSerializerSnapshot<K> whole;

        public Snapshot() {}

        Snapshot(TypeSerializerSnapshot<K> whole) {
            this.whole = whole;
        }

        @Override
        public int getCurrentVersion() {
            return 1;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            TypeSerializerSnapshot.writeVersionedSnapshot(out, whole);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader loader) throws IOException {
            whole = TypeSerializerSnapshot.readVersionedSnapshot(in, loader);
        }

        @Override
        public TypeSerializer<K> restoreSerializer() {
            return whole.restoreSerializer();
        }

        @Override
        public TypeSerializerSchemaCompatibility<K> resolveSchemaCompatibility(TypeSerializerSnapshot<K> old) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
