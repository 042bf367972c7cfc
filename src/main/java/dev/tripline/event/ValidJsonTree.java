package dev.tripline.event;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds the Jackson tree of one JSON value from bytes a strict pass has already checked (grammar, UTF-8,
 * limits), without a Jackson parser: creating one per value costs more than decoding a short value. The nodes are
 * those {@link EventParser}'s Jackson path builds for the same bytes: integers as the smallest of {@code IntNode},
 * {@code LongNode} and {@code BigIntegerNode} that holds them ({@code -0} is {@code IntNode} 0), every number with
 * a fraction or exponent as a {@code DoubleNode}, objects as the factory's {@code ObjectNode} where a repeated key
 * keeps its first position and its last value, and field names interned as Jackson interns them (so that {@code
 * FieldReader} finds them by identity).
 *
 * <p>It does not check the grammar again, but it terminates on any bytes: what it cannot decode throws an {@link
 * IllegalArgumentException}, never another exception and never a loop. Recursion follows the nesting, which the
 * strict pass bounds (and {@link #MAX_DEPTH} too).
 *
 * <p>State: each call decodes with its own instance (the bytes and the position in them). Besides, a cache of
 * field names shared by all threads ({@link #NAMES}), filled on first sight of a name and never cleared; a name
 * replaces the one cached in its slot before it. Entries are immutable, so a thread that reads a slot while
 * another writes it sees either entry whole, and a lost race only costs a miss.
 */
public final class ValidJsonTree {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Jackson refuses longer numbers (its default {@link StreamReadConstraints}); so does the strict pass. */
    private static final int MAX_NUMBER_LENGTH = StreamReadConstraints.DEFAULT_MAX_NUM_LEN;

    /**
     * Deeper values are refused rather than overflowing the thread's stack. Far above what the strict pass lets
     * through ({@link ParseLimits#DEFAULT_MAX_DEPTH}); Jackson's own default limit.
     */
    private static final int MAX_DEPTH = StreamReadConstraints.DEFAULT_MAX_DEPTH;

    /** Names longer than this are interned without being cached, so that the cache's size stays small. */
    private static final int MAX_CACHED_NAME = 64;

    private static final int NAME_SLOTS = 4096;

    /**
     * Recently seen field names by the hash of their bytes: {@link String#intern} on every name would cost a
     * lookup in the JVM's string table per key.
     */
    private static final Name[] NAMES = new Name[NAME_SLOTS];

    /** A name as it appears between its quotes, and its decoded, interned text. */
    private record Name(byte[] raw, String text) {}

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private final byte[] b;
    private final int to;
    private int pos;
    /** Containers open at {@link #pos}. */
    private int depth;

    private ValidJsonTree(byte[] b, int from, int to) {
        this.b = b;
        this.pos = from;
        this.to = to;
    }

    /**
     * The tree of the one JSON value in {@code b[from, to)}, which whitespace may surround.
     *
     * @throws IllegalArgumentException when the bytes are not one JSON value (not all such bytes are noticed: the
     *                                  caller checked them) or the range is outside {@code b}
     */
    public static JsonNode decodeValue(byte[] b, int from, int to) {
        if (from < 0 || from > to || to > b.length) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") outside " + b.length + " bytes");
        }
        ValidJsonTree d = new ValidJsonTree(b, from, to);
        JsonNode value = d.value();
        if (d.skipWhitespace() != to) {
            throw d.invalid("bytes after the value");
        }
        return value;
    }

    private JsonNode value() {
        int c = next();
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                pos++;
                return NODES.textNode(string());
            case 't':
                literal("true");
                return NODES.booleanNode(true);
            case 'f':
                literal("false");
                return NODES.booleanNode(false);
            case 'n':
                literal("null");
                return NODES.nullNode();
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw invalid(pos == to ? "no value" : "not the start of a value");
        }
    }

    private ObjectNode object() {
        enter();
        ObjectNode o = NODES.objectNode();
        if (next() == '}') {
            pos++;
            depth--;
            return o;
        }
        while (true) {
            if (next() != '"') {
                throw invalid("expected a field name");
            }
            pos++;
            String name = name();
            if (next() != ':') {
                throw invalid("expected a colon");
            }
            pos++;
            o.set(name, value()); // a repeated name keeps its place and takes the last value, as in Jackson
            int c = next();
            pos++;
            if (c == '}') {
                depth--;
                return o;
            }
            if (c != ',') {
                throw invalid("expected a comma or the end of the object");
            }
        }
    }

    private ArrayNode array() {
        enter();
        ArrayNode a = NODES.arrayNode();
        if (next() == ']') {
            pos++;
            depth--;
            return a;
        }
        while (true) {
            a.add(value());
            int c = next();
            pos++;
            if (c == ']') {
                depth--;
                return a;
            }
            if (c != ',') {
                throw invalid("expected a comma or the end of the array");
            }
        }
    }

    /** Steps into the container at {@link #pos}, refusing to recurse deeper than {@link #MAX_DEPTH}. */
    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw invalid("nested deeper than " + MAX_DEPTH + " levels");
        }
        pos++;
    }

    /** The byte at the next non-whitespace position, which becomes {@link #pos}; -1 at the end of the range. */
    private int next() {
        return skipWhitespace() < to ? b[pos] : -1;
    }

    private int skipWhitespace() {
        int i = pos;
        while (i < to) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                break;
            }
            i++;
        }
        return pos = i;
    }

    private void literal(String word) {
        if (pos + word.length() > to) {
            throw invalid("truncated literal");
        }
        for (int k = 0; k < word.length(); k++) {
            if (b[pos + k] != word.charAt(k)) {
                throw invalid("not a literal");
            }
        }
        pos += word.length();
    }

    /** The field name whose bytes start at {@link #pos}, interned; {@link #pos} ends after its closing quote. */
    private String name() {
        int start = pos;
        int i = start;
        int h = 0;
        while (true) {
            if (i >= to) {
                throw invalid("unterminated name");
            }
            byte c = b[i++];
            if (c == '"') {
                break;
            }
            h = 31 * h + c;
            if (c == '\\') {
                if (i >= to) {
                    throw invalid("unterminated name");
                }
                h = 31 * h + b[i++]; // the escaped byte, which may be a quote
            }
        }
        pos = i;
        return cachedName(b, start, i - 1, h);
    }

    /**
     * The field name whose quoted form is {@code b[quote, end)} (both quotes included), interned, from the same
     * cache as the names inside values: for a record's member index ({@link RecordMembers}).
     */
    static String name(byte[] b, int quote, int end) {
        int h = 0;
        for (int i = quote + 1; i < end - 1; i++) {
            h = 31 * h + b[i];
        }
        return cachedName(b, quote + 1, end - 1, h);
    }

    /** The name whose bytes between its quotes are {@code b[start, end)}, hashing to {@code h}, interned. */
    private static String cachedName(byte[] b, int start, int end, int h) {
        if (end - start > MAX_CACHED_NAME) {
            return new ValidJsonTree(b, start, end).text(start, end).intern();
        }
        int slot = (h ^ (h >>> 12)) & (NAME_SLOTS - 1);
        Name cached = NAMES[slot];
        if (cached != null && Arrays.equals(cached.raw, 0, cached.raw.length, b, start, end)) {
            return cached.text;
        }
        String text = new ValidJsonTree(b, start, end).text(start, end).intern();
        NAMES[slot] = new Name(Arrays.copyOfRange(b, start, end), text);
        return text;
    }

    /**
     * The text of the string token {@code b[from, to)} (its quotes included, nothing around them), which a strict
     * pass has checked: what {@link #decodeValue} gives for it, without the walk of a value around it.
     */
    static String stringToken(byte[] b, int from, int to) {
        return new ValidJsonTree(b, from + 1, to - 1).text(from + 1, to - 1);
    }

    /**
     * The string whose bytes start at {@link #pos}; {@link #pos} ends after its closing quote. Plain ASCII is
     * copied as it is; anything else takes {@link #text}.
     */
    private String string() {
        int start = pos;
        int i = start;
        while (i + 8 <= to && plainAscii((long) LONGS.get(b, i))) {
            i += 8;
        }
        while (i < to) {
            byte c = b[i];
            if (c == '"') {
                pos = i + 1;
                return new String(b, start, i - start, StandardCharsets.ISO_8859_1);
            }
            if (c == '\\' || c < 0) {
                int end = closingQuote(i);
                pos = end + 1;
                return text(start, end);
            }
            i++;
        }
        throw invalid("unterminated string");
    }

    /** True when {@code b[start, end)} holds a backslash: eight bytes at a time, the rest one by one. */
    private static boolean hasBackslash(byte[] b, int start, int end) {
        int i = start;
        for (; i + 8 <= end; i += 8) {
            long backslash = (long) LONGS.get(b, i) ^ (ONES * '\\');
            if ((((backslash - ONES) & ~backslash) & HIGHS) != 0) {
                return true;
            }
        }
        for (; i < end; i++) {
            if (b[i] == '\\') {
                return true;
            }
        }
        return false;
    }

    /** True when none of the eight bytes of {@code w} is a quote, a backslash or above 0x7f. */
    private static boolean plainAscii(long w) {
        long quote = w ^ (ONES * '"');
        long backslash = w ^ (ONES * '\\');
        long special = ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | w;
        return (special & HIGHS) == 0;
    }

    /** The offset of the quote that closes the string containing offset {@code i} (not inside an escape). */
    private int closingQuote(int i) {
        while (i < to) {
            byte c = b[i];
            if (c == '"') {
                return i;
            }
            i += c == '\\' ? 2 : 1;
        }
        throw invalid("unterminated string");
    }

    /** The text of the string content {@code b[start, end)}: UTF-8 with JSON's escapes. */
    private String text(int start, int end) {
        if (!hasBackslash(b, start, end)) {
            return new String(b, start, end - start, StandardCharsets.UTF_8);
        }
        // Never more chars than bytes: an escape is at least two bytes for one char, a UTF-8 sequence at least as
        // many bytes as chars.
        char[] out = new char[end - start];
        int n = 0;
        int i = start;
        while (i < end) {
            int c = b[i];
            if (c == '\\') {
                if (i + 1 >= end) {
                    throw invalid("truncated escape");
                }
                int e = b[i + 1];
                i += 2;
                switch (e) {
                    case '"', '\\', '/' -> out[n++] = (char) e;
                    case 'b' -> out[n++] = '\b';
                    case 'f' -> out[n++] = '\f';
                    case 'n' -> out[n++] = '\n';
                    case 'r' -> out[n++] = '\r';
                    case 't' -> out[n++] = '\t';
                    case 'u' -> {
                        if (i + 4 > end) {
                            throw invalid("truncated \\u escape");
                        }
                        // Each escape is one char: a surrogate pair is two escapes, a lone surrogate stays one.
                        out[n++] = (char)
                                ((hex(b[i]) << 12) | (hex(b[i + 1]) << 8) | (hex(b[i + 2]) << 4) | hex(b[i + 3]));
                        i += 4;
                    }
                    default -> throw invalid("unknown escape");
                }
            } else if (c >= 0) {
                out[n++] = (char) c;
                i++;
            } else {
                int length = c >= (byte) 0xf0 ? 4 : c >= (byte) 0xe0 ? 3 : c >= (byte) 0xc0 ? 2 : 0;
                if (length == 0 || (c & 0xff) > 0xf7 || i + length > end) {
                    throw invalid("not UTF-8");
                }
                int cp = c & (0x7f >> length);
                for (int k = 1; k < length; k++) {
                    cp = (cp << 6) | (b[i + k] & 0x3f);
                }
                i += length;
                if (length == 4) {
                    out[n++] = Character.highSurrogate(cp);
                    out[n++] = Character.lowSurrogate(cp);
                } else {
                    out[n++] = (char) cp;
                }
            }
        }
        return new String(out, 0, n);
    }

    private int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        int lower = c | 0x20;
        if (lower >= 'a' && lower <= 'f') {
            return lower - 'a' + 10;
        }
        throw invalid("not a hex digit");
    }

    /**
     * The number at {@link #pos}. An integer is read as Jackson reads it, into the smallest of int, long and
     * BigInteger that holds it; anything with a fraction or an exponent becomes a double ({@link
     * Double#parseDouble}, correctly rounded as Jackson's).
     */
    private JsonNode number() {
        int start = pos;
        int i = b[start] == '-' ? start + 1 : start;
        int digits = i;
        long magnitude = 0;
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            magnitude = magnitude * 10 + (b[i] - '0'); // wraps past 18 digits; those take BigInteger below
            i++;
        }
        int intLength = i - digits;
        boolean integer = true;
        if (i < to && b[i] == '.') {
            integer = false;
            i = skipDigits(i + 1);
        }
        if (i < to && (b[i] == 'e' || b[i] == 'E')) {
            integer = false;
            i++;
            if (i < to && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            i = skipDigits(i);
        }
        pos = i;
        if (intLength == 0 || i - start > MAX_NUMBER_LENGTH) {
            throw invalid(intLength == 0 ? "not a number" : "number longer than " + MAX_NUMBER_LENGTH + " chars");
        }
        if (integer && intLength <= 18) {
            long v = b[start] == '-' ? -magnitude : magnitude;
            return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
        }
        String text = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
        try {
            if (!integer) {
                return NODES.numberNode(Double.parseDouble(text));
            }
            BigInteger big = new BigInteger(text);
            return big.bitLength() < 64 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
        } catch (NumberFormatException e) {
            throw invalid("not a number");
        }
    }

    private int skipDigits(int i) {
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i;
    }

    private IllegalArgumentException invalid(String what) {
        return new IllegalArgumentException("not valid JSON at byte " + pos + ": " + what);
    }
}
