package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * A parser building only some fields ({@link FieldSet}) keeps what lookups need, skips the rest, and still
 * turns every malformed record into the same dead letter as the whole-record parser, whatever part is broken.
 */
class SelectiveParseTest {
    private static final String RECORD = "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-02T03:04:05Z\","
            + "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"awsRegion\":\"us-east-1\","
            + "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/a\",\"accountId\":\"1\"},"
            + "\"requestParameters\":{\"userName\":\"bob\",\"tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]},"
            + "\"responseElements\":{\"user\":{\"userId\":\"AID\",\"path\":\"/\"}},"
            + "\"Skipped\":{\"deep\":[1,2,{\"x\":\"y\"}]},\"policy\":\"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\"}]}\"}";

    private static FieldSet fields(String... paths) {
        FieldSet.Builder b = FieldSet.builder();
        for (String p : paths) {
            b.add(p.startsWith("ci:") ? FieldPath.caseInsensitive(p.substring(3)) : FieldPath.of(p));
        }
        return b.build();
    }

    private static Event one(EventParser parser, String json) {
        ParseResult r = parser.parse(json.getBytes(StandardCharsets.UTF_8));
        assertThat(r.failures()).isEmpty();
        assertThat(r.events()).hasSize(1);
        return r.events().get(0);
    }

    @Test
    void buildsOnlyTheNamedFieldsAndKeepsTheRecordText() {
        EventParser parser =
                new EventParser(ParseLimits.defaults(), false, fields("requestParameters.userName", "policy[json]"));
        Event e = one(parser, RECORD);
        assertThat(e.isPartial()).isTrue();
        assertThat(e.root().path("requestParameters").has("userName")).isTrue();
        assertThat(e.root().path("requestParameters").has("tags")).isFalse();
        assertThat(e.root().has("Skipped")).isFalse();
        assertThat(e.root().has("responseElements")).isFalse();
        // Base fields and what account and principal are computed from are always there.
        assertThat(e.principal()).isEqualTo("arn:aws:iam::1:user/a");
        assertThat(e.account()).isEqualTo("1");
        assertThat(e.values(FieldPath.of("policy[json].Statement.Effect")))
                .extracting(JsonNode::textValue)
                .containsExactly("Allow");
        assertThat(e.recordText()).isEqualTo(RECORD);
        assertThat(e.toString()).contains("\"Skipped\"");
    }

    @Test
    void aliasesKeepTheRawFieldsTheyAreComputedFrom() {
        EventParser parser = new EventParser(
                ParseLimits.defaults(), false, fields("user.target.name", "aws.cloudtrail.request_parameters"));
        Event e = one(parser, RECORD);
        Event whole = one(new EventParser(), RECORD);
        for (String p : List.of("user.target.name", "aws.cloudtrail.request_parameters")) {
            assertThat(e.values(FieldPath.of(p))).as(p).isEqualTo(whole.values(FieldPath.of(p)));
        }
        assertThat(e.values(FieldPath.of("aws.cloudtrail.request_parameters"))).isNotEmpty();
    }

    @Test
    void caseInsensitivePathsKeepEveryCaseOfTheirKeys() {
        String record = RECORD.replace("\"Skipped\"", "\"requestparameters\"");
        EventParser parser = new EventParser(ParseLimits.defaults(), false, fields("ci:REQUESTPARAMETERS.USERNAME"));
        Event e = one(parser, record);
        Event whole = one(new EventParser(), record);
        assertThat(e.root().has("requestParameters")).isTrue();
        assertThat(e.root().has("requestparameters")).isTrue();
        FieldPath p = FieldPath.caseInsensitive("REQUESTPARAMETERS.USERNAME");
        assertThat(e.values(p)).isEqualTo(whole.values(p)).isNotEmpty();
    }

    @Test
    void aKeywordFieldSetBuildsWholeRecords() {
        FieldSet all = FieldSet.builder().addEverything().build();
        assertThat(all.isAll()).isTrue();
        Event e = one(new EventParser(ParseLimits.defaults(), false, all), RECORD);
        assertThat(e.isPartial()).isFalse();
        assertThat(e.root().has("Skipped")).isTrue();
    }

    @Test
    void malformedSkippedPartsFailAsWholeRecordsDo() throws IOException {
        String[] broken = {
            RECORD.replace("\"deep\":[1,2,", "\"deep\":[1,2,,"), // syntax error in a skipped part
            RECORD.replace("\"x\":\"y\"", "\"x\":\"y\\q\""), // bad escape
            RECORD.replace("\"x\":\"y\"", "\"x\":" + "9".repeat(1200)), // number too long
            RECORD.replace("\"x\":\"y\"", "\"x\":" + "[".repeat(80) + "]".repeat(80)), // too deep
            RECORD.substring(0, RECORD.indexOf("\"deep\"") + 12), // truncated inside a skipped part
        };
        FieldSet few = fields("eventName");
        for (ParseLimits limits :
                List.of(ParseLimits.defaults(), ParseLimits.defaults().withMaxStringLength(16))) {
            EventParser whole = new EventParser(limits, false);
            EventParser selective = new EventParser(limits, false, few);
            for (String text : broken) {
                for (byte[] input : inputs(text)) {
                    ParseResult w = whole.parse(input);
                    ParseResult s = selective.parse(input);
                    assertThat(w.failures()).as(text).isNotEmpty();
                    assertThat(s.failures()).as(text).isEqualTo(w.failures());
                    assertThat(s.events()).hasSameSizeAs(w.events());
                }
            }
        }
        // Invalid UTF-8 inside a skipped string.
        byte[] bad = RECORD.replace("\"x\":\"y\"", "\"x\":\"y?\"").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bad.length; i++) {
            if (bad[i] == '?') {
                bad[i] = (byte) 0xC3; // a lead byte followed by '"', not a continuation byte
            }
        }
        assertThat(new EventParser(ParseLimits.defaults(), false, few)
                        .parse(bad)
                        .failures())
                .isEqualTo(new EventParser().parse(bad).failures())
                .isNotEmpty();
    }

    @Test
    void aLongSkippedStringBreaksANarrowStringLimit() {
        String record = RECORD.replace("\"x\":\"y\"", "\"x\":\"" + "z".repeat(100) + "\"");
        ParseLimits limits = ParseLimits.defaults().withMaxStringLength(32);
        List<ParseFailure> whole = new EventParser(limits, false)
                .parse(record.getBytes(StandardCharsets.UTF_8))
                .failures();
        List<ParseFailure> selective = new EventParser(limits, false, fields("eventName"))
                .parse(record.getBytes(StandardCharsets.UTF_8))
                .failures();
        assertThat(whole).extracting(ParseFailure::reason).containsExactly(ParseFailure.Reason.VALUE_TOO_LONG);
        assertThat(selective).extracting(ParseFailure::reason).containsExactly(ParseFailure.Reason.VALUE_TOO_LONG);
    }

    /** The record as a message, a JSON Lines file, a CloudTrail log file and a gzip CloudTrail log file. */
    private static List<byte[]> inputs(String record) throws IOException {
        byte[] message = record.getBytes(StandardCharsets.UTF_8);
        byte[] lines = (RECORD + "\n" + record + "\n" + RECORD + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] file = ("{\"Records\":[" + RECORD + "," + record + "," + RECORD + "]}").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(file);
        }
        return List.of(message, lines, file, gz.toByteArray());
    }
}
