package dev.tripline.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Makes the {@link RawRecordSplit}s of {@link RawRecordFormat}'s files: an uncompressed JSON Lines file larger
 * than a split becomes several line-aligned byte ranges, read in parallel; every other file (gzip, a CloudTrail
 * document, a small file) stays one split. Directories are walked as Flink's
 * {@link NonSplittingRecursiveEnumerator} walks them.
 *
 * <p>A split is {@code splitBytes} (32 MB unless a test sets it) or a little more, whatever the parallelism: the
 * layout depends on the file alone, so the event-time outlier check, which follows each split as a source of its
 * own ({@link RawRecord#source}), gives the same dead letters at any parallelism. 32 MB is several splits per
 * subtask for a file of a few hundred megabytes (a subtask that finishes early takes another instead of idling)
 * and large enough that a split's hand-over and its reader's start cost little against its reading. Each boundary
 * is moved forward to the start of the first line that is
 * neither blank nor above the line limit, so that no run of blank lines spans two splits and a reader that
 * starts at a boundary starts in the state an unsplit reader is in there (the blank-run refusal of
 * {@link RawRecordFormat} is the same whatever the layout).
 *
 * <p>Line numbers stay those of the whole file: the enumerator reads the file once, counting newlines, to give
 * each split the number of its first line. That costs one sequential pass over the file before reading starts
 * (a second read of the file, cheap from the page cache, a second download from object storage), against the
 * alternatives: byte offsets as positions would change what dead letters report, and readers counting the lines
 * before their own start would read the beginning of a file once per split. The pass runs where the enumerator
 * runs (the source coordinator, before the first split is handed out). Keeps no state between calls.
 */
final class LineAlignedEnumerator extends NonSplittingRecursiveEnumerator {
    /** The size a JSON Lines file is cut into (see the class doc). */
    static final long DEFAULT_SPLIT_BYTES = 32L << 20;

    private static final int SCAN_BUFFER = 1 << 20;

    private final RawRecordFormat format;

    LineAlignedEnumerator(RawRecordFormat format) {
        this.format = format;
    }

    @Override
    protected void convertToSourceSplits(FileStatus file, FileSystem fs, List<FileSourceSplit> target)
            throws IOException {
        Path path = file.getPath();
        long size = file.getLen();
        long splitBytes = format.splitBytes();
        if (!isSplittable(path.getName()) || size <= splitBytes) {
            target.add(new RawRecordSplit(getNextId(), path, 0, size, file.getModificationTime(), size, 1));
            return;
        }
        List<long[]> starts;
        try (InputStream in = fs.open(path)) {
            starts = boundaries(in, size, splitBytes, format.maxLineBytes());
        }
        for (int i = 0; i < starts.size(); i++) {
            long offset = starts.get(i)[0];
            long end = i + 1 < starts.size() ? starts.get(i + 1)[0] : size;
            target.add(new RawRecordSplit(
                    getNextId(), path, offset, end - offset, file.getModificationTime(), size, starts.get(i)[1]));
        }
    }

    /** Uncompressed JSON Lines: a reader can start at any line. Gzip and whole documents cannot be cut. */
    static boolean isSplittable(String name) {
        return RawRecordFormat.isJsonLines(name)
                && !name.toLowerCase(Locale.ROOT).endsWith(".gz");
    }

    /**
     * The split starts of a stream as {offset, line number} pairs, the first {0, 1}: after each start, the next
     * is the first line at least {@code splitBytes} further on that is neither blank nor longer than
     * {@code maxLineBytes} (measured as {@link LineReader} does, without its {@code \n}). Reads the first
     * {@code size} bytes only: the size the splits are cut from, even if the file grows meanwhile.
     */
    static List<long[]> boundaries(InputStream in, long size, long splitBytes, int maxLineBytes) throws IOException {
        List<long[]> starts = new ArrayList<>();
        starts.add(new long[] {0, 1});
        byte[] buf = new byte[SCAN_BUFFER];
        long base = 0; // offset of buf[0] in the stream
        long line = 1; // number of the line starting at lineStart
        long lineStart = 0;
        long nextTarget = splitBytes;
        boolean seeking = false; // lineStart is past the target: looking for a line to start a split at
        boolean nonBlank = false;
        int n;
        while ((n = in.readNBytes(buf, 0, (int) Math.min(buf.length, size - base))) > 0) {
            int i = 0;
            while (i < n) {
                if (!seeking) {
                    // Most of the file: count newlines only.
                    for (; i < n; i++) {
                        if (buf[i] == '\n') {
                            line++;
                            lineStart = base + i + 1;
                            if (lineStart >= nextTarget) {
                                i++;
                                seeking = true;
                                nonBlank = false;
                                break;
                            }
                        }
                    }
                } else {
                    for (; i < n; i++) {
                        byte b = buf[i];
                        if (b == '\n') {
                            if (nonBlank && base + i - lineStart <= maxLineBytes) {
                                starts.add(new long[] {lineStart, line});
                                nextTarget = lineStart + splitBytes;
                            }
                            line++;
                            lineStart = base + i + 1;
                            nonBlank = false;
                            seeking = lineStart >= nextTarget;
                            i++;
                            break;
                        } else if (b != ' ' && b != '\t' && b != '\r') {
                            nonBlank = true;
                        }
                    }
                }
            }
            base += n;
        }
        if (seeking && nonBlank && base - lineStart <= maxLineBytes) {
            starts.add(new long[] {lineStart, line}); // a last line without a newline
        }
        return starts;
    }
}
