package dev.tripline.io;

import dev.tripline.event.DecompressionLimit;
import dev.tripline.event.ParseFailure;
import dev.tripline.event.ParseLimits;
import dev.tripline.flink.RawRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.IteratorResultIterator;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.TemporaryClassLoaderContext;

/**
 * Reads audit-log files into {@link RawRecord}s for a {@link FileGroupSource}, the files of a
 * {@link FileGroupSplit} one after the other. JSON Lines files ({@code .jsonl},
 * {@code .ndjson}, optionally gzipped) give one record per non-blank line, origin the path and position the
 * line number; any other file (a CloudTrail log file, {@code .json} or {@code .json.gz}) gives one record
 * holding the whole file, since the parser unwraps gzip and the {@code Records} envelope itself.
 *
 * <p>Input is untrusted: a whole file above {@code maxFileBytes} or a line above {@code maxLineBytes} is not
 * read into memory but becomes a refused record (a dead letter downstream), and a file that fails mid-read
 * yields a refused record for the rest instead of failing the job. Blank lines count too: a run of them longer
 * than {@code maxLineBytes} is one refused record, and a gzipped JSON Lines file stops with a refused record
 * once it has expanded to {@code maxDecompressedBytes} (the parser's gzip limit), so a small file of
 * gigabytes of blank lines costs a second, not minutes.
 *
 * <p>A {@link BulkFormat} rather than a {@code StreamFormat} because only the bulk reader is given the split,
 * and with it the paths every record and dead letter must name. A split is a group of whole files, or a range of
 * one large JSON Lines file ({@link JsonLinesRanges}): its reader skips to the range's first byte, numbers lines on
 * from the lines before it, and stops at the first line that begins past its end. A batch holds records of one
 * file, positioned as {@link FileGroupSplit} describes (the file's index in the group, the file's records emitted);
 * on restore a reader re-opens the file it was reading, skips the records already emitted and goes on with the
 * group's next files.
 *
 * <p>A reader fetches the whole files of its group ahead of the one it is handing over, up to
 * {@link #FETCH_AHEAD_FILES} files and {@link #FETCH_AHEAD_BYTES} bytes at once: in S3 a CloudTrail object is small
 * and each one costs a round trip of tens of milliseconds, which one object after another would make the reader's
 * pace (on local disk it costs nothing measurable either way, so every file system takes the same path). The files
 * are still handed over in the group's order, with the same records and positions.
 */
public final class RawRecordFormat implements BulkFormat<RawRecord, FileGroupSplit> {
    private static final long serialVersionUID = 1L;
    /** Records per batch handed to Flink: amortises the hand-over without holding much in memory. */
    private static final int BATCH = 256;

