package dev.tripline.alert;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tripline.rule.Level;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one byte form of an {@link Alert} (and of a {@link RuleRef} on its own) between operators and in dedup
 * state: a format byte, then the fields in order; texts as length-prefixed UTF-8 (any length), JSON values (event
 * fields, context) as a kind byte and then the string itself or, for other values, their JSON text. Versioned so that a changed alert model can still read what a running job
 * wrote; no Java serialisation.
 */
public final class AlertCodec {
    private static final int ALERT_FORMAT = 2;
    /**
     * The format before strings had their own kind: still read, since dedup state of a running job holds alerts
     * in it.
     */
    private static final int FORMAT_JSON_VALUES = 1;

    private static final int RULE_FORMAT = 1;
    /** Guards the decoder against a corrupt block: more than an alert ever holds. */
    private static final int MAX_ITEMS = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertCodec() {}

    public static byte[] encode(Alert a) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            encode(a, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * {@link #encode(Alert)} written to {@code out}: detect encodes the alert of every single match, into one
     * buffer it reuses (a new stream per alert grows and copies its array, and locks on every write).
     */
    public static void encode(Alert a, DataOutput out) throws IOException {
        out.writeByte(ALERT_FORMAT);
        out.writeByte(a.kind().ordinal());
        out.write(RULE_BYTES.get().of(a.rule()));
        out.writeByte(a.severity().ordinal());
        writeText(out, a.title());
        out.writeInt(a.group().size());
        for (Map.Entry<String, String> e : a.group().entrySet()) {
            writeText(out, e.getKey());
            writeNullable(out, e.getValue());
        }
        out.writeLong(a.firstSeenMillis());
        out.writeLong(a.lastSeenMillis());
        out.writeInt(a.evidence().size());
        for (Evidence ev : a.evidence()) {
            writeNullable(out, ev.eventId());
            out.writeLong(ev.eventTimeMillis());
            writeNullable(out, ev.eventName());
            writeNullable(out, ev.eventSource());
            writeNullable(out, ev.awsRegion());
            writeJsonMap(out, ev.fields());
        }
        out.writeLong(a.count());
        writeText(out, a.dedupKey());
        writeText(out, a.alertId());
        writeJsonMap(out, a.context());
        out.writeInt(a.revision());
        out.writeLong(a.occurrences());
        out.writeLong(a.evidenceOmitted());
    }

    /** The alert of an {@link #encode}d block; IllegalArgumentException when it is corrupt or of another format. */
    public static Alert decode(byte[] block) {
        try (DataInputStream in = new DataInputStream(new BlockInput(block))) {
            int format = in.readUnsignedByte();
            if (format != ALERT_FORMAT && format != FORMAT_JSON_VALUES) {
                throw new IOException("unknown alert format " + format);
            }
            boolean kinds = format == ALERT_FORMAT;
            Alert.Kind kind = Alert.Kind.values()[ordinal(in, Alert.Kind.values().length)];
            RuleRef rule = readRule(in);
            Level severity = Level.values()[ordinal(in, Level.values().length)];
            String title = readText(in);
            int n = size(in);
            Map<String, String> group = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                group.put(readText(in), readNullable(in));
            }
            long first = in.readLong();
            long last = in.readLong();
            n = size(in);
            List<Evidence> evidence = new ArrayList<>(Math.min(n, 64));
            for (int i = 0; i < n; i++) {
                evidence.add(new Evidence(
                        readNullable(in),
                        in.readLong(),
                        readNullable(in),
                        readNullable(in),
                        readNullable(in),
                        readJsonMap(in, kinds)));
            }
            long count = in.readLong();
            String dedupKey = readText(in);
            String alertId = readText(in);
            Map<String, JsonNode> context = readJsonMap(in, kinds);
            int revision = in.readInt();
            long occurrences = in.readLong();
            long omitted = in.readLong();
            if (in.read() != -1) {
                throw new IllegalArgumentException("trailing bytes after alert");
            }
            return new Alert(
                    kind,
                    rule,
                    severity,
                    title,
                    group,
                    first,
                    last,
                    evidence,
                    count,
                    dedupKey,
                    alertId,
                    context,
                    revision,
                    occurrences,
                    omitted);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("truncated or corrupt alert: " + e.getMessage(), e);
        }
    }

    public static byte[] encode(RuleRef rule) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeRule(out, rule);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static RuleRef decodeRule(byte[] block) {
        try (DataInputStream in = new DataInputStream(new BlockInput(block))) {
            return readRule(in);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("truncated or corrupt rule descriptor: " + e.getMessage(), e);
        }
    }

    /**
     * The {@link #encode(RuleRef)} form of the rules this thread's alerts named, up to {@value #MAX_RULES}
     * (forgotten all at once beyond that, as a live update may bring new rules for ever): every alert of a rule
     * writes the same descriptor, its tags and authors included.
     */
    private static final class RuleBytes {
        static final int MAX_RULES = 1024;
        final Map<RuleRef, byte[]> known = new java.util.HashMap<>();

        byte[] of(RuleRef r) {
            byte[] b = known.get(r);
            if (b == null) {
                if (known.size() >= MAX_RULES) {
                    known.clear();
                }
                b = encode(r);
                known.put(r, b);
            }
            return b;
        }
    }

    private static final ThreadLocal<RuleBytes> RULE_BYTES = ThreadLocal.withInitial(RuleBytes::new);

    private static void writeRule(DataOutput out, RuleRef r) throws IOException {
        out.writeByte(RULE_FORMAT);
        writeText(out, r.id());
        writeText(out, r.title());
        out.writeByte(r.level().ordinal());
        writeTexts(out, r.tags());
        writeTexts(out, r.authors());
        writeNullable(out, r.description());
    }

    private static RuleRef readRule(DataInput in) throws IOException {
        format(in, RULE_FORMAT, "rule descriptor");
        String id = readText(in);
        String title = readText(in);
        Level level = Level.values()[ordinal(in, Level.values().length)];
        List<String> tags = readTexts(in);
        List<String> authors = readTexts(in);
        return new RuleRef(id, title, level, tags, authors, readNullable(in));
    }

    /** A JSON value written as its JSON text. */
    private static final int JSON_VALUE = 0;
    /**
     * A JSON string written as the text itself: most evidence values are strings, and every alert of every match
     * is encoded, so they skip the JSON writer and reader.
     */
    private static final int STRING_VALUE = 1;

    private static void writeJsonMap(DataOutput out, Map<String, JsonNode> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, JsonNode> e : map.entrySet()) {
            writeText(out, e.getKey());
            JsonNode v = e.getValue();
            if (v.isTextual()) {
                out.writeByte(STRING_VALUE);
                writeText(out, v.textValue());
            } else {
                out.writeByte(JSON_VALUE);
                writeText(out, jsonText(v));
            }
        }
    }

