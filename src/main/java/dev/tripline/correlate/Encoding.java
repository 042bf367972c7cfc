package dev.tripline.correlate;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary primitives behind {@link CorrelationState#toBytes()} and the Flink layer's signal and firing
 * records: unsigned LEB128 sizes (one byte below 128) with a plausibility bound so corrupt bytes fail fast
 * instead of allocating, nullable strings, string lists and evidence. One place, so the formats cannot drift.
 */
public final class Encoding {
    /** Plausibility bound on any count read back. */
    public static final int MAX_ITEMS = 1_000_000;

    private Encoding() {
    }

    public static void writeSize(DataOutputStream out, int v) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    public static int readSize(DataInputStream in) throws IOException {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (v < 0 || v > MAX_ITEMS) {
                    throw new IllegalArgumentException("implausible size " + v);
                }
                return v;
            }
        }
        throw new IllegalArgumentException("bad size encoding");
    }

    public static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    public static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    public static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
        writeSize(out, values.size());
        for (String v : values) {
            out.writeUTF(v);
        }
    }

    public static List<String> readStrings(DataInputStream in) throws IOException {
        int n = readSize(in);
        List<String> out = new ArrayList<>(Math.min(n, 16));
        for (int i = 0; i < n; i++) {
            out.add(in.readUTF());
        }
        return out;
    }

    public static void writeEvidence(DataOutputStream out, List<Evidence> evidence) throws IOException {
        writeSize(out, evidence.size());
        for (Evidence ev : evidence) {
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

    public static List<Evidence> readEvidence(DataInputStream in) throws IOException {
        int n = readSize(in);
        List<Evidence> out = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            String ruleId = in.readUTF();
            String eventId = readNullable(in);
            long t = in.readLong();
            String name = readNullable(in);
            String source = readNullable(in);
            String region = readNullable(in);
            int nf = readSize(in);
            Map<String, String> fields = new LinkedHashMap<>();
            for (int k = 0; k < nf; k++) {
                fields.put(in.readUTF(), in.readUTF());
            }
            out.add(new Evidence(ruleId, eventId, t, name, source, region, fields));
        }
        return out;
    }
}
