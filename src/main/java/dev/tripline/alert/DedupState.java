package dev.tripline.alert;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;

/**
 * The dedup state of one key (one rule and dedup key): the open period and what was counted into it. Immutable;
 * {@link Dedup#offer} returns the next state. Serialized by {@link #write} in {@value #SERIALIZED_BYTES} bytes.
 *
 * @param firstSeen earliest event time counted into the period; the period is {@code [firstSeen, firstSeen + P)}
 * @param lastSeen  latest event time counted into the period
 * @param count     matches counted into the period
 * @param alerted   whether the period's alert has been emitted (count reached the threshold)
 */
public record DedupState(long firstSeen, long lastSeen, int count, boolean alerted) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int SERIALIZED_BYTES = 8 + 8 + 4 + 1;

    public void write(DataOutput out) throws IOException {
        out.writeLong(firstSeen);
        out.writeLong(lastSeen);
        out.writeInt(count);
        out.writeBoolean(alerted);
    }

    public static DedupState read(DataInput in) throws IOException {
        return new DedupState(in.readLong(), in.readLong(), in.readInt(), in.readBoolean());
    }
}