    /**
     * {@code JSON.writeValueAsString(v)}, written by this thread's one generator: a new writer and generator per
     * value cost more than writing it (alerts carry objects such as userIdentity). A generator that failed midway
     * is dropped, since it may be left inside an object. An object or array written lately is not written again:
     * the alerts of one event (one per rule it matched, and their evidence fields and context) hold the same nodes
     * of the event, which nothing changes once it is read.
     */
    private static String jsonText(JsonNode v) throws IOException {
        JsonText t = JSON_TEXT.get();
        String known = t.recent(v);
        if (known != null) {
            return known;
        }
        boolean written = false;
        try {
            t.chars.getBuffer().setLength(0);
            JSON.writeTree(t.generator, v);
            t.generator.flush();
            written = true;
            String text = t.chars.toString();
            t.remember(v, text);
            return text;
        } finally {
            if (!written) {
                JSON_TEXT.remove();
            }
        }
    }

    /**
     * A writer and a generator over it, configured as {@link #JSON}'s own, with nothing between root values; and
     * the texts of the last {@value #RECENT} containers written, by node identity (a few: the nodes of one event).
     */
    private static final class JsonText {
        static final int RECENT = 4;
        final StringWriter chars = new StringWriter(256);
        final JsonGenerator generator;
        final JsonNode[] recentNodes = new JsonNode[RECENT];
        final String[] recentTexts = new String[RECENT];
        int next;

