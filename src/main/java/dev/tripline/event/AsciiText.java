package dev.tripline.event;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A JSON string of a record read in place: the bytes between its quotes, when every one is a printable ASCII
 * character other than a backslash (control characters are escaped in valid JSON), so that each byte is one character of the decoded text. The matcher's index
 * looks such a value up and scans it for literals without the value becoming a Java string ({@link
 * Event#plainTextMember}).
 *
 * <p>State: the record's bytes and the span, replaced by each {@link #set} call; not thread-safe. A holder reuses
 * one instance from value to value, so nothing is allocated per value; the text is valid only until the next
 * {@code set}, and holds the record's bytes until then or {@link #clear}.
 */
public final class AsciiText implements CharSequence {
    private byte[] bytes;
    private int from;
    private int length;

    /**
     * Points at the JSON string whose quotes are at {@code b[quote]} and {@code b[end - 1]}; false, leaving the
     * span unset, when its text is not plain ASCII without escapes (the text must then be decoded).
     */
    boolean set(byte[] b, int quote, int end) {
        for (int i = quote + 1; i < end - 1; i++) {
            byte c = b[i];
            if (c < 0 || c == '\\') { // negative: a byte of a multi-byte UTF-8 character
                return false;
            }
        }
        bytes = b;
        from = quote + 1;
        length = end - 1 - from;
        return true;
    }

    /** Lets go of the record's bytes. */
    public void clear() {
        bytes = null;
        from = 0;
        length = 0;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        return (char) bytes[from + Objects.checkIndex(index, length)];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().subSequence(start, end);
    }

    @Override
    public String toString() {
        return new String(bytes, from, length, StandardCharsets.ISO_8859_1);
    }
}
