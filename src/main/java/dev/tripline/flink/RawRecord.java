package dev.tripline.flink;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * One raw input message before parsing: a JSON Lines line, a whole CloudTrail log file, a Kafka value.
 * Immutable, payload included (no reader or operator writes into an array once it is in a record), so its
 * {@link Serializer} hands the same record on between chained operators instead of copying every payload.
 */
@TypeInfo(RawRecord.TypeFactory.class)
public final class RawRecord {
    /** Flink's type for raw records: {@link Serializer}, also what {@code TypeInformation.of} gives. */
    public static final TypeInformation<RawRecord> TYPE =
            new SingletonTypeInfo<>(RawRecord.class, Serializer.INSTANCE, false);

    /** Where the bytes came from: a file path, a topic-partition; shown in dead letters. */
    public final String origin;
    /** Position within the origin: a line number or byte offset, -1 when unknown. */
    public final long position;

    public final byte[] payload;
    /**
     * Set when the reader refused the input instead of reading it (a {@code ParseFailure.Reason} name such as
     * {@code RECORD_TOO_LARGE} or {@code READ_ERROR}); the record then becomes a dead letter, not an event.
     */
    public final String refused;
    /** Why it was refused, for the dead letter; null unless {@link #refused} is set. */
    public final String refusedMessage;

    public RawRecord(String origin, long position, byte[] payload) {
        this(origin, position, payload, null, null);
    }

    private RawRecord(String origin, long position, byte[] payload, String refused, String refusedMessage) {
        this.origin = origin;
        this.position = position;
        this.payload = payload;
        this.refused = refused;
        this.refusedMessage = refusedMessage;
    }

    /** A record standing for input the reader refused; see {@link #refused}. */
    public static RawRecord refused(String origin, long position, String reason, String message) {
        return new RawRecord(origin, position, null, reason, message);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawRecord r
                && position == r.position
                && Objects.equals(origin, r.origin)
                && Arrays.equals(payload, r.payload)
                && Objects.equals(refused, r.refused)
                && Objects.equals(refusedMessage, r.refusedMessage);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(origin, position) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        if (refused != null) {
            return "RawRecord{" + origin + "@" + position + " refused " + refused + "}";
        }
        return "RawRecord{" + origin + "@" + position + ", " + (payload == null ? 0 : payload.length) + " bytes}";
    }

    /** Makes {@code TypeInformation.of(RawRecord.class)} give {@link #TYPE}. */
    public static final class TypeFactory extends TypeInfoFactory<RawRecord> {
        @Override
        public TypeInformation<RawRecord> createTypeInfo(
                java.lang.reflect.Type t, Map<String, TypeInformation<?>> genericParameters) {
            return TYPE;
        }
    }

    /**
     * Origin, position, payload (a {@link CompactText#writeBlock block}: its length, -1 for none, then its bytes),
     * reason and message. Copies are the record itself: it is immutable.
     */
    public static final class Serializer extends ImmutableSerializer<RawRecord> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        public RawRecord createInstance() {
            return new RawRecord(null, -1, null);
        }

        @Override
        public void serialize(RawRecord r, DataOutputView out) throws IOException {
            StringValue.writeString(r.origin, out);
            out.writeLong(r.position);
            CompactText.writeBlock(r.payload, out);
            StringValue.writeString(r.refused, out);
            StringValue.writeString(r.refusedMessage, out);
        }

        @Override
        public RawRecord deserialize(DataInputView in) throws IOException {
            String origin = StringValue.readString(in);
            long position = in.readLong();
            // A reader's own limits bound a payload (a whole file may be larger than CompactText's bound).
            byte[] payload = CompactText.readBlock(in, "raw record: a payload", Integer.MAX_VALUE);
            return new RawRecord(origin, position, payload, StringValue.readString(in), StringValue.readString(in));
        }

        @Override
        public TypeSerializerSnapshot<RawRecord> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** The serializer has no configuration: one format, one instance. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RawRecord> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
