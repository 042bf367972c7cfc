package dev.tripline.io;

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

    public RawRecord() {
    }

    public RawRecord(String origin, long position, byte[] payload) {
        this.origin = origin;
        this.position = position;
        this.payload = payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawRecord r && position == r.position && Objects.equals(origin, r.origin)
                && Arrays.equals(payload, r.payload);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(origin, position) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "RawRecord{" + origin + "@" + position + ", " + (payload == null ? 0 : payload.length) + " bytes}";
    }
}
