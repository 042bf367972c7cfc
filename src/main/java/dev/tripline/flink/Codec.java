package dev.tripline.flink;

import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.Signal;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte forms of the correlation engine's records ({@link Signal}, {@link Fired}) for the Flink records that carry
 * them. Those are Java records with lists and maps, which Flink would hand to Kryo (slow, and Kryo trips over
 * JDK internals on Java 17); an explicit versioned format keeps the wire and checkpoints under our control.
 */
final class Codec {
    private static final int SIGNAL_FORMAT = 1;
    private static final int FIRED_FORMAT = 1;
    /** Plausibility bound on any count read back, so corrupt bytes fail fast instead of allocating. */
    private static final int MAX_ITEMS = 1_000_000;

    private Codec() {
    }

    static byte[] signal(Signal s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(SIGNAL_FORMAT);
            out.writeInt(s.ruleIndex());
            out.writeUTF(s.ruleId());
            out.writeLong(s.time());
            writeStrings(out, s.group());
            writeNullable(out, s.value());
            writeEvidence(out, s.evidence());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Signal signal(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            format(in, SIGNAL_FORMAT, "signal");
            int ruleIndex = in.readInt();
            String ruleId = in.readUTF();
            long time = in.readLong();
            List<String> group = readStrings(in);
            String value = readNullable(in);
            List<Evidence> evidence = readEvidence(in);
            end(in, "signal");
            return new Signal(ruleIndex, ruleId, time, group, value, evidence);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt signal", e);
        }
    }

    static byte[] fired(Fired f) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FIRED_FORMAT);
            out.writeUTF(f.correlationId());
            out.writeUTF(f.title());
            out.writeUTF(f.level().name());
            out.writeUTF(f.type().name());
            out.writeInt(f.group().size());
            for (Map.Entry<String, String> e : f.group().entrySet()) {
                out.writeUTF(e.getKey());
                writeNullable(out, e.getValue());
            }
            out.writeLong(f.firstSeen());
            out.writeLong(f.lastSeen());
            out.writeInt(f.count());
            writeNullable(out, f.value() == null ? null : f.value().toString());
            writeEvidence(out, f.evidence());
            out.writeBoolean(f.alert());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Fired fired(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            format(in, FIRED_FORMAT, "fired correlation");
            String id = in.readUTF();
            String title = in.readUTF();
            Level level = Level.valueOf(in.readUTF());
            CorrelationRule.Type type = CorrelationRule.Type.valueOf(in.readUTF());
            int n = size(in);
            Map<String, String> group = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                group.put(in.readUTF(), readNullable(in));
            }
            long first = in.readLong();
            long last = in.readLong();
            int count = in.readInt();
            String value = readNullable(in);
            List<Evidence> evidence = readEvidence(in);
            boolean alert = in.readBoolean();
            end(in, "fired correlation");
            return new Fired(id, title, level, type, group, first, last, count,
                    value == null ? null : new BigDecimal(value), evidence, alert);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt fired correlation", e);
        }
    }

    /** Java serialisation, for values already {@link Serializable} whose shape we do not own (alerts). */
    static byte[] java(Serializable value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static <T> T java(byte[] data, Class<T> type) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
            return type.cast(in.readObject());
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalArgumentException("cannot decode " + type.getSimpleName(), e);
        }
    }

    private static void writeEvidence(DataOutputStream out, List<Evidence> evidence) throws IOException {
        out.writeInt(evidence.size());
        for (Evidence ev : evidence) {
            out.writeUTF(ev.ruleId());
            writeNullable(out, ev.eventId());
            out.writeLong(ev.eventTimeMillis());
            writeNullable(out, ev.eventName());
            writeNullable(out, ev.eventSource());
            writeNullable(out, ev.awsRegion());
            out.writeInt(ev.fields().size());
            for (Map.Entry<String, String> f : ev.fields().entrySet()) {
                out.writeUTF(f.getKey());
                out.writeUTF(f.getValue());
            }
        }
    }

    private static List<Evidence> readEvidence(DataInputStream in) throws IOException {
        int n = size(in);
        List<Evidence> out = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            String ruleId = in.readUTF();
            String eventId = readNullable(in);
            long t = in.readLong();
            String name = readNullable(in);
            String source = readNullable(in);
            String region = readNullable(in);
            int nf = size(in);
            Map<String, String> fields = new LinkedHashMap<>();
            for (int k = 0; k < nf; k++) {
                fields.put(in.readUTF(), in.readUTF());
            }
            out.add(new Evidence(ruleId, eventId, t, name, source, region, fields));
        }
        return out;
    }

    private static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String v : values) {
            out.writeUTF(v);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = size(in);
        List<String> out = new ArrayList<>(Math.min(n, 16));
        for (int i = 0; i < n; i++) {
            out.add(in.readUTF());
        }
        return out;
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

    private static int size(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_ITEMS) {
            throw new IllegalArgumentException("implausible count " + n);
        }
        return n;
    }

    private static void format(DataInputStream in, int expected, String what) throws IOException {
        int f = in.readUnsignedByte();
        if (f != expected) {
            throw new IllegalArgumentException("unknown " + what + " format " + f);
        }
    }

    private static void end(DataInputStream in, String what) throws IOException {
        if (in.read() != -1) {
            throw new IllegalArgumentException("trailing bytes after " + what);
        }
    }
}
