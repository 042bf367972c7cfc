package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.testing.SharedData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Event input is untrusted: corrupted variants of real CloudTrail records (truncated, bytes flipped, spliced,
 * gzip cut short) must never make the parser throw, and nothing may vanish: every non-blank message yields at
 * least one event or one failure.
 */
class MutatedRecordsTest {

    @Test
    void corruptedMessagesAreEitherEventsOrFailures() throws IOException {
        List<ObjectNode> records = SharedData.allCloudTrailRecords();
        Random random = new Random(42);
        EventParser parser = new EventParser();
        int failures = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] message = mutate(
                    records.get(random.nextInt(records.size())).toString().getBytes(StandardCharsets.UTF_8), random);
            ParseResult r = parser.parse(message);
            if (!new String(message, StandardCharsets.ISO_8859_1).isBlank()) {
                assertThat(r.events().size() + r.failures().size())
                        .as(new String(message, StandardCharsets.UTF_8))
                        .isPositive();
            }
            failures += r.failures().size();
            ParseResult streamed = parser.parseAll(new ByteArrayInputStream(message));
            assertThat(streamed.events().size()).isEqualTo(r.events().size());
            assertThat(streamed.failures().size()).isEqualTo(r.failures().size());
        }
        assertThat(failures).as("corruptions are reported").isGreaterThan(1000);
    }

    private static byte[] mutate(byte[] b, Random random) throws IOException {
        byte[] out = b.clone();
        switch (random.nextInt(5)) {
            case 0 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length + 1));
            case 1 -> {
                for (int k = 0; k < 1 + random.nextInt(3); k++) {
                    out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                }
            }
            case 2 -> {
                byte[] spliced = new byte[out.length * 2 + 1];
                System.arraycopy(out, 0, spliced, 0, out.length);
                spliced[out.length] = '\n';
                System.arraycopy(out, 0, spliced, out.length + 1, out.length);
                spliced[random.nextInt(spliced.length)] = (byte) '{';
                out = spliced;
            }
            case 3 -> {
                ByteArrayOutputStream z = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(z)) {
                    gz.write(out);
                }
                byte[] gz = z.toByteArray();
                out = java.util.Arrays.copyOf(gz, Math.max(2, random.nextInt(gz.length + 1)));
            }
            default -> {
                int at = random.nextInt(out.length);
                out[at] = (byte) "\"{}[],:\\".charAt(random.nextInt(8));
            }
        }
        return out;
    }
}
