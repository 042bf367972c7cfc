package dev.tripline.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One pass over the bytes of one JSON record that checks everything RFC 8259 asks and Tripline's limits add,
 * building nothing: the grammar (commas, colons, brackets, the three literals, one value and nothing after it),
 * strings (only JSON's escapes, no raw control characters, well-formed UTF-8 without overlong forms or encoded
 * surrogates), numbers (no leading zeros, plus signs or bare points; at most {@code maxNumberLength} characters)
 * and nesting depth. {@link EventParser} runs it as the tokenizer of its fast path for single records: a record it
 * accepts is indexed member by member and decoded only where read ({@link RecordMembers}); one it rejects goes
 * to the Jackson parser, which reports the failure. So it must never accept what Jackson rejects
 * ({@code StrictJsonPassTest}, {@code LazyRecordDifferentialTest}). Jackson's other limits (string and name
 * length) are the caller's to guard.
 *
 * <p>Keeps no state between calls; each call allocates one small bit set for the open containers.
 */
public final class StrictJsonPass {
    private StrictJsonPass() {}

    private static final int VALUE = 0;
    private static final int VALUE_OR_CLOSE = 1;
    private static final int KEY = 2;
    private static final int KEY_OR_CLOSE = 3;
    private static final int COLON = 4;
    private static final int COMMA_OR_CLOSE = 5;
    private static final int END = 6;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** The offset of the first byte in {@code b[from, to)} that breaks JSON or the limits, or -1 if none does. */
    public static int firstError(byte[] b, int from, int to, int maxDepth, int maxNumberLength) {
        return firstError(b, from, to, maxDepth, maxNumberLength, null, false);
    }

