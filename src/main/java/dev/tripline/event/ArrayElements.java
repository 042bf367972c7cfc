package dev.tripline.event;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;

/**
 * Splits the elements of a JSON array out of a byte stream without parsing them: strings (with their escapes)
 * and nesting are followed, nothing else is checked. What one element holds (a string over a limit, nesting too
 * deep, invalid UTF-8, a syntax error) therefore cannot stop the elements after it: each is parsed on its own
 * afterwards, and the envelope reader accounts for every one. Only a break in the array's own structure (no
 * comma between elements, the input ending) ends the array early, and is reported with the index reached.
 *
 * <p>The buffer is scanned in runs: tight loops skip to the next byte that matters (a quote, a backslash in a
 * string, a bracket or brace, a newline for the line count), and the offset, the line and the element's copy
 * advance once per run rather than per byte.
 *
 * <p>Keeps one read buffer and the bytes of the current element up to {@code maxElementBytes}; a longer element
 * is scanned to its end and reported as too large, without being held. The scan's state (depth, inside a string,
 * after a backslash) lives in fields only while one value is being scanned across buffer refills.
 */
final class ArrayElements {

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

    /** Bytes that stop the scan inside a string: the closing quote, an escape, a newline (counted). */
    private static final boolean[] STRING_STOPS = stops("\"\\\n");
    /** Bytes that stop the scan of nested content outside strings. */
    private static final boolean[] NESTED_STOPS = stops("\"{}[]\n");

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

    /** The nested scan's state between buffer refills: depth, inside a string, right after a backslash. */
    private int depth;

    private boolean inString;
    private boolean escape;
    /** The deepest level the current scan reached. */
    private int deepest;
    /** Newlines passed by the last {@link #scanNested} call, to add to {@link #line}. */
    private int newlines;

