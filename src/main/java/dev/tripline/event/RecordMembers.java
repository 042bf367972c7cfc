package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The top-level members of one record held in memory, as the map behind the record's {@link ObjectNode}: the
 * bytes, already checked by {@link StrictJsonPass}, and where each member's name and value lie in them. A value is
 * decoded ({@link ValidJson}) the first time it is read, and only then; a record's rules read a few of its
 * members, so most are never built. The node answers exactly as the tree Jackson would build: a duplicate key
 * reads its last value and keeps its first place. With a {@link FieldSet} the members it does not keep are
 * absent, and the kept ones are pruned as {@link EventParser} prunes them.
 *
 * <p>State: the member index (filled once by the pass), the values decoded so far, and once anything asks for
 * the whole map (iteration, size, a change) the whole map, which from then on answers everything. Not
 * thread-safe: an event belongs to one thread at a time.
 */
final class RecordMembers extends AbstractMap<String, JsonNode> {
    /** Per member: name start (its opening quote), name end (after its closing quote), value start, value end. */
    private int[] at = new int[4 * 32];

    private int count;
    private final byte[] b;
    /** What to keep of each member; null keeps everything. */
    private final FieldSet.Node keep;

    private JsonNode[] values = new JsonNode[32];
    /** Bit k set: member k's name holds an escape or a non-ASCII byte, so its bytes are not its characters. */
    private long[] special = new long[1];

    private LinkedHashMap<String, JsonNode> whole;

    /** Reads answered by scanning the keys' bytes before {@link #table} is built. */
    private static final int SCANNED_READS = 3;

    private int reads;
    /** The kept keys once listed ({@link #keySet}); null before. */
    private Set<String> keys;
    /** Each member's key, decoded and interned; null until {@link #buildTable}. */
    private String[] names;
    /** Open addressing by key hash: 1 + the index of the last member of each key; null until built. */
    private int[] table;
    /**
     * False when no key can be one that makes a top-level object an envelope (Records, records, value,
     * messageType, logEvents, detail-type): none has their length and first letter, and none is escaped.
     */
    private boolean maybeEnvelope;

    RecordMembers(byte[] b, FieldSet.Node keep) {
        this.b = b;
        this.keep = keep;
    }

    /** The record's node: a Jackson object node whose members are these. */
    ObjectNode node() {
        return new Root(this);
    }

    /** The members behind {@code node} when it was read from bytes, else null. */
    static RecordMembers of(JsonNode node) {
        return node instanceof Root r ? r.members : null;
    }

    /** How many members' values have been built so far (for tests). */
    int decodedCount() {
        int n = 0;
        for (int k = 0; k < count; k++) {
            n += values[k] != null ? 1 : 0;
        }
        return n;
    }

    /** A plain Jackson object node that knows its members are read from bytes. */
    private static final class Root extends ObjectNode {
        private static final long serialVersionUID = 1L;

        private final transient RecordMembers members;

        Root(RecordMembers members) {
            super(JsonNodeFactory.instance, members);
            this.members = members;
        }
    }

    // ---- filled by StrictJsonPass ---------------------------------------------------------------------------

    /**
     * A member's name, quotes included, is {@code b[start, end)}; {@code plain} when it holds only ASCII bytes and
     * no escape.
     */
    void name(int start, int end, boolean plain) {
        if (4 * count + 4 > at.length) {
            at = Arrays.copyOf(at, at.length * 2);
            values = Arrays.copyOf(values, values.length * 2);
            special = Arrays.copyOf(special, (values.length >> 6) + 1);
        }
        at[4 * count] = start;
        at[4 * count + 1] = end;
        if (!plain) {
            special[count >> 6] |= 1L << count;
        }
        int length = end - start - 2;
        byte first = b[start + 1];
        maybeEnvelope |= !plain
                || (length == 7 && (first == 'R' || first == 'r'))
                || (length == 5 && first == 'v')
                || (length == 9 && first == 'l')
                || (length == 11 && (first == 'm' || first == 'd'));
        count++;
    }

    /** The last named member's value starts at {@code start}. */
    void valueStart(int start) {
        if (count > 0) {
            at[4 * count - 2] = start;
        }
    }

    /** The last named member's value ends before {@code end}. */
    void valueEnd(int end) {
        if (count > 0) {
            at[4 * count - 1] = end;
        }
    }

    /** The last named member's value is the scalar {@code b[start, end)}. */
    void value(int start, int end) {
        valueStart(start);
        valueEnd(end);
    }

    // ---- reading --------------------------------------------------------------------------------------------

