package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.testing.SharedData;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A message holding one record is read by {@link StrictJsonPass} and its members decoded on demand
 * ({@link RecordMembers}, {@link ValidJson}); these tests hold that path to Jackson's tree and to the token
 * reader (the path of a stream, which builds the tree with Jackson), on every real record and on the shapes real
 * records rarely have (duplicate keys, escapes in keys, every kind of number, whitespace, unicode).
 */
class RecordFromBytesTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    /** The event of a message, and the one the token reader makes of the same bytes. */
    private static Event[] both(EventParser parser, byte[] message) {
        ParseResult fromBytes = parser.parse(message);
        ParseResult fromStream = parser.parseAll(new ByteArrayInputStream(message));
        assertThat(where(fromBytes)).isEqualTo(where(fromStream));
        assertThat(fromBytes.events()).hasSize(1);
        assertThat(fromStream.events()).hasSize(1);
        return new Event[] {fromBytes.events().get(0), fromStream.events().get(0)};
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyRealRecordReadsAsJacksonsTree() throws Exception {
        EventParser parser = new EventParser();
        int events = 0;
        for (ObjectNode record : SharedData.allCloudTrailRecords()) {
            byte[] m = bytes(record.toString());
            ParseResult r = parser.parse(m);
            assertThat(where(r)).isEqualTo(where(parser.parseAll(new ByteArrayInputStream(m))));
            if (r.events().isEmpty()) {
                continue; // not a record the job reads (lower-cased keys): the token reader said why
            }
            events++;
            Event e = r.events().get(0);
            assertThat(isReadFromBytes(e)).isTrue();
            JsonNode expected = JACKSON.readTree(m);
            assertThat(e.root()).isEqualTo(expected);
            assertThat(e.root().toString()).isEqualTo(expected.toString());
        }
        assertThat(events).isGreaterThan(3_000);
    }

    /** Pretty-printed and with spaces around every token, the same record reads the same. */
    @Test
    void whitespaceAnywhereReadsTheSame() throws Exception {
        EventParser parser = new EventParser();
        List<ObjectNode> records = SharedData.allCloudTrailRecords();
        for (int i = 0; i < records.size(); i += 7) {
            ObjectNode record = records.get(i);
            if (parser.parse(bytes(record.toString())).events().isEmpty()) {
                continue;
            }
            for (String text : List.of(
                    record.toPrettyString(),
                    "\n\t " + record.toPrettyString().replace("\" : ", "\"\r\n :\t ") + " \n\n")) {
                Event[] e = both(parser, bytes(text));
                assertThat(isReadFromBytes(e[0])).isTrue();
                assertThat(e[0].root()).isEqualTo(record);
                assertThat(e[0].root().toString()).isEqualTo(e[1].root().toString());
                assertThat(e[0].eventTimeMillis()).isEqualTo(e[1].eventTimeMillis());
            }
        }
    }

    @Test
    void unusualShapesReadAsJacksonReadsThem() throws Exception {
        String head = "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-02T03:04:05Z\",\"userIdentity\":{},";
        List<String> records = List.of(
                head + "\"a\":1,\"b\":{\"x\":1,\"x\":[2,3]},\"a\":\"last\",\"c\":null}",
                head + "\"ev\\u0065ntName\":\"escaped key\",\"caf\u00e9\":\"\\u00e9\\n\\\"\\\\\\/\\t\\b\\f\\r\","
                        + "\"\\ud83d\\ude00\":\"\ud83d\ude00 \u20ac\",\"lone\":\"\\ud800\"}",
                head + "\"n\":[0,-0,1,-1,2147483647,2147483648,-2147483648,-2147483649,9223372036854775807,"
                        + "9223372036854775808,-9223372036854775808,-9223372036854775809,123456789012345678901234567890,"
                        + "0.5,-0.0,1e5,1E+5,2.5e-3,1e999999,123456789.123456789e-300,true,false,null,{},[[]]]}",
                head + "\"eventName\":\"x\",\"eventName\":\"y\",\"eventTime\":\"2024-05-06T07:08:09.123Z\"}");
        EventParser parser = new EventParser();
        for (String record : records) {
            Event[] e = both(parser, bytes(record));
            assertThat(isReadFromBytes(e[0])).as(record).isTrue();
            JsonNode expected = JACKSON.readTree(record);
            assertThat(e[0].root()).as(record).isEqualTo(expected);
            assertThat(e[0].root().toString()).as(record).isEqualTo(expected.toString());
            assertThat(e[0].root().toString()).as(record).isEqualTo(e[1].root().toString());
            assertThat(e[0].eventTimeMillis()).isEqualTo(e[1].eventTimeMillis());
        }
        Event dup = parser.parse(bytes(records.get(3))).events().get(0);
        assertThat(dup.root().get("eventName").textValue()).isEqualTo("y");
        assertThat(dup.eventTimeMillis())
                .isEqualTo(java.time.Instant.parse("2024-05-06T07:08:09.123Z").toEpochMilli());
        Event escaped = parser.parse(bytes(records.get(1))).events().get(0);
        assertThat(escaped.root().get("eventName").textValue()).isEqualTo("escaped key");
        assertThat(escaped.values(FieldPath.caseInsensitive("EVENTNAME")))
                .extracting(JsonNode::textValue)
                .containsExactly("escaped key");
    }

    /** A member is built when read, and only then; a record's root never holds what was not asked for. */
    @Test
    void buildsOnlyTheMembersRead() {
        String record = "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-02T03:04:05Z\","
                + "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"userIdentity\":{\"type\":\"Root\"},"
                + "\"requestParameters\":{\"userName\":\"bob\"},\"responseElements\":{\"user\":{\"userId\":\"AID\"}}}";
        Event e = EventParser.forDetection().parse(bytes(record)).events().get(0);
        RecordMembers members = membersOf(e);
        assertThat(members.decodedCount()).as("eventVersion, eventTime").isEqualTo(2);
        assertThat(e.values(FieldPath.of("requestParameters.userName")))
                .extracting(JsonNode::textValue)
                .containsExactly("bob");
        assertThat(members.decodedCount()).isEqualTo(3);
        assertThat(e.root().fieldNames()).toIterable().hasSize(7);
        assertThat(members.decodedCount()).as("names are listed without values").isEqualTo(3);
        assertThat(e.root().size()).isEqualTo(7);
        assertThat(members.decodedCount()).isEqualTo(7);
    }

    /**
     * Whatever bytes a message holds, the two readers agree: the same events (trees, times) and the same dead
     * letters. Corrupted real records, so that most fail somewhere, and the pass must reject exactly what the
     * token reader rejects or hand the message to it.
     */
    @Test
    void corruptedRecordsGiveTheSameResultsAsTheTokenReader() {
        EventParser parser = EventParser.forDetection();
        List<ObjectNode> records = SharedData.allCloudTrailRecords();
        Random random = new Random(11);
        int events = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] b = bytes(records.get(random.nextInt(records.size())).toString());
            for (int k = 0; k < 1 + random.nextInt(2); k++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            ParseResult fromBytes = parser.parse(b);
            ParseResult fromStream = parser.parseAll(new ByteArrayInputStream(b));
            String what = new String(b, StandardCharsets.UTF_8);
            assertThat(where(fromBytes)).as(what).isEqualTo(where(fromStream));
            assertThat(texts(fromBytes)).as(what).isEqualTo(texts(fromStream));
            events += fromBytes.events().size();
        }
        assertThat(events).as("some corruptions leave a valid record").isGreaterThan(1_000);
    }

    /** A field set drops the members it does not keep, and prunes the kept ones, as the token reader does. */
    @Test
    void aFieldSetKeepsTheSameMembersOnBothPaths() {
        FieldSet fields = FieldSet.builder()
                .add(FieldPath.of("requestParameters.userName"))
                .add(FieldPath.caseInsensitive("ERRORCODE"))
                .build();
        EventParser parser = new EventParser(ParseLimits.defaults(), true, fields);
        for (ObjectNode record : SharedData.allCloudTrailRecords()) {
            String text = record.toString();
            ParseResult fromBytes = parser.parse(bytes(text));
            // Two lines in one message are read line by line by the token reader, selectively too.
            ParseResult lines = parser.parse(bytes(text + "\n" + text));
            assertThat(lines.events().size()).isEqualTo(2 * fromBytes.events().size());
            assertThat(where(lines).size()).isEqualTo(2 * where(fromBytes).size());
            if (fromBytes.events().isEmpty()) {
                continue;
            }
            Event e = fromBytes.events().get(0);
            Event reference = lines.events().get(0);
            assertThat(isReadFromBytes(e)).isTrue();
            assertThat(isReadFromBytes(reference)).isFalse();
            assertThat(e.root()).isEqualTo(reference.root());
            assertThat(e.root().toString()).isEqualTo(reference.root().toString());
            assertThat(e.recordText()).isEqualTo(text);
            assertThat(e.isPartial()).isTrue();
        }
    }

    /**
     * What a dead letter says and where, without its snippet: a message's snippet quotes the bytes, a stream's the
     * record as built (both readers did so before records were read from bytes).
     */
    private static List<String> where(ParseResult r) {
        List<String> out = new ArrayList<>();
        for (ParseFailure f : r.failures()) {
            out.add(f.reason() + " " + f.message() + " " + f.where());
        }
        return out;
    }

    private static List<String> texts(ParseResult r) {
        List<String> out = new ArrayList<>();
        for (Event e : r.events()) {
            out.add(e.logType() + " " + e.eventTimeMillis() + " " + e.root());
        }
        return out;
    }

    private static boolean isReadFromBytes(Event e) {
        return membersOf(e) != null;
    }

    private static RecordMembers membersOf(Event e) {
        return RecordMembers.of(e.root());
    }
}
