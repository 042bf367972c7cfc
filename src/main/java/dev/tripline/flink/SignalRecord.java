package dev.tripline.flink;

import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Signal;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

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
    /**
     * The group-by values, in the plan's group-by order ({@link #group()}). Null on a record read back with its
     * key: its values are then the key's bytes, decoded only when asked for, since most steps never read them.
     */
    private String[] group;
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

    /**
     * {@link #key()}, made once per record: the keyed exchange, BATCH mode's sorter and the keyed operator each ask
     * for it. Nothing changes a record's fields once it is made, so it cannot go stale.
     */
    private transient GroupKey key;

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

    /** The group-by values, in the plan's group-by order; decoded from the key the first time for a record read back. */
    public String[] group() {
        String[] g = group;
        if (g == null && key != null) {
            g = key.group().toArray(String[]::new);
            group = g;
        }
        return g;
    }

    /** Sets the group-by values (a record being made); the key follows them. */
    public void group(String[] values) {
        group = values;
        key = null;
    }

    /** The state key: derived from the fields, never parsed back. */
    public GroupKey key() {
        GroupKey k = key;
        if (k == null) {
            k = new GroupKey(planId, fingerprint, group);
            key = k;
        }
        return k;
    }

    /** The signal as {@code plan} (the plan of {@link #key()} under the running rules) steps it. */
    public Signal signal(CorrelationPlan plan) {
        // A keyed record (the correlate stage's always are) hands the plan its key's values undecoded, not a copy of
        // its strings: a step that only adds a slot never reads them.
        List<String> values = key != null ? key.groupView() : List.of(group());
        return plan.signal(ruleIndex, ruleId, time, values, value, evidence);
    }

    @Override
    public String toString() {
        return "SignalRecord{" + planId + "@" + fingerprint + Arrays.toString(group()) + " " + ruleId + " @" + time
                + "}";
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
     * The key as the record's writer sends it: the key made so far, or made now when the fields make one (a plan
     * id, a fingerprint and no null group value); null when they do not.
     */
    private GroupKey keyIfAny() {
        if (key != null || planId == null || fingerprint == null) {
            return key;
        }
        for (String g : group) {
            if (g == null) {
                return null;
            }
        }
        return key();
    }

    /**
     * The fields in order, strings in {@link CompactText}'s form (null allowed where the field may be null), the
     * key's hash after the plan id and fingerprint (0 for a record that makes no key), the group as a count and
     * its values, the evidence as a length and its bytes. The hash travels so that the correlate stage, which
     * reads every record off the network, takes it as written instead of hashing the values again; the sender
     * made the key, and so the hash, for the keyed exchange anyway. {@link #WITHOUT_KEY_HASH} reads and writes the
     * layout without the hash: held signals of the layout before it, restored from a savepoint, and BATCH mode's
     * runs of prunable signals ({@link PrunableSignals}), which are never keyed unless kept, so writing one makes
     * no key.
     */
    public static final class Serializer extends RecordSerializer<SignalRecord> {
        private static final long serialVersionUID = 2L;
        public static final Serializer INSTANCE = new Serializer(true);
        /**
         * The layout without the key's hash ({@link CompactTextSnapshot} version 3): writes a record's key values
         * without making its key, and makes the key of a record it reads from the values, hash and all.
         */
        static final Serializer WITHOUT_KEY_HASH = new Serializer(false);

        private static final int MAX_GROUP_VALUES = 1024;

        private final boolean keyHash;

        private Serializer(boolean keyHash) {
            this.keyHash = keyHash;
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
            r.key = from.key;
            return r;
        }

        @Override
        public void serialize(SignalRecord r, DataOutputView out) throws IOException {
            CompactText.writeId(r.planId, out);
            CompactText.writeId(r.fingerprint, out);
            // Without the hash nothing needs the key: a key made already gives its bytes, else the values are written.
            GroupKey k = keyHash ? r.keyIfAny() : r.key;
            if (keyHash) {
                out.writeInt(k == null ? 0 : k.hashCode());
            }
            if (k != null) {
                // The keyed exchange made the key before it writes the record: its value bytes are the group's.
                out.writeInt(k.size());
                out.write(k.valueBytes());
            } else {
                out.writeInt(r.group.length);
                for (String g : r.group) {
                    CompactText.write(g, out);
                }
            }
            out.writeInt(r.stage);
            out.writeInt(r.ruleIndex);
            CompactText.writeId(r.ruleId, out);
            out.writeLong(r.time);
            CompactText.write(r.value, out);
            CompactText.writeBlock(r.evidence, out);
        }

        @Override
        public SignalRecord deserialize(DataInputView in) throws IOException {
            SignalRecord r = new SignalRecord();
            CompactText.Reader reader = CompactText.reader();
            r.planId = reader.id(in);
            r.fingerprint = reader.id(in);
            int hash = keyHash ? in.readInt() : 0;
            int n = groupSize(in);
            // The group values are written as a key holds them: kept as read, they make the key without encoding
            // them again, and stay undecoded until something asks for them (group()).
            CompactText.Gathered values = reader.gathered();
            boolean complete = true;
            for (int i = 0; i < n; i++) {
                complete &= values.add(in);
            }
            if (complete && r.planId != null && r.fingerprint != null) {
                r.key = keyHash
                        ? new GroupKey(r.planId, r.fingerprint, values.copy(), n, hash)
                        : new GroupKey(r.planId, r.fingerprint, values.copy(), n);
            } else {
                // No key without a plan or with a null value (a corrupt or test record): the values as they are.
                DataInputDeserializer read = new DataInputDeserializer(values.copy());
                r.group = new String[n];
                for (int i = 0; i < n; i++) {
                    r.group[i] = CompactText.read(read);
                }
            }
            r.stage = in.readInt();
            r.ruleIndex = in.readInt();
            r.ruleId = reader.id(in);
            r.time = in.readLong();
            r.value = CompactText.read(in);
            r.evidence = CompactText.readBlock(in, "signal record: evidence");
            return r;
        }

        private static int groupSize(DataInputView in) throws IOException {
            int n = in.readInt();
            if (n < 0 || n > MAX_GROUP_VALUES) {
                throw new IOException("corrupt signal record: " + n + " group values");
            }
            return n;
        }

        /**
         * Field by field, bytes to bytes, nothing built: BATCH mode's sorter copies every signal this way when it
         * spills its buffer.
         */
        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            CompactText.copy(in, out);
            CompactText.copy(in, out);
            if (keyHash) {
                out.writeInt(in.readInt());
            }
            int n = groupSize(in);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                CompactText.copy(in, out);
            }
            out.writeInt(in.readInt());
            out.writeInt(in.readInt());
            CompactText.copy(in, out);
            out.writeLong(in.readLong());
            CompactText.copy(in, out);
            CompactText.copyBlock(in, out, "signal record: evidence");
        }

        @Override
        public TypeSerializerSnapshot<SignalRecord> snapshotConfiguration() {
            return new CompactTextSnapshot(
                    keyHash ? CompactTextSnapshot.KEY_HASH_VERSION : CompactTextSnapshot.WITHOUT_KEY_HASH_VERSION);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Serializer s && s.keyHash == keyHash;
        }

        @Override
        public int hashCode() {
            return Boolean.hashCode(keyHash);
        }
    }

    /**
     * Restores the serializer of the layout it was written with: version 3 (what Flink's simple snapshot, this
     * class's former base, wrote) has no key hash in the records and restores {@link Serializer#WITHOUT_KEY_HASH};
     * version 4 restores {@link Serializer#INSTANCE}. Held signals ({@code live-pending-signals}) of version 3 are
     * migrated: read in their layout, written in the current one. Keeps the version read.
     */
    public static final class CompactTextSnapshot implements TypeSerializerSnapshot<SignalRecord> {
        static final int WITHOUT_KEY_HASH_VERSION = 3;
        static final int KEY_HASH_VERSION = 4;

        private int version;

        public CompactTextSnapshot() {
            this(KEY_HASH_VERSION);
        }

        CompactTextSnapshot(int version) {
            this.version = version;
        }

        @Override
        public int getCurrentVersion() {
            return version;
        }

        @Override
        public void writeSnapshot(DataOutputView out) {
            // The version Flink writes before the snapshot says everything.
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader) throws IOException {
            if (readVersion != WITHOUT_KEY_HASH_VERSION && readVersion != KEY_HASH_VERSION) {
                throw new IOException("unknown signal record snapshot version " + readVersion);
            }
            version = readVersion;
        }

        @Override
        public TypeSerializer<SignalRecord> restoreSerializer() {
            return version == KEY_HASH_VERSION ? Serializer.INSTANCE : Serializer.WITHOUT_KEY_HASH;
        }

        @Override
        public TypeSerializerSchemaCompatibility<SignalRecord> resolveSchemaCompatibility(
                TypeSerializerSnapshot<SignalRecord> old) {
            if (!(old instanceof CompactTextSnapshot o)) {
                return TypeSerializerSchemaCompatibility.incompatible(); // Snapshot: Flink's string form
            }
            return o.version == version
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.compatibleAfterMigration();
        }
    }

    /**
     * The snapshot of records whose strings were in Flink's own string form. Kept so that held signals
     * ({@code live-pending-signals}) of that layout are refused at restore instead of read wrongly.
     */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SignalRecord> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<SignalRecord> resolveSchemaCompatibility(
                TypeSerializerSnapshot<SignalRecord> old) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