    /** False when no member can be named Records, records, value, messageType, logEvents or detail-type. */
    boolean maybeEnvelope() {
        return maybeEnvelope;
    }

    /** True when a member is named {@code name} (whatever the field set keeps). */
    boolean hasName(String name) {
        return find(name) >= 0;
    }

    /** The first byte of the value of the kept member {@code name} ({@code '{'} for an object), or 0 if none. */
    byte firstByte(String name) {
        int k = find(name);
        return k < 0 || (keep != null && keep.child(name) == null) ? 0 : b[at[4 * k + 2]];
    }

    @Override
    public JsonNode get(Object key) {
        if (whole != null) {
            return whole.get(key);
        }
        if (!(key instanceof String name)) {
            return null;
        }
        int k = find(name);
        return k < 0 ? null : decoded(k, name);
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    /**
     * The last member named {@code name}, or -1. The parser reads two or three members, which a scan of the keys'
     * bytes finds; the matcher reads many, present or not, so from the fourth read on a hash table of the keys
     * answers (the keys decoded once, then one probe per read).
     */
    private int find(String name) {
        if (table == null && ++reads > SCANNED_READS) {
            buildTable();
        }
        if (table != null) {
            int mask = table.length - 1;
            for (int slot = name.hashCode() & mask; table[slot] != 0; slot = (slot + 1) & mask) {
                String n = names[table[slot] - 1];
                if (n == name || n.equals(name)) {
                    return table[slot] - 1;
                }
            }
            return -1;
        }
        int length = name.length();
        for (int k = count - 1; k >= 0; k--) {
            int start = at[4 * k] + 1;
            int end = at[4 * k + 1] - 1;
            if ((special[k >> 6] & (1L << k)) != 0) {
                if (ValidJson.name(b, start, end).equals(name)) {
                    return k;
                }
            } else if (end - start == length && sameChars(name, start)) {
                return k;
            }
        }
        return -1;
    }

    private boolean sameChars(String name, int start) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) != b[start + i]) {
                return false;
            }
        }
        return true;
    }

    private void buildTable() {
        names = new String[count];
        table = new int[Integer.highestOneBit(Math.max(4, count * 2) - 1) << 1];
        int mask = table.length - 1;
        for (int k = 0; k < count; k++) {
            String name = ValidJson.name(b, at[4 * k] + 1, at[4 * k + 1] - 1);
            names[k] = name;
            int slot = name.hashCode() & mask;
            while (table[slot] != 0 && !names[table[slot] - 1].equals(name)) {
                slot = (slot + 1) & mask;
            }
            table[slot] = k + 1; // a later duplicate takes the slot: the last value wins
        }
    }

    /** Member {@code k}'s value as the record's node holds it, decoded once; null when the field set drops it. */
    private JsonNode decoded(int k, String name) {
        JsonNode v = values[k];
        if (v == null) {
            FieldSet.Node child = null;
            if (keep != null && (child = keep.child(name)) == null) {
                return null;
            }
            v = new ValidJson(b).value(at[4 * k + 2], child);
            values[k] = v;
        }
        return v;
    }

    /** The kept members' names, each once, in the order they first occur; no value is decoded. */
    @Override
    public Set<String> keySet() {
        if (whole != null) {
            return whole.keySet();
        }
        if (keys != null) {
            return keys;
        }
        Set<String> names = new LinkedHashSet<>();
        for (int k = 0; k < count; k++) {
            String name = ValidJson.name(b, at[4 * k] + 1, at[4 * k + 1] - 1);
            if (keep == null || keep.child(name) != null) {
                names.add(name);
            }
        }
        keys = Collections.unmodifiableSet(names);
        return keys;
    }

    @Override
    public Set<Map.Entry<String, JsonNode>> entrySet() {
        return whole().entrySet();
    }

    @Override
    public int size() {
        return whole().size();
    }

    @Override
    public JsonNode put(String key, JsonNode value) {
        return whole().put(key, value);
    }

    /** Every kept member decoded, in Jackson's order; from now on the answer to every call. */
    private LinkedHashMap<String, JsonNode> whole() {
        if (whole == null) {
            LinkedHashMap<String, JsonNode> all = new LinkedHashMap<>();
            for (int k = 0; k < count; k++) {
                String name = ValidJson.name(b, at[4 * k] + 1, at[4 * k + 1] - 1);
                if (!all.containsKey(name)) {
                    JsonNode v = get(name); // the last value of the name
                    if (v != null) {
                        all.put(name, v);
                    }
                }
            }
            whole = all;
        }
        return whole;
    }
}
