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

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** Ints per member in the member index, after the count at index 0. */
    public static final int MEMBER_INTS = 4;

    /** Within a member's ints: the offset of its name's opening quote. */
    public static final int NAME_START = 0;
    /** The offset after its name's closing quote. */
    public static final int NAME_END = 1;
    /** The offset of its value's first byte (after the colon and any whitespace). */
    public static final int VALUE_START = 2;
    /** The offset after its value's last byte (before any whitespace). */
    public static final int VALUE_END = 3;

    /** The offset of the first byte in {@code b[from, to)} that breaks JSON or the limits, or -1 if none does. */
    public static int firstError(byte[] b, int from, int to, int maxDepth, int maxNumberLength) {
        return firstError(b, from, to, maxDepth, maxNumberLength, null, false);
    }

    /**
     * As {@link #firstError(byte[], int, int, int, int)}, and when the value is an object, indexes its members
     * into {@code members} (if not null): {@code members[0]} is their number {@code n}, then {@link #MEMBER_INTS}
     * ints for each, at {@code 1 + MEMBER_INTS * k}: {@link #NAME_START}, {@link #NAME_END}, {@link #VALUE_START}
     * and {@link #VALUE_END}. Members past the array's room are counted but not indexed. With {@code oneLine}, a
     * line feed between tokens is an error too: the record must be one line (JSON Lines reads line by line).
     *
     * <p>Written as the grammar rather than as a table of states: after a value only a comma or the container's
     * close may follow, after a name only a colon, so each place tests for the few bytes it allows.
     */
    public static int firstError(
            byte[] b, int from, int to, int maxDepth, int maxNumberLength, int[] members, boolean oneLine) {
        if (members != null) {
            members[0] = 0;
        }
        long[] objects = new long[(maxDepth >> 6) + 1]; // bit d set: the container at depth d is an object
        int depth = 0;
        int i = skipBlanks(b, from, to, oneLine);
        while (true) {
            // A value starts at i.
            if (i >= to) {
                return to;
            }
            int c = b[i];
            if (c == '"') {
                int end = stringEnd(b, i + 1, to);
                if (end < 0) {
                    return -end - 1;
                }
                i = end;
            } else if (c == '{' || c == '[') {
                if (depth == maxDepth) {
                    return i;
                }
                depth++;
                boolean object = c == '{';
                if (object) {
                    objects[depth >> 6] |= 1L << depth;
                } else {
                    objects[depth >> 6] &= ~(1L << depth);
                }
                i = skipBlanks(b, i + 1, to, oneLine);
                if (i < to && b[i] == (object ? '}' : ']')) {
                    depth--;
                    i++;
                } else {
                    if (object) {
                        i = member(b, i, to, oneLine, depth == 1 ? members : null);
                        if (i < 0) {
                            return -i - 1;
                        }
                    }
                    continue; // the container's first value
                }
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                int end = numberEnd(b, i, to);
                if (end < 0 || end - i > maxNumberLength) {
                    return i;
                }
                i = end;
            } else if (c == 't' || c == 'n') {
                if (i + 4 > to || (int) INTS.get(b, i) != (c == 't' ? TRUE : NULL)) {
                    return i;
                }
                i += 4;
            } else if (c == 'f') {
                if (i + 5 > to || (int) INTS.get(b, i + 1) != ALSE) {
                    return i;
                }
                i += 5;
            } else {
                return i;
            }
            // A value ends at i: close the containers it ends, up to the next comma.
            while (true) {
                if (depth == 0) {
                    i = skipBlanks(b, i, to, oneLine);
                    return i == to ? -1 : i;
                }
                boolean object = (objects[depth >> 6] & (1L << depth)) != 0;
                if (depth == 1 && object && members != null) {
                    int slot = 1 + MEMBER_INTS * (members[0] - 1);
                    if (slot + MEMBER_INTS <= members.length) {
                        members[slot + VALUE_END] = i;
                    }
                }
                i = skipBlanks(b, i, to, oneLine);
                if (i >= to) {
                    return to;
                }
                c = b[i];
                if (c == ',') {
                    i = skipBlanks(b, i + 1, to, oneLine);
                    if (object) {
                        i = member(b, i, to, oneLine, depth == 1 ? members : null);
                        if (i < 0) {
                            return -i - 1;
                        }
                    }
                    break;
                }
                if (c != (object ? '}' : ']')) {
                    return i;
                }
                depth--;
                i++;
            }
        }
    }

    /**
     * Reads a member's name and colon at {@code i} (blanks skipped), indexing it in {@code members} if not null;
     * returns where its value starts (blanks skipped), or -(error offset)-1.
     */
    private static int member(byte[] b, int i, int to, boolean oneLine, int[] members) {
        if (i >= to) {
            return -to - 1;
        }
        if (b[i] != '"') {
            return -i - 1;
        }
        int nameEnd = stringEnd(b, i + 1, to);
        if (nameEnd < 0) {
            return nameEnd;
        }
        int colon = skipBlanks(b, nameEnd, to, oneLine);
        if (colon >= to) {
            return -to - 1;
        }
        if (b[colon] != ':') {
            return -colon - 1;
        }
        int value = skipBlanks(b, colon + 1, to, oneLine);
        if (members != null) {
            int slot = 1 + MEMBER_INTS * members[0]++;
            if (slot + MEMBER_INTS <= members.length) {
                members[slot + NAME_START] = i;
                members[slot + NAME_END] = nameEnd;
                members[slot + VALUE_START] = value;
            }
        }
        return value;
    }

    /** The first offset from {@code i} that is not JSON whitespace (with {@code oneLine}, a line feed stops it). */
    private static int skipBlanks(byte[] b, int i, int to, boolean oneLine) {
        while (i < to) {
            int c = b[i];
            if (c > ' ' || !(c == ' ' || c == '\t' || c == '\r' || (c == '\n' && !oneLine))) {
                return i;
            }
            i++;
        }
        return i;
    }

    /** The literals' bytes as little-endian ints ({@code false} after its first byte). */
    private static final int TRUE = 't' | 'r' << 8 | 'u' << 16 | 'e' << 24;

    private static final int NULL = 'n' | 'u' << 8 | 'l' << 16 | 'l' << 24;
    private static final int ALSE = 'a' | 'l' << 8 | 's' << 16 | 'e' << 24;

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
