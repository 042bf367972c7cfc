package dev.tripline.flink;

import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertCodec;
import dev.tripline.alert.DedupPolicy;
import dev.tripline.alert.SingleAlertTemplate;
import dev.tripline.event.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A match of a rule that raises alerts of its own (not signal-only), before dedup: the alert of this one event
 * ({@link SingleAlertTemplate#encode}, what {@link dev.tripline.alert.Alerts#single} reads back), with its dedup
 * key so that the dedup stage can key by it. Written by its own {@link Serializer}; the alert travels in
 * {@link AlertCodec}'s form.
 */
@TypeInfo(SingleMatch.TypeFactory.class)
public class SingleMatch {
    /** Flink's type for these records: {@link Serializer}, also what {@code TypeInformation.of} gives. */
    public static final TypeInformation<SingleMatch> TYPE =
            new SingletonTypeInfo<>(SingleMatch.class, Serializer.INSTANCE, false);

    public String ruleId;
    public String dedupKey;
    public long eventTime;
    public byte[] alert;
    /** The alert's id, so that dedup can order the match without decoding the alert. */
    public String alertId;
    /**
     * The rule's dedup policy as the rules that matched define it (period 0 = not carried: dedup looks the rule
     * up in its own table), so that a live rule update's new or changed rules are deduplicated by their own
     * policy.
     */
    public long dedupPeriodMillis;

    public int dedupThreshold;

    public SingleMatch() {}

    /**
     * The match of {@code rule} on {@code event}, its alert written by {@link SingleAlertTemplate#encode} through
     * {@code buffer}, which is cleared first and can be reused.
     */
    public static SingleMatch of(SingleAlertTemplate rule, Event event, DataOutputSerializer buffer) {
        buffer.clear();
        SingleAlertTemplate.Written written;
        try {
            written = rule.encode(event, buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SingleMatch m = new SingleMatch();
        m.ruleId = rule.ruleId();
        m.dedupKey = written.dedupKey();
        m.eventTime = event.eventTimeMillis();
        m.alert = buffer.getCopyOfBuffer();
        m.alertId = written.alertId();
        return m;
    }

    /** This match with {@code policy} carried to dedup. */
    public SingleMatch withPolicy(DedupPolicy policy) {
        dedupPeriodMillis = policy.periodMillis();
        dedupThreshold = policy.threshold();
        return this;
    }

    public Alert alert() {
        return AlertCodec.decode(alert);
    }

    @Override
    public String toString() {
        return "SingleMatch{" + ruleId + " " + dedupKey + " @" + eventTime + "}";
    }

    /** Makes {@code TypeInformation.of(SingleMatch.class)} give {@link #TYPE}. */
    public static final class TypeFactory extends TypeInfoFactory<SingleMatch> {
        @Override
        public TypeInformation<SingleMatch> createTypeInfo(
                java.lang.reflect.Type t, Map<String, TypeInformation<?>> genericParameters) {
            return TYPE;
        }
    }

    /**
     * The fields in order, strings in {@link CompactText}'s form (null allowed), the alert as a length and its bytes.
     */
    public static final class Serializer extends RecordSerializer<SingleMatch> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        public SingleMatch createInstance() {
            return new SingleMatch();
        }

        @Override
        public SingleMatch copy(SingleMatch from) {
            SingleMatch r = new SingleMatch();
            r.ruleId = from.ruleId;
            r.dedupKey = from.dedupKey;
            r.eventTime = from.eventTime;
            r.alert = from.alert;
            r.alertId = from.alertId;
            r.dedupPeriodMillis = from.dedupPeriodMillis;
            r.dedupThreshold = from.dedupThreshold;
            return r;
        }

        @Override
        public void serialize(SingleMatch r, DataOutputView out) throws IOException {
            CompactText.writeId(r.ruleId, out);
            CompactText.write(r.dedupKey, out);
            out.writeLong(r.eventTime);
            CompactText.writeBlock(r.alert, out);
            CompactText.write(r.alertId, out);
            out.writeLong(r.dedupPeriodMillis);
            out.writeInt(r.dedupThreshold);
        }

        @Override
        public SingleMatch deserialize(DataInputView in) throws IOException {
            SingleMatch r = new SingleMatch();
            r.ruleId = CompactText.readId(in);
            r.dedupKey = CompactText.read(in);
            r.eventTime = in.readLong();
            r.alert = CompactText.readBlock(in, "single match: an alert");
            r.alertId = CompactText.read(in);
            r.dedupPeriodMillis = in.readLong();
            r.dedupThreshold = in.readInt();
            return r;
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            CompactText.copy(in, out);
            CompactText.copy(in, out);
            out.writeLong(in.readLong());
            CompactText.copyBlock(in, out, "single match: an alert");
            CompactText.copy(in, out);
            out.writeLong(in.readLong());
            out.writeInt(in.readInt());
        }

        @Override
        public TypeSerializerSnapshot<SingleMatch> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Restores {@link Serializer#INSTANCE}. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SingleMatch> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
