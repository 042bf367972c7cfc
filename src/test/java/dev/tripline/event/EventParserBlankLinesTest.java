package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Blank lines count against the parser's limits like content: a run of them is one record, gzip expansion too. */
class EventParserBlankLinesTest {
    static final String REC =
            "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-05-01T10:00:00Z\",\"eventName\":\"GetObject\","
                    + "\"userIdentity\":{\"type\":\"IAMUser\",\"accountId\":\"111122223333\"}}";

    static byte[] gzipWithBlankRun(long blank) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] block = "\n".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
        try (GZIPOutputStream out = new GZIPOutputStream(bytes, 1 << 16)) {
            out.write((REC + "\n").getBytes(StandardCharsets.UTF_8));
            for (long written = 0; written < blank; written += block.length) {
                out.write(block);
            }
            out.write((REC + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    @Test
    void aRunOfBlankLinesLongerThanARecordIsOneFailureAndParsingGoesOn() {
        EventParser parser = new EventParser(ParseLimits.defaults().withMaxRecordBytes(256));
        String input = REC + "\n" + " \r\n".repeat(200) + REC + "\n\n\n" + REC + "\n";
        ParseResult r = parser.parse(input.getBytes(StandardCharsets.UTF_8));
        assertThat(r.events()).as("%s", r.failures()).hasSize(3);
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(ParseFailure.Reason.RECORD_TOO_LARGE);
            assertThat(f.message()).contains("blank lines in a row");
        });
    }

    @Test
    void aGzipBombOfBlankLinesEndsAtTheDecompressionLimitWithItsReasons() throws IOException {
        byte[] bomb = gzipWithBlankRun(300L << 20);
        assertThat(bomb.length).isLessThan(1 << 20);
        ParseResult r = EventParser.forDetection().parse(bomb);
        assertThat(r.events()).hasSize(1);
        assertThat(r.failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.RECORD_TOO_LARGE, ParseFailure.Reason.DECOMPRESSED_TOO_LARGE);
    }
}
