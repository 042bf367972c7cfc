package dev.tripline.event;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A decompressing stream that counts the bytes it yields and fails with {@link Exceeded} once they pass the
 * limit ({@link ParseLimits#maxDecompressedBytes()}): a gzip bomb costs at most the limit, whoever reads it (the
 * event parser for a message, the file reader for a JSON Lines file). Keeps only the count.
 */
public final class DecompressionLimit extends FilterInputStream {
    private final long limit;
    private long count;

    public DecompressionLimit(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    /** Decompressed input passed the limit. */
    public static final class Exceeded extends IOException {
        private static final long serialVersionUID = 1L;

        Exceeded(long limit) {
            super("decompressed input exceeds " + limit + " bytes");
        }
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0 && ++count > limit) {
            throw new Exceeded(limit);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
            count += n;
            if (count > limit) {
                throw new Exceeded(limit);
            }
        }
        return n;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
