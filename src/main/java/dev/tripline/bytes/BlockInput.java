package dev.tripline.bytes;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A byte array read as {@link DataInput}, big-endian as {@link java.io.DataOutputStream} writes, without locks:
 * {@code DataInputStream(ByteArrayInputStream)} takes the stream's lock on every byte, and reads each int and
 * long a byte at a time through it, so decoding a block of many small fields spent most of its time there.
 * Keeps only the array and the position; one reader per block, read by one thread.
 */
public final class BlockInput implements DataInput {
    private final byte[] block;
    private int pos;

    public BlockInput(byte[] block) {
        this.block = Objects.requireNonNull(block, "block");
    }

    /** Bytes not read yet. */
    public int remaining() {
        return block.length - pos;
    }

    private int take(int n) throws EOFException {
        if (n > block.length - pos) {
            throw new EOFException("block of " + block.length + " bytes ends before " + n + " more at " + pos);
        }
        int at = pos;
        pos += n;
        return at;
    }

    @Override
    public void readFully(byte[] b) throws IOException {
        readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        System.arraycopy(block, take(len), b, off, len);
    }

    /** The next {@code n} bytes as a new array. */
    public byte[] readBytes(int n) throws IOException {
        if (n < 0) {
            throw new IOException("negative length " + n);
        }
        int at = take(n);
        return Arrays.copyOfRange(block, at, at + n);
    }

    /** The next {@code n} bytes as UTF-8 text. */
    public String readUtf8(int n) throws IOException {
        if (n < 0) {
            throw new IOException("negative length " + n);
        }
        return new String(block, take(n), n, StandardCharsets.UTF_8);
    }

    /** Skips exactly {@code n} bytes; EOFException when fewer are left. */
    public void skip(int n) throws IOException {
        if (n < 0) {
            throw new IOException("negative length " + n);
        }
        take(n);
    }

    @Override
    public int skipBytes(int n) {
        int skipped = Math.max(0, Math.min(n, block.length - pos));
        pos += skipped;
        return skipped;
    }

    @Override
    public boolean readBoolean() throws IOException {
        return block[take(1)] != 0;
    }

    @Override
    public byte readByte() throws IOException {
        return block[take(1)];
    }

    @Override
    public int readUnsignedByte() throws IOException {
        return block[take(1)] & 0xFF;
    }

    @Override
    public short readShort() throws IOException {
        int at = take(2);
        return (short) ((block[at] << 8) | (block[at + 1] & 0xFF));
    }

    @Override
    public int readUnsignedShort() throws IOException {
        return readShort() & 0xFFFF;
    }

    @Override
    public char readChar() throws IOException {
        return (char) readShort();
    }

    @Override
    public int readInt() throws IOException {
        int at = take(4);
        return (block[at] << 24)
                | ((block[at + 1] & 0xFF) << 16)
                | ((block[at + 2] & 0xFF) << 8)
                | (block[at + 3] & 0xFF);
    }

    @Override
    public long readLong() throws IOException {
        int at = take(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (block[at + i] & 0xFF);
        }
        return v;
    }

    @Override
    public float readFloat() throws IOException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    /** Not supported: blocks hold no text lines. */
    @Override
    public String readLine() {
        throw new UnsupportedOperationException("readLine");
    }

    @Override
    public String readUTF() throws IOException {
        return DataInputStream.readUTF(this);
    }
}
