package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.tripline.testing.JacksonValue;
import dev.tripline.testing.SharedData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Holds {@link ValidJsonTree} to the nodes the Jackson path builds ({@link JacksonValue}, {@code EventParser}'s
 * {@code readValue}): same node classes at every level, same key order, interned keys, equal values; on every
 * value of every shared dataset record, on hand-picked cases and on seeded random values. Bytes that are not JSON
 * end in an {@link IllegalArgumentException} or a tree, never another exception or a hang.
 */
class ValidJsonTreeTest {

    // ---- the real datasets ----------------------------------------------------------------------------------

    @Test
    void aStringTokenReadsAsTheDecoderReadsIt() {
        for (String token : List.of(
                "\"\"",
                "\"GetObject\"",
                "\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36\"",
                "\"caf\u00e9 \u65e5\u672c \ud83d\ude00\"",
                "\"a\\\"quote\"",
                "\"a long value that holds one escape far from its start: \\u0041\"",
                "\"tab\\tand a backslash \\\\ at byte eight and later: \\u00e9\\n\"")) {
            byte[] b = ("  " + token + "  ").getBytes(StandardCharsets.UTF_8);
            int from = 2;
            int to = b.length - 2;
            assertThat(ValidJsonTree.stringToken(b, from, to))
                    .as(token)
                    .isEqualTo(ValidJsonTree.decodeValue(b, from, to).textValue())
                    .isEqualTo(JacksonValue.decode(b, from, to).textValue());
        }
    }

    @Test
    void everyValueOfEveryDatasetRecordDecodesAsJacksonDoes() throws IOException {
        int values = 0;
        int records = 0;
        EventParser parser = new EventParser();
        for (byte[] document : datasetDocuments()) {
            for (int[] span : valueSpans(document)) {
                int from = span[0];
                int to = span[1];
                JsonNode reference = JacksonValue.decode(document, from, to);
                assertSame(reference, document, from, to);
                // The strict pass hands over a member's value with the whitespace around it.
                int wideFrom = from;
                while (wideFrom > 0 && isWhitespace(document[wideFrom - 1])) {
                    wideFrom--;
                }
                int wideTo = to;
                while (wideTo < document.length && isWhitespace(document[wideTo])) {
                    wideTo++;
                }
                assertSame(reference, document, wideFrom, wideTo);
                values++;
                if (document[from] == '{') {
                    records += matchesEventParser(parser, document, from, to) ? 1 : 0;
                }
            }
        }
        assertThat(values).isGreaterThan(100_000);
        assertThat(records).isGreaterThan(1_000);
    }

    /**
     * When the object in {@code [from, to)} is one record the job's parser accepts, its event's tree is the tree
     * decoded here. Envelopes (whose events are their elements) are left out.
     */
    private static boolean matchesEventParser(EventParser parser, byte[] document, int from, int to) {
        JsonNode mine = ValidJsonTree.decodeValue(document, from, to);
        for (String envelopeKey : List.of("Records", "records", "value", "detail", "logEvents")) {
            if (mine.has(envelopeKey)) {
                return false;
            }
        }
        ParseResult r = parser.parse(Arrays.copyOfRange(document, from, to));
        if (r.events().size() != 1 || !r.failures().isEmpty()) {
            return false;
        }
        assertThat(difference(r.events().get(0).root(), mine, "$"))
                .as("record at byte %d", from)
                .isNull();
        return true;
    }

