package dev.tripline.correlate;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The open state of one correlation for one group: the signals still inside some window, sorted by event
 * time. Owned by exactly one caller (a Flink key, or {@link LocalCorrelator}); {@link CorrelationPlan} mutates
 * it in place and reports when it became empty. It holds no reference to the plan, so it encodes to bytes on
 * its own ({@link #toBytes()}, an explicit versioned format, not Java serialisation).
 */
public final class CorrelationState {
    private static final int FORMAT = 1;
    private static final int MAX_ITEMS = 1_000_000;

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
            writeSize(out, group.size());
            for (String g : group) {
                out.writeUTF(g);
            }
            writeSize(out, entries.size());
            for (Entry e : entries) {
                writeSize(out, e.rule);
                out.writeLong(e.time);
                out.writeBoolean(e.closed);
                writeNullable(out, e.value);
                writeSize(out, e.evidence.size());
                for (Evidence ev : e.evidence) {
                    out.writeUTF(ev.ruleId());
                    writeNullable(out, ev.eventId());
                    out.writeLong(ev.eventTimeMillis());
                    writeNullable(out, ev.eventName());
                    writeNullable(out, ev.eventSource());
                    writeNullable(out, ev.awsRegion());
                    writeSize(out, ev.fields().size());
                    for (Map.Entry<String, String> f : ev.fields().entrySet()) {
                        out.writeUTF(f.getKey());
                        out.writeUTF(f.getValue());
                    }
                }
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
            int groups = readSize(in);
            List<String> group = new ArrayList<>(groups);
            for (int i = 0; i < groups; i++) {
                group.add(in.readUTF());
            }
            CorrelationState s = new CorrelationState(group);
            int n = readSize(in);
            s.entries.ensureCapacity(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
                int rule = readSize(in);
                long time = in.readLong();
                boolean closed = in.readBoolean();
                String value = readNullable(in);
                int evs = readSize(in);
                List<Evidence> evidence = new ArrayList<>(Math.min(evs, 64));
                for (int k = 0; k < evs; k++) {
                    String ruleId = in.readUTF();
                    String eventId = readNullable(in);
                    long t = in.readLong();
                    String name = readNullable(in);
                    String source = readNullable(in);
                    String region = readNullable(in);
                    int nf = readSize(in);
                    Map<String, String> fields = new LinkedHashMap<>();
                    for (int f = 0; f < nf; f++) {
                        fields.put(in.readUTF(), in.readUTF());
                    }
                    evidence.add(new Evidence(ruleId, eventId, t, name, source, region, fields));
                }
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

    private static void writeSize(DataOutputStream out, int v) throws IOException {
        // unsigned LEB128: sizes and rule indexes are almost always below 128, so one byte
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    private static int readSize(DataInputStream in) throws IOException {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (v < 0 || v > MAX_ITEMS) {
                    throw new IllegalArgumentException("implausible size " + v + " in correlation state");
                }
                return v;
            }
        }
        throw new IllegalArgumentException("bad size in correlation state");
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