    /**
     * As {@link #firstError(byte[], int, int, int, int)}, and when the value is an object, indexes its members
     * into {@code members} (if not null): {@code members[0]} is their number {@code n}, then for each the offset
     * of its name's opening quote, of the byte after its colon and of the byte after its value (whitespace may
     * surround the value). Members past the array's room are counted but not indexed. With {@code oneLine}, a line
     * feed between tokens is an error too: the record must be one line (JSON Lines reads line by line).
     */
    public static int firstError(
            byte[] b, int from, int to, int maxDepth, int maxNumberLength, int[] members, boolean oneLine) {
        if (members != null) {
            members[0] = 0;
        }
        long[] objects = new long[(maxDepth >> 6) + 1]; // bit d set: the container at depth d is an object
        int depth = 0;
        int state = VALUE;
        int i = from;
        while (i < to) {
            int c = b[i];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                if (c == '\n' && oneLine) {
                    return i;
                }
                i++;
                continue;
            }
            boolean valueHere = state == VALUE || state == VALUE_OR_CLOSE;
            if (c == '"') {
                if (!valueHere && state != KEY && state != KEY_OR_CLOSE) {
                    return i;
                }
                int end = stringEnd(b, i + 1, to);
                if (end < 0) {
                    return -end - 1;
                }
                if (!valueHere && depth == 1 && members != null) {
                    int slot = 1 + 3 * members[0]++;
                    if (slot + 2 < members.length) {
                        members[slot] = i;
                    }
                }
                i = end;
                state = valueHere ? afterValue(depth) : COLON;
            } else if (c == ':') {
                if (state != COLON) {
                    return i;
                }
                if (depth == 1 && members != null) {
                    mark(members, 1, i + 1);
                }
                state = VALUE;
                i++;
            } else if (c == ',') {
                if (state != COMMA_OR_CLOSE) {
                    return i;
                }
                if (depth == 1 && members != null) {
                    mark(members, 2, i);
                }
                state = isObject(objects, depth) ? KEY : VALUE;
                i++;
            } else if (c == '{' || c == '[') {
                if (!valueHere || depth == maxDepth) {
                    return i;
                }
                depth++;
                if (c == '{') {
                    objects[depth >> 6] |= 1L << depth;
                } else {
                    objects[depth >> 6] &= ~(1L << depth);
                }
                state = c == '{' ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
                i++;
            } else if (c == '}' || c == ']') {
                boolean object = c == '}';
                boolean open = object ? state == KEY_OR_CLOSE : state == VALUE_OR_CLOSE;
                if (depth == 0 || isObject(objects, depth) != object || !(open || state == COMMA_OR_CLOSE)) {
                    return i;
                }
                if (depth == 1 && object && state == COMMA_OR_CLOSE && members != null) {
                    mark(members, 2, i);
                }
                depth--;
                state = afterValue(depth);
                i++;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                if (!valueHere) {
                    return i;
                }
                int end = numberEnd(b, i, to);
                if (end < 0 || end - i > maxNumberLength) {
                    return i;
                }
                i = end;
                state = afterValue(depth);
            } else if (c == 't' || c == 'f' || c == 'n') {
                byte[] word = c == 't' ? TRUE : c == 'f' ? FALSE : NULL;
                if (!valueHere || !matches(b, i, to, word)) {
                    return i;
                }
                i += word.length;
                state = afterValue(depth);
            } else {
                return i;
            }
        }
        return state == END ? -1 : to;
    }

    /** Sets field {@code k} (0 name, 1 value start, 2 value end) of the last indexed member, if it has room. */
    private static void mark(int[] members, int k, int offset) {
        int slot = 1 + 3 * (members[0] - 1);
        if (slot + 2 < members.length) {
            members[slot + k] = offset;
        }
    }

    private static int afterValue(int depth) {
        return depth == 0 ? END : COMMA_OR_CLOSE;
    }

    private static boolean isObject(long[] objects, int depth) {
        return (objects[depth >> 6] & (1L << depth)) != 0;
    }

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    private static boolean matches(byte[] b, int i, int to, byte[] word) {
        if (i + word.length > to) {
            return false;
        }
        for (int k = 0; k < word.length; k++) {
            if (b[i + k] != word[k]) {
                return false;
            }
        }
        return true;
    }

    /** The offset after the closing quote of the string whose content starts at {@code i}, or -(error offset)-1. */
    private static int stringEnd(byte[] b, int i, int to) {
        while (true) {
            // Eight bytes at a time up to the first quote, backslash, control byte or non-ASCII byte.
            if (i + 8 <= to) {
                long special = specialBytes((long) LONGS.get(b, i));
                if (special == 0) {
                    i += 8;
                    continue;
                }
                i += Long.numberOfTrailingZeros(special) >>> 3;
            } else if (i >= to) {
                return -to - 1;
            }
            int c = b[i];
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\') {
                if (i + 1 >= to) {
                    return -i - 1;
                }
                int e = b[i + 1];
                if (e == 'u') {
                    if (i + 5 >= to || !hex(b[i + 2]) || !hex(b[i + 3]) || !hex(b[i + 4]) || !hex(b[i + 5])) {
                        return -i - 1;
                    }
                    i += 6;
                } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r'
                        || e == 't') {
                    i += 2;
                } else {
                    return -i - 1;
                }
            } else if (c >= 0x20) {
                i++;
            } else if (c >= 0) {
                return -i - 1; // a raw control character
            } else {
                int n = utf8Length(b, i, to);
                if (n < 0) {
                    return -i - 1;
                }
                i += n;
            }
        }
    }

    /**
     * The high bit of each of the eight bytes of {@code w} (little-endian) that is a quote, a backslash, below 0x20
     * or above 0x7f, and possibly of bytes after the first such byte; 0 when there is none. The lowest bit set
     * always marks a true one: the subtractions borrow only upwards from it.
     */
    private static long specialBytes(long w) {
        long quote = w ^ (ONES * '"');
        long backslash = w ^ (ONES * '\\');
        return (((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | (w - ONES * 0x20) | w) & HIGHS;
    }

    /** The offset after the number starting at {@code i} (RFC 8259 grammar), or -1. */
    private static int numberEnd(byte[] b, int i, int to) {
        if (b[i] == '-') {
            i++;
        }
        if (i < to && b[i] == '0') {
            i++;
        } else if (i < to && b[i] >= '1' && b[i] <= '9') {
            i = digits(b, i, to);
        } else {
            return -1;
        }
        if (i < to && b[i] == '.') {
            int f = i + 1;
            i = digits(b, f, to);
            if (i == f) {
                return -1;
            }
        }
        if (i < to && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < to && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int f = i;
            i = digits(b, f, to);
            if (i == f) {
                return -1;
            }
        }
        return i;
    }

    private static int digits(byte[] b, int i, int to) {
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i;
    }

    private static boolean hex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Length of the well-formed UTF-8 sequence at {@code i} (RFC 3629: no overlong forms, no surrogates), or -1. */
    private static int utf8Length(byte[] b, int i, int to) {
        int c = b[i] & 0xff;
        if (c >= 0xc2 && c <= 0xdf) {
            return i + 1 < to && cont(b[i + 1]) ? 2 : -1;
        }
        if (c >= 0xe0 && c <= 0xef) {
            if (i + 2 >= to || !cont(b[i + 1]) || !cont(b[i + 2])) {
                return -1;
            }
            int c1 = b[i + 1] & 0xff;
            return (c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) ? -1 : 3;
        }
        if (c >= 0xf0 && c <= 0xf4) {
            if (i + 3 >= to || !cont(b[i + 1]) || !cont(b[i + 2]) || !cont(b[i + 3])) {
                return -1;
            }
            int c1 = b[i + 1] & 0xff;
            return (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f) ? -1 : 4;
        }
        return -1;
    }

    private static boolean cont(byte c) {
        return (c & 0xc0) == 0x80;
    }
}
