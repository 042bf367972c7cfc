package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One audit record, read-only, with field lookup that rules use.
 *
 * <p>Lookup semantics, shared by every rule format:
 * <ul>
 *   <li>A path that crosses an array fans out: the path matches if any element matches. An array at the
 *       end of a path is flattened too, so {@code requestParameters.layers} yields each layer.</li>
 *   <li>Missing and JSON null are distinct: a missing path yields no values; a JSON null yields a
 *       {@code NullNode}.</li>
 *   <li>A segment {@code [N]} indexes into a list (see {@link FieldPath}); other segments on a list fan out.</li>
 *   <li>A segment {@code [json]} reads the string reached so far as a JSON document and walks on inside it
 *       (an object already there is walked as is). Text that is not JSON, or breaks the record limits, makes
 *       the path missing; the instance lookups count it in {@link #unreadableEmbeddedJson()}.</li>
 * </ul>
 *
 * <p>For CloudTrail and Azure Activity events the instance lookup ({@link #anyValue(FieldPath, Predicate)}, {@link #values},
 * {@link #exists}) also sees the derived fields {@code account} and {@code principal} (and, for CloudTrail,
 * {@code principal_role} and {@code access_key_id}) and the ECS alias names
 * listed in {@link EcsAliases} (see docs/event-view.md); Azure events also read each record shape under the
 * other shape's names. A raw field with the same path always wins. Computed
 * values are built on first use and cached in the event, so constructing an event stays cheap. The static
 * {@link #anyValue(JsonNode, FieldPath, Predicate)} sees raw JSON only.
 */
public final class Event {
    private final LogType logType;
    /** The record as a tree; built from {@link #members} on the first {@link #root()} call when those are set. */
    private ObjectNode root;
    /**
     * The record's top-level members decoded one by one as they are read, for an event from {@link EventParser}'s
     * fast path; null when {@link #root} was built whole up front.
     */
    private final RecordMembers members;
    /** Epoch millis of the record's event time; {@link #UNPARSED} until first asked for. */
    private long eventTimeMillis;
    /** Lazily filled cache of computed alias values, indexed by {@link EcsAliases.Computed} ordinal. */
    private JsonNode[] computed;
    /**
     * A 128-bit Bloom filter of the root's keys under case folding, built on the first case-insensitive miss.
     * Panther paths look keys up ignoring case, and most misses are for keys absent in every case (errorCode
     * on a successful call): the filter rules those out without scanning every key of the record.
     */
    private long rootKeysLow;

    private long rootKeysHigh;
    private boolean rootKeysReady;
    /**
     * Embedded JSON documents decoded so far, keyed by the string node that holds them (by identity: the tree
     * is never mutated, so a node stands for one place in the record). Every rule that reads the same policy
     * shares one decode; an unreadable text maps to a missing node so it is neither re-parsed nor re-counted.
     * Lives as long as the event.
     */
    private IdentityHashMap<JsonNode, JsonNode> embedded;

    private int unreadableEmbedded;

    /** Whether a key of the root contains a dot: 0 not known yet, 1 no, 2 yes. */
    private byte dottedRootKey;

    /**
     * The record's bytes (UTF-8 JSON) when {@link #root} holds only the fields a rule program reads (a selective
     * {@link EventParser}); null when the root is the whole record.
     */
    private final byte[] raw;

    /** Returned by {@link #eventTimeMillis()} when the record has no parseable event time. */
    public static final long NO_TIME = Long.MIN_VALUE;

    private static final long UNPARSED = Long.MIN_VALUE + 1;

    public Event(LogType logType, ObjectNode root) {
        this(logType, root, UNPARSED);
    }

    /** An event whose time the caller already parsed (as {@link EventParser} does), in epoch millis. */
    public Event(LogType logType, ObjectNode root, long eventTimeMillis) {
        this(logType, root, eventTimeMillis, null);
    }

    /**
     * An event whose {@code root} was built selectively ({@link FieldSet}) from the record {@code raw}, or the
     * whole record when {@code raw} is null.
     */
    Event(LogType logType, ObjectNode root, long eventTimeMillis, byte[] raw) {
        this.logType = Objects.requireNonNull(logType, "logType");
        this.root = Objects.requireNonNull(root, "root");
        this.eventTimeMillis = eventTimeMillis;
        this.raw = raw;
        this.members = null;
    }

    /** An event whose members are decoded as they are read, from the record {@code members} indexes. */
    Event(LogType logType, RecordMembers members, long eventTimeMillis) {
        this.logType = Objects.requireNonNull(logType, "logType");
        this.members = members;
        this.eventTimeMillis = eventTimeMillis;
        this.raw = members.bytes();
    }

    /**
     * The record's event time in epoch millis (CloudTrail {@code eventTime}), or {@link #NO_TIME}. Events from
     * {@link EventParser} always have one; for others it is parsed on first call.
     */
    public long eventTimeMillis() {
        long t = eventTimeMillis;
        if (t == UNPARSED) {
            t = logType == LogType.CLOUDTRAIL
                    ? EventTime.parseMillis(EventTime.timeField(this::member))
                    : EventTime.parseMillis(AzureFields.timeField(this::member));
            eventTimeMillis = t;
        }
        return t;
    }

    public LogType logType() {
        return logType;
    }

    /**
     * The record as parsed. Do not mutate. From a selective parser ({@link #isPartial()}) it holds only the fields
     * of the parser's {@link FieldSet}; {@link #recordText()} is the whole record. Lookups of one top-level
     * member should use {@link #member}, which does not build the rest of the tree.
     */
    public ObjectNode root() {
        ObjectNode r = root;
        if (r == null) {
            r = members.toObject();
            root = r;
        }
        return r;
    }

    /**
     * The value of the top-level member {@code key} (exact key), as {@code root().get(key)} gives it, decoding
     * only that member; null when the record has none.
     */
    public JsonNode member(String key) {
        return members != null ? members.get(key) : root.get(key);
    }

    /** The top-level keys, in record order, as {@code root().fieldNames()} gives them. */
    private Iterator<String> memberNames() {
        return members != null ? members.names() : root.fieldNames();
    }

    /**
     * The lookup of {@link #lookup} from the record itself: the first step reads one member ({@link #member}),
     * so a path decodes only the member it starts in.
     */
    private boolean lookupRecord(FieldPath path, Predicate<JsonNode> test, boolean skipEmpty) {
        if (path.isSelf() || FieldPath.isJsonStep(path.segment(0))) {
            return lookup(root(), path, test, this, skipEmpty);
        }
        if (path.length() > 1 && hasDottedRootKey()) {
            JsonNode literal = member(path.text());
            if (literal != null) {
                return visitLeaf(literal, test, skipEmpty);
            }
        }
        if (noRootKeyFolds(path)) {
            return false; // no key equals the first segment, exactly or ignoring case
        }
        JsonNode child = member(path.segment(0));
        if (child == null && path.caseInsensitiveKeys()) {
            child = memberIgnoringCase(path.segment(0));
        }
        return child != null && walk(child, path, 1, test, this, skipEmpty);
    }

    /** The value of the first top-level member whose key equals {@code key} ignoring case, or null. */
    private JsonNode memberIgnoringCase(String key) {
        if (members != null) {
            return members.getIgnoringCase(key);
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (name.equalsIgnoreCase(key)) {
                return root.get(name);
            }
        }
        return null;
    }

    /** True when the event decodes the record's members as they are read (the parser's fast path). */
    boolean decodesOnRead() {
        return members != null;
    }

    /** True when {@link #root()} holds only the fields a rule program reads, not the whole record. */
    public boolean isPartial() {
        return raw != null;
    }

    /** The whole record as JSON text: the bytes it was read from when the root is partial, else the root. */
    public String recordText() {
        return raw != null ? new String(raw, StandardCharsets.UTF_8) : root().toString();
    }

    /** True if any value at {@code path} passes {@code test}; values are leaves after array fan-out. */
    public boolean anyValue(FieldPath path, Predicate<JsonNode> test) {
        EcsAliases.Alias alias = path.alias(logType);
        if (alias != null) {
            return logType == LogType.CLOUDTRAIL ? aliasValue(alias, path, test) : azureAliasValue(alias, path, test);
        }
        if (path.caseInsensitiveKeys() && !path.isSelf() && certainlyAbsent(path)) {
            return false;
        }
        return lookupRecord(path, test, false);
    }

    /**
     * The lookup relative to a node of this event (a list element in Panther's AnyElement), sharing the event's
     * decoded embedded JSON; raw JSON only, as {@link #anyValue(JsonNode, FieldPath, Predicate)}.
     */
    public boolean anyValueIn(JsonNode scope, FieldPath path, Predicate<JsonNode> test) {
        return lookup(scope, path, test, this, false);
    }

    /**
     * How many embedded JSON texts on this event could not be read (not JSON, or over the limits) by the
     * lookups so far; each text counts once. Paths through them were treated as missing.
     */
    public int unreadableEmbeddedJson() {
        return unreadableEmbedded;
    }

    /** The document held in {@code text} (a string node of this event), decoded once; missing when unreadable. */
    private JsonNode embeddedDocument(JsonNode text) {
        if (embedded == null) {
            embedded = new IdentityHashMap<>(4);
        }
        JsonNode doc = embedded.get(text);
        if (doc == null) {
            EmbeddedJson.Outcome[] why = new EmbeddedJson.Outcome[1];
            doc = EmbeddedJson.decode(text.textValue(), why);
            if (doc == null) {
                doc = MissingNode.getInstance();
                if (why[0] == EmbeddedJson.Outcome.UNREADABLE) {
                    unreadableEmbedded++;
                }
            }
            embedded.put(text, doc);
        }
        return doc;
    }

    /**
     * True when neither the first segment (in any case) nor the whole dotted text of a path that is not
     * {@link FieldPath#isSelf} is a key of the root, so the record holds no raw value there; false when it may.
     * The key filter answers most calls without looking a key up; the first call builds it.
     */
    public boolean certainlyAbsent(FieldPath path) {
        // A key equal to the first segment, exactly or ignoring case, sets the segment's bit in the filter.
        return noRootKeyFolds(path) && !wholeTextIsRootKey(path);
    }

    /**
     * True when no key of the root equals the first segment of a path that is not {@link FieldPath#isSelf}
     * ignoring case, as the event's key filter tells (false when one may); for a caller that knows neither the
     * exact first segment nor the whole dotted text is a key. The first call builds the filter.
     */
    public boolean noRootKeyFolds(FieldPath path) {
        if (!rootKeysReady) {
            if (members != null) { // gathered from the names' cached hashes when the record was indexed
                rootKeysLow = members.foldedKeysLow();
                rootKeysHigh = members.foldedKeysHigh();
            } else {
                for (Iterator<String> it = memberNames(); it.hasNext(); ) {
                    int h = CaseFoldMap.hash(it.next());
                    rootKeysLow |= keyFilterLowBit(h);
                    rootKeysHigh |= keyFilterHighBit(h);
                }
            }
            rootKeysReady = true;
        }
        int h = path.firstSegmentFoldedHash();
        return (((h & 64) == 0 ? rootKeysLow : rootKeysHigh) & (1L << h)) == 0;
    }

    /**
     * A key filter is 128 bits in two words: a key whose folded hash is {@code h} sets bit {@code h & 127}. This is
     * that bit in the low word (bits 0 to 63), 0 when it is in the high word.
     */
    static long keyFilterLowBit(int h) {
        return (h & 64) == 0 ? 1L << h : 0;
    }

    /** {@link #keyFilterLowBit}'s bit in the high word (bits 64 to 127), 0 when it is in the low word. */
    static long keyFilterHighBit(int h) {
        return (h & 64) == 0 ? 0 : 1L << h;
    }

    private boolean aliasValue(EcsAliases.Alias alias, FieldPath path, Predicate<JsonNode> test) {
        if (rawMayExist(path)) {
            boolean[] seen = {false};
            boolean hit = lookupRecord(
                    path,
                    v -> {
                        seen[0] = true;
                        return test.test(v);
                    },
                    false);
            if (seen[0]) {
                return hit;
            }
        }
        // Alias names see the record as Elastic indexes it: null and empty-string values are skipped.
        int depth = alias.depth();
        if (alias.computed() == null) {
            FieldPath target = alias.target(path.caseInsensitiveKeys());
            if (depth == path.length()) {
                // The target's leaves are the values (walking on from them would only visit each one).
                return lookupRecord(target, test, true);
            }
            return lookupRecord(target, node -> walk(node, path, depth, test, this, true), false);
        }
        JsonNode value = computedValue(alias.computed());
        return !value.isMissingNode() && walk(value, path, depth, test, this, true);
    }

    /**
     * Azure names bridge two record shapes whose fields share names but not types ({@code operationName} is a
     * string in the diagnostic export and {@code {value, localizedValue}} in the REST shape). So the raw field
     * wins only where it holds a scalar (or JSON null); an object or nothing there means the record has the other
     * shape, and the computed value, which reads both, answers.
     */
    private boolean azureAliasValue(EcsAliases.Alias alias, FieldPath path, Predicate<JsonNode> test) {
        if (rawMayExist(path)) {
            boolean[] scalar = {false};
            boolean hit = lookupRecord(
                    path,
                    v -> {
                        if (v.isContainerNode()) {
                            return false;
                        }
                        scalar[0] = true;
                        return test.test(v);
                    },
                    false);
            if (scalar[0]) {
                return hit;
            }
        }
        JsonNode value = computedValue(alias.computed());
        return !value.isMissingNode() && walk(value, path, alias.depth(), test, this, true);
    }

    /** Cheap pre-check so that the common case (no raw field under an alias name) skips the raw walk. */
    private boolean rawMayExist(FieldPath path) {
        return !certainlyAbsent(path);
    }

    /**
     * True when the whole dotted text of a path of several steps is a key of the root (that key wins over the
     * steps). Records rarely have a key with a dot in it, and the first call finds out, so most events answer
     * every path without a lookup that would miss.
     */
    public boolean wholeTextIsRootKey(FieldPath path) {
        // A text of several steps always holds a dot: FieldPath joins its steps with dots.
        return path.length() >= 2 && hasDottedRootKey() && member(path.text()) != null;
    }

    /** True when a key of the root holds a dot; found out on the first call. */
    private boolean hasDottedRootKey() {
        if (dottedRootKey == 0) {
            // The parser's members knew it when the record was indexed; a tree's keys are looked at once.
            dottedRootKey = (byte) ((members != null ? members.hasDottedName() : hasDottedKey()) ? 2 : 1);
        }
        return dottedRootKey == 2;
    }

    private boolean hasDottedKey() {
        for (Iterator<String> it = memberNames(); it.hasNext(); ) {
            if (it.next().indexOf('.') >= 0) {
                return true;
            }
        }
        return false;
    }

    /** The value of a computed alias or derived field, computed once per event. */
    JsonNode computedValue(EcsAliases.Computed which) {
        JsonNode[] cache = computed;
        if (cache == null) {
            cache = new JsonNode[EcsAliases.Computed.COUNT];
            computed = cache;
        }
        JsonNode v = cache[which.ordinal()];
        if (v == null) {
            v = logType == LogType.CLOUDTRAIL
                    ? CloudTrailFields.compute(which, this)
                    : AzureFields.compute(which, this);
            cache[which.ordinal()] = v;
        }
        return v;
    }

    /**
     * The derived {@code account}: for CloudTrail recipientAccountId, else userIdentity.accountId; for Azure the
     * subscription id (lower case); null when there is none.
     */
    public String account() {
        return textOrNull(computedValue(EcsAliases.Computed.ACCOUNT));
    }

    /** The derived {@code principal}, the identity that acted (see docs/event-view.md); null when unknown. */
    public String principal() {
        return textOrNull(computedValue(EcsAliases.Computed.PRINCIPAL));
    }

    private static String textOrNull(JsonNode n) {
        return n.isTextual() ? n.textValue() : null;
    }

    /** Every value at {@code path}, after array fan-out; empty when the path is missing. */
    public List<JsonNode> values(FieldPath path) {
        List<JsonNode> out = new ArrayList<>(2);
        anyValue(path, v -> {
            out.add(v);
            return false;
        });
        return out;
    }

    /** True if the path resolves to at least one node, JSON null included. */
    public boolean exists(FieldPath path) {
        return anyValue(path, v -> true);
    }

    /**
     * The same lookup relative to any node, with no event around it: embedded JSON is decoded on each call
     * and not counted (prefer {@link #anyValueIn} when the node belongs to an event).
     */
    public static boolean anyValue(JsonNode start, FieldPath path, Predicate<JsonNode> test) {
        return lookup(start, path, test, null, false);
    }

    /**
     * {@code owner} caches and counts embedded JSON decodes; null decodes without either. {@code skipEmpty}: JSON
     * null and empty strings are not values (what alias names see), so {@code test} never gets them.
     */
    private static boolean lookup(
            JsonNode start, FieldPath path, Predicate<JsonNode> test, Event owner, boolean skipEmpty) {
        if (path.isSelf()) {
            return visitLeaf(start, test, skipEmpty);
        }
        if (path.length() > 1 && start.isObject()) {
            JsonNode literal = start.get(path.text());
            if (literal != null) {
                return visitLeaf(literal, test, skipEmpty);
            }
        }
        return walk(start, path, 0, test, owner, skipEmpty);
    }

    private static boolean walk(
            JsonNode node, FieldPath path, int i, Predicate<JsonNode> test, Event owner, boolean skipEmpty) {
        if (i == path.length()) {
            return visitLeaf(node, test, skipEmpty);
        }
        if (node.isArray()) {
            int index = listIndex(path.segment(i));
            if (index >= 0) {
                JsonNode element = node.get(index);
                return element != null && walk(element, path, i + 1, test, owner, skipEmpty);
            }
            for (JsonNode element : node) {
                if (walk(element, path, i, test, owner, skipEmpty)) {
                    return true;
                }
            }
            return false;
        }
        if (FieldPath.isJsonStep(path.segment(i))) {
            if (node.isObject()) {
                // Some record shapes already hold the document as JSON (bucketPolicy, for one).
                return walk(node, path, i + 1, test, owner, skipEmpty);
            }
            if (!node.isTextual()) {
                return false;
            }
            JsonNode doc = owner != null
                    ? owner.embeddedDocument(node)
                    : EmbeddedJson.decode(node.textValue(), new EmbeddedJson.Outcome[1]);
            return doc != null && !doc.isMissingNode() && walk(doc, path, i + 1, test, owner, skipEmpty);
        }
        if (!node.isObject()) {
            return false;
        }
        JsonNode child = child(node, path.segment(i), path.caseInsensitiveKeys());
        return child != null && walk(child, path, i + 1, test, owner, skipEmpty);
    }

    /**
     * A segment written {@code [N]} selects the N-th element of a list instead of fanning out (Panther's
     * {@code KeyPath: a[2]} and integer {@code DeepKey} steps); -1 for every other segment.
     */
    private static int listIndex(String segment) {
        int n = segment.length();
        if (n < 3 || n > 11 || segment.charAt(0) != '[' || segment.charAt(n - 1) != ']') {
            return -1;
        }
        int value = 0;
        for (int k = 1; k < n - 1; k++) {
            char c = segment.charAt(k);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
            if (value > 100_000_000) {
                return -1;
            }
        }
        return value;
    }

    private static JsonNode child(JsonNode object, String key, boolean caseInsensitive) {
        JsonNode child = object.get(key);
        if (child != null || !caseInsensitive) {
            return child;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static boolean visitLeaf(JsonNode node, Predicate<JsonNode> test, boolean skipEmpty) {
        if (node.isArray()) {
            for (JsonNode element : node) {
                if (visitLeaf(element, test, skipEmpty)) {
                    return true;
                }
            }
            return false;
        }
        if (skipEmpty && (node.isNull() || (node.isTextual() && node.textValue().isEmpty()))) {
            return false;
        }
        return test.test(node);
    }

    /**
     * The string form that string comparisons see: text as is, numbers and booleans as JSON writes them,
     * objects and arrays as compact JSON, JSON null as {@code null} (callers treat null separately).
     */
    public static String stringForm(JsonNode value) {
        // Type tests, not JsonNode's is* methods: those are calls on every kind of node a record holds, which the
        // compiler cannot inline, and this runs for nearly every value a rule tests.
        if (value instanceof TextNode text) {
            return text.textValue();
        }
        if (value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        return value.toString();
    }

    @Override
    public String toString() {
        return logType + " " + recordText();
    }
}
