package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Holds {@link StrictJsonPass}'s string scan (eight bytes a step up to the first quote, backslash, control or
 * non-ASCII byte) to a byte-by-byte reference of RFC 8259's string rules, with every kind of special byte put at
 * every offset modulo 8 from the string's start and from the end of the input, between random plain bytes: the
 * same strings end at the same offsets, and the same strings fail at the same offset. A scan that stepped one byte
 * too far or too short at a word's edge, or missed a special byte in some lane, gives another offset here.
 */
class StrictJsonPassStringScanTest {
    private static final int DEPTH = 64;
    private static final int NUMBER_LENGTH = 1000;

    /** Special sequences: each is put into plain text at every offset; a few end or break the string. */
    private static List<byte[]> specials() {
        List<byte[]> s = new ArrayList<>();
        s.add(bytes("\"")); // ends the string early: what follows is garbage after the value
        for (String escape : List.of("\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u00e9", "\\uD83D")) {
            s.add(bytes(escape));
        }
        for (String bad : List.of("\\x", "\\u12", "\\u12G4", "\\U0041", "\\'", "\\ ")) {
            s.add(bytes(bad));
        }
        for (int c = 0; c < 0x20; c++) {
            s.add(new byte[] {(byte) c});
        }
        s.add(new byte[] {0x1f, 0x20}); // the edges of the control range
        s.add(new byte[] {0x7f}); // DEL is plain in JSON
        s.add(bytes("é")); // two bytes
        s.add(bytes("€")); // three
        s.add(bytes("\ud83d\ude00")); // four
        s.add(hex("c2a0"));
        s.add(hex("dfbf"));
        s.add(hex("e0a080")); // the smallest three-byte form
        s.add(hex("ed9fbf")); // just below the surrogates
        s.add(hex("ee8080")); // just above them
        s.add(hex("f0908080"));
        s.add(hex("f48fbfbf")); // U+10FFFF
        s.add(hex("80")); // a stray continuation byte
        s.add(hex("bf"));
        s.add(hex("c0af")); // overlong
        s.add(hex("c1bf"));
        s.add(hex("e08080")); // overlong three-byte
        s.add(hex("eda080")); // an encoded surrogate
        s.add(hex("edbfbf"));
        s.add(hex("f08f8080")); // overlong four-byte
        s.add(hex("f4908080")); // above U+10FFFF
        s.add(hex("f5808080"));
        s.add(hex("ff"));
        s.add(hex("c2")); // truncated sequences
        s.add(hex("e282"));
        s.add(hex("f09f98"));
        s.add(hex("c241")); // a lead byte before ASCII
        s.add(hex("e2f0828c"));
        return s;
    }

    @Test
    void findsTheSameEndOrErrorAsAByteByByteScan() {
        Random random = new Random(14);
        List<byte[]> specials = specials();
        int checked = 0;
        int failures = 0;
        for (byte[] special : specials) {
            for (int offset = 0; offset < 24; offset++) {
                for (int draw = 0; draw < 16; draw++) {
                    // Plain text, the special sequence at the offset, plain text, and a closing quote or none.
                    byte[] before = plain(random, offset);
                    // Every distance mod 8 from the special sequence to the input's end, the string closed or not.
                    byte[] after = plain(random, draw % 8 + 8 * random.nextInt(3));
                    boolean closed = draw < 8;
                    byte[] content = concat(before, special, after, closed ? bytes("\"") : new byte[0]);
                    // As a whole input (the string as the value, so the input ends at every offset modulo 8
                    // after the special sequence too), and as an object member's name and value.
                    byte[] asValue = concat(bytes("\""), content);
                    assertThat(StrictJsonPass.firstError(asValue, 0, asValue.length, DEPTH, NUMBER_LENGTH))
                            .as(describe(asValue))
                            .isEqualTo(expectedForValue(asValue));
                    if (special.length == 1 && special[0] == '"') {
                        continue; // an early end inside an object is the grammar's matter, not the scan's
                    }
                    byte[] asMemberValue = concat(bytes("{\"k\":\""), content, bytes("}"));
                    assertThat(StrictJsonPass.firstError(
                                    asMemberValue, 0, asMemberValue.length, DEPTH, NUMBER_LENGTH, null, true))
                            .as(describe(asMemberValue))
                            .isEqualTo(expectedInObject(asMemberValue, 6));
                    byte[] asName = concat(bytes("{\""), content, bytes(":0}"));
                    int[] members = new int[1 + StrictJsonPass.MEMBER_INTS * 4];
                    int error =
                            StrictJsonPass.firstError(asName, 0, asName.length, DEPTH, NUMBER_LENGTH, members, true);
                    assertThat(error).as(describe(asName)).isEqualTo(expectedInObject(asName, 2));
                    if (error < 0) {
                        assertThat(members[1 + StrictJsonPass.NAME_END]).isEqualTo(asName.length - 3);
                    }
                    checked++;
                    failures += error < 0 ? 0 : 1;
                }
            }
        }
        // Both sides were exercised: strings that pass and strings that fail, at every offset.
        assertThat(checked).isEqualTo((specials.size() - 1) * 24 * 16);
        assertThat(failures).isBetween(checked / 2, checked - checked / 20);
    }

