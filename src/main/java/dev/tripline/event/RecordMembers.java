package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The top-level members of one record that {@link StrictJsonPass} accepted, as spans of the record's bytes: the
 * members a {@link FieldSet} keeps, by name, each with where its value lies. A value becomes a Jackson node the
 * first time it is read ({@link ValidJsonTree#decodeValue}, then cut to what the field set keeps below it; a
 * string by {@link ValidJsonTree#stringToken}, without the walk of a value), and is cached. So a rule program
 * pays only for the members its rules read on this record.
 *
 * <p>State: the record's bytes (never modified), the kept names and their spans (fixed when built) and the
 * decoded values (filled as they are read). Lives as long as its {@link Event}; not thread-safe, like the event.
 * A key repeated in the record keeps its first place and its last value, as Jackson's tree does.
 */
final class RecordMembers {
    private final byte[] bytes;
    private final int count;
    /**
     * Kept names, distinct, in the order they first appear, as {@link MemberNames} caches them: each holds its
     * interned text, its hash and what the field set keeps below the member (null: the whole value). The array is
     * the record's {@link MemberNames.Shape}'s, shared by every record of that shape (never modified).
     */
    private final MemberNames.Name[] names;
    /** For member k: its value's first byte at {@code 2k} and the byte after it at {@code 2k + 1}. */
    private final int[] spans;

    private final JsonNode[] values;
    /** Object and list values decoded recently by the parser, which a member of the same bytes takes as is. */
    private final RecentValues recent;
    /**
     * The kept names' {@link Event#noRootKeyFolds} filter (bit {@code h & 127} of each name's folded hash {@code
     * h}, in two words) and whether one holds a dot, gathered from the names' cached answers while the members
     * are indexed, so an event need not hash its names again.
     */
    private final long foldedKeysLow;

    private final long foldedKeysHigh;
    private final boolean dottedName;

    private RecordMembers(
            byte[] bytes,
            int count,
            MemberNames.Name[] names,
            int[] spans,
            RecentValues recent,
            long foldedKeysLow,
            long foldedKeysHigh,
            boolean dottedName) {
        this.bytes = bytes;
        this.count = count;
        this.names = names;
        this.spans = spans;
        this.values = new JsonNode[count];
        this.recent = recent;
        this.foldedKeysLow = foldedKeysLow;
        this.foldedKeysHigh = foldedKeysHigh;
        this.dottedName = dottedName;
    }

    /**
     * The members the field set of {@code names} keeps of the object record {@code bytes}, from {@link
     * StrictJsonPass}'s member index {@code index} of it; null when a member's name says the object may be an
     * envelope rather than a record ({@link EventParser} reads those). Values are not decoded here; an object or
     * list whose bytes equal one in {@code recent} takes its tree when read.
     */
    static RecordMembers of(byte[] bytes, int[] index, MemberNames memberNames, RecentValues recent) {
        MemberNames.Shape shape = memberNames.shape(bytes, index);
        if (shape.envelope) {
            return null;
        }
        int count = shape.kept.length;
        int[] spans = new int[2 * count];
        for (int m = 0, slot = 1; m < index[0]; m++, slot += StrictJsonPass.MEMBER_INTS) {
            int k = shape.place[m];
            if (k >= 0) { // a repeated key keeps its first place and its last value
                spans[2 * k] = index[slot + StrictJsonPass.VALUE_START];
                spans[2 * k + 1] = index[slot + StrictJsonPass.VALUE_END];
            }
        }
        return new RecordMembers(
                bytes, count, shape.kept, spans, recent, shape.foldedLow, shape.foldedHigh, shape.dotted);
    }

    /** The kept names' filter for {@link Event#noRootKeyFolds}: its low word (bits 0 to 63). */
    long foldedKeysLow() {
        return foldedKeysLow;
    }

    /** The kept names' filter for {@link Event#noRootKeyFolds}: its high word (bits 64 to 127). */
    long foldedKeysHigh() {
        return foldedKeysHigh;
    }

    /** True when a kept name holds a dot. */
    boolean hasDottedName() {
        return dottedName;
    }

    /** The record's bytes: exactly the object, as the event keeps them for {@link Event#recordText()}. */
    byte[] bytes() {
        return bytes;
    }

    /** The value of the kept member {@code name}, decoded on first call; null when the record has none. */
    JsonNode get(String name) {
        int k = find(name);
        return k < 0 ? null : value(k);
    }

    /** The value of the first kept member whose name equals {@code name} ignoring case, or null. */
    JsonNode getIgnoringCase(String name) {
        for (int k = 0; k < count; k++) {
            if (names[k].text().equalsIgnoreCase(name)) {
                return value(k);
            }
        }
        return null;
    }

    /** True when the record keeps member {@code name}. */
    boolean has(String name) {
        return find(name) >= 0;
    }

    /** True when the record keeps member {@code name} and its value is an object (read from its first byte). */
    boolean isObject(String name) {
        int k = find(name);
        return k >= 0 && bytes[spans[2 * k]] == '{';
    }

    /**
     * Epoch millis of the event time in member {@code name}, or in {@code otherwise} when the record has no member
     * {@code name}, as {@link EventTime#parseMillis(JsonNode)} reads the member's value; {@link Event#NO_TIME} when
     * the record has neither or the value is not such a time. A string in one of the common shapes is read from its
     * bytes, so the value is not decoded (a rule that reads it decodes it then).
     */
    long timeMillis(String name, String otherwise) {
        int k = find(name);
        if (k < 0) {
            k = find(otherwise);
        }
        if (k < 0 || bytes[spans[2 * k]] != '"') {
            return Event.NO_TIME; // none, or null, a number or a container: no time
        }
        long millis = EventTime.utcMillis(bytes, spans[2 * k] + 1, spans[2 * k + 1] - 1);
        return millis != Event.NO_TIME ? millis : EventTime.parseMillis(value(k));
    }

    /** The kept names, in record order. */
    Iterator<String> names() {
        return Arrays.stream(names, 0, count).map(MemberNames.Name::text).iterator();
    }

    /** A new tree of every kept member, in record order, as the Jackson path builds it. */
    ObjectNode toObject() {
        ObjectNode o = EventParser.NODES.objectNode();
        for (int k = 0; k < count; k++) {
            o.set(names[k].text(), value(k));
        }
        return o;
    }

    private int find(String name) {
        int h = name.hashCode();
        for (int k = 0; k < count; k++) {
            MemberNames.Name kept = names[k];
            if (kept.hash() == h && (kept.text() == name || kept.text().equals(name))) {
                return k;
            }
        }
        return -1;
    }

    private JsonNode value(int k) {
        JsonNode v = values[k];
        if (v == null) {
            int from = spans[2 * k];
            int to = spans[2 * k + 1];
            byte first = bytes[from];
            if ((first == '{' || first == '[') && to - from <= RecentValues.MAX_BYTES) {
                int hash = RecentValues.hash(names[k], bytes, from, to);
                v = recent.get(names[k], bytes, from, to, hash);
                if (v == null) {
                    v = decode(k, from, to);
                    recent.put(names[k], bytes, from, to, hash, v);
                }
            } else {
                v = decode(k, from, to);
            }
            values[k] = v;
        }
        return v;
    }

    /** Member k's value decoded from {@code bytes[from, to)}, cut to what the field set keeps below it. */
    private JsonNode decode(int k, int from, int to) {
        if (bytes[from] == '"') {
            return EventParser.NODES.textNode(ValidJsonTree.stringToken(bytes, from, to));
        }
        JsonNode v = ValidJsonTree.decodeValue(bytes, from, to);
        FieldSet.Node below = names[k].below();
        if (below != null) {
            keepOnly(v, below);
        }
        return v;
    }

    /**
     * Removes from {@code value} (a tree of its own, just decoded) what {@code keep} does not keep, leaving what
     * the Jackson path's selective build makes: objects keep the children {@code keep} names, lists are cut
     * element by element against the same node.
     */
    private static void keepOnly(JsonNode value, FieldSet.Node keep) {
        if (keep.all) {
            return;
        }
        if (value.isArray()) {
            for (JsonNode element : value) {
                keepOnly(element, keep);
            }
        } else if (value.isObject()) {
            for (Iterator<java.util.Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                java.util.Map.Entry<String, JsonNode> e = it.next();
                FieldSet.Node child = keep.child(e.getKey());
                if (child == null) {
                    it.remove();
                } else {
                    keepOnly(e.getValue(), child);
                }
            }
        }
    }
}
