package dev.tripline.flink;

import java.util.Arrays;
import java.util.Objects;

/**
 * One raw input message before parsing: a JSON Lines line, a whole CloudTrail log file, a Kafka value. A Flink
 * POJO (public fields, no-arg constructor) so that it travels with the PojoSerializer, never Kryo.
 */
public class RawRecord {
    /** Where the bytes came from: a file path, a topic-partition; shown in dead letters. */
    public String origin;
    /** Position within the origin: a line number or byte offset, -1 when unknown. */
    public long position = -1;

    public byte[] payload;
    /**
     * Set when the reader refused the input instead of reading it (a {@code ParseFailure.Reason} name such as
     * {@code RECORD_TOO_LARGE} or {@code READ_ERROR}); the record then becomes a dead letter, not an event.
     */
    public String refused;
    /** Why it was refused, for the dead letter; null unless {@link #refused} is set. */
    public String refusedMessage;

    public RawRecord() {}

    public RawRecord(String origin, long position, byte[] payload) {
        this.origin = origin;
        this.position = position;
        this.payload = payload;
    }

    /** A record standing for input the reader refused; see {@link #refused}. */
    public static RawRecord refused(String origin, long position, String reason, String message) {
        RawRecord r = new RawRecord(origin, position, null);
        r.refused = reason;
        r.refusedMessage = message;
        return r;
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
}
