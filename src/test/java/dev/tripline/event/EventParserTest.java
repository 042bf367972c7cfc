package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class EventParserTest {
    private static final String REC1 = "{\"eventVersion\":\"1.08\",\"eventTime\":\"2023-07-10T11:42:36Z\","
            + "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"recipientAccountId\":\"111122223333\"}";
    private static final String REC2 = "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\","
            + "\"eventTime\":\"2023-07-10T11:42:37.250Z\"}";

    private final EventParser parser = new EventParser();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    private static ParseResult stream(EventParser p, byte[] b) {
        return p.parseAll(new ByteArrayInputStream(b));
    }

    @Test
    void jsonLinesSkipBlankLinesAndKeepEventTime() {
        ParseResult r = stream(parser, utf8(REC1 + "\n\n   \r\n" + REC2 + "\r\n"));
        assertThat(r.failures()).isEmpty();
        assertThat(r.events()).hasSize(2);
        assertThat(r.events().get(0).eventTimeMillis()).isEqualTo(1688989356000L);
        assertThat(r.events().get(1).eventTimeMillis()).isEqualTo(1688989357250L);
        assertThat(r.events().get(0).logType()).isEqualTo(LogType.CLOUDTRAIL);
    }

    @Test
    void badLineFailsAloneWithItsLineNumber() {
        ParseResult r = stream(parser, utf8(REC1 + "\n{\"eventName\": oops}\n" + REC2 + "\n"));
        assertThat(r.events()).hasSize(2);
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(ParseFailure.Reason.MALFORMED_JSON);
            assertThat(f.line()).isEqualTo(2);
            assertThat(f.byteOffset()).isGreaterThan(REC1.length());
            assertThat(f.snippet()).contains("oops");
            assertThat(f.where()).startsWith("line 2");
        });
    }

    @Test
    void cloudTrailLogFilePlainAndGzip() throws IOException {
        byte[] file = utf8("{\"Records\":[" + REC1 + "," + REC2 + "]}");
        for (byte[] input : new byte[][] {file, gzip(file)}) {
            ParseResult viaMessage = parser.parse(input);
            ParseResult viaStream = stream(parser, input);
            for (ParseResult r : new ParseResult[] {viaMessage, viaStream}) {
                assertThat(r.failures()).isEmpty();
                assertThat(r.events())
                        .extracting(e -> e.root().get("eventName").asText())
                        .containsExactly("CreateUser", "GetObject");
            }
        }
    }

    @Test
    void prettyPrintedLogFileAndTopLevelArray() {
        String pretty = "{\n  \"Records\": [\n    " + REC1 + ",\n    " + REC2 + "\n  ]\n}\n";
        assertThat(stream(parser, utf8(pretty)).events()).hasSize(2);
        String array = "[\n " + REC1 + ",\n " + REC2 + "\n]";
        assertThat(stream(parser, utf8(array)).events()).hasSize(2);
        String prettyRecord = "{\n  \"eventVersion\": \"1.08\",\n  \"eventTime\": \"2023-07-10T11:42:36Z\"\n}";
        assertThat(stream(parser, utf8(prettyRecord)).events()).hasSize(1);
    }

    @Test
    void recordsElementFailuresCarryTheirIndex() {
        String file = "{\"Records\":[" + REC1 + ",{\"foo\":1},42," + REC2 + "]}";
        ParseResult r = parser.parse(utf8(file));
        assertThat(r.events()).hasSize(2);
        assertThat(r.failures())
                .extracting(ParseFailure::reason, ParseFailure::envelope, ParseFailure::index)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ParseFailure.Reason.NOT_CLOUDTRAIL, "Records", 1),
                        org.assertj.core.groups.Tuple.tuple(ParseFailure.Reason.NOT_AN_OBJECT, "Records", 2));
        assertThat(r.failures().get(0).byteOffset()).isEqualTo(file.indexOf("{\"foo\""));
        assertThat(r.failures().get(0).snippet()).startsWith("{\"foo\":1}");
    }

    @Test
    void eventBridgeCloudTrailDetailTypes() {
        for (String type : new String[] {
            "AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail", "AWS Service Event via CloudTrail"
        }) {
            String eb = "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"" + type + "\",\"source\":\"aws.iam\","
                    + "\"time\":\"2023-07-10T11:42:36Z\",\"detail\":" + REC1 + "}";
            ParseResult r = parser.parse(utf8(eb));
            assertThat(r.failures()).isEmpty();
            assertThat(r.events())
                    .singleElement()
                    .satisfies(
                            e -> assertThat(e.root().get("eventName").asText()).isEqualTo("CreateUser"));
        }
        ParseResult other = parser.parse(utf8("{\"detail-type\":\"EC2 Instance State-change Notification\","
                + "\"detail\":{\"state\":\"running\"}}"));
        assertThat(other.failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.NOT_CLOUDTRAIL);
        ParseResult noDetail = parser.parse(utf8("{\"detail-type\":\"AWS API Call via CloudTrail\"}"));
        assertThat(noDetail.failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.BAD_ENVELOPE);
    }

    private static String logEvent(int i, String record) {
        return "{\"id\":\"" + i + "\",\"timestamp\":1688989356000,\"message\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(record) + "}";
    }

    @Test
    void cloudWatchDataAndControlMessages() throws IOException {
        String data = "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"111122223333\",\"logGroup\":\"trail\","
                + "\"logStream\":\"s\",\"subscriptionFilters\":[\"f\"],\"logEvents\":[" + logEvent(0, REC1) + ","
                + logEvent(1, "not json") + "," + logEvent(2, REC2) + "]}";
        for (ParseResult r : new ParseResult[] {parser.parse(gzip(utf8(data))), stream(parser, gzip(utf8(data)))}) {
            assertThat(r.events()).hasSize(2);
            assertThat(r.failures()).singleElement().satisfies(f -> {
                assertThat(f.reason()).isEqualTo(ParseFailure.Reason.MALFORMED_JSON);
                assertThat(f.envelope()).isEqualTo("logEvents");
                assertThat(f.index()).isEqualTo(1);
            });
        }
        // logEvents before messageType: buffered, same result
        String reordered = "{\"logEvents\":[" + logEvent(0, REC1) + "],\"messageType\":\"DATA_MESSAGE\"}";
        assertThat(parser.parse(gzip(utf8(reordered))).events()).hasSize(1);
        String control = "{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\","
                + "\"logStream\":\"\",\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":1,"
                + "\"message\":\"CWL CONTROL MESSAGE: Checking health of destination Firehose.\"}]}";
        ParseResult c = parser.parse(gzip(utf8(control)));
        assertThat(c.events()).isEmpty();
        assertThat(c.failures()).isEmpty();
        assertThat(parser.parse(gzip(utf8("{\"messageType\":\"DATA_MESSAGE\"}")))
                        .failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.BAD_ENVELOPE);
    }

    @Test
    void eventTimeIsRequired() {
        ParseResult missing = parser.parse(utf8("{\"eventVersion\":\"1.08\",\"eventName\":\"X\"}"));
        assertThat(missing.failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.MISSING_EVENT_TIME);
        ParseResult bad = parser.parse(utf8("{\"eventVersion\":\"1.08\",\"eventTime\":\"yesterday\"}"));
        assertThat(bad.failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.INVALID_EVENT_TIME);
        ParseResult numeric = parser.parse(utf8("{\"eventVersion\":\"1.08\",\"eventTime\":1688989356}"));
        assertThat(numeric.failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.INVALID_EVENT_TIME);
        ParseResult offset =
                parser.parse(utf8("{\"eventVersion\":\"1.08\",\"eventTime\":\"2023-07-10T13:42:36+02:00\"}"));
        assertThat(offset.events())
                .singleElement()
                .satisfies(e -> assertThat(e.eventTimeMillis()).isEqualTo(1688989356000L));
    }

    @Test
    void panthersUtcLayoutIsReadAsUtcButAZonelessIsoTimeIsNot() {
        // Panther's normalised form, as in its labelled test events and data-lake exports: always UTC.
        for (String t :
                new String[] {"2023-07-10 11:42:36", "2023-07-10 11:42:36.000", "2023-07-10 11:42:36.000000000"}) {
            ParseResult r = parser.parse(utf8("{\"eventVersion\":\"1.08\",\"eventTime\":\"" + t + "\"}"));
            assertThat(r.events())
                    .as(t)
                    .singleElement()
                    .satisfies(e -> assertThat(e.eventTimeMillis()).isEqualTo(1688989356000L));
        }
        for (String t : new String[] {
            "2023-07-10T11:42:36",
            "2023-07-10 11:42",
            "2023-02-30 11:42:36",
            "2023-07-10 11:42:36.0000000000",
            "2023-07-10  11:42:36"
        }) {
            assertThat(parser.parse(utf8("{\"eventVersion\":\"1.08\",\"eventTime\":\"" + t + "\"}"))
                            .failures())
                    .as(t)
                    .extracting(ParseFailure::reason)
                    .containsExactly(ParseFailure.Reason.INVALID_EVENT_TIME);
        }
    }

    @Test
    void theJobsParserRequiresAUserIdentityObject() {
        EventParser job = new EventParser(ParseLimits.defaults(), true);
        String base = "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":\"X\"";
        ParseResult missing = job.parse(utf8(base + "}\n" + base + ",\"userIdentity\":\"root\"}\n" + base
                + ",\"userIdentity\":{\"type\":\"Root\"}}"));
        assertThat(missing.failures())
                .extracting(f -> f.reason() + "@" + f.line())
                .containsExactly("MISSING_IDENTITY@1", "MISSING_IDENTITY@2");
        assertThat(missing.events()).hasSize(1);
        assertThat(parser.parse(utf8(base + "}")).events())
                .as("lenient by default, for explain")
                .hasSize(1);
    }

    @Test
    void nonObjectJsonAndNonCloudTrail() {
        assertThat(parser.parse(utf8("\"hello\"")).failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.NOT_AN_OBJECT);
        assertThat(stream(parser, utf8("42\nnull\n")).failures())
                .extracting(ParseFailure::reason, ParseFailure::line)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ParseFailure.Reason.NOT_AN_OBJECT, 1L),
                        org.assertj.core.groups.Tuple.tuple(ParseFailure.Reason.NOT_AN_OBJECT, 2L));
        assertThat(parser.parse(utf8("{\"eventName\":\"X\",\"eventTime\":\"2023-07-10T11:42:36Z\"}"))
                        .failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.NOT_CLOUDTRAIL);
        assertThat(parser.parse(utf8("{\"Records\":{}}")).failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.BAD_ENVELOPE);
    }

    @Test
    void deepNestingIsRejected() {
        EventParser p = new EventParser(ParseLimits.defaults().withMaxDepth(16));
        String deep = "{\"eventVersion\":\"1\",\"eventTime\":\"2023-07-10T11:42:36Z\",\"a\":" + "[".repeat(40)
                + "]".repeat(40) + "}";
        ParseResult r = p.parse(utf8(deep));
        assertThat(r.events()).isEmpty();
        assertThat(r.failures()).extracting(ParseFailure::reason).containsExactly(ParseFailure.Reason.TOO_DEEP);
        ParseResult lines = stream(p, utf8(REC1 + "\n" + deep + "\n" + REC2 + "\n"));
        assertThat(lines.events()).hasSize(2);
        assertThat(lines.failures())
                .extracting(ParseFailure::reason, ParseFailure::line)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ParseFailure.Reason.TOO_DEEP, 2L));
        // default limit also holds against pathological depth
        ParseResult veryDeep = parser.parse(utf8("[".repeat(100_000)));
        assertThat(veryDeep.failures()).extracting(ParseFailure::reason).containsExactly(ParseFailure.Reason.TOO_DEEP);
    }

    @Test
    void oversizedRecordsAreSkippedNotHeld() {
        EventParser p = new EventParser(ParseLimits.defaults().withMaxRecordBytes(1024));
        String big = "{\"eventVersion\":\"1\",\"eventTime\":\"2023-07-10T11:42:36Z\",\"pad\":[" + "\"x\",".repeat(2000)
                + "\"x\"]}";
        ParseResult inRecords = p.parse(utf8("{\"Records\":[" + REC1 + "," + big + "," + REC2 + "]}"));
        assertThat(inRecords.events()).hasSize(2);
        assertThat(inRecords.failures())
                .extracting(ParseFailure::reason, ParseFailure::index)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ParseFailure.Reason.RECORD_TOO_LARGE, 1));
        ParseResult inLines = stream(p, utf8(REC1 + "\n" + big + "\n" + REC2));
        assertThat(inLines.events()).hasSize(2);
        assertThat(inLines.failures())
                .extracting(ParseFailure::reason, ParseFailure::line)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ParseFailure.Reason.RECORD_TOO_LARGE, 2L));
        ParseResult single = p.parse(utf8(big));
        assertThat(single.failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.RECORD_TOO_LARGE);
        EventParser shortStrings = new EventParser(ParseLimits.defaults().withMaxStringLength(100));
        ParseResult longString = shortStrings.parse(utf8("{\"eventVersion\":\"" + "y".repeat(500) + "\"}"));
        assertThat(longString.failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.VALUE_TOO_LONG);
    }

    @Test
    void gzipBombAndCorruptGzip() throws IOException {
        byte[] zeros = new byte[8 << 20];
        Arrays.fill(zeros, (byte) ' ');
        byte[] bomb = gzip(zeros);
        assertThat(bomb.length).isLessThan(64 * 1024);
        EventParser p = new EventParser(ParseLimits.defaults().withMaxDecompressedBytes(1 << 20));
        assertThat(p.parse(bomb).failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.DECOMPRESSED_TOO_LARGE);
        byte[] records = utf8("{\"Records\":[" + (REC1 + ",").repeat(20_000) + REC2 + "]}");
        ParseResult partial = p.parse(gzip(records));
        assertThat(partial.failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.DECOMPRESSED_TOO_LARGE);
        assertThat(partial.events()).isNotEmpty();
        byte[] good = gzip(utf8(REC1));
        byte[] truncated = Arrays.copyOf(good, good.length - 12);
        assertThat(parser.parse(truncated).failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.BAD_GZIP);
        byte[] corrupt = good.clone();
        corrupt[3] = (byte) 0xff; // reserved flag bits set
        assertThat(parser.parse(corrupt).failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.BAD_GZIP);
    }

    @Test
    void binaryGarbageAndInvalidUtf8() {
        byte[] garbage = new byte[4096];
        new java.util.Random(7).nextBytes(garbage);
        garbage[0] = (byte) 0x00;
        ParseResult r = parser.parse(garbage);
        assertThat(r.events()).isEmpty();
        assertThat(r.failures()).extracting(ParseFailure::reason).containsExactly(ParseFailure.Reason.BINARY_INPUT);
        assertThat(stream(parser, garbage).failures()).hasSize(1);
        byte[] badUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertThat(parser.parse(badUtf8).failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.MALFORMED_JSON);
        assertThat(parser.parse(new byte[0]).ok()).isTrue();
    }

    @Test
    void tooManyRecordsPerEnvelope() {
        EventParser p = new EventParser(ParseLimits.defaults().withMaxRecordsPerEnvelope(2));
        ParseResult r = p.parse(utf8("{\"Records\":[" + REC1 + "," + REC2 + "," + REC1 + "," + REC2 + "]}"));
        assertThat(r.events()).hasSize(2);
        assertThat(r.failures())
                .extracting(ParseFailure::reason, ParseFailure::index)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ParseFailure.Reason.TOO_MANY_RECORDS, 2));
    }

    @Test
    void truncatedEnvelopeKeepsRecordsReadSoFar() {
        ParseResult r = parser.parse(utf8("{\"Records\":[" + REC1 + "," + REC2 + ",{\"eventVer"));
        assertThat(r.events()).hasSize(2);
        assertThat(r.failures()).extracting(ParseFailure::reason).containsExactly(ParseFailure.Reason.MALFORMED_JSON);
    }

    @Test
    void readErrorsBecomeFailures() {
        java.io.InputStream failing = new java.io.InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n < REC1.length()) {
                    return REC1.charAt(n++);
                }
                throw new IOException("disk on fire");
            }
        };
        ParseResult r = parser.parseAll(failing);
        assertThat(r.failures()).extracting(ParseFailure::reason).containsExactly(ParseFailure.Reason.READ_ERROR);
    }
}
