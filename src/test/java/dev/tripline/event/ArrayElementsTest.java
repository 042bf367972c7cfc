package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The envelope splitter: elements, their offsets and lines, the limits at exactly their boundary, and where and
 * why a broken array stops, with the input handed over one to seven bytes per read so that every element, string
 * escape and newline also spans buffer refills. Random arrays (valid, and broken in the ways an envelope breaks)
 * are checked against {@link ByteByByteArrayElements}, the byte-at-a-time splitter this one replaced.
 */
class ArrayElementsTest {

    /** Gives at most 1–7 bytes per read, as a slow network or decompressor would. */
    static final class Trickle extends InputStream {
        private final byte[] data;
        private final Random random;
        private int pos;

        Trickle(byte[] data, long seed) {
            this.data = data;
            this.random = new Random(seed);
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, 1 + random.nextInt(7)), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private static InputStream[] inputs(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new InputStream[] {new ByteArrayInputStream(b), new Trickle(b, 1), new Trickle(b, 2)};
    }

    private static String text(ArrayElements.Element e) {
        return new String(e.bytes(), 0, e.length(), StandardCharsets.UTF_8);
    }

    @Test
    void elementsOffsetsAndLinesOfEveryKind() throws Exception {
        // after the '[': an object, a string with an escaped quote and bracket, nested arrays, two scalars
        String s = " {\"a\":1},\n  \"s\\\"]\" ,\n[1,[2,3]] , 42\n, true ]}\nX";
        for (InputStream in : inputs(s)) {
            ArrayElements a = new ArrayElements(in, 100, 7, 1000, 10);
            assertElement(a.next(), "{\"a\":1}", 101, 7);
            assertElement(a.next(), "\"s\\\"]\"", 112, 8);
            assertElement(a.next(), "[1,[2,3]]", 121, 9);
            assertElement(a.next(), "42", 133, 9);
            assertElement(a.next(), "true", 138, 10);
            assertThat(a.next()).isNull();
            assertThat(a.next()).isNull();
            assertThat(a.offset()).isEqualTo(144);
            assertThat(a.line()).isEqualTo(10);
            a.skipEnclosing(1);
            assertThat(a.offset()).isEqualTo(145);
            assertThat(a.line()).isEqualTo(10);
            assertThat(new String(a.remaining().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("\nX");
        }
    }

    @Test
    void escapesNewlinesAndBracketsInsideStringsDoNotCount() throws Exception {
        // a backslash before the closing quote, an escaped backslash, raw newlines inside a string (counted as
        // lines, as the parser's locations count them), brackets inside strings
        String s = "{\"k\":\"a\\\\\",\"q\":\"x\\\"}]\"}\n,\"line1\nline2\\\n\",{\"z\":\"[[[\"}\n]";
        for (InputStream in : inputs(s)) {
            ArrayElements a = new ArrayElements(in, 0, 1, 1000, 10);
            assertElement(a.next(), "{\"k\":\"a\\\\\",\"q\":\"x\\\"}]\"}", 0, 1);
            assertElement(a.next(), "\"line1\nline2\\\n\"", 25, 2);
            assertElement(a.next(), "{\"z\":\"[[[\"}", 41, 4);
            assertThat(a.next()).isNull();
            assertThat(a.offset()).isEqualTo(s.length());
            assertThat(a.line()).isEqualTo(5);
        }
    }

    @Test
    void sizeLimitAtExactlyItsBoundary() throws Exception {
        String element = "{\"abc\":\"" + "x".repeat(40) + "\"}";
        int n = element.length();
        for (InputStream in : inputs(element + "," + element + "]")) {
            ArrayElements a = new ArrayElements(in, 0, 1, n, 10);
            ArrayElements.Element e = a.next();
            assertThat(e.tooLarge()).isFalse();
            assertThat(text(e)).isEqualTo(element);
            assertThat(a.next().tooLarge()).isFalse();
            assertThat(a.next()).isNull();
        }
        for (InputStream in : inputs(element + "," + element + "]")) {
            ArrayElements a = new ArrayElements(in, 0, 1, n - 1, 10);
            ArrayElements.Element e = a.next();
            assertThat(e.tooLarge()).isTrue();
            assertThat(e.length()).isEqualTo(n - 1);
            assertThat(text(e)).isEqualTo(element.substring(0, n - 1));
            ArrayElements.Element second = a.next();
            assertThat(second.tooLarge()).isTrue();
            assertThat(second.offset()).isEqualTo(n + 1);
            assertThat(a.next()).isNull();
            assertThat(a.offset()).isEqualTo(2L * n + 2);
        }
    }

    @Test
    void depthLimitAtExactlyItsBoundary() throws Exception {
        String three = "{\"a\":[{\"b\":\"[[[[\"}]}"; // three levels; brackets in the string do not count
        for (InputStream in : inputs(three + "," + three + "]")) {
            ArrayElements a = new ArrayElements(in, 0, 1, 1000, 3);
            assertThat(a.next().tooDeep()).isFalse();
            assertThat(a.next().tooDeep()).isFalse();
        }
        for (InputStream in : inputs(three + ",[1]]")) {
            ArrayElements a = new ArrayElements(in, 0, 1, 1000, 2);
            assertThat(a.next().tooDeep()).isTrue();
            assertThat(a.next().tooDeep()).isFalse(); // the flag is the element's own
        }
    }

    @Test
    void brokenArraysSayWhereAndWhy() throws Exception {
        assertBroken("{\"a\":1} {\"b\":2}]", 1, "expected ',' or ']' between elements", 8, 1, false);
        assertBroken("{\"a\":1},\n,{\"b\":2}]", 1, "missing element", 9, 2, false);
        assertBroken("{\"a\":1},\n ", 1, "input ends inside the array", 10, 2, false);
        assertBroken("[[[[[[\n", 0, "input ends inside element", 7, 2, true);
        assertBroken("{\"a\":\"\\\"]}", 0, "input ends inside element", 10, 1, false);
        assertBroken("1,2", 2, "input ends inside the array", 3, 1, false);
    }

    @Test
    void enclosingValueThatNeverCloses() throws Exception {
        for (InputStream in : inputs("1]\n,\"x\":{\"y\":\"}}\"")) {
            ArrayElements a = new ArrayElements(in, 0, 1, 1000, 10);
            assertThat(text(a.next())).isEqualTo("1");
            assertThat(a.next()).isNull();
            try {
                a.skipEnclosing(1);
                throw new AssertionError("no Broken");
            } catch (ArrayElements.Broken b) {
                assertThat(b.getMessage()).isEqualTo("input ends before the enclosing object closes");
                assertThat(b.offset).isEqualTo(17);
                assertThat(b.line).isEqualTo(2);
            }
        }
    }

    /** Random arrays of every shape, whole and trickled, against the byte-at-a-time splitter. */
    @Test
    void sameAsByteAtATimeOnRandomArrays() throws Exception {
        Random random = new Random(14);
        int broken = 0;
        int tooLarge = 0;
        int tooDeep = 0;
        for (int round = 0; round < 4000; round++) {
            String body = randomArray(random);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            int maxBytes = 1 + random.nextInt(random.nextBoolean() ? 24 : 200);
            int maxDepth = random.nextInt(6);
            int enclosing = random.nextInt(3);
            int skipAfter = random.nextInt(5);
            long offset = random.nextInt(1000);
            long line = 1 + random.nextInt(50);
            List<String> expected = reference(
                    new ByteByByteArrayElements(new Trickle(bytes, round), offset, line, maxBytes, maxDepth),
                    enclosing,
                    skipAfter);
            List<String> whole = transcript(
                    new ArrayElements(new ByteArrayInputStream(bytes), offset, line, maxBytes, maxDepth),
                    enclosing,
                    skipAfter);
            List<String> trickled = transcript(
                    new ArrayElements(new Trickle(bytes, -round), offset, line, maxBytes, maxDepth),
                    enclosing,
                    skipAfter);
            assertThat(whole).as(body).isEqualTo(expected);
            assertThat(trickled).as(body).isEqualTo(expected);
            String all = String.join("\n", expected);
            broken += all.contains("BROKEN") ? 1 : 0;
            tooLarge += all.contains(" large ") ? 1 : 0;
            tooDeep += all.contains(" deep ") ? 1 : 0;
        }
        // the generator reaches every outcome often
        assertThat(broken).isGreaterThan(400);
        assertThat(tooLarge).isGreaterThan(400);
        assertThat(tooDeep).isGreaterThan(400);
    }

    private static String randomArray(Random r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            whitespace(r, b);
            if (i > 0) {
                int k = r.nextInt(40);
                b.append(k == 0 ? "" : k == 1 ? ",," : ","); // now and then no comma, or an empty element
                whitespace(r, b);
            }
            value(r, b, 0);
        }
        whitespace(r, b);
        if (r.nextInt(10) > 0) {
            b.append(']');
            // what follows the array inside the enclosing value, then the next value
            b.append(r.nextBoolean() ? "}" : ",\"next\":{\"s\":\"}]\\\"\"}}}");
            b.append(r.nextBoolean() ? "\n{\"after\":1}" : "");
        }
        String s = b.toString();
        int cut = r.nextInt(12);
        return cut == 0 && !s.isEmpty() ? s.substring(0, r.nextInt(s.length())) : s;
    }

    private static void whitespace(Random r, StringBuilder b) {
        int n = r.nextInt(4) == 0 ? r.nextInt(5) : 0;
        for (int i = 0; i < n; i++) {
            b.append(" \t\r\n".charAt(r.nextInt(4)));
        }
    }

    private static void value(Random r, StringBuilder b, int depth) {
        int k = r.nextInt(depth > 6 ? 4 : 9);
        switch (k) {
            case 0 ->
                b.append(List.of("1", "-2.5e3", "true", "null", "tru\"e\"", "}", "x{")
                        .get(r.nextInt(7)));
            case 1, 2, 3 -> string(r, b);
            case 4, 5, 6 -> {
                b.append('{');
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    whitespace(r, b);
                    string(r, b);
                    b.append(':');
                    value(r, b, depth + 1);
                }
                b.append(r.nextInt(30) == 0 ? "" : "}");
            }
            default -> {
                b.append('[');
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    whitespace(r, b);
                    value(r, b, depth + 1);
                }
                b.append(']');
            }
        }
    }

