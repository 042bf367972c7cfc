package dev.tripline.io;

import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.event.ParseFailure;
import dev.tripline.flink.RawRecord;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.streaming.api.functions.source.RichSourceFunction;

/**
 * An unbounded-until-closed source over an {@link InputStream} of this process, for {@code tripline run -}:
 * each record goes out as soon as its line is read, so alerts come out while the stream is still open.
 *
 * <p>Only an embedded job can use it: the stream is handed over through a registry in this JVM
 * ({@link #register}), since a stream cannot be serialized into the job graph. The source runs at parallelism 1
 * and reads its stream once.
 *
 * <p>What it reads is decided by the first non-blank line: a gzip stream, or a first line that starts a JSON
 * value without completing it (a pretty-printed CloudTrail log file), is read to its end as one record, like a
 * CloudTrail file on disk; anything else is JSON Lines, one record per non-blank line with its line number.
 * The same limits as {@link RawRecordFormat} apply: a line or document above the limit becomes a refused record
 * (a dead letter), never a job failure.
 */
public final class InputStreamSource extends RichSourceFunction<RawRecord> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, InputStream> STREAMS = new ConcurrentHashMap<>();
    /** Ids of streams read to their end, so that a companion source (a rule watcher) can end with them. */
    private static final java.util.Set<String> ENDED = ConcurrentHashMap.newKeySet();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id;
    private final String origin;
    private final long maxDocumentBytes;
    private final int maxLineBytes;
    private volatile boolean running = true;

    /**
     * @param id     what {@link #register} returned
     * @param origin the name records and dead letters carry, e.g. {@code -} or {@code stdin}
     */
    public InputStreamSource(String id, String origin, long maxDocumentBytes, int maxLineBytes) {
        if (maxDocumentBytes < 1 || maxLineBytes < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxDocumentBytes + "/" + maxLineBytes);
        }
        this.id = id;
        this.origin = origin;
        this.maxDocumentBytes = maxDocumentBytes;
        this.maxLineBytes = maxLineBytes;
    }

    public InputStreamSource(String id, String origin) {
        this(id, origin, RawRecordFormat.DEFAULT_MAX_FILE_BYTES, RawRecordFormat.DEFAULT_MAX_LINE_BYTES);
    }

    /** Hands {@code in} to the source instance created with the returned id, in this JVM. */
    public static String register(InputStream in) {
        String id = UUID.randomUUID().toString();
        STREAMS.put(id, in);
        return id;
    }

    /** Forgets a stream no source took (a job that failed before starting), or one that ended. */
    public static void unregister(String id) {
        STREAMS.remove(id);
        ENDED.remove(id);
    }

    /** True once the source of {@code id} has read its stream to the end (or failed reading it). */
    public static boolean ended(String id) {
        return ENDED.contains(id);
    }

    @Override
    public void run(SourceContext<RawRecord> ctx) throws Exception {
        try {
            read(ctx);
        } finally {
            ENDED.add(id);
        }
    }

    private void read(SourceContext<RawRecord> ctx) throws Exception {
        InputStream raw = STREAMS.remove(id);
        if (raw == null) {
            throw new IllegalStateException("no input stream registered as " + id
                    + ": reading a stream needs the embedded job (tripline run -)");
        }
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            emit(ctx, document(in, new ByteArrayOutputStream()));
            return;
        }
        long lineNo = 0;
        boolean first = true;
        LineReader lines = new LineReader(in, maxLineBytes);
        while (running) {
            LineReader.Line line = lines.next();
            if (line == null) {
                return;
            }
            lineNo++;
            if (line.tooLong()) {
                emit(
                        ctx,
                        RawRecord.refused(
                                origin,
                                lineNo,
                                ParseFailure.Reason.RECORD_TOO_LARGE.name(),
                                "line of " + line.length() + " bytes is above the limit of " + maxLineBytes
                                        + " bytes"));
                first = false;
                continue;
            }
            if (LineReader.isBlank(line.bytes())) {
                continue;
            }
            if (first && startsIncompleteJson(line.bytes())) {
                ByteArrayOutputStream doc = new ByteArrayOutputStream();
                doc.write(line.bytes());
                doc.write('\n');
                emit(ctx, document(lines.rest(), doc));
                return;
            }
            first = false;
            emit(ctx, new RawRecord(origin, lineNo, line.bytes()));
        }
    }

    private void emit(SourceContext<RawRecord> ctx, RawRecord r) {
        synchronized (ctx.getCheckpointLock()) {
            ctx.collect(r);
        }
    }

    /** The rest of {@code in} appended to {@code head} as one whole-document record (position -1). */
    private RawRecord document(InputStream in, ByteArrayOutputStream head) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = head.size();
        int n;
        while (running && (n = in.read(buf)) >= 0) {
            total += n;
            if (total > maxDocumentBytes) {
                in.transferTo(OutputStream.nullOutputStream()); // so the writer on the other side is not blocked
                return RawRecord.refused(
                        origin,
                        -1,
                        ParseFailure.Reason.RECORD_TOO_LARGE.name(),
                        "input document is above the limit of " + maxDocumentBytes + " bytes");
            }
            head.write(buf, 0, n);
        }
        return new RawRecord(origin, -1, head.toByteArray());
    }

    /** A first line such as {@code {} or {@code {"Records": [}: the start of a JSON value spread over lines. */
    static boolean startsIncompleteJson(byte[] line) {
        int i = 0;
        while (i < line.length && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
            i++;
        }
        if (i == line.length || (line[i] != '{' && line[i] != '[')) {
            return false;
        }
        try {
            JSON.readTree(line);
            return false;
        } catch (JsonEOFException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void cancel() {
        running = false;
    }
}
