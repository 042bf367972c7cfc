package dev.tripline.io;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.Path;

/**
 * Cuts one plain (not gzipped) JSON Lines file into byte ranges that several readers can read at once, so that a
 * run over one large file uses every reader instead of one.
 *
 * <p>A range owns the lines that begin inside it. Each range after the first begins at a line whose preceding line
 * is neither blank nor above the line limit: there, a reader of the whole file has reset its run of blank lines
 * ({@link RawRecordFormat}), so a reader that starts at the range is in the same state, and gives the same records,
 * line numbers and refusals. The number of lines before each range comes from one pass over the bytes up to the
 * last cut, counting line breaks; that pass is the price of keeping line numbers, and it reads the file once (at
 * about the speed of the disk or the page cache) before the readers start.
 *
 * <p>Keeps no state; each call reads the file it is given.
 */
final class JsonLinesRanges {
    private JsonLinesRanges() {}

    /**
     * One range: the lines beginning at a byte offset in {@code [start, end)}, and the lines of the file before
     * {@code start}. The last range's end is {@link Long#MAX_VALUE}: like a reader of the whole file, it reads to
     * the end, even if the file grew after it was listed.
     */
    record Range(long start, long end, long linesBefore) {
        static final Range WHOLE = new Range(0, Long.MAX_VALUE, 0);

        boolean whole() {
            return start == 0 && end == Long.MAX_VALUE;
        }
    }

    private static final int BUFFER_BYTES = 1 << 20;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long NEWLINES = ONES * '\n';

    /**
     * Up to {@code pieces} ranges of the file at {@code path} ({@code size} bytes as listed), each beginning at the
     * first clean line start (see the class comment) at or after {@code k * (size / pieces)}. Fewer when the file
     * has no clean line start past a cut (one huge line, or blank lines to the end); one {@link Range#WHOLE} when
     * none.
     */
    static List<Range> cut(Path path, long size, int pieces, long maxLineBytes) throws IOException {
        Cuts cuts = new Cuts(size, pieces, maxLineBytes);
        if (pieces > 1) {
            try (InputStream in = ListedFileOpener.open(path, size)) {
                byte[] buf = new byte[BUFFER_BYTES];
                long offset = 0; // of buf[0]
                int n;
                while (!cuts.done() && (n = in.read(buf, 0, buf.length)) > 0) {
                    int i = 0;
                    while (i < n && !cuts.done()) {
                        if (cuts.nonBlank) {
                            // Inside a line known not to be blank, only its end matters: eight bytes at a time.
                            int end = newline(buf, i, n);
                            if (end < n) {
                                cuts.lineEnd(offset + end);
                            }
                            i = end + 1;
                        } else {
                            byte c = buf[i];
                            if (c == '\n') {
                                cuts.lineEnd(offset + i);
                            } else if (!LineReader.isBlank(c)) {
                                cuts.nonBlank = true;
                            }
                            i++;
                        }
                    }
                    offset += n;
                }
            }
        }
        return cuts.ranges();
    }

    /** The index of the first line feed in {@code b[from, to)}, or {@code to}. */
    static int newline(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES; // a zero byte where b holds a line feed
            long zero = (x - ONES) & ~x & HIGHS; // exact up to the lowest zero byte, all that is read of it
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return to;
    }

    /** The pass's state: the line being read, the lines counted, and the range starts found so far. */
    private static final class Cuts {
        private final long step;
        private final int pieces;
        private final long maxLineBytes;
        private final long size;
        private final long[] starts;
        private final long[] linesBefore;
        /** Range starts found; the first range starts at 0, after no line. */
        private int found = 1;
        /** The cut whose range start is sought next. */
        private int next = 1;

        private long lineStart;
        private long lines;
        /** Whether the line being read holds a byte that is not blank ({@link LineReader#isBlank(byte)}). */
        boolean nonBlank;

        Cuts(long size, int pieces, long maxLineBytes) {
            this.size = size;
            this.pieces = Math.max(1, pieces);
            this.step = size / this.pieces;
            this.maxLineBytes = maxLineBytes;
            this.starts = new long[this.pieces];
            this.linesBefore = new long[this.pieces];
        }

        boolean done() {
            return next >= pieces;
        }

        /** The line being read ends with the line feed at {@code at}. */
        void lineEnd(long at) {
            lines++;
            boolean clean = nonBlank && at - lineStart <= maxLineBytes;
            lineStart = at + 1;
            nonBlank = false;
            if (clean && lineStart >= next * step && lineStart < size) {
                starts[found] = lineStart;
                linesBefore[found] = lines;
                found++;
                while (next < pieces && next * step <= lineStart) {
                    next++; // a line can span several cuts: they all fall to this start
                }
            }
        }

        List<Range> ranges() {
            List<Range> out = new ArrayList<>(found);
            for (int k = 0; k < found; k++) {
                out.add(new Range(starts[k], k + 1 < found ? starts[k + 1] : Long.MAX_VALUE, linesBefore[k]));
            }
            return out;
        }
    }
}
