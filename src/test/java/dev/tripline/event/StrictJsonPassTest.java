package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.fastjson2.JSONReader;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Holds {@link StrictJsonPass} (the tokenizer of the parser's fast path) to what it claims:
 * every real record passes, every input fastjson2's low-level reader wrongly accepts is caught, and on corrupted
 * records it agrees with Jackson's strict tokenizer.
 */
class StrictJsonPassTest {
    private static final int DEPTH = 64;
    private static final int NUMBER_LENGTH = 1000;

    /** Inputs that are not JSON (or break a limit) and that fastjson2's reader reads without complaint. */
    static Map<String, byte[]> fastjson2Lax() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("a second closing brace after the record", bytes("{\"a\":1}}"));
        m.put("a number of 2,000 digits", bytes("{\"a\":" + "9".repeat(2000) + "}"));
        m.put("a leading zero", bytes("{\"a\":0123}"));
        m.put("a point without digits", bytes("{\"a\":1.}"));
        m.put("a plus sign", bytes("{\"a\":+1}"));
        // Deep enough to pass every limit we set, shallow enough not to overflow a thread stack when an agent
        // instruments
        // fastjson2 (its skipValue recurses per level).
        m.put("500 nested objects", bytes("{\"a\":".repeat(500) + "1" + "}".repeat(500)));
        m.put("an invalid UTF-8 byte (0xff)", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'});
        m.put("a stray continuation byte", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0x80, '"', '}'});
        m.put("an overlong '/' (C0 AF)", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'});
        m.put("a truncated sequence", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xe2, (byte) 0x82, '"', '}'});
        m.put(
                "an encoded surrogate (ED A0 80)",
                new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'});
        m.put("invalid UTF-8 in a name", new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'});
        m.put("a raw control character in a string", bytes("{\"a\":\"x\u0001y\"}"));
        m.put("a raw line feed in a string", bytes("{\"a\":\"x\ny\"}"));
        m.put("single quotes", bytes("{'a':'b'}"));
        m.put("a block comment", bytes("{/*c*/\"a\":1}"));
        m.put("a Set literal", bytes("{\"a\":Set[1]}"));
        m.put("a NUL byte between tokens", new byte[] {'{', '"', 'a', '"', ':', '1', 0, '}'});
        return m;
    }

    /** Also lax, but only when the caller reads names and values one by one (as a parser building a tree does). */
    static Map<String, byte[]> fastjson2LaxWhenWalking() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("no comma between members", bytes("{\"a\":1 \"b\":2}"));
        m.put("a trailing comma in an object", bytes("{\"a\":1,}"));
        m.put("a trailing comma in an array", bytes("{\"a\":[1,]}"));
        m.put("garbage after the record", bytes("{\"a\":1} x"));
        m.put("a second record after the record", bytes("{\"a\":1}{\"b\":2}"));
        return m;
    }

    @Test
    void fastjson2ReaderLetsTheseThrough() {
        for (Map.Entry<String, byte[]> c : fastjson2Lax().entrySet()) {
            byte[] b = c.getValue();
            try (JSONReader r = JSONReader.of(b, 0, b.length)) {
                r.skipValue(); // does not throw
            }
        }
        for (Map.Entry<String, byte[]> c : fastjson2LaxWhenWalking().entrySet()) {
            byte[] b = c.getValue();
            try (JSONReader r = JSONReader.of(b, 0, b.length)) {
                walk(r); // does not throw
            }
        }
    }

    @Test
    void rejectsEachOfThem() {
        Map<String, byte[]> all = new LinkedHashMap<>(fastjson2Lax());
        all.putAll(fastjson2LaxWhenWalking());
        all.put("5,000 nested arrays (fastjson2's skipValue overflows the stack)", bytes("[".repeat(5000)));
        for (Map.Entry<String, byte[]> c : all.entrySet()) {
            byte[] b = c.getValue();
            assertThat(StrictJsonPass.firstError(b, 0, b.length, DEPTH, NUMBER_LENGTH))
                    .as(c.getKey())
                    .isNotNegative();
        }
    }

    @Test
    void acceptsEveryRealRecordAndValidEdgeCases() {
        for (ObjectNode record : SharedData.allCloudTrailRecords()) {
            byte[] b = record.toString().getBytes(StandardCharsets.UTF_8);
            assertThat(StrictJsonPass.firstError(b, 0, b.length, DEPTH, NUMBER_LENGTH))
                    .as(record.toString())
                    .isEqualTo(-1);
        }
        for (String ok : List.of(
                "{}",
                " [ ] ",
                "{\"a\":[-0,0.5,1e5,1E+5,2.5e-3,true,false,null,{},[[]]]}",
                "{\"é\":\"\\u00e9\\n\\\"\\\\\\/ \u00e9 \u20ac \ud83d\ude00\"}",
                "\"x\"",
                "[".repeat(DEPTH) + "]".repeat(DEPTH))) {
            byte[] b = bytes(ok);
            assertThat(StrictJsonPass.firstError(b, 0, b.length, DEPTH, NUMBER_LENGTH))
                    .as(ok)
                    .isEqualTo(-1);
        }
        byte[] tooDeep = bytes("[".repeat(DEPTH + 1) + "]".repeat(DEPTH + 1));
        assertThat(StrictJsonPass.firstError(tooDeep, 0, tooDeep.length, DEPTH, NUMBER_LENGTH))
                .isEqualTo(DEPTH);
    }

    /** A record of one line: a line feed between tokens breaks it (JSON Lines would split it there). */
    @Test
    void oneLineRejectsALineFeedBetweenTokens() {
        byte[] b = bytes("{\"a\":\n1}");
        int[] members = new int[1 + StrictJsonPass.MEMBER_INTS * 4];
        assertThat(StrictJsonPass.firstError(b, 0, b.length, DEPTH, NUMBER_LENGTH, members, false))
                .isEqualTo(-1);
        assertThat(StrictJsonPass.firstError(b, 0, b.length, DEPTH, NUMBER_LENGTH, members, true))
                .isEqualTo(5);
        byte[] escaped = bytes("{\"a\":\"x\\ny\"}");
        assertThat(StrictJsonPass.firstError(escaped, 0, escaped.length, DEPTH, NUMBER_LENGTH, members, true))
                .isEqualTo(-1);
        // After the record too: the caller leaves the line end out.
        byte[] lineEnd = bytes("{\"a\":1} \r\n");
        assertThat(StrictJsonPass.firstError(lineEnd, 0, lineEnd.length, DEPTH, NUMBER_LENGTH, members, true))
                .isEqualTo(9);
    }

    /** The member index of a record gives back every member's name and value. */
    @Test
    void indexesTheMembersOfARecord() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        int[] members = new int[1 + StrictJsonPass.MEMBER_INTS * 64];
        for (ObjectNode record : SharedData.allCloudTrailRecords()) {
            byte[] b =
                    ("{ " + record.toString().substring(1).replace(",\"", " ,\n\"")).getBytes(StandardCharsets.UTF_8);
            assertThat(StrictJsonPass.firstError(b, 0, b.length, DEPTH, NUMBER_LENGTH, members, false))
                    .isEqualTo(-1);
            assertThat(members[0]).isEqualTo(record.size());
            ObjectNode rebuilt = mapper.createObjectNode();
            for (int k = 0; k < members[0]; k++) {
                int slot = 1 + StrictJsonPass.MEMBER_INTS * k;
                int name = members[slot + StrictJsonPass.NAME_START];
                int nameEnd = members[slot + StrictJsonPass.NAME_END];
                int value = members[slot + StrictJsonPass.VALUE_START];
                int end = members[slot + StrictJsonPass.VALUE_END];
                // The spans are tight: quote to quote, and the value without the blanks around it.
                assertThat(b[name]).isEqualTo((byte) '"');
                assertThat(b[nameEnd - 1]).isEqualTo((byte) '"');
                assertThat(b[value]).isNotIn((byte) ' ', (byte) '\n');
                assertThat(b[end - 1]).isNotIn((byte) ' ', (byte) '\n');
                rebuilt.set(
                        mapper.readTree(b, name, nameEnd - name).textValue(), mapper.readTree(b, value, end - value));
            }
            assertThat(rebuilt).isEqualTo(record);
        }
    }

    /** Corrupted real records: the pass accepts exactly what Jackson's strict tokenizer accepts. */
    @Test
    void agreesWithJacksonOnCorruptedRecords() throws Exception {
        JsonFactory jackson = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(DEPTH)
                        .maxNumberLength(NUMBER_LENGTH)
                        .build())
                .build();
        ObjectMapper mapper = new ObjectMapper(jackson).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        List<ObjectNode> records = SharedData.allCloudTrailRecords();
        Random random = new Random(7);
        int rejected = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] b = records.get(random.nextInt(records.size())).toString().getBytes(StandardCharsets.UTF_8);
            for (int k = 0; k < 1 + random.nextInt(2); k++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            boolean jacksonOk;
            try (JsonParser p = jackson.createParser(b)) {
                p.nextToken();
                p.skipChildren();
                jacksonOk = p.nextToken() == null;
            } catch (java.io.IOException e) {
                jacksonOk = false;
            }
            boolean passOk = StrictJsonPass.firstError(b, 0, b.length, DEPTH, NUMBER_LENGTH) < 0;
            if (jacksonOk != passOk) {
                // Jackson's skipChildren does not decode skipped strings; decoding them settles it.
                try {
                    mapper.readTree(b);
                    jacksonOk = true;
                } catch (java.io.IOException e) {
                    jacksonOk = false;
                }
            }
            assertThat(passOk).as(new String(b, StandardCharsets.UTF_8)).isEqualTo(jacksonOk);
            rejected += passOk ? 0 : 1;
        }
        assertThat(rejected).as("corruptions are caught").isGreaterThan(5_000);
    }

    private static void walk(JSONReader r) {
        if (r.nextIfObjectStart()) {
            while (!r.nextIfObjectEnd()) {
                r.readFieldName();
                walk(r);
            }
        } else if (r.nextIfArrayStart()) {
            while (!r.nextIfArrayEnd()) {
                walk(r);
            }
        } else if (r.isString()) {
            r.readString();
        } else if (r.isNumber()) {
            r.readNumber();
        } else if (!r.nextIfNull()) {
            r.readBoolValue();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
