package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Builds the Jackson tree of JSON bytes that {@link StrictJsonPass} has accepted, so it checks nothing: the
 * nodes are those Jackson's own tree reader builds from the same bytes (an integer that fits an int is an
 * {@code IntNode}, else a {@code LongNode}, else a {@code BigIntegerNode}; any number with a fraction or an
 * exponent a {@code DoubleNode}; a duplicate key keeps its first place and its last value; object keys are
 * interned as Jackson interns them). With a {@link FieldSet.Node} it keeps only the keys the node names, as
 * {@link EventParser} does when it reads a record selectively.
 *
 * <p>One instance decodes values of one byte array; it keeps only its position between calls.
 */
final class ValidJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final byte[] b;
    private int pos;

    ValidJson(byte[] b) {
        this.b = b;
    }

    /** The value starting at {@code from} (no whitespace before it), pruned to {@code keep} when not null. */
    JsonNode value(int from, FieldSet.Node keep) {
        pos = from;
        return value(keep);
    }

    private JsonNode value(FieldSet.Node keep) {
        if (keep != null && keep.all) {
            keep = null;
        }
        byte c = b[pos];
        switch (c) {
            case '{':
                return object(keep);
            case '[':
                return array(keep);
            case '"':
                return NODES.textNode(string());
            case 't':
                pos += 4;
                return NODES.booleanNode(true);
            case 'f':
                pos += 5;
                return NODES.booleanNode(false);
            case 'n':
                pos += 4;
                return NODES.nullNode();
            default:
                return number();
        }
    }

    private ObjectNode object(FieldSet.Node keep) {
        ObjectNode o = NODES.objectNode();
        pos++;
        skipWhitespace();
        if (b[pos] == '}') {
            pos++;
            return o;
        }
        while (true) {
            String name = name();
            skipWhitespace();
            pos++; // the colon
            skipWhitespace();
            if (keep == null) {
                o.set(name, value(null));
            } else {
                FieldSet.Node child = keep.child(name);
                if (child == null) {
                    skipValue();
                } else {
                    o.set(name, value(child));
                }
            }
            skipWhitespace();
            if (b[pos++] == '}') {
                return o;
            }
            skipWhitespace();
        }
    }

    private ArrayNode array(FieldSet.Node keep) {
        ArrayNode a = NODES.arrayNode();
        pos++;
        skipWhitespace();
        if (b[pos] == ']') {
            pos++;
            return a;
        }
        while (true) {
            a.add(value(keep));
            skipWhitespace();
            if (b[pos++] == ']') {
                return a;
            }
            skipWhitespace();
        }
    }

    /** Passes over the value at {@code pos}: strings by their quotes, containers by counting brackets. */
    private void skipValue() {
        int depth = 0;
        do {
            byte c = b[pos];
            if (c == '"') {
                pos = stringEnd(b, pos + 1);
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            }
            pos++;
        } while (depth > 0 || !(b[pos] == ',' || b[pos] == '}' || b[pos] == ']' || isWhitespace(b[pos])));
    }

    /** An object key, interned (through {@link #name(byte[], int, int)} when it needs no decoding). */
    private String name() {
        int start = pos + 1;
        int end = stringEnd(b, start);
        pos = end;
        return name(b, start, end - 1);
    }

    /** The key whose text (between the quotes) is {@code b[from, to)}, interned as Jackson interns keys. */
    static String name(byte[] b, int from, int to) {
        return plain(b, from, to) ? Names.of(b, from, to) : decode(b, from, to).intern();
    }

    private String string() {
        int start = pos + 1;
        int end = stringEnd(b, start);
        pos = end;
        return decode(b, start, end - 1);
    }

    /** The offset after the closing quote of the string whose content starts at {@code i}. */
    static int stringEnd(byte[] b, int i) {
        while (true) {
            byte c = b[i];
            if (c == '"') {
                return i + 1;
            }
            i += c == '\\' ? 2 : 1;
        }
    }

    /** True when {@code b[from, to)} holds only ASCII bytes and no escape: its bytes are its characters. */
    static boolean plain(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < 0 || b[i] == '\\') {
                return false;
            }
        }
        return true;
    }

    /** The text of a string whose content (between the quotes, escapes undone) is {@code b[from, to)}. */
    static String decode(byte[] b, int from, int to) {
        int slash = from;
        while (slash < to && b[slash] != '\\') {
            slash++;
        }
        if (slash == to) {
            return new String(b, from, to - from, StandardCharsets.UTF_8);
        }
        StringBuilder sb = new StringBuilder(to - from);
        int run = from;
        int i = slash;
        while (i < to) {
            if (b[i] != '\\') {
                i++;
                continue;
            }
            sb.append(new String(b, run, i - run, StandardCharsets.UTF_8));
            byte e = b[i + 1];
            switch (e) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(new String(b, i + 2, 4, StandardCharsets.ISO_8859_1), 16));
                    i += 4;
                }
                default -> sb.append((char) e); // '"', '\\' and '/'
            }
            i += 2;
            run = i;
        }
        sb.append(new String(b, run, to - run, StandardCharsets.UTF_8));
        return sb.toString();
    }

    private JsonNode number() {
        int start = pos;
        boolean integral = true;
        while (pos < b.length) {
            byte c = b[pos];
            if (c >= '0' && c <= '9' || c == '-') {
                pos++;
            } else if (c == '.' || c == 'e' || c == 'E' || c == '+') {
                integral = false;
                pos++;
            } else {
                break;
            }
        }
        if (!integral) {
            return NODES.numberNode(Double.parseDouble(new String(b, start, pos - start, StandardCharsets.ISO_8859_1)));
        }
        boolean negative = b[start] == '-';
        int digits = pos - start - (negative ? 1 : 0);
        if (digits <= 18) {
            long v = 0;
            for (int i = negative ? start + 1 : start; i < pos; i++) {
                v = v * 10 + (b[i] - '0');
            }
            v = negative ? -v : v;
            return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
        }
        BigInteger v = new BigInteger(new String(b, start, pos - start, StandardCharsets.ISO_8859_1));
        return v.bitLength() < 64 ? NODES.numberNode(v.longValue()) : NODES.numberNode(v);
    }

    private void skipWhitespace() {
        while (pos < b.length && isWhitespace(b[pos])) {
            pos++;
        }
    }

    static boolean isWhitespace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    /**
     * Interned keys by their bytes, so that the keys every record repeats are neither decoded nor interned again.
     * Racy on purpose: an entry is immutable, so a thread sees a whole entry or an older one it may overwrite;
     * a lost update costs one more decode. Lives as long as the class.
     */
    private static final class Names {
        private static final int SIZE = 4096;
        private static final String[] CACHE = new String[SIZE];

        static String of(byte[] b, int from, int to) {
            int h = 0;
            for (int i = from; i < to; i++) {
                h = 31 * h + b[i];
            }
            int slot = (h ^ (h >>> 12)) & (SIZE - 1);
            String hit = CACHE[slot];
            if (hit != null && sameAscii(hit, b, from, to)) {
                return hit;
            }
            String name = new String(b, from, to - from, StandardCharsets.ISO_8859_1).intern();
            CACHE[slot] = name;
            return name;
        }

        private static boolean sameAscii(String s, byte[] b, int from, int to) {
            if (s.length() != to - from) {
                return false;
            }
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) != b[from + i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