    /** Long plain runs around the special sequence: several whole words are skipped before and after it. */
    @Test
    void findsTheSameEndAfterLongPlainRuns() {
        Random random = new Random(8);
        List<byte[]> specials = specials();
        for (int n = 0; n < 20_000; n++) {
            byte[] special = specials.get(random.nextInt(specials.size()));
            byte[] content = concat(
                    plain(random, random.nextInt(80)),
                    special,
                    plain(random, random.nextInt(80)),
                    random.nextInt(8) == 0 ? new byte[0] : bytes("\""));
            byte[] asValue = concat(bytes("\""), content);
            assertThat(StrictJsonPass.firstError(asValue, 0, asValue.length, DEPTH, NUMBER_LENGTH))
                    .as(describe(asValue))
                    .isEqualTo(expectedForValue(asValue));
        }
    }

    /** The pass's answer for {@code b}, a string starting at 0 and whatever follows it, by the reference. */
    private static int expectedForValue(byte[] b) {
        int end = referenceEnd(b, 1);
        if (end < 0) {
            return -end - 1;
        }
        int i = end;
        while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
            i++;
        }
        return i == b.length ? -1 : i;
    }

    /**
     * The pass's answer for an object whose string (without a bare quote inside) starts at {@code start}: the
     * string's error by the reference, else -1 (the object around it is valid).
     */
    private static int expectedInObject(byte[] b, int start) {
        int end = referenceEnd(b, start);
        return end < 0 ? -end - 1 : -1;
    }

    /**
     * RFC 8259's string rules one byte at a time: the offset after the closing quote of the string whose content
     * starts at {@code i}, or -(offset of the first offending byte)-1; -(length)-1 when it never closes. UTF-8 is
     * checked with the JDK's strict decoder (it refuses overlong forms, surrogates and code points above U+10FFFF).
     */
    static int referenceEnd(byte[] b, int i) {
        int to = b.length;
        while (i < to) {
            int c = b[i] & 0xff;
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\') {
                if (i + 1 >= to) {
                    return -i - 1;
                }
                int e = b[i + 1];
                if (e == 'u') {
                    if (i + 5 >= to) {
                        return -i - 1;
                    }
                    for (int k = 2; k <= 5; k++) {
                        if (Character.digit(b[i + k], 16) < 0) {
                            return -i - 1;
                        }
                    }
                    i += 6;
                } else if ("\"\\/bfnrt".indexOf(e) >= 0) {
                    i += 2;
                } else {
                    return -i - 1;
                }
            } else if (c < 0x20) {
                return -i - 1;
            } else if (c < 0x80) {
                i++;
            } else {
                int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
                if (n == 0 || i + n > to || !oneCodePoint(b, i, n)) {
                    return -i - 1;
                }
                i += n;
            }
        }
        return -to - 1;
    }

    private static boolean oneCodePoint(byte[] b, int i, int n) {
        try {
            String s = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, i, n))
                    .toString();
            return s.codePointCount(0, s.length()) == 1;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Random printable ASCII without quotes or backslashes, spaces included. */
    private static byte[] plain(Random random, int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            int c;
            do {
                c = 0x20 + random.nextInt(0x5f);
            } while (c == '"' || c == '\\');
            b[k] = (byte) c;
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] b = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, b, at, p.length);
            at += p.length;
        }
        return b;
    }

    private static String describe(byte[] b) {
        return HexFormat.of().formatHex(b) + " (" + new String(b, StandardCharsets.ISO_8859_1) + ")";
    }

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
