package dev.tripline.alert;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.tripline.bytes.BlockInput;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.Level;
import java.io.ByteArrayOutputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one byte form of an {@link Alert} (and of a {@link RuleRef} on its own) between operators and in dedup
 * state: a format byte, then the fields in order; texts as length-prefixed UTF-8 (any length), JSON values (event
 * fields, context) as a kind byte and then the string itself or, for other values, their JSON text. Versioned so
 * that a changed alert model can still read what a running job wrote; no Java serialisation.
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
        writeHead(out, a.kind(), RULE_BYTES.get().of(a.rule()), a.severity());
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
            writeEvidenceHead(
                    out, ev.eventId(), ev.eventTimeMillis(), ev.eventName(), ev.eventSource(), ev.awsRegion());
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

    /**
     * The {@link #encode} form of the alert of one match of {@code t}'s rule, counted {@code count} times between
     * {@code firstSeen} and {@code lastSeen}, written to {@code out} straight from the event: the layout above, with
     * the values {@link Alerts#single} shows read from the event once each and written as they are read (no alert,
     * evidence or map objects in between). Returns the dedup key and alert id it wrote.
     */
    static SingleAlertTemplate.Written encodeSingle(
            SingleAlertTemplate t, Event event, long count, long firstSeen, long lastSeen, DataOutput out)
            throws IOException {
        out.write(t.head);
        writeText(out, t.title == null ? t.fixedTitle : t.title.render(event));
        String account = event.account();
        String principal = event.principal();
        // Each group-by field is read once, for the dedup key (every GroupBy field) and the group (distinct names).
        List<String>[] forms = DedupKeys.groupForms(t.rule, event);
        out.writeInt(2 + t.groupNames.length);
        out.write(ACCOUNT_FORM);
        writeNullable(out, account);
        out.write(PRINCIPAL_FORM);
        writeNullable(out, principal);
        for (int i = 0; i < t.groupNames.length; i++) {
            List<String> f = forms[t.groupIndex[i]];
            out.write(t.groupNameForms[i]);
            writeNullable(out, f.isEmpty() ? null : Limits.text(String.join(",", f)));
        }
        String dedupKey = DedupKeys.single(t.dedupKeyPrefix, account, principal, forms);
        out.writeLong(firstSeen);
        out.writeLong(lastSeen);
        out.writeInt(1);
        String identity = writeEvidence(out, event, t.outputNames, t.outputNameForms, t.outputPaths);
        out.writeLong(count);
        writeText(out, dedupKey);
        String alertId = Alerts.alertId(t.alertIdPrefix, dedupKey, List.of(identity));
        writeText(out, alertId);
        writeEventValues(out, event, t.contextNames, t.contextNameForms, t.contextPaths, null);
        out.writeInt(0); // revision
        out.writeLong(1); // occurrences
        out.writeLong(0); // evidence omitted
        return new SingleAlertTemplate.Written(dedupKey, alertId);
    }

    /**
     * What every alert of a rule of {@code kind} starts with: format, kind, the rule's descriptor and the
     * severity.
     */
    static byte[] head(Alert.Kind kind, RuleRef rule, Level severity) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeHead(out, kind, encode(rule), severity);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** An alert's first fields: format, kind, the rule's descriptor ({@link #encode(RuleRef)}) and severity. */
    private static void writeHead(DataOutput out, Alert.Kind kind, byte[] rule, Level severity) throws IOException {
        out.writeByte(ALERT_FORMAT);
        out.writeByte(kind.ordinal());
        out.write(rule);
        out.writeByte(severity.ordinal());
    }

    /** An evidence's fields before its output fields. */
    private static void writeEvidenceHead(
            DataOutput out, String eventId, long time, String eventName, String eventSource, String awsRegion)
            throws IOException {
        writeNullable(out, eventId);
        out.writeLong(time);
        writeNullable(out, eventName);
        writeNullable(out, eventSource);
        writeNullable(out, awsRegion);
    }

    /**
     * The evidence of {@code event} showing the value at {@code paths[i]} under {@code names[i]} (distinct names,
     * already cut, at most {@link Limits#MAX_OUTPUT_FIELDS}), written as {@link #encode} writes an {@link Evidence};
     * returns its {@link Evidence#identity}.
     */
    static String writeEvidence(DataOutput out, Event event, String[] names, byte[][] nameForms, FieldPath[] paths)
            throws IOException {
        String id;
        String name;
        String source;
        String region;
        if (event.logType() == LogType.AZURE_ACTIVITY) {
            // Azure's counterparts: the REST shape's eventDataId, the operation, its resource provider, the region.
            id = Evidence.first(event, Evidence.AZ_ID);
            name = Evidence.first(event, Evidence.AZ_NAME);
            source = Evidence.first(event, Evidence.AZ_SOURCE);
            region = Evidence.first(event, Evidence.AZ_REGION);
        } else {
            id = Evidence.text(event, "eventID");
            name = Evidence.text(event, "eventName");
            source = Evidence.text(event, "eventSource");
            region = Evidence.text(event, "awsRegion");
        }
        long time = event.eventTimeMillis();
        writeEvidenceHead(out, id, time, name, source, region);
        if (id != null && !id.isEmpty()) {
            writeEventValues(out, event, names, nameForms, paths, null);
            return Evidence.identity(id, time, name, source, region, null);
        }
        StringBuilder fields = new StringBuilder("{");
        writeEventValues(out, event, names, nameForms, paths, fields);
        return Evidence.identity(
                id, time, name, source, region, fields.append('}').toString());
    }

    /**
     * The values at {@code paths} under {@code names} ({@code nameForms}: each name as {@link #textForm} writes
     * it), each as {@link Evidence#valueAt} reads it and {@link Limits#value} bounds it, written as {@link #encode}
     * writes a JSON map; when {@code shown} is not null, the entries are also appended to it as
     * {@code Map.toString} writes them ({@code name=value, ...}).
     */
    private static void writeEventValues(
            DataOutput out, Event event, String[] names, byte[][] nameForms, FieldPath[] paths, StringBuilder shown)
            throws IOException {
        out.writeInt(names.length);
        for (int i = 0; i < names.length; i++) {
            out.write(nameForms[i]);
            JsonNode v = writeBoundedValue(out, Evidence.valueAt(event, paths[i]));
            if (shown != null) {
                shown.append(i == 0 ? "" : ", ").append(names[i]).append('=').append(v);
            }
        }
    }

    /** The alert of an {@link #encode}d block; IllegalArgumentException when it is corrupt or of another format. */
    public static Alert decode(byte[] block) {
        return decode(block, Values.TREES);
    }

    /**
     * {@link #decode}, for an alert that is only to be written out (dedup's lines): its JSON values that are
     * objects or arrays stay the JSON text they were stored as, in raw value nodes that the alert encodings and
     * {@link #encode} write as they are, instead of being parsed into trees and written again. Such a text was
     * written by Jackson from a tree of the event (strings, ints, longs, big integers, doubles), so parsing and
     * writing it gives it back unchanged. Other values are read as {@link #decode} reads them: a number on its
     * own (a correlation's {@code aggregate}, a {@code BigDecimal}) can be written differently once parsed.
     * Such an alert does not equal the one encoded, and its containers cannot be walked as trees.
     */
    public static Alert decodeForWriting(byte[] block) {
        return decode(block, Values.CONTAINERS_AS_TEXT);
    }

    /**
     * The evidence of an {@link #encode}d block alone, as {@link #decodeForWriting} reads it: dedup shows the
     * evidence of several candidates in one line, and needs the rest of only one of them.
     */
    public static List<Evidence> decodeEvidenceForWriting(byte[] block) {
        try {
            BlockInput in = new BlockInput(block);
            boolean kinds = format(in);
            ordinal(in, Alert.Kind.values().length);
            skipRule(in);
            ordinal(in, Level.values().length);
            skipText(in);
            int n = size(in);
            for (int i = 0; i < n; i++) {
                skipText(in);
                skipNullable(in);
            }
            in.skip(2 * Long.BYTES);
            return readEvidence(in, kinds, Values.CONTAINERS_AS_TEXT);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("truncated or corrupt alert: " + e.getMessage(), e);
        }
    }

    /** How JSON values other than strings are read back. */
    private enum Values {
        /** Parsed into Jackson trees. */
        TREES,
        /** Objects and arrays left as their JSON text ({@link #decodeForWriting}). */
        CONTAINERS_AS_TEXT
    }

    private static Alert decode(byte[] block, Values values) {
        try {
            BlockInput in = new BlockInput(block);
            boolean kinds = format(in);
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
            List<Evidence> evidence = readEvidence(in, kinds, values);
            long count = in.readLong();
            String dedupKey = readText(in);
            String alertId = readText(in);
            Map<String, JsonNode> context = readJsonMap(in, kinds, values);
            int revision = in.readInt();
            long occurrences = in.readLong();
            long omitted = in.readLong();
            if (in.remaining() != 0) {
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

    /** Reads the format byte; true when each JSON value starts with its kind byte (format 2). */
    private static boolean format(BlockInput in) throws IOException {
        int format = in.readUnsignedByte();
        if (format != ALERT_FORMAT && format != FORMAT_JSON_VALUES) {
            throw new IOException("unknown alert format " + format);
        }
        return format == ALERT_FORMAT;
    }

    private static List<Evidence> readEvidence(BlockInput in, boolean kinds, Values values) throws IOException {
        int n = size(in);
        List<Evidence> evidence = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            evidence.add(readOneEvidence(in, kinds, values));
        }
        return evidence;
    }

    private static Evidence readOneEvidence(BlockInput in, boolean kinds, Values values) throws IOException {
        return new Evidence(
                readNullable(in),
                in.readLong(),
                readNullable(in),
                readNullable(in),
                readNullable(in),
                readJsonMap(in, kinds, values));
    }

    /** The {@link Evidence} that {@link #writeEvidence} writes, read back. */
    static Evidence evidence(Event event, String[] names, FieldPath[] paths) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeEvidence(out, event, names, textForms(names), paths);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return readOneEvidence(new BlockInput(bytes.toByteArray()), true, Values.TREES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
        try {
            return readRule(new BlockInput(block));
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

    private static void skipRule(BlockInput in) throws IOException {
        format(in, RULE_FORMAT, "rule descriptor");
        skipText(in);
        skipText(in);
        ordinal(in, Level.values().length);
        for (int list = 0; list < 2; list++) { // tags, authors
            int n = size(in);
            for (int i = 0; i < n; i++) {
                skipText(in);
            }
        }
        skipNullable(in);
    }

    private static RuleRef readRule(BlockInput in) throws IOException {
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
            writeJsonValue(out, e.getValue());
        }
    }

    /**
     * {@code Limits.value(v)} written as {@link #writeJsonValue} writes it; returns that value. An object or array
     * is written as its text when that is at most {@link Limits#MAX_VALUE_JSON} bytes: the UTF-8 of a text is at
     * least as long as its characters, so {@link Limits#value} would keep it too, and its length bound is not walked
     * before the same tree is written.
     */
    private static JsonNode writeBoundedValue(DataOutput out, JsonNode v) throws IOException {
        if (v.isContainerNode()) {
            JsonText t = JSON_TEXT.get();
            if (t.text(v) <= Limits.MAX_VALUE_JSON) {
                out.writeByte(JSON_VALUE);
                t.writeCurrent(out);
                return v;
            }
        }
        JsonNode bounded = Limits.value(v);
        writeJsonValue(out, bounded);
        return bounded;
    }

    /** A JSON value: its kind, then the string itself or its JSON text. */
    private static void writeJsonValue(DataOutput out, JsonNode v) throws IOException {
        if (v.isTextual()) {
            out.writeByte(STRING_VALUE);
            writeText(out, v.textValue());
        } else if (v instanceof POJONode p && p.getPojo() instanceof RawValue raw) {
            // A container read back as its text (decodeForWriting) is that text again.
            out.writeByte(JSON_VALUE);
            writeText(out, raw.rawValue().toString());
        } else {
            out.writeByte(JSON_VALUE);
            JSON_TEXT.get().write(out, v);
        }
    }

    /**
     * Writes the JSON text of a value other than a string as {@link #writeText} would write
     * {@code JSON.writeValueAsString(v)}: its UTF-8 length, then the bytes, made by this thread's one generator (a
     * new writer and generator per value cost more than writing it: alerts carry objects such as userIdentity). A
     * generator that failed midway is dropped, since it may be left inside an object.
     *
     * <p>The text of an object or array is kept by the node's identity, so that a node written again is not
     * written again: the alerts of one event (one per rule it matched, their evidence fields and context) hold the
     * same nodes, and so do the alerts of different events, since the parser gives a member whose bytes recur
     * (the same principal's userIdentity, record after record) the tree it built for them before
     * ({@code event.RecentValues}). Trees of events are never modified once read, nor are those of alerts read
     * back, so a kept text stays the node's text. State: a direct-mapped table of {@link #SLOTS} nodes and their
     * texts of at most {@link #MAX_KEPT_BYTES} bytes each, a new node taking its slot's place; never cleared. One per
     * thread.
     */
    private static final class JsonText {
        static final int SLOTS = 1024;
        static final int MAX_KEPT_BYTES = 4096;
        final StringWriter chars = new StringWriter(256);
        final JsonGenerator generator;
        final JsonNode[] keptNodes = new JsonNode[SLOTS];
        final byte[][] keptTexts = new byte[SLOTS][];

        /** The text {@link #text} made current. */
        private byte[] current;

        JsonText() {
            try {
                generator = JSON.createGenerator(chars).setRootValueSeparator(null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void write(DataOutput out, JsonNode v) throws IOException {
            text(v);
            writeCurrent(out);
        }

        /** Makes {@code v}'s JSON text (UTF-8) the current one; returns its length in bytes. */
        int text(JsonNode v) throws IOException {
            boolean container = v.isContainerNode();
            int slot = container ? System.identityHashCode(v) & (SLOTS - 1) : -1;
            if (container && keptNodes[slot] == v) {
                current = keptTexts[slot];
                return current.length;
            }
            boolean written = false;
            try {
                chars.getBuffer().setLength(0);
                JSON.writeTree(generator, v);
                generator.flush();
                written = true;
            } finally {
                if (!written) {
                    JSON_TEXT.remove();
                }
            }
            current = chars.toString().getBytes(StandardCharsets.UTF_8);
            if (container && current.length <= MAX_KEPT_BYTES) {
                keptNodes[slot] = v;
                keptTexts[slot] = current;
            }
            return current.length;
        }

        void writeCurrent(DataOutput out) throws IOException {
            out.writeInt(current.length);
            out.write(current);
        }
    }

    private static final ThreadLocal<JsonText> JSON_TEXT = ThreadLocal.withInitial(JsonText::new);

    /** {@code kinds}: each value starts with its kind byte (format 2); format 1 wrote every value as JSON text. */
    private static Map<String, JsonNode> readJsonMap(BlockInput in, boolean kinds, Values values) throws IOException {
        int n = size(in);
        Map<String, JsonNode> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String key = readText(in);
            int kind = kinds ? in.readUnsignedByte() : JSON_VALUE;
            if (kind == STRING_VALUE) {
                map.put(key, TextNode.valueOf(readText(in)));
            } else if (kind == JSON_VALUE) {
                map.put(key, readJsonValue(in, key, values));
            } else {
                throw new IOException("corrupt value kind " + kind + " of " + key);
            }
        }
        return map;
    }

    /** The int of a JSON integer of at most 9 digits (no leading zero), or null for any other text. */
    private static IntNode smallInt(byte[] text) {
        int start = text.length > 0 && text[0] == '-' ? 1 : 0;
        int digits = text.length - start;
        if (digits < 1 || digits > 9 || (text[start] == '0' && digits > 1)) {
            return null;
        }
        int v = 0;
        for (int i = start; i < text.length; i++) {
            int d = text[i] - '0';
            if (d < 0 || d > 9) {
                return null;
            }
            v = v * 10 + d;
        }
        return IntNode.valueOf(start == 1 ? -v : v);
    }

    private static final byte[] NULL_TEXT = "null".getBytes(StandardCharsets.US_ASCII);

    private static JsonNode readJsonValue(BlockInput in, String key, Values values) throws IOException {
        // Parsed from its UTF-8 bytes: the text itself is needed only when kept.
        byte[] text = readTextBytes(in);
        if (values == Values.CONTAINERS_AS_TEXT && text.length > 0 && (text[0] == '{' || text[0] == '[')) {
            return JsonNodeFactory.instance.rawValueNode(new RawValue(new String(text, StandardCharsets.UTF_8)));
        }
        // The values most often not strings, read as readTree reads them without a parser: null (a field the
        // event lacks) and ints.
        if (Arrays.equals(text, NULL_TEXT)) {
            return NullNode.getInstance();
        }
        IntNode small = smallInt(text);
        if (small != null) {
            return small;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IOException("corrupt JSON value of " + key, e);
        }
    }

    private static void writeTexts(DataOutput out, List<String> texts) throws IOException {
        out.writeInt(texts.size());
        for (String t : texts) {
            writeText(out, t);
        }
    }

    private static List<String> readTexts(BlockInput in) throws IOException {
        int n = size(in);
        List<String> out = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            out.add(readText(in));
        }
        return out;
    }

    private static final byte[] ACCOUNT_FORM = textForm("account");
    private static final byte[] PRINCIPAL_FORM = textForm("principal");

    /**
     * {@code s} as {@link #writeText} writes it: a template writes the names its alerts show under (group, evidence
     * and context fields) from these, not from their strings on every alert.
     */
    static byte[] textForm(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(Integer.BYTES + b.length)
                .putInt(b.length)
                .put(b)
                .array();
    }

    /** {@link #textForm} of each of {@code texts}. */
    static byte[][] textForms(String[] texts) {
        byte[][] forms = new byte[texts.length][];
        for (int i = 0; i < texts.length; i++) {
            forms[i] = textForm(texts[i]);
        }
        return forms;
    }

    private static void writeText(DataOutput out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readText(BlockInput in) throws IOException {
        return in.readUtf8(textLength(in));
    }

    private static byte[] readTextBytes(BlockInput in) throws IOException {
        return in.readBytes(textLength(in));
    }

    private static int textLength(BlockInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 64 * MAX_ITEMS) {
            throw new IOException("text of " + n + " bytes");
        }
        return n;
    }

    private static void writeNullable(DataOutput out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            writeText(out, s);
        }
    }

    private static String readNullable(BlockInput in) throws IOException {
        return in.readBoolean() ? readText(in) : null;
    }

    private static void skipText(BlockInput in) throws IOException {
        in.skip(textLength(in));
    }

    private static void skipNullable(BlockInput in) throws IOException {
        if (in.readBoolean()) {
            skipText(in);
        }
    }

    private static int size(BlockInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_ITEMS) {
            throw new IOException("implausible size " + n);
        }
        return n;
    }

    private static int ordinal(BlockInput in, int values) throws IOException {
        int o = in.readUnsignedByte();
        if (o >= values) {
            throw new IOException("unknown enum ordinal " + o);
        }
        return o;
    }

    private static void format(BlockInput in, int expected, String what) throws IOException {
        int f = in.readUnsignedByte();
        if (f != expected) {
            throw new IOException("unknown " + what + " format " + f);
        }
    }
}