    /** Whole files a reader fetches ahead at most. */
    static final int FETCH_AHEAD_FILES = 16;
    /** Bytes (as listed) of the files a reader has fetched ahead or in flight at most; one file always. */
    static final long FETCH_AHEAD_BYTES = 16L << 20;
    /**
     * The threads that fetch files ahead, shared by the readers of this process; idle ones end after a few seconds.
     * A thread would otherwise keep the class loader of the task that happened to start it, which goes with that
     * task's job while the thread serves the next: each fetch runs under its own reader's instead ({@link
     * #fetchUnder}).
     */
    private static final ExecutorService FETCHES =
            new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "tripline-file-fetch");
                t.setDaemon(true);
                t.setContextClassLoader(RawRecordFormat.class.getClassLoader());
                return t;
            });

    public static final long DEFAULT_MAX_FILE_BYTES = 64L << 20;
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    private final long maxFileBytes;
    private final int maxLineBytes;
    private final long maxDecompressedBytes;

    public RawRecordFormat() {
        this(DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_LINE_BYTES);
    }

    public RawRecordFormat(long maxFileBytes, int maxLineBytes) {
        this(maxFileBytes, maxLineBytes, ParseLimits.DEFAULT_MAX_DECOMPRESSED_BYTES);
    }

    public RawRecordFormat(long maxFileBytes, int maxLineBytes, long maxDecompressedBytes) {
        if (maxFileBytes < 1 || maxLineBytes < 1 || maxDecompressedBytes < 1) {
            throw new IllegalArgumentException(
                    "limits must be positive: " + maxFileBytes + "/" + maxLineBytes + "/" + maxDecompressedBytes);
        }
        this.maxFileBytes = maxFileBytes;
        this.maxLineBytes = maxLineBytes;
        this.maxDecompressedBytes = maxDecompressedBytes;
    }

    /** A bounded source over exactly these files (as {@link ArchiveFiles#list} finds them), local or remote. */
    public static FileGroupSource source(List<InputFile> files, RawRecordFormat format) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no input files");
        }
        return new FileGroupSource(files, format);
    }

    /** The longest line read as a record; a longer one is refused. */
    long maxLineBytes() {
        return maxLineBytes;
    }

    /** True for names read line by line. */
    static boolean isJsonLines(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) {
            n = n.substring(0, n.length() - 3);
        }
        return n.endsWith(".jsonl") || n.endsWith(".ndjson");
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FileGroupSplit split) {
        return new GroupReader(split);
    }

    @Override
    public Reader<RawRecord> restoreReader(Configuration config, FileGroupSplit split) {
        return new GroupReader(split);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return RawRecord.TYPE;
    }

    /**
     * Reads a group's files in order from its position (the start, or where a checkpoint left it), and fetches the
     * whole files after the current one ahead. Holds the fetches in flight or done and not yet handed over; cancelled
     * when the reader closes.
     */
    private final class GroupReader implements Reader<RawRecord> {
        private final FileGroupSplit group;
        /** The index of the file being read, and its reader (null between files). */
        private int file;

        private FileReader current;
        /** Fetches of the whole files ahead, by file index. */
        private final Map<Integer, Future<byte[]>> ahead = new HashMap<>();
        /** The next file to consider fetching ahead, and the listed bytes of the fetches held. */
        private int nextAhead;

        private long aheadBytes;

        GroupReader(FileGroupSplit group) {
            this.group = group;
            this.file = group.startFile();
            this.nextAhead = file;
        }

        /** Starts fetching whole files after the current one while within the bounds. */
        private void fetchAhead() {
            while (nextAhead < group.files()
                    && ahead.size() < FETCH_AHEAD_FILES
                    && (ahead.isEmpty() || aheadBytes + group.size(nextAhead) <= FETCH_AHEAD_BYTES)) {
                int i = nextAhead++;
                Path path = group.path(i);
                if (!isJsonLines(path.getName()) && group.size(i) <= maxFileBytes) {
                    ClassLoader loader = Thread.currentThread().getContextClassLoader();
                    long size = group.size(i);
                    ahead.put(i, FETCHES.submit(() -> fetchUnder(loader, path, size)));
                    aheadBytes += size;
                }
            }
        }

        @Override
        public RecordIterator<RawRecord> readBatch() throws IOException {
            while (file < group.files()) {
                if (current == null) {
                    fetchAhead();
                    long skip = file == group.startFile() ? group.recordsToSkip() : 0;
                    Future<byte[]> fetched = ahead.remove(file);
                    if (fetched != null) {
                        aheadBytes -= group.size(file);
                    }
                    current = new FileReader(group.path(file), group.size(file), group.range(), file, skip, fetched);
                }
                RecordIterator<RawRecord> batch = current.readBatch();
                if (batch != null) {
                    return batch;
                }
                current.close();
                current = null;
                file++;
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            for (Future<byte[]> f : ahead.values()) {
                f.cancel(true);
            }
            ahead.clear();
            if (current != null) {
                current.close();
            }
        }
    }

    /**
     * The bytes of the whole file at {@code path}, listed at {@code listedSize} bytes, up to one byte over the limit
     * (so that the reader sees it grew), read on a fetch thread with the reader's context class loader as its own
     * meanwhile.
     */
    private byte[] fetchUnder(ClassLoader loader, Path path, long listedSize) throws IOException {
        try (TemporaryClassLoaderContext ignored = TemporaryClassLoaderContext.of(loader);
                InputStream s = ListedFileOpener.open(path, listedSize)) {
            return s.readNBytes((int) Math.min(maxFileBytes + 1, Integer.MAX_VALUE - 8));
        }
    }

    /** Reads one file; its batches are positioned at the file's index in its group. */
    private final class FileReader {
        private final Path path;
        private final int index;
        private final String origin;
        private final boolean lines;
        private final long fileSize;
        /** The lines read: those that begin in this range (a JSON Lines file only). */
        private final JsonLinesRanges.Range range;
        /**
         * The whole file's bytes, fetched ahead: {@link GroupReader#fetchAhead} starts the current file's fetch before
         * anything after it, so every whole file within the limit has one; null for a JSON Lines file.
         */
        private final Future<byte[]> fetched;

        private InputStream in;
        private LineReader lineReader;
        private long emitted;
        private long skip;
        private long lineNo;
        /** The byte offset in the file of the next line. */
        private long lineOffset;

        private boolean done;
        /** Bytes of the blank lines read since the last non-blank one, and whether that run was refused. */
        private long blankRun;

        private boolean blankRunRefused;

        FileReader(
                Path path, long fileSize, JsonLinesRanges.Range range, int index, long skip, Future<byte[]> fetched) {
            this.path = path;
            this.range = range;
            this.fetched = fetched;
            this.index = index;
            this.origin = InputFile.isLocal(path) ? path.toUri().getPath() : path.toString();
            this.lines = isJsonLines(path.getName());
            this.fileSize = fileSize;
            this.skip = skip;
        }

        RecordIterator<RawRecord> readBatch() {
            if (done) {
                return null;
            }
            List<RawRecord> batch = new ArrayList<>(lines ? BATCH : 1);
            long before = emitted;
            while (batch.size() < BATCH && !done) {
                RawRecord r = next();
                if (r == null) {
                    done = true;
                } else if (skip > 0) {
                    skip--;
                    emitted++;
                    before = emitted;
                } else {
                    batch.add(r);
                    emitted++;
                }
            }
            if (batch.isEmpty()) {
                return null;
            }
            return new IteratorResultIterator<>(batch.iterator(), index, before);
        }

        /** The next record of the file, or null at its end. */
        private RawRecord next() {
            try {
                return lines ? nextLine() : wholeFile();
            } catch (DecompressionLimit.Exceeded e) {
                done = true;
                return RawRecord.refused(
                        origin,
                        lineNo + 1,
                        ParseFailure.Reason.DECOMPRESSED_TOO_LARGE.name(),
                        origin + " expands to more than " + maxDecompressedBytes + " bytes; the rest is skipped");
            } catch (IOException e) {
                done = true;
                return RawRecord.refused(
                        origin,
                        lines ? lineNo + 1 : -1,
                        ParseFailure.Reason.READ_ERROR.name(),
                        "cannot read " + origin + ": " + e.getMessage());
            }
        }

        private RawRecord wholeFile() throws IOException {
            done = true;
            if (fileSize > maxFileBytes) {
                return RawRecord.refused(
                        origin,
                        -1,
                        ParseFailure.Reason.RECORD_TOO_LARGE.name(),
                        "file of " + fileSize + " bytes is above the limit of " + maxFileBytes + " bytes");
            }
            byte[] data = fetched();
            if (data.length > maxFileBytes) {
                return RawRecord.refused(
                        origin,
                        -1,
                        ParseFailure.Reason.RECORD_TOO_LARGE.name(),
                        "file grew above the limit of " + maxFileBytes + " bytes while being read");
            }
            return new RawRecord(origin, -1, data);
        }

        /** The bytes fetched ahead, or the fetch's failure as the read's own. */
        private byte[] fetched() throws IOException {
            try {
                return fetched.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while fetching " + origin);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw new IOException(e.getCause());
            }
        }

        private RawRecord nextLine() throws IOException {
            if (in == null) {
                InputStream raw = ListedFileOpener.open(path, fileSize);
                in = path.getName().toLowerCase(Locale.ROOT).endsWith(".gz")
                        ? new DecompressionLimit(new GZIPInputStream(raw, 1 << 16), maxDecompressedBytes)
                        : raw;
                if (range.start() > 0) {
                    in.skipNBytes(range.start());
                    lineOffset = range.start();
                    lineNo = range.linesBefore();
                }
            }
            if (lineReader == null) {
                lineReader = new LineReader(in, maxLineBytes);
            }
            while (true) {
                if (lineOffset >= range.end()) {
                    return null; // the next line is the next range's
                }
                LineReader.Line line = lineReader.next();
                if (line == null) {
                    return null;
                }
                lineOffset += line.length() + 1;
                lineNo++;
                if (line.tooLong()) {
                    return RawRecord.refused(
                            origin,
                            lineNo,
                            ParseFailure.Reason.RECORD_TOO_LARGE.name(),
                            "line of " + line.length() + " bytes is above the limit of " + maxLineBytes + " bytes");
                }
                if (!LineReader.isBlank(line.bytes())) {
                    blankRun = 0;
                    blankRunRefused = false;
                    return new RawRecord(origin, lineNo, line.bytes());
                }
                blankRun += line.length() + 1;
                if (blankRun > maxLineBytes && !blankRunRefused) {
                    // As long as a line over the limit would be, and refused once, however long the run goes on.
                    blankRunRefused = true;
                    return RawRecord.refused(
                            origin,
                            lineNo,
                            ParseFailure.Reason.RECORD_TOO_LARGE.name(),
                            "more than " + maxLineBytes + " bytes of blank lines in a row; skipped to the next record");
                }
            }
        }

        void close() throws IOException {
            if (fetched != null) {
                fetched.cancel(true);
            }
            if (in != null) {
                in.close();
            }
        }
    }
}
