package dev.tripline.flink;

import static dev.tripline.correlate.Encoding.readEvidence;
import static dev.tripline.correlate.Encoding.readNullable;
import static dev.tripline.correlate.Encoding.readSize;
import static dev.tripline.correlate.Encoding.writeEvidence;
import static dev.tripline.correlate.Encoding.writeNullable;
import static dev.tripline.correlate.Encoding.writeSize;

import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte forms of the correlation engine's firings ({@link Fired}) for the Flink records that carry
 * them. Those are Java records with lists and maps, which Flink would hand to Kryo (slow, and Kryo trips over
 * JDK internals on Java 17); an explicit versioned format keeps the wire and checkpoints under our control.
 */
final class Codec {
    private static final int FIRED_FORMAT = 1;

    private Codec() {}

    static byte[] fired(Fired f) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FIRED_FORMAT);
            out.writeUTF(f.correlationId());
            out.writeUTF(f.title());
            out.writeUTF(f.level().name());
            out.writeUTF(f.type().name());
            writeSize(out, f.group().size());
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
            int n = readSize(in);
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
            return new Fired(
                    id,
                    title,
                    level,
                    type,
                    group,
                    first,
                    last,
                    count,
                    value == null ? null : new BigDecimal(value),
                    evidence,
                    alert);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt fired correlation", e);
        }
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
