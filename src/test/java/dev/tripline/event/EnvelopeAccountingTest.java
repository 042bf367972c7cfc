package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Every record of an envelope is accounted for, whatever is wrong with one of them: the others are events, the
 * broken one a dead letter naming its index. Over every envelope the parser reads, plain and gzipped, from a
 * stream and as one message, and for each way a record can break inside it.
 */
class EnvelopeAccountingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ParseLimits LIMITS = ParseLimits.defaults()
            .withMaxRecordBytes(4096)
            .withMaxStringLength(2048)
            .withMaxDepth(16)
            .withMaxRecordsPerEnvelope(50);
    static final EventParser PARSER = new EventParser(LIMITS);

    static String record(int i) {
        return "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-05-01T10:00:0" + i + "Z\","
                + "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"Call" + i + "\"}";
    }

    /** The ways one record breaks, each as the bytes of the record in place of record 1. */
    static final List<String> BROKEN = List.of(
            // a string over the string limit (and the record over the record limit)
            "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-05-01T10:00:01Z\",\"x\":\"" + "a".repeat(5000) + "\"}",
            // a string over the string limit in a record under the record limit
            "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-05-01T10:00:01Z\",\"x\":\"" + "a".repeat(3000) + "\"}",
            // nested too deep
            "{\"eventVersion\":\"1.08\",\"a\":" + "[".repeat(30) + "]".repeat(30) + "}",
            // wrong type
            "\"a string, not a record\"",
            "42",
            // invalid UTF-8 in a string (the lone byte 0xFF, written as \u00FF and replaced below)
            "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-05-01T10:00:01Z\",\"x\":\"bad \u00FF byte\"}",
            // a syntax error inside the record
            "{\"eventVersion\":\"1.08\",\"eventTime\":tru}");

    /** The envelopes, given the records' JSON texts. */
    static final List<Function<List<String>, String>> ENVELOPES = List.of(
            rs -> "{\"Records\":[" + String.join(",", rs) + "]}",
            rs -> "{\"Records\":[\n  " + String.join(",\n  ", rs) + "\n]}\n",
            rs -> "[" + String.join(", ", rs) + "]",
            rs -> "{\"records\":[" + String.join(",", rs) + "]}",
            rs -> "{\"value\":[" + String.join(",", rs) + "],\"nextLink\":null}",
            rs -> {
                List<String> events = new ArrayList<>();
                for (int i = 0; i < rs.size(); i++) {
                    events.add("{\"id\":\"" + i + "\",\"timestamp\":1,\"message\":" + quoted(rs.get(i)) + "}");
                }
                return "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"1\",\"logEvents\":[" + String.join(",", events)
                        + "]}";
            });

    static String quoted(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** UTF-8, with U+00FF turned into the invalid lone byte 0xFF. */
    static byte[] bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < b.length; i++) {
            if ((b[i] & 0xff) == 0xC3 && i + 1 < b.length && (b[i + 1] & 0xff) == 0xBF) {
                out.write(0xFF);
                i++;
            } else {
                out.write(b[i]);
            }
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    @Test
    void oneBrokenRecordCostsOnlyItselfInEveryEnvelope() throws Exception {
        for (int e = 0; e < ENVELOPES.size(); e++) {
            for (int b = 0; b < BROKEN.size(); b++) {
                List<String> records = new ArrayList<>(List.of(record(0), BROKEN.get(b), record(2), record(3)));
                byte[] input = bytes(ENVELOPES.get(e).apply(records));
                // Mixed in among JSON Lines, an envelope is one line, and a line is bounded by the record limit.
                List<String> hows = input.length < LIMITS.maxRecordBytes()
                        ? List.of("message", "stream", "gzip", "line")
                        : List.of("message", "stream", "gzip");
                for (String how : hows) {
                    ParseResult r = switch (how) {
                        case "message" -> PARSER.parse(input);
                        case "stream" -> PARSER.parseAll(new ByteArrayInputStream(input));
                        case "gzip" -> PARSER.parseAll(new ByteArrayInputStream(gzip(input)));
                        default ->
                            PARSER.parseAll(new ByteArrayInputStream(bytes(record(9) + "\n"
                                    + new String(input, StandardCharsets.ISO_8859_1).replace("\n", " ")
                                    + "\n" + record(8) + "\n")));
                    };
                    String what = "envelope " + e + ", broken record " + b + ", " + how;
                    List<String> names = r.events().stream()
                            .map(ev -> ev.root().path("eventName").asText())
                            .toList();
                    List<String> expected = how.equals("line")
                            ? List.of("Call9", "Call0", "Call2", "Call3", "Call8")
                            : List.of("Call0", "Call2", "Call3");
                    assertThat(names).as(what + ": " + r.failures()).isEqualTo(expected);
                    assertThat(r.failures())
                            .as(what)
                            .singleElement()
                            .satisfies(f -> assertThat(f.index()).isEqualTo(1));
                }
            }
        }
    }

    @Test
    void recordsBeyondTheEnvelopeLimitAreCountedInTheirDeadLetter() {
        List<String> records = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            records.add(record(i % 10));
        }
        ParseResult r = PARSER.parse(bytes(ENVELOPES.get(0).apply(records)));
        assertThat(r.events()).hasSize(50);
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(ParseFailure.Reason.TOO_MANY_RECORDS);
            assertThat(f.message()).startsWith("30 records in this envelope after the first 50");
        });
    }

    @Test
    void aValueAfterAnEnvelopeIsStillRead() {
        String two = "{\"Records\":[" + record(0) + "]}\n" + record(1) + "\n";
        ParseResult r = PARSER.parseAll(new ByteArrayInputStream(bytes(two)));
        assertThat(r.failures()).isEmpty();
        assertThat(r.events()).hasSize(2);
    }
}
