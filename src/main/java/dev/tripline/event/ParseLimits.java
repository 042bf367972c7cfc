package dev.tripline.event;

/**
 * Bounds that keep {@link EventParser} safe on hostile input. Every limit is enforced while reading, before
 * the offending data is held in memory in full.
 *
 * @param maxRecordBytes        largest single record: a JSON Lines line, one element of {@code Records} or of a
 *                              top-level array, an EventBridge event, a CloudWatch log event message; also the
 *                              budget for the non-streamed fields of any top-level object
 * @param maxDepth              deepest JSON nesting, envelope levels included (Jackson StreamReadConstraints)
 * @param maxStringLength       longest JSON string, in characters
 * @param maxDecompressedBytes  most bytes gzip input may expand to (gzip bomb guard)
 * @param maxRecordsPerEnvelope most records taken from one envelope (Records, array, logEvents)
 */
public record ParseLimits(
        int maxRecordBytes, int maxDepth, int maxStringLength, long maxDecompressedBytes, int maxRecordsPerEnvelope) {

    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_DEPTH = 64;
    public static final int DEFAULT_MAX_STRING_LENGTH = 1 << 20;
    public static final long DEFAULT_MAX_DECOMPRESSED_BYTES = 256L << 20;
    public static final int DEFAULT_MAX_RECORDS_PER_ENVELOPE = 100_000;

    public ParseLimits {
        if (maxRecordBytes < 64
                || maxDepth < 4
                || maxStringLength < 16
                || maxDecompressedBytes < 64
                || maxRecordsPerEnvelope < 1) {
            throw new IllegalArgumentException("parse limits too small: " + maxRecordBytes + "/" + maxDepth + "/"
                    + maxStringLength + "/" + maxDecompressedBytes + "/" + maxRecordsPerEnvelope);
        }
    }

    public static ParseLimits defaults() {
        return new ParseLimits(
                DEFAULT_MAX_RECORD_BYTES,
                DEFAULT_MAX_DEPTH,
                DEFAULT_MAX_STRING_LENGTH,
                DEFAULT_MAX_DECOMPRESSED_BYTES,
                DEFAULT_MAX_RECORDS_PER_ENVELOPE);
    }

    public ParseLimits withMaxRecordBytes(int v) {
        return new ParseLimits(v, maxDepth, maxStringLength, maxDecompressedBytes, maxRecordsPerEnvelope);
    }

    public ParseLimits withMaxDepth(int v) {
        return new ParseLimits(maxRecordBytes, v, maxStringLength, maxDecompressedBytes, maxRecordsPerEnvelope);
    }

    public ParseLimits withMaxStringLength(int v) {
        return new ParseLimits(maxRecordBytes, maxDepth, v, maxDecompressedBytes, maxRecordsPerEnvelope);
    }

    public ParseLimits withMaxDecompressedBytes(long v) {
        return new ParseLimits(maxRecordBytes, maxDepth, maxStringLength, v, maxRecordsPerEnvelope);
    }

    public ParseLimits withMaxRecordsPerEnvelope(int v) {
        return new ParseLimits(maxRecordBytes, maxDepth, maxStringLength, maxDecompressedBytes, v);
    }
}
