package dev.tripline.flink;

import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertCodec;
import dev.tripline.alert.DedupPolicy;
import java.io.IOException;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * An alert on its way through dedup to the sinks: the fields dedup keys and counts by in the clear, and the
 * {@link Alert} itself in {@link AlertCodec}'s form, written by its own {@link Serializer}.
 */
@TypeInfo(AlertRecord.TypeFactory.class)
public class AlertRecord {
    /** Flink's type for these records: {@link Serializer}, also what {@code TypeInformation.of} gives. */
    public static final TypeInformation<AlertRecord> TYPE =
            new SingletonTypeInfo<>(AlertRecord.class, Serializer.INSTANCE, false);

    public String ruleId;
    /** "single" or "correlation". */
    public String kind;

    public String dedupKey;
    /** The alert's last_seen, epoch millis: the event time dedup counts it at. */
    public long eventTime;

    /**
     * The alert in {@link AlertCodec}'s form; null on a record made from an {@link Alert} in this JVM until
     * something needs the bytes ({@link #alertBytes}).
     */
    public byte[] alert;
    /** The alert's id, first_seen, count and occurrences, so that dedup can count it without decoding it. */
    public String alertId;

    public long firstSeen;
    public long count;
    public long occurrences;
    /**
     * The dedup policy as the rules that made the alert define it (a single rule's own, a correlation's
     * suppression), so that dedup keeps no rule table and follows live rule updates.
     */
    public long dedupPeriodMillis;

    public int dedupThreshold;

    /**
     * The alert, when this record was made from it in this JVM: dedup's line goes on to the encoder chained behind
     * it, which then neither decodes it nor needs it encoded ({@link #alertBytes} encodes it when the record leaves
     * the JVM's chain or is compared). Not serialized.
     */
    private transient Alert decoded;

    public AlertRecord() {}

    /** The record of {@code a} before dedup, to be deduplicated under {@code policy}. */
    public static AlertRecord of(Alert a, DedupPolicy policy) {
        AlertRecord r = of(a);
        r.dedupPeriodMillis = policy.periodMillis();
        r.dedupThreshold = policy.threshold();
        return r;
    }

    /** The record of an alert dedup emits: no policy carried, it is deduplicated already. */
    public static AlertRecord of(Alert a) {
        AlertRecord r = new AlertRecord();
        r.ruleId = a.rule().id();
        r.kind = a.kind().wireName();
        r.dedupKey = a.dedupKey();
        r.eventTime = a.lastSeenMillis();
        r.decoded = a;
        r.alertId = a.alertId();
        r.firstSeen = a.firstSeenMillis();
        r.count = a.count();
        r.occurrences = a.occurrences();
        return r;
    }

    /** The carried dedup policy. */
    public DedupPolicy policy() {
        if (dedupPeriodMillis <= 0) {
            throw new IllegalStateException("alert record of " + ruleId + " carries no dedup policy");
        }
        return new DedupPolicy(dedupPeriodMillis, Math.max(1, dedupThreshold));
    }

    /** The alert record of a single-event match before dedup. */
    public static AlertRecord of(SingleMatch m) {
        AlertRecord r = new AlertRecord();
        r.ruleId = m.ruleId;
        r.kind = Alert.Kind.SINGLE.wireName();
        r.dedupKey = m.dedupKey;
        r.eventTime = m.eventTime;
        r.alert = m.alert;
        r.alertId = m.alertId;
        r.firstSeen = m.eventTime;
        r.count = 1;
        r.occurrences = 1;
        r.dedupPeriodMillis = m.dedupPeriodMillis;
        r.dedupThreshold = m.dedupThreshold;
        return r;
    }

    public Alert alert() {
        return decoded != null ? decoded : AlertCodec.decode(alert);
    }

    /** {@link #alert} in {@link AlertCodec}'s form, encoded on first use when the record was made from an alert. */
    public byte[] alertBytes() {
        if (alert == null && decoded != null) {
            alert = AlertCodec.encode(decoded);
        }
        return alert;
    }

    @Override
    public String toString() {
        return "AlertRecord{" + kind + " " + dedupKey + " @" + eventTime + "}";
    }

    /** Makes {@code TypeInformation.of(AlertRecord.class)} give {@link #TYPE}. */
    public static final class TypeFactory extends TypeInfoFactory<AlertRecord> {
        @Override
        public TypeInformation<AlertRecord> createTypeInfo(
                java.lang.reflect.Type t, Map<String, TypeInformation<?>> genericParameters) {
            return TYPE;
        }
    }

    /**
     * The fields in order, strings in {@link CompactText}'s form (null allowed), the alert as a length and its bytes.
     */
    public static final class Serializer extends RecordSerializer<AlertRecord> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        public AlertRecord createInstance() {
            return new AlertRecord();
        }

        @Override
        public AlertRecord copy(AlertRecord from) {
            AlertRecord r = new AlertRecord();
            r.ruleId = from.ruleId;
            r.kind = from.kind;
            r.dedupKey = from.dedupKey;
            r.eventTime = from.eventTime;
            r.alert = from.alert;
            r.alertId = from.alertId;
            r.firstSeen = from.firstSeen;
            r.count = from.count;
            r.occurrences = from.occurrences;
            r.dedupPeriodMillis = from.dedupPeriodMillis;
            r.dedupThreshold = from.dedupThreshold;
            r.decoded = from.decoded;
            return r;
        }

        @Override
        public void serialize(AlertRecord r, DataOutputView out) throws IOException {
            CompactText.writeId(r.ruleId, out);
            CompactText.writeId(r.kind, out);
            CompactText.write(r.dedupKey, out);
            out.writeLong(r.eventTime);
            CompactText.writeBlock(r.alertBytes(), out);
            CompactText.write(r.alertId, out);
            out.writeLong(r.firstSeen);
            out.writeLong(r.count);
            out.writeLong(r.occurrences);
            out.writeLong(r.dedupPeriodMillis);
            out.writeInt(r.dedupThreshold);
        }

        @Override
        public AlertRecord deserialize(DataInputView in) throws IOException {
            AlertRecord r = new AlertRecord();
            r.ruleId = CompactText.readId(in);
            r.kind = CompactText.readId(in);
            r.dedupKey = CompactText.read(in);
            r.eventTime = in.readLong();
            r.alert = CompactText.readBlock(in, "alert record: an alert");
            r.alertId = CompactText.read(in);
            r.firstSeen = in.readLong();
            r.count = in.readLong();
            r.occurrences = in.readLong();
            r.dedupPeriodMillis = in.readLong();
            r.dedupThreshold = in.readInt();
            return r;
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            CompactText.copy(in, out);
            CompactText.copy(in, out);
            CompactText.copy(in, out);
            out.writeLong(in.readLong());
            CompactText.copyBlock(in, out, "alert record: an alert");
            CompactText.copy(in, out);
            out.writeLong(in.readLong());
            out.writeLong(in.readLong());
            out.writeLong(in.readLong());
            out.writeLong(in.readLong());
            out.writeInt(in.readInt());
        }

        @Override
        public TypeSerializerSnapshot<AlertRecord> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Restores {@link Serializer#INSTANCE}. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<AlertRecord> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
