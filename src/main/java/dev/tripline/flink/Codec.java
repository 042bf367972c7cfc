package dev.tripline.flink;

import static dev.tripline.correlate.Encoding.readPackedEvidence;
import static dev.tripline.correlate.Encoding.readSize;
import static dev.tripline.correlate.Encoding.readText;
import static dev.tripline.correlate.Encoding.writePackedEvidence;
import static dev.tripline.correlate.Encoding.writeSize;
import static dev.tripline.correlate.Encoding.writeText;

import dev.tripline.bytes.BlockInput;
import dev.tripline.correlate.Encoding;
import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
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
    /** 2: strings as {@link Encoding#writeText}, evidence in the packed form against the group (1: modified UTF-8). */
    private static final int FIRED_FORMAT = 2;

    private Codec() {}

    /**
     * The firing's strings as {@link Encoding#writeText} writes them (UTF-8 of a Latin-1 string is one array copy,
     * where {@code writeUTF} encodes char by char), and its evidence in the form correlation state keeps it
     * ({@link Encoding#writePackedEvidence}): relative to the firing's last_seen, no rule, no field names, and
     * field values that are group values written as references to the firing's own group.
     */
    static byte[] fired(Fired f) {
        Encoding.Scratch bytes = Encoding.scratch();
        DataOutputStream out = bytes.out;
        try {
            out.writeByte(FIRED_FORMAT);
            writeText(out, f.correlationId());
            writeText(out, f.title());
            writeText(out, f.level().name());
            writeText(out, f.type().name());
            writeSize(out, f.group().size());
            for (Map.Entry<String, String> e : f.group().entrySet()) {
                writeText(out, e.getKey());
                writeText(out, e.getValue());
            }
            out.writeLong(f.firstSeen());
            out.writeLong(f.lastSeen());
            out.writeInt(f.count());
            writeText(out, f.value() == null ? null : f.value().toString());
            writePackedEvidence(out, f.evidence(), null, f.lastSeen(), List.of(), groupValues(f.group()));
            out.writeBoolean(f.alert());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Fired fired(byte[] data) {
        BlockInput in = new BlockInput(data);
        try {
            format(in, FIRED_FORMAT, "fired correlation");
            String id = readText(in);
            String title = readText(in);
            Level level = Level.valueOf(name(in));
            CorrelationRule.Type type = CorrelationRule.Type.valueOf(name(in));
            int n = readSize(in);
            Map<String, String> group = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                group.put(readText(in), readText(in));
            }
            long first = in.readLong();
            long last = in.readLong();
            int count = in.readInt();
            String value = readText(in);
            List<Evidence> evidence = readPackedEvidence(in, null, last, List.of(), groupValues(group));
            boolean alert = in.readBoolean();
            if (in.remaining() != 0) {
                throw new IllegalArgumentException("trailing bytes after fired correlation");
            }
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

    private static String name(BlockInput in) throws IOException {
        String name = readText(in);
        if (name == null) {
            throw new IOException("no name");
        }
        return name;
    }

    /** The group's values in its order, which the packed evidence's references point into. */
    private static List<String> groupValues(Map<String, String> group) {
        return java.util.Arrays.asList(group.values().toArray(String[]::new));
    }

    private static void format(BlockInput in, int expected, String what) throws IOException {
        int f = in.readUnsignedByte();
        if (f != expected) {
            throw new IllegalArgumentException("unknown " + what + " format " + f);
        }
    }
}
