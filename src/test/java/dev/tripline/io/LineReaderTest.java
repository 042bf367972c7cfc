package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lines across buffer boundaries, empty lines, a last line without a break, over-long lines, the rest. */
class LineReaderTest {

    /** Hands out at most {@code chunk} bytes per read, as a pipe does. */
    static InputStream chunked(byte[] data, int chunk) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
    }

    static List<String> lines(LineReader r) throws IOException {
        List<String> out = new ArrayList<>();
        for (LineReader.Line l = r.next(); l != null; l = r.next()) {
            out.add(l.tooLong() ? "TOO LONG " + l.length() : new String(l.bytes(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void splitsAtNewlinesWhateverTheReadSizes() throws IOException {
        byte[] data = "a\n\nbb\r\n".concat("x".repeat(70_000)).concat("\nlast").getBytes(StandardCharsets.UTF_8);
        for (int chunk : new int[] {1, 3, 4096, 1 << 20}) {
            List<String> got = lines(new LineReader(chunked(data, chunk), 100_000));
            assertThat(got).as("chunk " + chunk).containsExactly("a", "", "bb\r", "x".repeat(70_000), "last");
        }
        assertThat(lines(new LineReader(chunked(new byte[0], 7), 10))).isEmpty();
        assertThat(lines(new LineReader(chunked("only\n".getBytes(StandardCharsets.UTF_8), 2), 10)))
                .containsExactly("only");
    }

    @Test
    void overLongLinesAreMeasuredNotKept() throws IOException {
        byte[] data = ("ok\n" + "y".repeat(200_000) + "\nfine").getBytes(StandardCharsets.UTF_8);
        for (int chunk : new int[] {5000, 1 << 20}) {
            assertThat(lines(new LineReader(chunked(data, chunk), 1000)))
                    .as("chunk " + chunk)
                    .containsExactly("ok", "TOO LONG 200000", "fine");
        }
        byte[] edge = ("z".repeat(1000) + "\n" + "w".repeat(1001) + "\n").getBytes(StandardCharsets.UTF_8);
        assertThat(lines(new LineReader(chunked(edge, 1 << 20), 1000)))
                .containsExactly("z".repeat(1000), "TOO LONG 1001");
    }

    @Test
    void theRestStartsAfterTheLastLineRead() throws IOException {
        LineReader r = new LineReader(chunked("{\n  \"Records\": []\n}\n".getBytes(StandardCharsets.UTF_8), 64), 100);
        assertThat(new String(r.next().bytes(), StandardCharsets.UTF_8)).isEqualTo("{");
        assertThat(new String(r.rest().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("  \"Records\": []\n}\n");
    }
}