    /**
     * @param in     the bytes right after the array's {@code [}
     * @param offset their offset in the caller's coordinates
     * @param line   their line number
     */
    ArrayElements(InputStream in, long offset, long line, int maxElementBytes, int maxElementDepth) {
        if (maxElementBytes < 1) {
            throw new IllegalArgumentException("maxElementBytes must be positive: " + maxElementBytes);
        }
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
            advance(1, 0);
            closed = true;
            return null;
        }
        if (!first) {
            if (c == ']') {
                advance(1, 0);
                closed = true;
                return null;
            }
            if (c != ',') {
                throw broken(c < 0 ? "input ends inside the array" : "expected ',' or ']' between elements");
            }
            advance(1, 0);
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
        if (depth <= 0) {
            return;
        }
        startNested(depth, false);
        while (true) {
            if (pos == end && !fill()) {
                throw broken("input ends before the enclosing object closes");
            }
            int stop = scanNested(buf, pos, end);
            advance(stop - pos, newlines);
            if (this.depth == 0 && !inString) {
                return;
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

    /**
     * The element starting at {@code buf[pos]} (not whitespace, a comma or {@code ]}): an object or array to its
     * closing bracket, a string to its closing quote, anything else (a scalar) up to a comma, {@code ]},
     * whitespace or the input's end. A scalar that runs into a quote, bracket or brace takes it in and goes on
     * from there as the byte-level rules say (the parser rejects the element afterwards).
     */
    private Element scanElement() throws IOException, Broken {
        long startOffset = offset;
        long startLine = line;
        int len = 0;
        boolean tooLarge = false;
        startNested(0, false);
        while (true) {
            if (pos == end && !fill()) {
                if (depth == 0 && !inString && len > 0) {
                    break; // a scalar at the end of input: the caller then finds no ']'
                }
                throw broken("input ends inside element");
            }
            byte[] b = buf;
            int from = pos;
            int i = from;
            int e = end;
            boolean done = false;
            newlines = 0;
            // At depth 0 outside a string: the element's first byte, or a scalar's.
            while (i < e && depth == 0 && !inString) {
                int c = b[i] & 0xff;
                if ((len > 0 || i > from) && (c == ',' || c == ']' || isWhitespace(c))) {
                    done = true; // the end of a scalar, not part of it
                    break;
                }
                i++;
                if (c == '"') {
                    inString = true;
                } else if (c == '{' || c == '[') {
                    depth = 1;
                    deepest = 1;
                } else if (c == '}' || c == ']') {
                    done = true; // a stray closer ends the element at once
                    break;
                }
            }
            if (!done && i < e) {
                i = scanNested(b, i, e);
                done = depth == 0 && !inString;
            }
            deepElement = deepest > maxElementDepth;
            int n = i - from;
            int room = maxElementBytes - len;
            if (n > room) {
                tooLarge = true;
                n = room;
            }
            if (n > 0) {
                if (len + n > element.length) {
                    element = Arrays.copyOf(
                            element, (int) Math.min(Math.max(2L * element.length, len + n), maxElementBytes));
                }
                System.arraycopy(b, from, element, len, n);
                len += n;
            }
            advance(i - from, newlines);
            if (done) {
                break;
            }
        }
        return new Element(element, len, tooLarge, deepElement, startOffset, startLine);
    }

    private void startNested(int depth, boolean inString) {
        this.depth = depth;
        this.inString = inString;
        this.escape = false;
        this.deepest = depth;
    }

    /**
     * Scans {@code b[i..e)} inside a string or nested value (the state in {@link #depth}, {@link #inString},
     * {@link #escape}) and returns the index after the byte that brings it back to depth 0 outside a string, or
     * {@code e}. Sets {@link #newlines} to the newlines passed and raises {@link #deepest}.
     */
    private int scanNested(byte[] b, int i, int e) {
        int d = depth;
        int deep = deepest;
        boolean str = inString;
        boolean esc = escape;
        int nl = 0;
        while (i < e) {
            if (esc) {
                esc = false;
                if (b[i++] == '\n') {
                    nl++;
                }
                continue;
            }
            if (str) {
                while (i < e && !STRING_STOPS[b[i] & 0xff]) {
                    i++;
                }
                if (i == e) {
                    break;
                }
                byte c = b[i++];
                if (c == '"') {
                    str = false;
                    if (d == 0) {
                        break;
                    }
                } else if (c == '\\') {
                    esc = true;
                } else {
                    nl++;
                }
            } else {
                while (i < e && !NESTED_STOPS[b[i] & 0xff]) {
                    i++;
                }
                if (i == e) {
                    break;
                }
                byte c = b[i++];
                if (c == '"') {
                    str = true;
                } else if (c == '{' || c == '[') {
                    if (++d > deep) {
                        deep = d;
                    }
                } else if (c == '}' || c == ']') {
                    if (--d == 0) {
                        break;
                    }
                } else {
                    nl++;
                }
            }
        }
        depth = d;
        deepest = deep;
        inString = str;
        escape = esc;
        newlines = nl;
        return i;
    }

    private Broken broken(String message) {
        return new Broken(message, offset, line, deepElement);
    }

    /** Skips whitespace; returns the byte after it (not consumed) or -1 at the input's end. */
    private int skipWhitespace() throws IOException {
        while (pos < end || fill()) {
            byte[] b = buf;
            int i = pos;
            int e = end;
            int nl = 0;
            while (i < e && isWhitespace(b[i])) {
                if (b[i++] == '\n') {
                    nl++;
                }
            }
            advance(i - pos, nl);
            if (i < e) {
                return b[i] & 0xff;
            }
        }
        return -1;
    }

    private static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Consumes {@code n} bytes of the buffer holding {@code newlines} newlines. */
    private void advance(int n, int newlines) {
        pos += n;
        offset += n;
        line += newlines;
    }

    /** Reads more into the empty buffer; false at the input's end. */
    private boolean fill() throws IOException {
        int n = in.read(buf);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        end = n;
        return true;
    }

    private static boolean[] stops(String bytes) {
        boolean[] t = new boolean[256];
        for (int i = 0; i < bytes.length(); i++) {
            t[bytes.charAt(i)] = true;
        }
        return t;
    }
}
