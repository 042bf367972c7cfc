package dev.tripline.event;

import java.util.Objects;

/**
 * Why one piece of input did not become an {@link Event}, and where it was.
 *
 * <p>Location fields are {@code -1} (or empty) when they do not apply: {@code line} is the 1-based line in a
 * file or stream when known; {@code byteOffset} counts bytes from the start of the (decompressed) input;
 * {@code envelope} and {@code index} name the element inside an envelope, e.g. {@code Records} and 3 for the
 * fourth element of a CloudTrail log file. {@code snippet} is a short, printable excerpt of the offending
 * input, never more than {@link #MAX_SNIPPET} characters.
 */
public record ParseFailure(
        Reason reason, String message, long line, long byteOffset, String envelope, int index, String snippet) {

    /** The longest snippet kept, so that a failure report cannot echo a huge or hostile record. */
    public static final int MAX_SNIPPET = 200;

    /** What went wrong; stable names that metrics and dead-letter routing can key on. */
    public enum Reason {
        /** The bytes are not valid JSON (syntax error, bad UTF-8, truncated value). */
        MALFORMED_JSON,
        /** The input looks binary (contains NUL bytes), so it is neither JSON nor text. */
        BINARY_INPUT,
        /** Valid JSON, but a record position held an array or scalar instead of an object. */
        NOT_AN_OBJECT,
        /** A JSON object that is neither a CloudTrail record nor a recognised envelope. */
        NOT_CLOUDTRAIL,
        /** A recognised envelope whose shape is wrong, e.g. {@code Records} that is not an array. */
        BAD_ENVELOPE,
        /** A CloudTrail record without {@code eventTime}; event-time processing cannot place it. */
        MISSING_EVENT_TIME,
        /**
         * A CloudTrail record without a {@code userIdentity} object: nobody to hold to account, and no account or
         * principal to correlate by. Every record CloudTrail writes has one.
         */
        MISSING_IDENTITY,
        /** {@code eventTime} is present but not an ISO-8601 instant. */
        INVALID_EVENT_TIME,
        /** The event time is too far before or after the present to be believed (configurable bounds). */
        EVENT_TIME_OUT_OF_BOUNDS,
        /** The event time is far ahead of the other recent records of its source (file, partition, shard). */
        EVENT_TIME_OUTLIER,
        /** One record (line, envelope element, log event) is larger than the record limit. */
        RECORD_TOO_LARGE,
        /** A single JSON string or number is longer than the configured limit. */
        VALUE_TOO_LONG,
        /** JSON nesting deeper than the configured limit. */
        TOO_DEEP,
        /** An envelope holds more records than the configured limit; the rest were skipped. */
        TOO_MANY_RECORDS,
        /** Gzip magic bytes present but the stream is corrupt or truncated. */
        BAD_GZIP,
        /** Decompressed input exceeded the configured limit (gzip bomb guard); the rest was skipped. */
        DECOMPRESSED_TOO_LARGE,
        /** The underlying stream failed while reading; the rest of the input was skipped. */
        READ_ERROR
    }

    public ParseFailure {
        Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : message;
        envelope = envelope == null ? "" : envelope;
        snippet = snippet == null ? "" : snippet;
    }

    /** Human-readable location, e.g. {@code line 4}, {@code byte 1822, Records[3]}. */
    public String where() {
        StringBuilder sb = new StringBuilder();
        if (line >= 0) {
            sb.append("line ").append(line);
        }
        if (byteOffset >= 0) {
            sb.append(sb.length() > 0 ? ", " : "").append("byte ").append(byteOffset);
        }
        if (!envelope.isEmpty() || index >= 0) {
            sb.append(sb.length() > 0 ? ", " : "").append(envelope);
            if (index >= 0) {
                sb.append('[').append(index).append(']');
            }
        }
        return sb.length() == 0 ? "input" : sb.toString();
    }

    @Override
    public String toString() {
        return reason + " at " + where() + ": " + message + (snippet.isEmpty() ? "" : " [" + snippet + "]");
    }

    /** A printable excerpt: control characters become spaces, length is capped. */
    static String snippetOf(CharSequence text) {
        if (text == null) {
            return "";
        }
        int n = Math.min(text.length(), MAX_SNIPPET);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        return sb.toString();
    }

    /** Excerpt of raw bytes starting near {@code from}, decoded leniently as UTF-8. */
    static String snippetOf(byte[] raw, int from, int to) {
        if (raw == null || from >= to) {
            return "";
        }
        int start = Math.max(0, from);
        int end = Math.min(Math.min(raw.length, to), start + MAX_SNIPPET * 2);
        return snippetOf(new String(raw, start, end - start, java.nio.charset.StandardCharsets.UTF_8));
    }
}