    /** Each line of the JSON Lines files and each whole JSON file under the shared data directory. */
    private static List<byte[]> datasetDocuments() throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SharedData.path("data"))) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".json")) {
                    out.add(Files.readAllBytes(f));
                } else if (name.endsWith(".jsonl") || name.endsWith(".jsonl.gz")) {
                    try (InputStream raw = Files.newInputStream(f);
                            InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
                        byte[] all = in.readAllBytes();
                        int start = 0;
                        for (int i = 0; i <= all.length; i++) {
                            if (i == all.length || all[i] == '\n') {
                                if (i > start) {
                                    out.add(Arrays.copyOfRange(all, start, i));
                                }
                                start = i + 1;
                            }
                        }
                    }
                }
            }
        }
        assertThat(out).hasSizeGreaterThan(100);
        return out;
    }

    /** The byte range of every value in the document, at every depth, as Jackson's tokenizer locates them. */
    private static List<int[]> valueSpans(byte[] document) throws IOException {
        List<int[]> spans = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(document)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                collect(p, t, spans);
            }
        }
        return spans;
    }

    private static void collect(JsonParser p, JsonToken t, List<int[]> spans) throws IOException {
        int from = (int) p.currentTokenLocation().getByteOffset();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            JsonToken n;
            while ((n = p.nextToken()) != JsonToken.END_OBJECT && n != JsonToken.END_ARRAY) {
                if (n == JsonToken.FIELD_NAME) {
                    n = p.nextToken();
                }
                collect(p, n, spans);
            }
        } else {
            p.finishToken(); // a string's end is known only once it is read
        }
        spans.add(new int[] {from, (int) p.currentLocation().getByteOffset()});
    }

    // ---- hand cases -----------------------------------------------------------------------------------------

    @Test
    void numbersTakeJacksonsNodeTypes() {
        assertNode("-0", IntNode.class, "0");
        assertNode("0", IntNode.class, "0");
        assertNode("2147483647", IntNode.class, "2147483647");
        assertNode("-2147483648", IntNode.class, "-2147483648");
        assertNode("2147483648", LongNode.class, "2147483648");
        assertNode("-2147483649", LongNode.class, "-2147483649");
        assertNode("999999999999999999", LongNode.class, "999999999999999999");
        assertNode("1000000000000000000", LongNode.class, "1000000000000000000");
        assertNode("9223372036854775807", LongNode.class, "9223372036854775807");
        assertNode("-9223372036854775808", LongNode.class, "-9223372036854775808");
        assertNode("9223372036854775808", BigIntegerNode.class, "9223372036854775808");
        assertNode("-9223372036854775809", BigIntegerNode.class, "-9223372036854775809");
        assertNode("123456789012345678901234567890", BigIntegerNode.class, "123456789012345678901234567890");
        assertNode("1e5", DoubleNode.class, "100000.0");
        assertNode("1E+5", DoubleNode.class, "100000.0");
        assertNode("1.0", DoubleNode.class, "1.0");
        assertNode("-0.0", DoubleNode.class, "-0.0");
        assertNode("-1.5e-3", DoubleNode.class, "-0.0015");
        assertNode("0.1", DoubleNode.class, "0.1");
        assertNode("1e400", DoubleNode.class, "Infinity");
        assertNode("1e-400", DoubleNode.class, "0.0");
        assertNode("2.2250738585072011e-308", DoubleNode.class, "2.225073858507201E-308");
        assertNode("123456789012345678901234567890.5", DoubleNode.class, "1.2345678901234568E29");
        assertNode("[1, -1, 10, 11, 1.5, 3000000000]", null, null);
    }

    @Test
    void aRepeatedKeyKeepsItsFirstPlaceAndItsLastValue() {
        JsonNode o = assertNode("{\"a\":1,\"b\":2,\"a\":{\"c\":3},\"b\":null}", null, null);
        assertThat(o.fieldNames()).toIterable().containsExactly("a", "b");
        assertThat(o.get("a").get("c").intValue()).isEqualTo(3);
        assertThat(o.get("b").isNull()).isTrue();
    }

    @Test
    void keysAreInterned() {
        String runtime = "key" + new Random().nextLong(); // not a constant: interned only if the decoder did it
        byte[] json = ("{\"" + runtime + "\":1,\"\\u0061b\":2,\"" + "n".repeat(100) + "\":3}")
                .getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 2; round++) { // first sight, then from the cache
            JsonNode o = ValidJsonTree.decodeValue(json, 0, json.length);
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).containsExactly(runtime, "ab", "n".repeat(100));
            for (String k : keys) {
                assertThat(k).isSameAs(k.intern());
            }
        }
    }

    @Test
    void namesStayRightWhenTheCacheOverflows() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < 20_000; i++) {
            sb.append(i == 0 ? "" : ",")
                    .append("\"name")
                    .append(i)
                    .append("\":")
                    .append(i);
        }
        byte[] json = sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 2; round++) {
            JsonNode o = ValidJsonTree.decodeValue(json, 0, json.length);
            assertThat(o.size()).isEqualTo(20_000);
            for (int i = 0; i < 20_000; i += 997) {
                assertThat(o.get("name" + i).intValue()).isEqualTo(i);
            }
            assertSame(JacksonValue.decode(json, 0, json.length), json, 0, json.length);
        }
    }

    /** Threads that share the name cache while replacing each other's entries still get their own names. */
    @Test
    void threadsSharingTheNameCacheGetTheirOwnNames() throws Exception {
        int threads = 4;
        List<Future<?>> done = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int round = 0; round < 200; round++) {
                        StringBuilder sb = new StringBuilder("{");
                        for (int i = 0; i < 500; i++) { // more names than slots over the rounds and threads
                            sb.append(i == 0 ? "" : ",")
                                    .append("\"t")
                                    .append(id)
                                    .append('_');
                            sb.append((round * 500 + i) % 3000).append("\":").append(i);
                        }
                        byte[] json = sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
                        JsonNode o = ValidJsonTree.decodeValue(json, 0, json.length);
                        Iterator<String> keys = o.fieldNames();
                        for (int i = 0; i < 500; i++) {
                            String key = keys.next();
                            assertThat(key).isEqualTo("t" + id + "_" + (round * 500 + i) % 3000);
                            assertThat(key).isSameAs(key.intern());
                            assertThat(o.get(key).intValue()).isEqualTo(i);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void stringsWithEscapesAndUnicode() {
        String[] cases = {
            "\"\"",
            "\"plain ascii, longer than eight bytes\"",
            "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
            "\"\\u00e9\\u20AC\\u0000\\u001f\"",
            "\"\\uD83D\\uDE00\"", // a surrogate pair as two escapes
            "\"\\uD800\"", // a lone high surrogate
            "\"x\\uDC00y\"", // a lone low surrogate
            "\"\\uDE00\\uD83D\"", // a pair in the wrong order
            "\"é\"", // two bytes
            "\"€ and ✓\"", // three bytes
            "\"😀 and 𝄞\"", // four bytes
            "\"é\\n€\\t😀\\u0041\"", // raw UTF-8 and escapes mixed
            "\"12345678\\\"\"", // an escaped quote right after eight plain bytes
            "{\"é€😀\":\"\\u00e9\",\"a\\\"b\":\"\\\\\"}", // names with UTF-8 and escapes
        };
        for (String c : cases) {
            assertNode(c, null, null);
        }
        for (int prefix = 0; prefix < 20; prefix++) { // every alignment against the eight-byte scan
            assertNode("\"" + "a".repeat(prefix) + "\"", null, null);
            assertNode("\"" + "a".repeat(prefix) + "\\n" + "b".repeat(prefix) + "\"", null, null);
            assertNode("\"" + "a".repeat(prefix) + "é" + "b".repeat(prefix) + "\"", null, null);
        }
    }

    @Test
    void whitespaceEmptyContainersAndNesting() {
        assertNode("  {\n\t\"a\" :\r\n [ 1 , 2 ] , \"b\":{ } ,\"c\" : [ ]} \n", null, null);
        assertNode("{}", null, null);
        assertNode("[]", null, null);
        assertNode("[[],{},[{}],{\"a\":[]}]", null, null);
        assertNode(" true ", null, null);
        assertNode("false", null, null);
        assertNode("null", null, null);
        int deep = ParseLimits.DEFAULT_MAX_DEPTH - 1; // the deepest the reference parser accepts
        assertNode("[".repeat(deep) + "1" + "]".repeat(deep), null, null);
        assertNode("{\"a\":".repeat(deep) + "{}" + "}".repeat(deep), null, null);
    }

    @Test
    void decodesOnlyItsRange() {
        byte[] b = "xx[1,\"a\"]yy\"tail\"".getBytes(StandardCharsets.UTF_8);
        assertThat(ValidJsonTree.decodeValue(b, 2, 9).toString()).isEqualTo("[1,\"a\"]");
        assertThat(ValidJsonTree.decodeValue(b, 3, 4).intValue()).isEqualTo(1);
        // A string whose closing quote lies past the range, a number cut by it.
        assertThatThrownBy(() -> ValidJsonTree.decodeValue(b, 11, 16)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ValidJsonTree.decodeValue("123".getBytes(StandardCharsets.UTF_8), 0, 2)
                        .intValue())
                .isEqualTo(12);
        assertThatThrownBy(() -> ValidJsonTree.decodeValue(b, 5, 30)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ValidJsonTree.decodeValue(b, -1, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- random values --------------------------------------------------------------------------------------

    @Test
    void randomValuesDecodeAsJacksonDoes() {
        Random random = new Random(20261206);
        for (int i = 0; i < 20_000; i++) {
            String json = new Generator(random, true).json();
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            assertSame(JacksonValue.decode(b, 0, b.length), b, 0, b.length);
        }
    }

    // ---- bytes that are not JSON ----------------------------------------------------------------------------

    @Test
    void invalidBytesEndInAnExceptionNotAHang() {
        List<String> cases = List.of(
                "",
                "   ",
                "\"abc",
                "\"abc\\",
                "\"\\u12\"",
                "\"\\uzzzz\"",
                "\"\\x\"",
                "{\"a\"",
                "{\"a\":",
                "{\"a\":1",
                "{\"a\" 1}",
                "{1:2}",
                "[1 2]",
                "[1,",
                "-",
                "1e",
                "-x",
                "tru",
                "nul",
                "[1]]",
                "1 2",
                "@",
                "9".repeat(2000));
        for (String c : cases) {
            byte[] b = c.getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> ValidJsonTree.decodeValue(b, 0, b.length))
                    .as(c)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        byte[] deep = "[".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ValidJsonTree.decodeValue(deep, 0, deep.length))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nested deeper");
        for (byte[] b : List.of(
                new byte[] {'"', (byte) 0xff, '"'},
                new byte[] {'"', (byte) 0x80, '"'},
                new byte[] {'"', (byte) 0xf0, (byte) 0x9f, '"'},
                new byte[] {'"', '\\', 'n', (byte) 0xe2, '"'})) {
            try {
                ValidJsonTree.decodeValue(b, 0, b.length);
            } catch (IllegalArgumentException expected) {
                // refusing is as good as decoding something
            }
        }
    }

    /**
     * Seeded random values, cut and corrupted with JSON's own characters: the decoder returns or throws an {@link
     * IllegalArgumentException}, in time, and whenever Jackson accepts the bytes it builds Jackson's tree.
     */
    @Test
    void corruptedValuesTerminate() {
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            Random random = new Random(42);
            byte[] alphabet = "{}[]:,\"\\ 0123456789eE.+-tfnulu".getBytes(StandardCharsets.US_ASCII);
            int rejected = 0;
            for (int i = 0; i < 50_000; i++) {
                byte[] b = new Generator(random, false).json().getBytes(StandardCharsets.UTF_8);
                int edits = 1 + random.nextInt(3);
                for (int e = 0; e < edits && b.length > 0; e++) {
                    int at = random.nextInt(b.length);
                    if (random.nextBoolean()) {
                        b[at] = alphabet[random.nextInt(alphabet.length)];
                    } else {
                        b = Arrays.copyOf(b, at); // truncated
                    }
                }
                JsonNode reference;
                try {
                    reference = JacksonValue.decode(b, 0, b.length);
                } catch (RuntimeException notJson) {
                    reference = null;
                }
                try {
                    JsonNode mine = ValidJsonTree.decodeValue(b, 0, b.length);
                    if (reference != null) {
                        assertThat(difference(reference, mine, "$"))
                                .as(new String(b, StandardCharsets.UTF_8))
                                .isNull();
                    }
                } catch (IllegalArgumentException e) {
                    assertThat(reference)
                            .as("Jackson accepts %s", new String(b, StandardCharsets.UTF_8))
                            .isNull();
                    rejected++;
                }
            }
            assertThat(rejected).isGreaterThan(10_000);
        });
    }

    /**
     * Seeded random values with any bytes written over them (invalid UTF-8, NULs, stray continuation bytes) and
     * random byte strings: each ends in a tree or an {@link IllegalArgumentException}, in time.
     */
    @Test
    void arbitraryBytesTerminate() {
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            Random random = new Random(7);
            int rejected = 0;
            for (int i = 0; i < 50_000; i++) {
                byte[] b;
                if (i % 5 == 0) {
                    b = new byte[random.nextInt(64)];
                    random.nextBytes(b);
                } else {
                    b = new Generator(random, true).json().getBytes(StandardCharsets.UTF_8);
                    for (int e = 1 + random.nextInt(3); e > 0 && b.length > 0; e--) {
                        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                    }
                }
                try {
                    ValidJsonTree.decodeValue(b, 0, b.length);
                } catch (IllegalArgumentException expected) {
                    rejected++;
                }
            }
            assertThat(rejected).isGreaterThan(10_000);
        });
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /**
     * Checks the decoder's tree of {@code json} against Jackson's and, when {@code type} is given, its root's
     * class and text.
     */
    private static JsonNode assertNode(String json, Class<?> type, String text) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        JsonNode mine = assertSame(JacksonValue.decode(b, 0, b.length), b, 0, b.length);
        if (type != null) {
            assertThat(mine).isExactlyInstanceOf(type);
            assertThat(mine.asText()).isEqualTo(text);
        }
        return mine;
    }

    private static JsonNode assertSame(JsonNode expected, byte[] b, int from, int to) {
        JsonNode mine = ValidJsonTree.decodeValue(b, from, to);
        String diff = difference(expected, mine, "$");
        if (diff != null) {
            String text = new String(b, from, to - from, StandardCharsets.UTF_8);
            fail(diff + " in " + (text.length() > 300 ? text.substring(0, 300) + "..." : text));
        }
        return mine;
    }

    /**
     * Where {@code actual} differs from {@code expected}, or null: node classes at every level (equals alone
     * tells an {@code IntNode} from a {@code LongNode} but not, say, every pair of numeric types), key order, keys
     * interned, and equal values.
     */
    static String difference(JsonNode expected, JsonNode actual, String path) {
        if (expected.getClass() != actual.getClass()) {
            return path + ": " + actual.getClass().getSimpleName() + " instead of "
                    + expected.getClass().getSimpleName();
        }
        if (expected.isObject()) {
            Iterator<String> e = expected.fieldNames();
            Iterator<String> a = actual.fieldNames();
            while (e.hasNext() && a.hasNext()) {
                String key = e.next();
                String mine = a.next();
                if (!key.equals(mine)) {
                    return path + ": key " + mine + " instead of " + key;
                }
                if (mine != mine.intern()) {
                    return path + ": key " + mine + " not interned";
                }
                String d = difference(expected.get(key), actual.get(key), path + "." + key);
                if (d != null) {
                    return d;
                }
            }
            if (e.hasNext() || a.hasNext()) {
                return path + ": " + actual.size() + " keys instead of " + expected.size();
            }
        } else if (expected.isArray()) {
            if (expected.size() != actual.size()) {
                return path + ": " + actual.size() + " elements instead of " + expected.size();
            }
            for (int i = 0; i < expected.size(); i++) {
                String d = difference(expected.get(i), actual.get(i), path + "[" + i + "]");
                if (d != null) {
                    return d;
                }
            }
        }
        return expected.equals(actual) ? null : path + ": " + actual + " instead of " + expected;
    }

    private static boolean isWhitespace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    /** Random JSON text: every kind of value, number and string content, with random whitespace. */
    private static final class Generator {
        private final Random random;
        /** Whether strings may hold raw non-ASCII characters (the corruption test keeps to ASCII). */
        private final boolean unicode;

        private final StringBuilder out = new StringBuilder();

        Generator(Random random, boolean unicode) {
            this.random = random;
            this.unicode = unicode;
        }

        String json() {
            value(0);
            return out.toString();
        }

        private void value(int depth) {
            space();
            int kind = random.nextInt(depth > 6 ? 5 : 8);
            switch (kind) {
                case 0 -> out.append(random.nextBoolean() ? "true" : random.nextBoolean() ? "false" : "null");
                case 1, 2 -> number();
                case 3, 4 -> string();
                case 5, 6 -> {
                    out.append('{');
                    int n = random.nextInt(6);
                    for (int i = 0; i < n; i++) {
                        space();
                        if (random.nextInt(4) == 0) {
                            out.append("\"k").append(random.nextInt(3)).append('"'); // repeated keys
                        } else {
                            string();
                        }
                        space();
                        out.append(':');
                        value(depth + 1);
                        if (i < n - 1) {
                            out.append(',');
                        }
                    }
                    space();
                    out.append('}');
                }
                default -> {
                    out.append('[');
                    int n = random.nextInt(6);
                    for (int i = 0; i < n; i++) {
                        value(depth + 1);
                        if (i < n - 1) {
                            out.append(',');
                        }
                    }
                    space();
                    out.append(']');
                }
            }
            space();
        }

        private void space() {
            while (random.nextInt(4) == 0) {
                out.append(" \t\r\n".charAt(random.nextInt(4)));
            }
        }

        private void number() {
            switch (random.nextInt(6)) {
                case 0 -> out.append(random.nextInt(21) - 10);
                case 1 -> out.append(random.nextInt());
                case 2 -> out.append(random.nextLong());
                case 3 -> {
                    if (random.nextBoolean()) {
                        out.append('-');
                    }
                    out.append(1 + random.nextInt(9));
                    int digits = random.nextInt(40);
                    for (int i = 0; i < digits; i++) {
                        out.append(random.nextInt(10));
                    }
                }
                case 4 -> out.append(random.nextBoolean() ? "-0" : "0");
                default -> {
                    out.append(random.nextBoolean() ? "-" : "").append(random.nextInt(1000));
                    if (random.nextBoolean()) {
                        out.append('.').append(random.nextInt(100000));
                    }
                    if (random.nextBoolean()) {
                        out.append(random.nextBoolean() ? 'e' : 'E')
                                .append(random.nextBoolean() ? "" : random.nextBoolean() ? "+" : "-")
                                .append(random.nextInt(400));
                    }
                }
            }
        }

        private void string() {
            out.append('"');
            int n = random.nextInt(random.nextInt(4) == 0 ? 60 : 12);
            for (int i = 0; i < n; i++) {
                int kind = random.nextInt(unicode ? 10 : 7);
                switch (kind) {
                    case 0 -> out.append('\\').append("\"\\/bfnrt".charAt(random.nextInt(8)));
                    case 1 -> out.append(String.format("\\u%04x", random.nextInt(0x10000)));
                    case 2 -> out.append(random.nextBoolean() ? "\\uD83D\\uDE00" : "\\udbff\\udfff");
                    case 7 -> out.append((char) (0x80 + random.nextInt(0x780))); // two bytes
                    case 8 -> {
                        char c = (char) (0x800 + random.nextInt(0xF800 - 0x800)); // three bytes
                        out.append(Character.isSurrogate(c) ? 'x' : c);
                    }
                    case 9 -> out.appendCodePoint(0x10000 + random.nextInt(0x100000)); // four bytes
                    default -> {
                        char c = (char) (0x20 + random.nextInt(0x5f));
                        out.append(c == '"' || c == '\\' ? 'q' : c);
                    }
                }
            }
            out.append('"');
        }
    }
}