        JsonText() {
            try {
                generator = JSON.createGenerator(chars).setRootValueSeparator(null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String recent(JsonNode v) {
            for (int i = 0; i < RECENT; i++) {
                if (recentNodes[i] == v) {
                    return recentTexts[i];
                }
            }
            return null;
        }

        void remember(JsonNode v, String text) {
            if (v.isContainerNode()) {
                recentNodes[next] = v;
                recentTexts[next] = text;
                next = (next + 1) % RECENT;
            }
        }
    }

    private static final ThreadLocal<JsonText> JSON_TEXT = ThreadLocal.withInitial(JsonText::new);

    /** {@code kinds}: each value starts with its kind byte (format 2); format 1 wrote every value as JSON text. */
    private static Map<String, JsonNode> readJsonMap(DataInput in, boolean kinds) throws IOException {
        int n = size(in);
        Map<String, JsonNode> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String key = readText(in);
            int kind = kinds ? in.readUnsignedByte() : JSON_VALUE;
            if (kind == STRING_VALUE) {
                map.put(key, TextNode.valueOf(readText(in)));
            } else if (kind == JSON_VALUE) {
                try {
                    // Parsed from its UTF-8 bytes: the text itself is never needed.
                    map.put(key, JSON.readTree(readTextBytes(in)));
                } catch (JsonProcessingException e) {
                    throw new IOException("corrupt JSON value of " + key, e);
                }
            } else {
                throw new IOException("corrupt value kind " + kind + " of " + key);
            }
        }
        return map;
    }

    private static void writeTexts(DataOutput out, List<String> texts) throws IOException {
        out.writeInt(texts.size());
        for (String t : texts) {
            writeText(out, t);
        }
    }

    private static List<String> readTexts(DataInput in) throws IOException {
        int n = size(in);
        List<String> out = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            out.add(readText(in));
        }
        return out;
    }

    private static void writeText(DataOutput out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readText(DataInput in) throws IOException {
        return new String(readTextBytes(in), StandardCharsets.UTF_8);
    }

    private static byte[] readTextBytes(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 64 * MAX_ITEMS) {
            throw new IOException("text of " + n + " bytes");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static void writeNullable(DataOutput out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            writeText(out, s);
        }
    }

    private static String readNullable(DataInput in) throws IOException {
        return in.readBoolean() ? readText(in) : null;
    }

    private static int size(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_ITEMS) {
            throw new IOException("implausible size " + n);
        }
        return n;
    }

    private static int ordinal(DataInput in, int values) throws IOException {
        int o = in.readUnsignedByte();
        if (o >= values) {
            throw new IOException("unknown enum ordinal " + o);
        }
        return o;
    }

    private static void format(DataInput in, int expected, String what) throws IOException {
        int f = in.readUnsignedByte();
        if (f != expected) {
            throw new IOException("unknown " + what + " format " + f);
        }
    }

    /**
     * A block read without locks: {@link java.io.ByteArrayInputStream} takes one on every read, and
     * {@link DataInputStream} reads each int and flag a byte at a time, so decoding an alert (dedup decodes its
     * candidates for every line) took thousands of them.
     */
    private static final class BlockInput extends InputStream {
        private final byte[] block;
        private int pos;

        BlockInput(byte[] block) {
            this.block = block;
        }

        @Override
        public int read() {
            return pos < block.length ? block[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (pos >= block.length) {
                return -1;
            }
            int n = Math.min(len, block.length - pos);
            System.arraycopy(block, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
