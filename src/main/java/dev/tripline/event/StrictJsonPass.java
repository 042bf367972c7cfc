package dev.tripline.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One pass over the bytes of one JSON value that checks everything RFC 8259 asks and Tripline's limits add,
 * building nothing: the grammar (commas, colons, brackets, the three literals, one value and nothing after it),
 * strings (only JSON's escapes, no raw control characters, well-formed UTF-8 without overlong forms or encoded
 * surrogates; at most a given number of bytes), numbers (no leading zeros, plus signs or bare points; at most a
 * given number of characters) and nesting depth. Everything it accepts, Jackson's default parser under the same
 * limits accepts too, so the bytes can be decoded afterwards without checks ({@link ValidJson}).
 *
 * <p>{@link EventParser} runs it as its tokenizer for a record held in memory: while checking, it indexes the
 * top-level members of an object ({@link RecordMembers}), whose values are then decoded only when read. Keeps no
 * state between calls; each call allocates one small bit set for the open containers.
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
        return firstError(b, from, to, maxDepth, maxNumberLength, Integer.MAX_VALUE, null);
    }

    /**
     * As {@link #firstError(byte[], int, int, int, int)}, also refusing strings (names included) longer than
     * {@code maxStringBytes} bytes, and when the value is an object, indexing its members into {@code members}
     * (if not null).
     */
    static int firstError(
            byte[] b, int from, int to, int maxDepth, int maxNumberLength, int maxStringBytes, RecordMembers members) {
        long[] objects = new long[(maxDepth >> 6) + 1]; // bit d set: the container at depth d is an object
        int depth = 0;
        int state = VALUE;
        int i = from;
        while (i < to) {
            int c = b[i];
            boolean valueHere = state == VALUE || state == VALUE_OR_CLOSE;
            if (c == '"') {
                if (!valueHere && state != KEY && state != KEY_OR_CLOSE) {
                    return i;
                }
                int end;
                boolean plain = false;
                if (depth == 1 && members != null && !valueHere) {
                    // A record's key: mostly a few plain ASCII bytes, whose bytes are then its characters.
                    end = plainEnd(b, i + 1, to);
                    plain = end >= 0;
                    if (!plain) {
                        end = stringEnd(b, i + 1, to);
                    }
                } else {
                    end = stringEnd(b, i + 1, to);
                }
                if (end < 0) {
                    return -end - 1;
                }
                if (end - i - 2 > maxStringBytes) {
                    return i;
                }
                if (depth == 1 && members != null) {
                    if (valueHere) {
                        members.value(i, end);
                    } else {
                        members.name(i, end, plain);
                    }
                }
                i = end;
                state = valueHere ? afterValue(depth) : COLON;
            } else if (c == ':') {
                if (state != COLON) {
                    return i;
                }
                state = VALUE;
                i++;
            } else if (c == ',') {
                if (state != COMMA_OR_CLOSE) {
                    return i;
                }
                state = isObject(objects, depth) ? KEY : VALUE;
                i++;
            } else if (c == '{' || c == '[') {
                if (!valueHere || depth == maxDepth) {
                    return i;
                }
                if (depth == 1 && members != null) {
                    members.valueStart(i);
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
                depth--;
                if (depth == 1 && members != null) {
                    members.valueEnd(i + 1);
                }
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
                if (depth == 1 && members != null) {
                    members.value(i, end);
                }
                i = end;
                state = afterValue(depth);
            } else if (c == 't' || c == 'f' || c == 'n') {
                int end = literalEnd(b, i, to);
                if (!valueHere || end < 0) {
                    return i;
                }
                if (depth == 1 && members != null) {
                    members.value(i, end);
                }
                i = end;
                state = afterValue(depth);
            } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                i++;
            } else {
                return i;
            }
        }
        return state == END ? -1 : to;
    }

    private static int afterValue(int depth) {
        return depth == 0 ? END : COMMA_OR_CLOSE;
    }

    private static boolean isObject(long[] objects, int depth) {
        return (objects[depth >> 6] & (1L << depth)) != 0;
    }

    /** The offset after the literal {@code true}, {@code false} or {@code null} at {@code i}, or -1. */
    private static int literalEnd(byte[] b, int i, int to) {
        byte c = b[i];
        if (c == 'f') {
            return i + 4 < to && b[i + 1] == 'a' && b[i + 2] == 'l' && b[i + 3] == 's' && b[i + 4] == 'e' ? i + 5 : -1;
        }
        if (i + 3 >= to) {
            return -1;
        }
        boolean ok = c == 't'
                ? b[i + 1] == 'r' && b[i + 2] == 'u' && b[i + 3] == 'e'
                : b[i + 1] == 'u' && b[i + 2] == 'l' && b[i + 3] == 'l';
        return ok ? i + 4 : -1;
    }

    /**
     * The offset after the closing quote of the string whose content starts at {@code i} when that content is
     * plain ASCII bytes without an escape (its bytes are its characters), else -1.
     */
    private static int plainEnd(byte[] b, int i, int to) {
        while (i + 8 <= to) {
            long special = special((long) LONGS.get(b, i));
            if (special != 0) {
                i += Long.numberOfTrailingZeros(special) >>> 3;
                return b[i] == '"' ? i + 1 : -1;
            }
            i += 8;
        }
        for (; i < to; i++) {
            byte c = b[i];
            if (c == '"') {
                return i + 1;
            }
            if (c < 0x20 || c == '\\') {
                return -1; // a control byte, a non-ASCII byte (negative) or an escape
            }
        }
        return -1;
    }

    /** The offset after the closing quote of the string whose content starts at {@code i}, or -(error offset)-1. */
    private static int stringEnd(byte[] b, int i, int to) {
        while (true) {
            // Eight plain ASCII bytes at a time: no quote, backslash, control byte or non-ASCII among them. In
            // the first eight that are not, go straight to the first special byte (the lowest flag is exact).
            while (i + 8 <= to) {
                long special = special((long) LONGS.get(b, i));
                if (special != 0) {
                    i += Long.numberOfTrailingZeros(special) >>> 3;
                    break;
                }
                i += 8;
            }
            if (i >= to) {
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
     * The high bit of each of the eight bytes of {@code w} (little-endian) that is a quote, a backslash, below
     * 0x20 or above 0x7f; zero when there is none. Bytes above a flagged one may be flagged falsely (a borrow),
     * the lowest flagged byte never is.
     */
    private static long special(long w) {
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
