package dev.tripline.event;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;

/**
 * The envelope splitter as it was before {@link ArrayElements} scanned in runs: one byte at a time through
 * {@code peek} and {@code take}. Kept only as the reference {@code ArrayElementsTest} compares the fast one against
 * on random input; its own doc follows.
 *
 * <p>Splits the elements of a JSON array out of a byte stream without parsing them: strings (with their escapes)
 * and nesting are followed byte by byte, nothing else is checked. What one element holds (a string over a limit,
 * nesting too deep, invalid UTF-8, a syntax error) therefore cannot stop the elements after it: each is parsed
 * on its own afterwards, and the envelope reader accounts for every one. Only a break in the array's own
 * structure (no comma between elements, the input ending) ends the array early, and is reported with the index
 * reached.
 *
 * <p>Keeps one read buffer and the bytes of the current element up to {@code maxElementBytes}; a longer element
 * is scanned to its end and reported as too large, without being held.
 */
final class ByteByByteArrayElements {

    /** One element: its first {@code length} bytes (all of them unless {@code tooLarge}), where it started. */
    record Element(byte[] bytes, int length, boolean tooLarge, boolean tooDeep, long offset, long line) {}

    /** The array's structure is broken at {@link #offset}: no element can be found after it. */
    static final class Broken extends Exception {
        final long offset;
        final long line;
        /** The element it broke in was already nested deeper than allowed (say, a run of unclosed brackets). */
        final boolean tooDeep;

        Broken(String message, long offset, long line, boolean tooDeep) {
            super(message, null, false, false);
            this.offset = offset;
            this.line = line;
            this.tooDeep = tooDeep;
        }
    }

    private final InputStream in;
    private final int maxElementBytes;
    private final int maxElementDepth;
    private boolean deepElement;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int end;
    /** Offset and line of {@code buf[pos]}. */
    private long offset;

    private long line;
    private byte[] element = new byte[8192];
    private boolean first = true;
    private boolean closed;

    /**
     * @param in     the bytes right after the array's {@code [}
     * @param offset their offset in the caller's coordinates
     * @param line   their line number
     */
    ByteByByteArrayElements(InputStream in, long offset, long line, int maxElementBytes, int maxElementDepth) {
        this.in = in;
        this.offset = offset;
        this.line = line;
        this.maxElementBytes = maxElementBytes;
        this.maxElementDepth = maxElementDepth;
    }

    /** The next element, or null after the closing {@code ]}. */
    Element next() throws IOException, Broken {
        if (closed) {
            return null;
        }
        int c = skipWhitespace();
        deepElement = false;
        if (first && c == ']') {
            take();
            closed = true;
            return null;
        }
        if (!first) {
            if (c == ']') {
                take();
                closed = true;
                return null;
            }
            if (c != ',') {
                throw broken(c < 0 ? "input ends inside the array" : "expected ',' or ']' between elements");
            }
            take();
            c = skipWhitespace();
        }
        first = false;
        if (c < 0 || c == ']' || c == ',') {
            throw broken(c < 0 ? "input ends inside the array" : "missing element");
        }
        return scanElement();
    }

    /** Counts the elements left without keeping them (after a limit on elements is reached). */
    long skipRest() throws IOException, Broken {
        long n = 0;
        while (next() != null) {
            n++;
        }
        return n;
    }

    /**
     * After the closing {@code ]}: consumes the rest of the value the array is in, {@code depth} levels deep
     * (1 for an array that is a field of a top-level object), unchecked.
     */
    void skipEnclosing(int depth) throws IOException, Broken {
        boolean inString = false;
        boolean escape = false;
        while (depth > 0) {
            int c = take();
            if (c < 0) {
                throw broken("input ends before the enclosing object closes");
            }
            if (inString) {
                if (escape) {
                    escape = false;
                } else if (c == '\\') {
                    escape = true;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
    }

    /** The input after what was consumed, for the caller to read on; offset and line say where it starts. */
    InputStream remaining() {
        return new SequenceInputStream(new ByteArrayInputStream(buf, pos, end - pos), in);
    }

    long offset() {
        return offset;
    }

    long line() {
        return line;
    }

    private Element scanElement() throws IOException, Broken {
        long startOffset = offset;
        long startLine = line;
        int len = 0;
        boolean tooLarge = false;
        int depth = 0;
        boolean inString = false;
        boolean escape = false;
        deepElement = false;
        while (true) {
            int c = peek();
            if (c < 0) {
                if (depth == 0 && !inString && len > 0) {
                    break; // a scalar at the end of input: the caller then finds no ']'
                }
                throw broken("input ends inside element");
            }
            if (!inString && depth == 0 && len > 0 && (c == ',' || c == ']' || isWhitespace(c))) {
                break; // the end of a scalar
            }
            take();
            if (len < maxElementBytes) {
                if (len == element.length) {
                    element = Arrays.copyOf(element, (int) Math.min(2L * element.length, maxElementBytes));
                }
                element[len++] = (byte) c;
            } else {
                tooLarge = true;
                len = maxElementBytes;
            }
            if (inString) {
                if (escape) {
                    escape = false;
                } else if (c == '\\') {
                    escape = true;
                } else if (c == '"') {
                    inString = false;
                    if (depth == 0) {
                        break;
                    }
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
                deepElement |= depth > maxElementDepth;
            } else if (c == '}' || c == ']') {
                depth--;
                if (depth <= 0) {
                    break;
                }
            }
        }
        return new Element(element, len, tooLarge, deepElement, startOffset, startLine);
    }

    private Broken broken(String message) {
        return new Broken(message, offset, line, deepElement);
    }

    private int skipWhitespace() throws IOException {
        int c;
        while ((c = peek()) >= 0 && isWhitespace(c)) {
            take();
        }
        return c;
    }

    private static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private int peek() throws IOException {
        if (pos == end) {
            int n = in.read(buf);
            if (n <= 0) {
                return -1;
            }
            pos = 0;
            end = n;
        }
        return buf[pos] & 0xff;
    }

    private int take() throws IOException {
        int c = peek();
        if (c >= 0) {
            pos++;
            offset++;
            if (c == '\n') {
                line++;
            }
        }
        return c;
    }
}
