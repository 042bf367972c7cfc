package dev.tripline.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Turns raw bytes into CloudTrail and Azure Activity Log {@link Event}s, reporting everything it cannot use as a typed
 * {@link ParseFailure} instead of throwing. Safe on untrusted input: see {@link ParseLimits}.
 *
 * <p>Recognised input (after transparent gzip, detected by magic bytes):
 * <ul>
 *   <li>JSON Lines: one record (or one envelope) per line; blank lines skipped; a bad line fails alone.</li>
 *   <li>A CloudTrail log file {@code {"Records":[...]}}; records are streamed, not slurped. Azure's batches
 *       {@code {"records":[...]}} (diagnostic settings via Event Hubs or storage) and {@code {"value":[...]}}
 *       (the Activity Log REST API) are read the same way.</li>
 *   <li>A top-level JSON array of records (Stratus Red Team detonation logs, exports).</li>
 *   <li>A pretty-printed single record or a sequence of JSON values.</li>
 *   <li>An EventBridge event whose {@code detail-type} ends with {@code via CloudTrail}; the record is
 *       {@code detail}.</li>
 *   <li>A CloudWatch Logs subscription payload: {@code DATA_MESSAGE} yields one record per
 *       {@code logEvents[].message}; {@code CONTROL_MESSAGE} yields nothing and is not a failure.</li>
 * </ul>
 * The log type is decided per record. A record is CloudTrail if it is an object with {@code eventVersion}, or with both {@code eventSource} and
 * {@code eventName}. It must have an ISO-8601 {@code eventTime}: event-time windows and correlation cannot
 * place a record without one, so a missing or unparseable time is a failure, not a default. Only when
 * {@code eventTime} is absent, {@code @timestamp} is used instead: shippers such as Logstash move the event time
 * there (the OTRF datasets look like that). Other records are Azure Activity Log records when they look like one
 * (see {@code isAzureActivity}), with the time in {@code time} (diagnostic export) or {@code eventTimestamp}
 * (REST shape).
 *
 * <p>Use {@link #parse(byte[])} per message (Kafka, Kinesis) and {@link #parse(InputStream, Sink)} for files and
 * streams, which reads JSON Lines line by line and envelopes token by token. Instances are immutable and
 * thread-safe.
 */
public final class EventParser {

    /** Receives results in input order. Exceptions thrown by a sink propagate to the caller. */
    public interface Sink {
        void event(Event event);

        void failure(ParseFailure failure);
    }

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int PEEK = 64 * 1024;
    private static final int IO_BUFFER = 64 * 1024;

    private final ParseLimits limits;
    private final JsonFactory factory;
    private final boolean requireIdentity;
    /** The fields events are built with; {@link FieldSet#ALL} builds whole records. */
    private final FieldSet fields;
    /** Whether single records go through {@link #lazyRecord} first; off only for tests of the Jackson path. */
    private final boolean fastPath;
    /** The fast path's top-level names with this parser's field set's answers; null when it builds whole records. */
    private final MemberNames memberNames;
    /** The fast path's recently decoded object and list members, shared by its events; null with no fast path. */
    private final RecentValues recentValues;

    public EventParser() {
        this(ParseLimits.defaults());
    }

    public EventParser(ParseLimits limits) {
        this(limits, false);
    }

    /**
     * @param requireIdentity reject CloudTrail records without a {@code userIdentity} object
     *                        ({@link ParseFailure.Reason#MISSING_IDENTITY}): the detection job does, since it
     *                        cannot key them (real CloudTrail always carries one); {@code explain} does not.
     *                        Azure records are never rejected for lacking a caller
     */
    public EventParser(ParseLimits limits, boolean requireIdentity) {
        this(limits, requireIdentity, FieldSet.ALL);
    }

    /**
     * @param fields the fields to build (see {@link FieldSet}): every other part of a record is checked and
     *               skipped without being built, and the event keeps the record's bytes
     *               ({@link Event#recordText()}). {@link FieldSet#ALL} builds whole records
     */
    public EventParser(ParseLimits limits, boolean requireIdentity, FieldSet fields) {
        this.limits = limits;
        this.requireIdentity = requireIdentity;
        this.fields = fields;
        this.fastPath = true;
        this.memberNames = fields.isAll() ? null : new MemberNames(fields.root());
        this.recentValues = fields.isAll() ? null : new RecentValues();
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxDepth())
                        .maxStringLength(limits.maxStringLength())
                        .build())
                .build();
    }

    private EventParser(EventParser other, boolean fastPath) {
        this.limits = other.limits;
        this.requireIdentity = other.requireIdentity;
        this.fields = other.fields;
        this.factory = other.factory;
        this.fastPath = fastPath;
        this.memberNames = other.memberNames;
        this.recentValues = other.recentValues;
    }

    /**
     * This parser on Jackson alone, as it was before the fast path: what every record the fast path declines
     * gets, and what tests hold the fast path to.
     */
    EventParser withoutFastPath() {
        return new EventParser(this, false);
    }

    /**
     * The parser the detection job reads records with: default limits, identity required. {@code rules test}
     * uses it too, so a test that passes is a record the job would evaluate.
     */
    public static EventParser forDetection() {
        return new EventParser(ParseLimits.defaults(), true);
    }

    /** The detection job's parser building only {@code fields} of each record (a rule program's field set). */
    public static EventParser forDetection(FieldSet fields) {
        return new EventParser(ParseLimits.defaults(), true, fields);
    }

    /** The fields this parser builds. */
    public FieldSet fields() {
        return fields;
    }

    public ParseLimits limits() {
        return limits;
    }

    /**
     * Parses one message, e.g. a Kafka record value or a Kinesis record. An event built selectively may keep
     * {@code message} itself as its record text: do not modify it afterwards.
     */
    public ParseResult parse(byte[] message) {
        Event event = fastPath(message);
        if (event != null) {
            return new ParseResult(List.of(event), List.of());
        }
        Collector c = new Collector();
        parseWithoutFastPath(message, c);
        return c.result();
    }

    /** Parses one message into {@code sink}. */
    public void parse(byte[] message, Sink sink) {
        Event event = fastPath(message);
        if (event != null) {
            sink.event(event);
            return;
        }
        parseWithoutFastPath(message, sink);
    }

    /** The event of a plain single-record message the fast path reads, or null when it declines the message. */
    private Event fastPath(byte[] message) {
        return message.length < PEEK ? lazyRecord(message, 0, message.length, true) : null;
    }

    /** {@link #parse(byte[], Sink)} of a message the fast path declined. */
    private void parseWithoutFastPath(byte[] message, Sink sink) {
        // A plain message shorter than the peek window takes the same decisions as run() would, straight from
        // the array: no stream buffers or peek copies per message, which dominated the per-record cost.
        boolean gzip = message.length >= 2 && (message[0] & 0xff) == 0x1f && (message[1] & 0xff) == 0x8b;
        if (!gzip && message.length < PEEK) {
            int start = skipWhitespace(message, 0, message.length);
            if (start == message.length) {
                return;
            }
            int lineEnd = lineEndUnlessNul(message, start, message.length);
            if (lineEnd != HAS_NUL && documentMode(message, start, lineEnd)) {
                Ctx ctx = new Ctx(sink);
                ctx.raw = message;
                ctx.rawIsMessage = true;
                try (JsonParser p = factory.createParser(message)) {
                    readDocument(p, ctx);
                } catch (IOException e) {
                    streamFailure(ctx, e, -1, -1);
                }
                return;
            }
        }
        run(new ByteArrayInputStream(message), sink, message);
    }

    /**
     * The longest record the fast path reads: longer ones could hold a string or a name over Jackson's limits,
     * which {@link StrictJsonPass} does not check, so they go to the Jackson path.
     */
    private int fastPathMaxBytes() {
        return Math.min(
                limits.maxRecordBytes(),
                Math.min(limits.maxStringLength(), StreamReadConstraints.DEFAULT_MAX_NAME_LEN));
    }

    /** Members indexed per record before the pass is run again with room for all of them. */
    private static final int INDEXED_MEMBERS = 48;

    /**
     * The fast path's member index of the record being read, per thread: {@link RecordMembers} copies what it keeps,
     * so one array serves every record (a new one per record was 40 % of the bytes the fast path allocates). Grows
     * when a record has more members than it holds, and stays that size.
     */
    private static final ThreadLocal<int[]> MEMBER_INDEX =
            ThreadLocal.withInitial(() -> new int[1 + StrictJsonPass.MEMBER_INTS * INDEXED_MEMBERS]);

    /**
     * The fast path for one record, when the parser builds selectively (the event then keeps the record's bytes
     * anyway): {@link StrictJsonPass} checks that {@code b[from, to)} is one object, blanks around it aside, and
     * indexes its top-level members, and the event decodes each member only when it is read ({@link
     * RecordMembers}). Returns null whenever the record is not a plain record this parser would turn into an
     * event, or the pass is unsure (a limit, an envelope's key, anything it rejects): the Jackson path then reads
     * the bytes and gives exactly the event or the failure it always has.
     *
     * <p>The event keeps exactly the object's bytes, as the Jackson path does. With {@code message}, {@code b} is
     * a whole message, read as JSON Lines: a line feed between tokens is refused (so it holds no NUL either, and is
     * not gzip), and the event keeps {@code b} itself when it is nothing but the object. Otherwise {@code b} is the
     * envelope reader's buffer holding an array element, and the event keeps a copy.
     */
    private Event lazyRecord(byte[] b, int from, int to, boolean message) {
        if (!fastPath || fields.isAll()) {
            return null;
        }
        int start = skipWhitespace(b, from, to);
        int end = to;
        while (end > start && isWhitespace(b[end - 1])) {
            end--;
        }
        if (start == end || b[start] != '{' || end - start > fastPathMaxBytes()) {
            return null;
        }
        int[] index = MEMBER_INDEX.get();
        if (StrictJsonPass.firstError(b, start, end, limits.maxDepth(), MAX_NUMBER_LENGTH, index, message) >= 0) {
            return null;
        }
        if (1 + StrictJsonPass.MEMBER_INTS * index[0] > index.length) {
            index = new int[1 + StrictJsonPass.MEMBER_INTS * index[0]];
            MEMBER_INDEX.set(index);
            StrictJsonPass.firstError(b, start, end, limits.maxDepth(), MAX_NUMBER_LENGTH, index, message);
        }
        byte[] raw = b;
        if (!message || start != 0 || end != b.length) {
            raw = Arrays.copyOfRange(b, start, end);
            for (int k = 1; k < 1 + StrictJsonPass.MEMBER_INTS * index[0]; k++) {
                index[k] -= start;
            }
        }
        RecordMembers members = RecordMembers.of(raw, index, memberNames, recentValues);
        if (members == null) {
            return null;
        }
        // The decisions of record() and azureRecord(), on the same kept members; each failure is left to them.
        boolean cloudTrail = isCloudTrail(members::has);
        long millis;
        if (cloudTrail) {
            if (requireIdentity && !members.isObject("userIdentity")) {
                return null;
            }
            millis = members.timeMillis(EventTime.TIME, EventTime.TIME_OTHERWISE);
        } else if (isAzureActivity(members::get)) {
            millis = EventTime.parseMillis(AzureFields.timeField(members::get));
        } else {
            return null;
        }
        if (millis == Event.NO_TIME) {
            return null;
        }
        return new Event(cloudTrail ? LogType.CLOUDTRAIL : LogType.AZURE_ACTIVITY, members, millis);
    }

    /** Jackson's limit on the characters of a number (StreamReadConstraints), which the factory keeps. */
    private static final int MAX_NUMBER_LENGTH = StreamReadConstraints.DEFAULT_MAX_NUM_LEN;

    /**
     * The tree the Jackson path builds for the one JSON value in {@code b[from, to)}, whole (no field set), within
     * this parser's limits: the reference {@link ValidJsonTree} is held to.
     *
     * @throws IOException when the bytes are not one JSON value within the limits
     */
    public JsonNode readWholeValue(byte[] b, int from, int to) throws IOException {
        try (JsonParser p = factory.createParser(b, from, to - from)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new JsonEOFException(p, null, "no value");
            }
            JsonNode value = readValue(p, t, new Budget(0, limits.maxRecordBytes(), to - from), null);
            if (p.nextToken() != null) {
                throw new JsonEOFException(p, null, "trailing content after the value");
            }
            return value;
        }
    }

    /** Parses a whole stream and collects the results; for big inputs prefer {@link #parse(InputStream, Sink)}. */
    public ParseResult parseAll(InputStream in) {
        Collector c = new Collector();
        parse(in, c);
        return c.result();
    }

    /**
     * Parses a file or stream into {@code sink}, in constant memory apart from one record at a time. I/O errors
     * of {@code in} become a {@link ParseFailure.Reason#READ_ERROR} failure. Does not close {@code in}.
     */
    public void parse(InputStream in, Sink sink) {
        run(in, sink, null);
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Where results go and how to locate failures in the current piece of input. */
    private static final class Ctx {
        final Sink sink;
        /** The bytes the parser reads, when they are in memory; only used for snippets. */
        byte[] raw;
        /** True when {@link #raw} is the caller's message, which an event may keep instead of a copy. */
        boolean rawIsMessage;
        /** Line number to report for everything in this piece (JSON Lines mode), or -1 to use the parser's. */
        long line = -1;
        /** Byte offset of this piece within the whole input. */
        long offsetBase;
        /**
         * Where the current parser started within this piece (and {@link #raw}), and the lines before it: after
         * an envelope's array the rest of the input is read by a new parser, whose locations start at 0 again.
         */
        long shift;

        long lineShift;

        boolean gzip;

        Ctx(Sink sink) {
            this.sink = sink;
        }
    }

    private void run(InputStream in, Sink sink, byte[] plainBytes) {
        Ctx ctx = new Ctx(sink);
        try {
            BufferedInputStream bin = new BufferedInputStream(in, IO_BUFFER);
            bin.mark(2);
            int b0 = bin.read();
            int b1 = bin.read();
            bin.reset();
            InputStream src;
            if (b0 == 0x1f && b1 == 0x8b) {
                ctx.gzip = true;
                src = new BufferedInputStream(
                        new DecompressionLimit(new GZIPInputStream(bin, IO_BUFFER), limits.maxDecompressedBytes()),
                        IO_BUFFER);
            } else {
                src = bin;
                ctx.raw = plainBytes;
                ctx.rawIsMessage = plainBytes != null;
            }
            src.mark(PEEK + 1);
            byte[] peek = src.readNBytes(PEEK);
            src.reset();
            int start = skipWhitespace(peek, 0, peek.length);
            if (start == peek.length && peek.length < PEEK) {
                return; // empty or blank input: nothing to report
            }
            int nul = indexOf(peek, (byte) 0, 0, peek.length);
            if (nul >= 0) {
                fail(
                        ctx,
                        ParseFailure.Reason.BINARY_INPUT,
                        "input contains NUL bytes; not JSON text",
                        -1,
                        nul,
                        "",
                        -1,
                        ParseFailure.snippetOf(peek, start, Math.min(peek.length, start + 64)));
                return;
            }
            if (start < peek.length && documentMode(peek, start, indexOf(peek, (byte) '\n', start, peek.length))) {
                try (JsonParser p = factory.createParser(src)) {
                    readDocument(p, ctx);
                }
            } else {
                readLines(src, ctx);
            }
        } catch (IOException e) {
            streamFailure(ctx, e, -1, -1);
        }
    }

    /**
     * JSON Lines gets line-by-line reading with per-line recovery; anything that is not one value per line
     * (arrays, pretty-printed JSON, CloudTrail log files, CloudWatch payloads, which may exceed the record
     * limit as one line) is read as a token stream. {@code nl} is the first line end at or after {@code start},
     * or -1.
     */
    private boolean documentMode(byte[] peek, int start, int nl) {
        byte c = peek[start];
        if (c == '[') {
            return true;
        }
        if (c != '{') {
            return false;
        }
        if (nl < 0) {
            // One line fills the window (or the whole input): only envelopes go token by token.
            return peek.length < PEEK || sniffEnvelope(peek, start, peek.length) != Sniff.RECORD_OR_BAD;
        }
        Sniff s = sniffEnvelope(peek, start, nl);
        return s == Sniff.ENVELOPE || s == Sniff.INCOMPLETE;
    }

    private enum Sniff {
        ENVELOPE,
        INCOMPLETE,
        RECORD_OR_BAD
    }

    /** Looks at the top-level keys of the object starting at {@code start}, tolerating truncation. */
    private Sniff sniffEnvelope(byte[] buf, int start, int end) {
        try (JsonParser p = factory.createParser(buf, start, end - start)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Sniff.RECORD_OR_BAD;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (isRecordsArray(name) || name.equals("messageType")) {
                    return Sniff.ENVELOPE;
                }
                p.nextToken();
                p.skipChildren();
            }
            return t == JsonToken.END_OBJECT ? Sniff.RECORD_OR_BAD : Sniff.INCOMPLETE;
        } catch (JsonEOFException e) {
            return Sniff.INCOMPLETE;
        } catch (IOException e) {
            return Sniff.RECORD_OR_BAD;
        }
    }

    // ---- JSON Lines -----------------------------------------------------------------------------------------

    private void readLines(InputStream src, Ctx ctx) throws IOException {
        byte[] chunk = new byte[IO_BUFFER];
        byte[] line = new byte[8192];
        int len = 0;
        boolean overflow = false;
        long lineNo = 1;
        long lineStart = 0;
        long pos = 0;
        // Blank lines count against the record limit as one record per run, refused once: a run of them
        // (a gzip bomb of newlines) is as suspect as one line that long.
        long blankRun = 0;
        boolean blankRunRefused = false;
        int n;
        while ((n = src.read(chunk)) > 0) {
            for (int i = 0; i < n; i++, pos++) {
                byte b = chunk[i];
                if (b == '\n') {
                    if (!overflow && skipWhitespace(line, 0, len) == len) {
                        blankRun += len + 1;
                        if (blankRun > limits.maxRecordBytes() && !blankRunRefused) {
                            blankRunRefused = true;
                            fail(
                                    ctx,
                                    ParseFailure.Reason.RECORD_TOO_LARGE,
                                    "more than " + limits.maxRecordBytes() + " bytes of blank lines in a row",
                                    lineNo,
                                    lineStart,
                                    "",
                                    -1,
                                    "");
                        }
                    } else {
                        blankRun = 0;
                        blankRunRefused = false;
                        finishLine(ctx, line, len, overflow, lineNo, lineStart);
                    }
                    lineNo++;
                    lineStart = pos + 1;
                    len = 0;
                    overflow = false;
                } else if (!overflow) {
                    if (len == limits.maxRecordBytes()) {
                        overflow = true;
                    } else {
                        if (len == line.length) {
                            line = Arrays.copyOf(line, (int) Math.min((long) line.length * 2, limits.maxRecordBytes()));
                        }
                        line[len++] = b;
                    }
                }
            }
        }
        if (len > 0 || overflow) {
            finishLine(ctx, line, len, overflow, lineNo, lineStart);
        }
    }

    private void finishLine(Ctx ctx, byte[] line, int len, boolean overflow, long lineNo, long lineStart) {
        Ctx lc = new Ctx(ctx.sink);
        lc.raw = line;
        lc.line = lineNo;
        lc.offsetBase = lineStart;
        lc.gzip = ctx.gzip;
        if (overflow) {
            fail(
                    lc,
                    ParseFailure.Reason.RECORD_TOO_LARGE,
                    "line longer than " + limits.maxRecordBytes() + " bytes",
                    lineNo,
                    lineStart,
                    "",
                    -1,
                    ParseFailure.snippetOf(line, 0, len));
            return;
        }
        int end = len;
        while (end > 0 && isWhitespace(line[end - 1])) {
            end--;
        }
        if (skipWhitespace(line, 0, end) == end) {
            return;
        }
        try (JsonParser p = factory.createParser(line, 0, end)) {
            readDocument(p, lc);
        } catch (IOException e) {
            streamFailure(lc, e, lineNo, lineStart);
        }
    }

    // ---- token-stream documents -----------------------------------------------------------------------------

    /**
     * Reads every top-level value of {@code first}; stops at the first syntax or limit error outside an envelope.
     * After an envelope's records array the rest of the input goes on in a new parser (see {@link #envelope}).
     */
    private void readDocument(JsonParser first, Ctx ctx) {
        JsonParser p = first;
        try {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                JsonLocation loc = p.currentTokenLocation();
                InputStream rest = null;
                if (t == JsonToken.START_OBJECT) {
                    rest = rootObject(p, ctx, loc);
                } else if (t == JsonToken.START_ARRAY) {
                    rest = envelope(p, ctx, "", 0);
                } else {
                    fail(
                            ctx,
                            ParseFailure.Reason.NOT_AN_OBJECT,
                            "top-level JSON " + describe(t) + ", expected an object",
                            line(ctx, loc),
                            offset(ctx, loc),
                            "",
                            -1,
                            snippetAt(ctx, loc, null));
                }
                if (rest != null) {
                    // The old parser is left to its owner, which closes it (and the source) at the end.
                    p = factory.createParser(rest);
                }
            }
        } catch (IOException e) {
            JsonLocation loc = p.currentLocation();
            streamFailure(ctx, e, line(ctx, loc), offset(ctx, loc));
        } catch (RecordTooLarge e) {
            JsonLocation loc = p.currentLocation();
            fail(
                    ctx,
                    ParseFailure.Reason.RECORD_TOO_LARGE,
                    "value larger than the record limit",
                    line(ctx, loc),
                    offset(ctx, loc),
                    "",
                    -1,
                    "");
        }
    }

    /** A top-level object: a CloudTrail log file, an EventBridge event, a CloudWatch payload or a record. */
    /** Returns the rest of the input when an envelope's array took the stream over, else null. */
    private InputStream rootObject(JsonParser p, Ctx ctx, JsonLocation start) throws IOException {
        JsonStreamContext parent = p.getParsingContext().getParent();
        Budget budget = new Budget(
                rawOffset(start), limits.maxRecordBytes(), ctx.raw == null ? -1 : ctx.raw.length - ctx.shift);
        // Selective only when the record's bytes are at hand, so the event can keep them.
        FieldSet.Node keep = ctx.raw != null ? fields.root() : null;
        ObjectNode obj = NODES.objectNode();
        String messageType = null;
        boolean logEventsStreamed = false;
        try {
            JsonToken t;
            FieldSet.Node child;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken vt = p.nextToken();
                if (vt == JsonToken.START_ARRAY && isRecordsArray(name)) {
                    // The records are the envelope's content; its other fields carry nothing a record needs.
                    return envelope(p, ctx, name, 1);
                } else if (vt == JsonToken.START_ARRAY
                        && name.equals("logEvents")
                        && "DATA_MESSAGE".equals(messageType)) {
                    return envelope(p, ctx, "logEvents", 1);
                } else if (vt == JsonToken.START_ARRAY && name.equals("logEvents") && messageType != null) {
                    long before = rawOffset(p.currentTokenLocation());
                    p.skipChildren();
                    budget.exclude(rawOffset(p.currentLocation()) - before);
                    logEventsStreamed = true;
                } else if ((child = keep == null ? null : keep.child(name)) == null && keep != null) {
                    skipValue(p, vt, budget);
                } else {
                    // Envelope keys are always kept whole by a field set (FieldSet.BASE).
                    JsonNode v = readValue(p, vt, budget, child);
                    obj.set(name, v);
                    if (name.equals("messageType") && v.isTextual()) {
                        messageType = v.textValue();
                    }
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new JsonEOFException(p, t, "unexpected end of input in object");
            }
        } catch (RecordTooLarge e) {
            skipTo(p, parent);
            fail(
                    ctx,
                    ParseFailure.Reason.RECORD_TOO_LARGE,
                    "object larger than " + limits.maxRecordBytes() + " bytes",
                    line(ctx, start),
                    offset(ctx, start),
                    "",
                    -1,
                    snippetAt(ctx, start, null));
            return null;
        }
        long line = line(ctx, start);
        long offset = offset(ctx, start);
        if (obj.has("Records")) {
            fail(
                    ctx,
                    ParseFailure.Reason.BAD_ENVELOPE,
                    "Records is not an array",
                    line,
                    offset,
                    "Records",
                    -1,
                    snippetAt(ctx, start, obj));
        } else if (obj.has("detail-type")) {
            eventBridge(ctx, obj, line, offset, start);
        } else if (obj.has("messageType")) {
            cloudWatch(ctx, obj, messageType, logEventsStreamed, line, offset, start);
        } else {
            record(
                    ctx,
                    obj,
                    line,
                    offset,
                    "",
                    -1,
                    start,
                    keep == null ? null : rawBytes(ctx, start, p.currentLocation()));
        }
        return null;
    }

    /**
     * The bytes from {@code from} to {@code to} of the piece in memory, for the event to keep: the caller's message
     * itself when the record is all of it, else a copy (a line buffer is reused for the next line).
     */
    private static byte[] rawBytes(Ctx ctx, JsonLocation from, JsonLocation to) {
        int a = (int) (ctx.shift + rawOffset(from));
        int b = (int) Math.min(ctx.raw.length, ctx.shift + rawOffset(to));
        if (ctx.rawIsMessage && a == 0 && b == ctx.raw.length) {
            return ctx.raw;
        }
        return Arrays.copyOfRange(ctx.raw, a, Math.max(a, b));
    }

    /**
     * The arrays of records an envelope carries: CloudTrail's {@code Records}, Azure diagnostic settings'
     * {@code records} (Event Hubs messages, storage blobs) and the REST list response's {@code value}.
     */
    private static boolean isRecordsArray(String name) {
        return name.equals("Records") || name.equals("records") || name.equals("value");
    }

    private void eventBridge(Ctx ctx, ObjectNode obj, long line, long offset, JsonLocation start) {
        String detailType = CloudTrailFields.text(obj.get("detail-type"));
        if (detailType == null || !detailType.endsWith("via CloudTrail")) {
            fail(
                    ctx,
                    ParseFailure.Reason.NOT_CLOUDTRAIL,
                    "EventBridge detail-type '" + ParseFailure.snippetOf(String.valueOf(detailType))
                            + "' is not a CloudTrail event",
                    line,
                    offset,
                    "",
                    -1,
                    snippetAt(ctx, start, obj));
            return;
        }
        JsonNode detail = obj.get("detail");
        if (detail == null || !detail.isObject()) {
            fail(
                    ctx,
                    ParseFailure.Reason.BAD_ENVELOPE,
                    "EventBridge event without a detail object",
                    line,
                    offset,
                    "detail",
                    -1,
                    snippetAt(ctx, start, obj));
            return;
        }
        record(ctx, detail, line, offset, "detail", -1, null, null);
    }

    private void cloudWatch(
            Ctx ctx, ObjectNode obj, String messageType, boolean streamed, long line, long offset, JsonLocation start) {
        if ("CONTROL_MESSAGE".equals(messageType)) {
            return; // CloudWatch's connectivity check: carries no records by design
        }
        if (!"DATA_MESSAGE".equals(messageType)) {
            fail(
                    ctx,
                    ParseFailure.Reason.BAD_ENVELOPE,
                    "unknown CloudWatch Logs messageType",
                    line,
                    offset,
                    "messageType",
                    -1,
                    snippetAt(ctx, start, obj));
            return;
        }
        if (streamed) {
            return;
        }
        JsonNode events = obj.get("logEvents");
        if (events == null || !events.isArray()) {
            fail(
                    ctx,
                    ParseFailure.Reason.BAD_ENVELOPE,
                    "DATA_MESSAGE without a logEvents array",
                    line,
                    offset,
                    "logEvents",
                    -1,
                    snippetAt(ctx, start, obj));
            return;
        }
        int i = 0;
        for (JsonNode e : events) {
            if (i == limits.maxRecordsPerEnvelope()) {
                tooMany(ctx, "logEvents", i, events.size() - i, line, offset);
                break;
            }
            logEvent(ctx, e, i++, line, offset);
        }
    }

    /** One CloudWatch log event: its message is one CloudTrail record serialised as a JSON string. */
    private void logEvent(Ctx ctx, JsonNode e, int index, long line, long offset) {
        JsonNode message = e.isObject() ? e.get("message") : null;
        if (message == null || !message.isTextual()) {
            fail(
                    ctx,
                    ParseFailure.Reason.BAD_ENVELOPE,
                    "log event without a string message",
                    line,
                    offset,
                    "logEvents",
                    index,
                    ParseFailure.snippetOf(e.toString()));
            return;
        }
        String text = message.textValue();
        if (text.length() > limits.maxRecordBytes()) {
            fail(
                    ctx,
                    ParseFailure.Reason.RECORD_TOO_LARGE,
                    "log event message longer than " + limits.maxRecordBytes() + " characters",
                    line,
                    offset,
                    "logEvents",
                    index,
                    ParseFailure.snippetOf(text));
            return;
        }
        try (JsonParser p = factory.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                fail(
                        ctx,
                        ParseFailure.Reason.MALFORMED_JSON,
                        "empty log event message",
                        line,
                        offset,
                        "logEvents",
                        index,
                        "");
                return;
            }
            JsonNode value = readValue(p, t, new Budget(0, limits.maxRecordBytes(), text.length()), fields.root());
            if (p.nextToken() != null) {
                fail(
                        ctx,
                        ParseFailure.Reason.MALFORMED_JSON,
                        "trailing content after the record in log event message",
                        line,
                        offset,
                        "logEvents",
                        index,
                        ParseFailure.snippetOf(text));
                return;
            }
            record(
                    ctx,
                    value,
                    line,
                    offset,
                    "logEvents",
                    index,
                    null,
                    fields.isAll() ? null : text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ex) {
            fail(
                    ctx,
                    reasonOf(ex, false),
                    "log event message: " + messageOf(ex),
                    line,
                    offset,
                    "logEvents",
                    index,
                    ParseFailure.snippetOf(text));
        } catch (RecordTooLarge tooLarge) {
            fail(
                    ctx,
                    ParseFailure.Reason.RECORD_TOO_LARGE,
                    "log event message larger than the record limit",
                    line,
                    offset,
                    "logEvents",
                    index,
                    ParseFailure.snippetOf(text));
        }
    }

    /**
     * The one reader of an envelope's array ({@code Records}, {@code records}, {@code value}, a top-level array, a
     * DATA_MESSAGE's {@code logEvents}); the current token of {@code p} is the array's start. Every element
     * becomes an event or a dead letter of its own, whatever is wrong inside another: the elements are split
     * from the bytes by {@link ArrayElements} and each is parsed alone. Elements past the per-envelope limit
     * are counted into one dead letter; a break in the array's structure or of the input itself ends the
     * envelope with a dead letter naming the element it was reached at.
     *
     * <p>The array is read from the bytes {@code p} had not consumed yet; {@code p} cannot go on after it, so
     * this consumes the rest of the value the array is in ({@code depth} levels) and returns the input after it,
     * with {@link Ctx#shift} set to where that starts.
     */
    private InputStream envelope(JsonParser p, Ctx ctx, String envelope, int depth) throws IOException {
        JsonLocation after = p.currentLocation();
        ByteArrayOutputStream held = new ByteArrayOutputStream();
        p.releaseBuffered(held);
        InputStream unread = new ByteArrayInputStream(held.toByteArray());
        if (p.getInputSource() instanceof InputStream source) {
            unread = new SequenceInputStream(unread, source);
        }
        boolean logEvents = envelope.equals("logEvents");
        // A log event holds its record as an escaped string, so allow for the escaping.
        int max = logEvents ? 2 * limits.maxRecordBytes() + 1024 : limits.maxRecordBytes();
        ArrayElements elements = new ArrayElements(
                unread,
                ctx.shift + rawOffset(after),
                ctx.lineShift + after.getLineNr(),
                max,
                limits.maxDepth() - depth - 1);
        int i = 0;
        try {
            ArrayElements.Element e;
            while ((e = elements.next()) != null) {
                if (i == limits.maxRecordsPerEnvelope()) {
                    tooMany(
                            ctx,
                            envelope,
                            i,
                            1 + elements.skipRest(),
                            lineOf(ctx, e.line()),
                            ctx.offsetBase + e.offset());
                    break;
                }
                element(ctx, envelope, i, e, logEvents, max);
                i++;
            }
            elements.skipEnclosing(depth);
        } catch (ArrayElements.Broken b) {
            fail(
                    ctx,
                    b.tooDeep ? ParseFailure.Reason.TOO_DEEP : ParseFailure.Reason.MALFORMED_JSON,
                    "envelope array broken after " + i + " elements: " + b.getMessage()
                            + "; nothing after this point could be read",
                    lineOf(ctx, b.line),
                    ctx.offsetBase + b.offset,
                    envelope,
                    i,
                    "");
            return InputStream.nullInputStream();
        } catch (IOException ex) {
            fail(
                    ctx,
                    reasonOf(ex, ctx.gzip),
                    messageOf(ex) + " (at element " + i + " of the envelope; it and any after it could not be read)",
                    lineOf(ctx, elements.line()),
                    ctx.offsetBase + elements.offset(),
                    envelope,
                    i,
                    "");
            return InputStream.nullInputStream();
        }
        ctx.shift = elements.offset();
        ctx.lineShift = elements.line() - 1;
        return elements.remaining();
    }

    /** One element of an envelope, parsed on its own: an event, or a dead letter naming its index. */
    private void element(Ctx ctx, String envelope, int index, ArrayElements.Element e, boolean logEvent, int max) {
        long line = lineOf(ctx, e.line());
        long offset = ctx.offsetBase + e.offset();
        String what = logEvent ? "log event" : "record";
        if (e.tooDeep()) {
            fail(
                    ctx,
                    ParseFailure.Reason.TOO_DEEP,
                    what + " nested deeper than " + limits.maxDepth() + " levels (the envelope's included)",
                    line,
                    offset,
                    envelope,
                    index,
                    ParseFailure.snippetOf(e.bytes(), 0, e.length()));
            return;
        }
        if (e.tooLarge()) {
            fail(
                    ctx,
                    ParseFailure.Reason.RECORD_TOO_LARGE,
                    what + " larger than " + max + " bytes",
                    line,
                    offset,
                    envelope,
                    index,
                    ParseFailure.snippetOf(e.bytes(), 0, e.length()));
            return;
        }
        if (!logEvent) {
            Event event = lazyRecord(e.bytes(), 0, e.length(), false);
            if (event != null) {
                ctx.sink.event(event);
                return;
            }
        }
        try (JsonParser p = factory.createParser(e.bytes(), 0, e.length())) {
            // A log event is built whole: its record is the message text, parsed (selectively) on its own.
            JsonNode value =
                    readValue(p, p.nextToken(), new Budget(0, max, e.length()), logEvent ? null : fields.root());
            if (p.nextToken() != null) {
                throw new JsonEOFException(p, null, "trailing content after the " + what);
            }
            if (logEvent) {
                logEvent(ctx, value, index, line, offset);
            } else {
                record(
                        ctx,
                        value,
                        line,
                        offset,
                        envelope,
                        index,
                        null,
                        fields.isAll() ? null : Arrays.copyOf(e.bytes(), e.length()));
            }
        } catch (IOException ex) {
            fail(
                    ctx,
                    reasonOf(ex, false),
                    messageOf(ex),
                    line,
                    offset,
                    envelope,
                    index,
                    ParseFailure.snippetOf(e.bytes(), 0, e.length()));
        } catch (RecordTooLarge tooLarge) {
            fail(
                    ctx,
                    ParseFailure.Reason.RECORD_TOO_LARGE,
                    what + " larger than " + max + " bytes",
                    line,
                    offset,
                    envelope,
                    index,
                    ParseFailure.snippetOf(e.bytes(), 0, e.length()));
        }
    }

    private void tooMany(Ctx ctx, String envelope, int index, long more, long line, long offset) {
        fail(
                ctx,
                ParseFailure.Reason.TOO_MANY_RECORDS,
                more + " records in this envelope after the first " + limits.maxRecordsPerEnvelope()
                        + " (the limit per envelope) were not read",
                line,
                offset,
                envelope,
                index,
                "");
    }

    /**
     * Validates one candidate record and emits an event or a failure. {@code raw} holds the record's bytes when
     * {@code value} was built selectively, else null.
     */
    private void record(
            Ctx ctx,
            JsonNode value,
            long line,
            long offset,
            String envelope,
            int index,
            JsonLocation start,
            byte[] raw) {
        if (!value.isObject()) {
            fail(
                    ctx,
                    ParseFailure.Reason.NOT_AN_OBJECT,
                    "record is JSON " + value.getNodeType().name().toLowerCase() + ", expected an object",
                    line,
                    offset,
                    envelope,
                    index,
                    recordSnippet(ctx, start, value, raw));
            return;
        }
        ObjectNode obj = (ObjectNode) value;
        boolean cloudTrail = isCloudTrail(obj::has);
        if (!cloudTrail) {
            if (isAzureActivity(obj::get)) {
                azureRecord(ctx, obj, line, offset, envelope, index, start, raw);
                return;
            }
            fail(
                    ctx,
                    ParseFailure.Reason.NOT_CLOUDTRAIL,
                    "object is neither a CloudTrail record (eventVersion, or "
                            + "eventSource+eventName) nor an Azure Activity Log record (operationName with resourceId, "
                            + "subscriptionId, eventDataId or a Storage* category)",
                    line,
                    offset,
                    envelope,
                    index,
                    recordSnippet(ctx, start, obj, raw));
            return;
        }
        JsonNode time = EventTime.timeField(obj::get);
        if (time == null || time.isNull()) {
            fail(
                    ctx,
                    ParseFailure.Reason.MISSING_EVENT_TIME,
                    "CloudTrail record without eventTime (or @timestamp)",
                    line,
                    offset,
                    envelope,
                    index,
                    recordSnippet(ctx, start, obj, raw));
            return;
        }
        if (requireIdentity && !obj.path("userIdentity").isObject()) {
            fail(
                    ctx,
                    ParseFailure.Reason.MISSING_IDENTITY,
                    "CloudTrail record without a userIdentity object",
                    line,
                    offset,
                    envelope,
                    index,
                    recordSnippet(ctx, start, obj, raw));
            return;
        }
        emit(ctx, obj, LogType.CLOUDTRAIL, time, "eventTime", line, offset, envelope, index, start, raw);
    }

    /** Hands on the record as an event of {@code type}, or dead-letters it when its time is not an instant. */
    private void emit(
            Ctx ctx,
            ObjectNode obj,
            LogType type,
            JsonNode time,
            String timeName,
            long line,
            long offset,
            String envelope,
            int index,
            JsonLocation start,
            byte[] raw) {
        long millis = EventTime.parseMillis(time);
        if (millis == Event.NO_TIME) {
            fail(
                    ctx,
                    ParseFailure.Reason.INVALID_EVENT_TIME,
                    timeName + " is not an ISO-8601 instant: " + ParseFailure.snippetOf(time.toString()),
                    line,
                    offset,
                    envelope,
                    index,
                    recordSnippet(ctx, start, obj, raw));
            return;
        }
        ctx.sink.event(new Event(type, obj, millis, raw));
    }

    /**
     * A CloudTrail record: it has an {@code eventVersion}, or an {@code eventSource} and an {@code eventName}.
     * {@code has} tells whether the record has a top-level member.
     */
    private static boolean isCloudTrail(Predicate<String> has) {
        return has.test("eventVersion") || (has.test("eventSource") && has.test("eventName"));
    }

    /**
     * Azure Activity Log, per record (one envelope may mix shapes): an {@code operationName} (a string in the
     * diagnostic export, {@code {value, ...}} in the REST shape) with something that places it in Azure
     * Resource Manager: {@code resourceId}, {@code subscriptionId} or {@code eventDataId}. Storage resource logs
     * (category StorageRead, StorageWrite or StorageDelete) count with an operation alone, as Panther reads them
     * under the same log type. Entra ID sign-in and audit logs share the diagnostic envelope but not this log
     * type, so their categories are turned away. {@code member} looks up a top-level member of the record.
     */
    private static boolean isAzureActivity(Function<String, JsonNode> member) {
        JsonNode op = member.apply("operationName");
        boolean hasOp = op != null
                && (op.isTextual() || (op.isObject() && op.path("value").isTextual()));
        if (!hasOp) {
            return false;
        }
        JsonNode category = member.apply("category");
        String cat = category != null && category.isTextual() ? category.textValue() : null;
        if (cat != null && STORAGE_CATEGORIES.contains(cat)) {
            return true; // a storage resource log; it names its account in properties.accountName or uri
        }
        if (!(member.apply("resourceId") != null
                || member.apply("subscriptionId") != null
                || member.apply("eventDataId") != null)) {
            return false;
        }
        return cat == null || !ENTRA_CATEGORIES.contains(cat);
    }

    /** Azure Storage resource log categories: data-plane reads, writes and deletes of blobs, files, queues. */
    private static final java.util.Set<String> STORAGE_CATEGORIES =
            java.util.Set.of("StorageRead", "StorageWrite", "StorageDelete");

    private static final java.util.Set<String> ENTRA_CATEGORIES = java.util.Set.of(
            "SignInLogs",
            "AuditLogs",
            "NonInteractiveUserSignInLogs",
            "ServicePrincipalSignInLogs",
            "ManagedIdentitySignInLogs",
            "ProvisioningLogs",
            "ADFSSignInLogs",
            "RiskyUsers",
            "UserRiskEvents",
            "MicrosoftGraphActivityLogs");

    private void azureRecord(
            Ctx ctx,
            ObjectNode obj,
            long line,
            long offset,
            String envelope,
            int index,
            JsonLocation start,
            byte[] raw) {
        JsonNode time = AzureFields.timeField(obj::get);
        if (time == null || time.isNull()) {
            fail(
                    ctx,
                    ParseFailure.Reason.MISSING_EVENT_TIME,
                    "Azure Activity record without time (or eventTimestamp)",
                    line,
                    offset,
                    envelope,
                    index,
                    recordSnippet(ctx, start, obj, raw));
            return;
        }
        // No identity check: platform operations, Resource Health and storage reads by anonymous or SAS callers
        // name no caller, yet rules are written for them. They are evaluated with no principal.
        emit(ctx, obj, LogType.AZURE_ACTIVITY, time, "time", line, offset, envelope, index, start, raw);
    }

    // ---- bounded tree building ------------------------------------------------------------------------------

    /** Thrown (without stack trace) when a value outgrows its byte budget; caught by the envelope reader. */
    private static final class RecordTooLarge extends RuntimeException {
        RecordTooLarge() {
            super(null, null, false, false);
        }
    }

    /**
     * Byte budget of one value, checked against parser offsets while tokens arrive. When the whole input is known
     * to fit the budget (a line, an envelope element, a message in memory) nothing is checked: asking the parser
     * for its location allocates, and was a large part of the cost of building a record.
     */
    private static final class Budget {
        private long start;
        private final long limit;
        private final boolean checked;
        private int ticks;

        /** @param inputEnd where the parser's input ends (bytes, or chars for text), or -1 when unknown */
        Budget(long start, long limit, long inputEnd) {
            this.start = start;
            this.limit = limit;
            this.checked = inputEnd < 0 || inputEnd - start > limit;
        }

        long limit() {
            return limit;
        }

        void exclude(long bytes) {
            start += bytes;
        }

        void check(JsonParser p) {
            if (checked && rawOffset(p.currentLocation()) - start > limit) {
                throw new RecordTooLarge();
            }
        }

        void tick(JsonParser p) {
            if (checked && (++ticks & 63) == 0) {
                check(p);
            }
        }
    }

    /**
     * Builds the tree of the value whose first token is {@code t}. Recursion depth is bounded by the parser's
     * nesting limit; size by {@code budget}, checked on every container, name and string (the tokens that can be
     * long) and every 64 other tokens. With a {@code keep} node (not null, not keeping everything) an object keeps
     * only the keys {@code keep} names and skips the others ({@link #skipValue}); a list is read element by
     * element against the same node.
     */
    private JsonNode readValue(JsonParser p, JsonToken t, Budget budget, FieldSet.Node keep) throws IOException {
        if (keep != null && keep.all) {
            keep = null;
        }
        switch (t) {
            case START_OBJECT: {
                budget.check(p);
                ObjectNode o = NODES.objectNode();
                JsonToken n;
                while ((n = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    budget.check(p);
                    JsonToken vt = p.nextToken();
                    if (vt == null) {
                        break;
                    }
                    if (keep == null) {
                        o.set(name, readValue(p, vt, budget, null));
                    } else {
                        FieldSet.Node child = keep.child(name);
                        if (child == null) {
                            skipValue(p, vt, budget);
                        } else {
                            o.set(name, readValue(p, vt, budget, child));
                        }
                    }
                }
                if (n != JsonToken.END_OBJECT) {
                    throw new JsonEOFException(p, n, "unexpected end of input in object");
                }
                return o;
            }
            case START_ARRAY: {
                budget.check(p);
                ArrayNode a = NODES.arrayNode();
                JsonToken n;
                while ((n = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (n == null) {
                        throw new JsonEOFException(p, null, "unexpected end of input in array");
                    }
                    a.add(readValue(p, n, budget, keep));
                }
                return a;
            }
            case VALUE_STRING:
                budget.check(p);
                return NODES.textNode(p.getText());
            case VALUE_NUMBER_INT:
                budget.tick(p);
                switch (p.getNumberType()) {
                    case INT:
                        return NODES.numberNode(p.getIntValue());
                    case LONG:
                        return NODES.numberNode(p.getLongValue());
                    default:
                        return NODES.numberNode(p.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                budget.tick(p);
                return NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE:
                budget.tick(p);
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                budget.tick(p);
                return NODES.booleanNode(false);
            case VALUE_NULL:
                budget.tick(p);
                return NODES.nullNode();
            default:
                throw new JsonEOFException(p, t, "unexpected token " + t);
        }
    }

    /**
     * Consumes the value whose first token is {@code t} without building it. Jackson still tokenizes it, so
     * malformed JSON, bad UTF-8, nesting deeper than the limit and over-long numbers fail here as they would
     * when built. The string limit is checked on each skipped string only when the byte budget could hold a
     * longer one; otherwise such a string makes the record outgrow its budget. The budget is checked once the
     * value is passed.
     */
    private void skipValue(JsonParser p, JsonToken t, Budget budget) throws IOException {
        boolean strings = budget.limit() > limits.maxStringLength();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            if (!strings) {
                p.skipChildren();
            } else {
                int depth = 1;
                while (depth > 0) {
                    JsonToken n = p.nextToken();
                    if (n == null) {
                        throw new JsonEOFException(p, null, "unexpected end of input in a skipped value");
                    }
                    if (n == JsonToken.START_OBJECT || n == JsonToken.START_ARRAY) {
                        depth++;
                    } else if (n == JsonToken.END_OBJECT || n == JsonToken.END_ARRAY) {
                        depth--;
                    } else if (n == JsonToken.VALUE_STRING) {
                        p.getText(); // materialised only to hold it to the string limit
                    }
                }
            }
            budget.check(p);
        } else if (t == JsonToken.VALUE_STRING) {
            if (strings) {
                p.getText();
            }
            budget.check(p);
        } else {
            budget.tick(p);
        }
    }

    /** After a budget overflow: consume tokens until the parser is back in {@code parent}. */
    private static void skipTo(JsonParser p, JsonStreamContext parent) throws IOException {
        while (p.getParsingContext() != parent) {
            if (p.nextToken() == null) {
                return;
            }
        }
    }

    // ---- failures and locations -----------------------------------------------------------------------------

    private void streamFailure(Ctx ctx, IOException e, long line, long offset) {
        fail(
                ctx,
                reasonOf(e, ctx.gzip),
                messageOf(e),
                line,
                offset,
                "",
                -1,
                ctx.raw == null || offset < 0
                        ? ""
                        : ParseFailure.snippetOf(
                                ctx.raw, (int) Math.max(0, offset - ctx.offsetBase - 40), ctx.raw.length));
    }

    private static ParseFailure.Reason reasonOf(IOException e, boolean gzip) {
        if (e instanceof StreamConstraintsException) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("nesting depth")) {
                return ParseFailure.Reason.TOO_DEEP;
            }
            if (m.contains("Document length")) {
                return ParseFailure.Reason.RECORD_TOO_LARGE;
            }
            return ParseFailure.Reason.VALUE_TOO_LONG;
        }
        if (e instanceof DecompressionLimit.Exceeded) {
            return ParseFailure.Reason.DECOMPRESSED_TOO_LARGE;
        }
        if (e instanceof JsonProcessingException) {
            return ParseFailure.Reason.MALFORMED_JSON;
        }
        if (gzip && (e instanceof ZipException || e instanceof EOFException)) {
            return ParseFailure.Reason.BAD_GZIP;
        }
        return ParseFailure.Reason.READ_ERROR;
    }

    /** Jackson's message without its location suffix (we report location separately). */
    private static String messageOf(IOException e) {
        String m = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        if (m == null) {
            m = e.getClass().getSimpleName();
        }
        return ParseFailure.snippetOf(m);
    }

    private static void fail(
            Ctx ctx,
            ParseFailure.Reason reason,
            String message,
            long line,
            long offset,
            String envelope,
            int index,
            String snippet) {
        ctx.sink.failure(new ParseFailure(reason, message, line, offset, envelope, index, snippet));
    }

    private static long rawOffset(JsonLocation loc) {
        long b = loc.getByteOffset();
        return b >= 0 ? b : loc.getCharOffset();
    }

    private static long offset(Ctx ctx, JsonLocation loc) {
        long b = rawOffset(loc);
        return b < 0 ? -1 : ctx.offsetBase + ctx.shift + b;
    }

    private static long line(Ctx ctx, JsonLocation loc) {
        return lineOf(ctx, ctx.lineShift + loc.getLineNr());
    }

    /** The line to report: the piece's own line in JSON Lines mode, else the line in the document. */
    private static long lineOf(Ctx ctx, long documentLine) {
        return ctx.line >= 0 ? ctx.line : documentLine;
    }

    /**
     * The snippet of a failed record: the input at {@code start} when there is one, else the record as the
     * whole-record parser would show it. A record built selectively is rebuilt whole from its bytes for that, so
     * its dead letter reads the same (failures are rare; this costs nothing on events).
     */
    private String recordSnippet(Ctx ctx, JsonLocation start, JsonNode record, byte[] raw) {
        if (start == null && raw != null) {
            try (JsonParser p = factory.createParser(raw)) {
                JsonNode whole = readValue(p, p.nextToken(), new Budget(0, raw.length, raw.length), null);
                return ParseFailure.snippetOf(whole.toString());
            } catch (IOException | RuntimeException e) {
                return ParseFailure.snippetOf(raw, 0, raw.length);
            }
        }
        return snippetAt(ctx, start, record);
    }

    private static String snippetAt(Ctx ctx, JsonLocation loc, JsonNode fallback) {
        if (ctx.raw != null && loc != null && rawOffset(loc) >= 0 && ctx.shift + rawOffset(loc) < ctx.raw.length) {
            int from = (int) (ctx.shift + rawOffset(loc));
            return ParseFailure.snippetOf(ctx.raw, from, ctx.raw.length);
        }
        return fallback == null ? "" : ParseFailure.snippetOf(fallback.toString());
    }

    private static String describe(JsonToken t) {
        switch (t) {
            case VALUE_STRING:
                return "string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "boolean";
            case VALUE_NULL:
                return "null";
            default:
                return t.name();
        }
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static int skipWhitespace(byte[] b, int from, int to) {
        int i = from;
        if (i + 2 < to && (b[i] & 0xff) == 0xEF && (b[i + 1] & 0xff) == 0xBB && (b[i + 2] & 0xff) == 0xBF) {
            i += 3; // UTF-8 byte order mark
        }
        while (i < to && isWhitespace(b[i])) {
            i++;
        }
        return i;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /**
     * The first index of {@code v} in {@code b[from, to)}, or -1. Reads eight bytes at a time (a byte equal to
     * {@code v} is a zero byte of {@code word ^ pattern}): a stream's first 64 KiB are scanned for NUL bytes and
     * their first line end before they are parsed.
     */
    private static int indexOf(byte[] b, byte v, int from, int to) {
        long pattern = (v & 0xffL) * ONES;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            if (zeroBytes((long) LONGS.get(b, i) ^ pattern) != 0) {
                break; // a match in these eight bytes; the loop below finds which
            }
        }
        for (; i < to; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /** {@link #lineEndUnlessNul}'s answer for bytes holding a NUL. */
    static final int HAS_NUL = -2;

    /**
     * The first index of a line end in {@code b[from, to)}, -1 when there is none, or {@link #HAS_NUL} when the
     * bytes hold a NUL anywhere: both questions every message is asked before it is parsed, in one pass over its
     * bytes instead of two.
     */
    static int lineEndUnlessNul(byte[] b, int from, int to) {
        long newlines = '\n' * ONES;
        int nl = -1;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i);
            if (zeroBytes(x) != 0) {
                return HAS_NUL;
            }
            if (nl < 0) {
                long m = zeroBytes(x ^ newlines);
                if (m != 0) {
                    nl = i + (Long.numberOfTrailingZeros(m) >>> 3); // the lowest flagged byte is a true match
                }
            }
        }
        for (; i < to; i++) {
            if (b[i] == 0) {
                return HAS_NUL;
            }
            if (b[i] == '\n' && nl < 0) {
                nl = i;
            }
        }
        return nl;
    }

    /** The high bit of each zero byte of {@code x}, and possibly of bytes above one (never below the lowest). */
    private static long zeroBytes(long x) {
        return (x - ONES) & ~x & HIGHS;
    }

    private static final class Collector implements Sink {
        final List<Event> events = new ArrayList<>();
        final List<ParseFailure> failures = new ArrayList<>();

        @Override
        public void event(Event event) {
            events.add(event);
        }

        @Override
        public void failure(ParseFailure failure) {
            failures.add(failure);
        }

        ParseResult result() {
            return new ParseResult(events, failures);
        }
    }
}