    private static void string(Random r, StringBuilder b) {
        b.append('"');
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(12)) {
                case 0 -> b.append("\\\"");
                case 1 -> b.append("\\\\");
                case 2 -> b.append("\\n");
                case 3 -> b.append('\n');
                case 4 -> b.append("[{]}");
                case 5 -> b.append("é€");
                case 6 -> b.append("\\\n");
                default -> b.append((char) ('a' + r.nextInt(26)));
            }
        }
        b.append('"');
    }

    private static List<String> transcript(ArrayElements a, int enclosing, int skipAfter) throws IOException {
        List<String> out = new ArrayList<>();
        try {
            ArrayElements.Element e;
            int i = 0;
            while ((e = a.next()) != null) {
                out.add(element(e.bytes(), e.length(), e.tooLarge(), e.tooDeep(), e.offset(), e.line()));
                if (++i == skipAfter) {
                    out.add("REST " + a.skipRest());
                    break;
                }
            }
            a.skipEnclosing(enclosing);
            out.add("END " + a.offset() + " " + a.line() + " "
                    + hex(a.remaining().readAllBytes()));
        } catch (ArrayElements.Broken b) {
            out.add("BROKEN " + b.getMessage() + " " + b.offset + " " + b.line + " " + b.tooDeep);
        }
        return out;
    }

    private static List<String> reference(ByteByByteArrayElements a, int enclosing, int skipAfter) throws IOException {
        List<String> out = new ArrayList<>();
        try {
            ByteByByteArrayElements.Element e;
            int i = 0;
            while ((e = a.next()) != null) {
                out.add(element(e.bytes(), e.length(), e.tooLarge(), e.tooDeep(), e.offset(), e.line()));
                if (++i == skipAfter) {
                    out.add("REST " + a.skipRest());
                    break;
                }
            }
            a.skipEnclosing(enclosing);
            out.add("END " + a.offset() + " " + a.line() + " "
                    + hex(a.remaining().readAllBytes()));
        } catch (ByteByByteArrayElements.Broken b) {
            out.add("BROKEN " + b.getMessage() + " " + b.offset + " " + b.line + " " + b.tooDeep);
        }
        return out;
    }

    private static String element(byte[] bytes, int length, boolean large, boolean deep, long offset, long line) {
        return "E " + offset + " " + line + (large ? " large " : " fits ") + (deep ? " deep " : " flat ") + length + " "
                + hex(java.util.Arrays.copyOf(bytes, length));
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static void assertElement(ArrayElements.Element e, String text, long offset, long line) {
        assertThat(text(e)).isEqualTo(text);
        assertThat(e.offset()).as("offset of " + text).isEqualTo(offset);
        assertThat(e.line()).as("line of " + text).isEqualTo(line);
        assertThat(e.tooLarge()).isFalse();
        assertThat(e.tooDeep()).isFalse();
    }

    private static void assertBroken(String body, int elements, String message, long offset, long line, boolean tooDeep)
            throws Exception {
        for (InputStream in : inputs(body)) {
            ArrayElements a = new ArrayElements(in, 0, 1, 1000, 4);
            try {
                for (int i = 0; i < elements; i++) {
                    assertThat(a.next()).isNotNull();
                }
                a.next();
                throw new AssertionError("no Broken for " + body);
            } catch (ArrayElements.Broken b) {
                assertThat(b.getMessage()).as(body).isEqualTo(message);
                assertThat(b.offset).as(body).isEqualTo(offset);
                assertThat(b.line).as(body).isEqualTo(line);
                assertThat(b.tooDeep).as(body).isEqualTo(tooDeep);
            }
        }
    }
}
