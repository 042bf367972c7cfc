package dev.tripline.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines at {@code \n} through its own buffer, scanning a block at a time rather than
 * calling {@code read()} per byte. A line longer than the limit is measured to its end but not kept, so one huge
 * line costs no memory. Not thread-safe; one reader per stream.
 */
final class LineReader {
    /** One line without its {@code \n}: its bytes, or null when it was longer than the limit. */
    record Line(byte[] bytes, long length) {
        boolean tooLong() {
            return bytes == null;
        }
    }

    private final InputStream in;
    private final long maxLineBytes;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;

    LineReader(InputStream in, long maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line, or null at the end of the stream. A last line without a line break is a line. */
    Line next() throws IOException {
        ByteArrayOutputStream kept = null;
        long length = 0;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                int n = in.read(buf, 0, buf.length);
                if (n <= 0) {
                    pos = 0;
                    limit = 0;
                    if (!any) {
                        return null;
                    }
                    break;
                }
                pos = 0;
                limit = n;
            }
            any = true;
            int end = pos;
            while (end < limit && buf[end] != '\n') {
                end++;
            }
            int n = end - pos;
            if (length == 0 && end < limit && n <= maxLineBytes) {
                // The whole line is in the buffer (nearly every line): one copy, not two through a stream.
                byte[] line = Arrays.copyOfRange(buf, pos, end);
                pos = end + 1;
                return new Line(line, n);
            }
            if (length + n <= maxLineBytes) {
                if (kept == null) {
                    kept = new ByteArrayOutputStream(Math.max(n, 64));
                }
                kept.write(buf, pos, n);
            }
            length += n;
            boolean newline = end < limit;
            pos = newline ? end + 1 : limit;
            if (newline) {
                break;
            }
        }
        if (length > maxLineBytes) {
            return new Line(null, length);
        }
        return new Line(kept == null ? new byte[0] : kept.toByteArray(), length);
    }

    /** True for a byte a blank line may hold: a space, a tab or a carriage return (of a CRLF line end). */
    static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }

    /** True when the line holds only such bytes (or none): readers skip it rather than parse it. */
    static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (!isBlank(b)) {
                return false;
            }
        }
        return true;
    }

    /** What is left of the stream after the lines read so far, buffered bytes first. */
    InputStream rest() {
        InputStream buffered = new ByteArrayInputStream(buf, pos, limit - pos);
        pos = limit;
        return new SequenceInputStream(buffered, in);
    }
}
