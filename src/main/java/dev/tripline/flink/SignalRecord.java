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
            StringValue.writeString(r.planId, out);
            StringValue.writeString(r.fingerprint, out);
            out.writeInt(r.group.length);
            for (String g : r.group) {
                StringValue.writeString(g, out);
            }
            out.writeInt(r.stage);
            out.writeInt(r.ruleIndex);
            StringValue.writeString(r.ruleId, out);
            out.writeLong(r.time);
            StringValue.writeString(r.value, out);
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
            r.planId = StringValue.readString(in);
            r.fingerprint = StringValue.readString(in);
            int n = in.readInt();
            if (n < 0 || n > MAX_GROUP_VALUES) {
                throw new IOException("corrupt signal record: " + n + " group values");
            }
            r.group = new String[n];
            for (int i = 0; i < n; i++) {
                r.group[i] = StringValue.readString(in);
            }
            r.stage = in.readInt();
            r.ruleIndex = in.readInt();
            r.ruleId = StringValue.readString(in);
            r.time = in.readLong();
            r.value = StringValue.readString(in);
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
