package dev.tripline.correlate;

import static dev.tripline.correlate.Encoding.readEvidence;
import static dev.tripline.correlate.Encoding.readNullable;
import static dev.tripline.correlate.Encoding.readSize;
import static dev.tripline.correlate.Encoding.readStrings;
import static dev.tripline.correlate.Encoding.writeEvidence;
import static dev.tripline.correlate.Encoding.writeNullable;
import static dev.tripline.correlate.Encoding.writeSize;
import static dev.tripline.correlate.Encoding.writeStrings;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The open state of one correlation for one group: the signals still inside some window, sorted by event
 * time. Owned by exactly one caller (a Flink key, or {@link LocalCorrelator}); {@link CorrelationPlan} mutates
 * it in place and reports when it became empty. It holds no reference to the plan, so it encodes to bytes on
 * its own ({@link #toBytes()}, an explicit versioned format, not Java serialisation).
 */
public final class CorrelationState {
    private static final int FORMAT = 1;

    final List<String> group;
    /** Sorted by time; equal times keep arrival order. */
    final ArrayList<Entry> entries = new ArrayList<>();

    /** One signal kept in state. */
    static final class Entry {
        final int rule;
        final long time;
        final String value;
        final List<Evidence> evidence;
        /** Its own window was evaluated and closed; kept only as a witness for {@code not} terms. */
        boolean closed;

        Entry(int rule, long time, String value, List<Evidence> evidence, boolean closed) {
            this.rule = rule;
            this.time = time;
            this.value = value;
            this.evidence = evidence;
            this.closed = closed;
        }
    }

    CorrelationState(List<String> group) {
        this.group = List.copyOf(group);
    }

    public List<String> group() {
        return group;
    }

    /** True when no signal is held; the caller should then drop the state entirely. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Number of signals held. */
    public int size() {
        return entries.size();
    }

    /** Event time of the oldest signal held, epoch millis; {@link Long#MAX_VALUE} when empty. */
    public long oldestSignalTime() {
        return entries.isEmpty() ? Long.MAX_VALUE : entries.get(0).time;
    }

    void insert(Entry e) {
        int i = entries.size();
        while (i > 0 && entries.get(i - 1).time > e.time) {
            i--;
        }
        entries.add(i, e);
    }

    // ---- byte encoding ----

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + entries.size() * 96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            writeStrings(out, group);
            writeSize(out, entries.size());
            for (Entry e : entries) {
                writeSize(out, e.rule);
                out.writeLong(e.time);
                out.writeBoolean(e.closed);
                writeNullable(out, e.value);
                writeEvidence(out, e.evidence);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes {@link #toBytes()}; throws {@link IllegalArgumentException} for anything else. */
    public static CorrelationState fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown correlation state format " + format);
            }
            CorrelationState s = new CorrelationState(readStrings(in));
            int n = readSize(in);
            s.entries.ensureCapacity(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
                int rule = readSize(in);
                long time = in.readLong();
                boolean closed = in.readBoolean();
                String value = readNullable(in);
                List<Evidence> evidence = readEvidence(in);
                s.entries.add(new Entry(rule, time, value, List.copyOf(evidence), closed));
            }
            if (in.read() != -1) {
                throw new IllegalArgumentException("trailing bytes after correlation state");
            }
            return s;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt correlation state", e);
        }
    }
}
