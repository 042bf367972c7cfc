package dev.tripline.flink;

import dev.tripline.correlate.Encoding;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The string form of the records and keys passed between operators ({@link SignalRecord}, {@link GroupKey}):
 * a short header, then the characters in one block, so that writing, reading and copying a string is a bulk copy
 * rather than a call per character, and ids take half their text's bytes. Byte arrays of those records (an alert,
 * packed evidence) go as blocks: a length, -1 for null, then the bytes ({@link #writeBlock}).
 *
 * <p>Header: an unsigned LEB128 number, 0 for null, else {@code (length << 2 | form) + 1} with {@code length} in
 * characters. Forms: {@link #LATIN1} one byte per character (every character at most U+00FF); {@link #UTF16} two
 * bytes per character, big-endian; {@link #UUID} a lowercase canonical UUID as its 16 bytes (length 0 in the
 * header: it is always 36);
 * {@link #HEX} an even number of lowercase hex digits (account ids, fingerprints) as their bytes. Every Java
 * string reads back equal, a lone surrogate included (UTF-8 would replace it), because a correlation key read
 * back must hash as it did when it was written.
 *
 * <p>State: the written form of up to {@link #MAX_IDS} ids and the string of up to as many id forms read back,
 * kept for the JVM's life ({@link #writeId}, {@link #readId}). Per thread, for its life: the array {@link #write}
 * encodes into (64 KiB), and a {@link Reader}: the ids it read last ({@code RecentIds}) and a {@link Gathered}
 * array, emptied on each use.
 */
final class CompactText {
    static final int LATIN1 = 0;
    static final int UTF16 = 1;
    static final int UUID = 2;
    static final int HEX = 3;
    /** Plausibility bound on a length read back, in characters. */
    static final int MAX_LENGTH = 1 << 24;

    /** Ids are few (one per plan, fingerprint and rule); beyond this many, new ones are written afresh each time. */
    static final int MAX_IDS = 4096;

    private static final ConcurrentHashMap<String, byte[]> IDS = new ConcurrentHashMap<>();
    /** The other way: the string of each id form read so far ({@link #readId}). */
    private static final ConcurrentHashMap<IdBytes, String> READ_IDS = new ConcurrentHashMap<>();

    private static final int UUID_LENGTH = 36;
    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

    private CompactText() {}

    /**
     * {@link #write} for a string that recurs on many records (a plan id, a fingerprint, a rule id): its form is
     * worked out once and kept, up to {@link #MAX_IDS} of them.
     */
    static void writeId(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeByte(0);
            return;
        }
        byte[] known = IDS.get(s);
        if (known == null) {
            byte[] encoded = new byte[maxEncodedLength(s)];
            known = Arrays.copyOf(encoded, encode(s, encoded, 0));
            if (IDS.size() < MAX_IDS) {
                IDS.putIfAbsent(s, known);
            }
        }
        out.write(known);
    }

    static void write(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeByte(0);
            return;
        }
        int max = maxEncodedLength(s);
        byte[] buffer = max <= MAX_SCRATCH ? SCRATCH.get() : new byte[max];
        out.write(buffer, 0, encode(s, buffer, 0));
    }

    /** Strings whose form may take more bytes than this are encoded into an array of their own, not the scratch. */
    private static final int MAX_SCRATCH = 1 << 16;

    /** Where {@link #write} encodes a string before it writes it: one buffer per thread. */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[MAX_SCRATCH]);

    /** The most bytes {@link #encode} can take for {@code s}: a header of at most five bytes, two bytes a character. */
    private static int maxEncodedLength(String s) {
        return 5 + 2 * s.length();
    }

    /**
     * Writes non-null {@code s} in this class's form into {@code out} from {@code at}, which must have room for
     * {@link #maxEncodedLength} bytes from there, and returns the position after it: every key made from a record's
     * group values comes here.
     */
    private static int encode(String s, byte[] out, int at) {
        int n = s.length();
        if (n > MAX_LENGTH) {
            throw new IllegalArgumentException("text of " + n + " characters, more than " + MAX_LENGTH);
        }
        // A Latin-1 string's bytes are one bulk copy away and tell its form faster than a loop over its characters
        // does (measured: detect's CPU 3-9 % higher with such a loop); they are also what LATIN1 writes.
        byte[] latin1 = s.getBytes(StandardCharsets.ISO_8859_1);
        int form = formOf(s, latin1);
        // A UUID's length goes without saying: its header is one byte.
        at = putHeader(((form == UUID ? 0 : (long) n) << 2 | form) + 1, out, at);
        switch (form) {
            case LATIN1 -> {
                System.arraycopy(latin1, 0, out, at, n);
                at += n;
            }
            case HEX -> at = hexBytes(latin1, 0, n, out, at);
            case UUID -> {
                at = hexBytes(latin1, 0, 8, out, at);
                at = hexBytes(latin1, 9, 13, out, at);
                at = hexBytes(latin1, 14, 18, out, at);
                at = hexBytes(latin1, 19, 23, out, at);
                at = hexBytes(latin1, 24, 36, out, at);
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    char c = s.charAt(i);
                    out[at++] = (byte) (c >>> 8);
                    out[at++] = (byte) c;
                }
            }
        }
        return at;
    }

    static String read(DataInputView in) throws IOException {
        long header = readHeader(in);
        if (header == 0) {
            return null;
        }
        return decode(header, readBytes(header, in));
    }

    /** {@link Reader#id} with this thread's reader (a record reading several ids gets the reader once). */
    static String readId(DataInputView in) throws IOException {
        return reader().id(in);
    }

    /**
     * The string of an id form, shared through {@link #READ_IDS}: {@link GroupKey#canonical}'s instance, so that a key
     * made of ids read back needs no look-up of its own.
     */
    private static String sharedId(long header, byte[] b) {
        IdBytes written = new IdBytes(header, b);
        String known = READ_IDS.get(written);
        if (known == null) {
            known = GroupKey.canonical(decode(header, b));
            if (READ_IDS.size() < MAX_IDS) {
                String raced = READ_IDS.putIfAbsent(written, known);
                known = raced != null ? raced : known;
            }
        }
        return known;
    }

    /**
     * This thread's {@link Reader}: a record read off the network gets it once for its ids and group values,
     * instead of one thread-local look-up per field.
     */
    static Reader reader() {
        return READER.get();
    }

    private static final ThreadLocal<Reader> READER = ThreadLocal.withInitial(Reader::new);

    /**
     * What one thread keeps for reading records: the ids it read ({@code RecentIds}) and its {@link Gathered}
     * array. Kept for the thread's life.
     */
    static final class Reader {
        private final RecentIds recent = new RecentIds();
        private final Gathered gathered = new Gathered();

        /**
         * {@link #read} for a string written by {@link #writeId}: the same string instance for the same bytes, up
         * to {@link #MAX_IDS} of them, so that the characters of a recurring id are not built again on every record
         * and its hash is worked out once. An id this thread read before is mostly found by its bytes alone
         * ({@link RecentIds}), without a copy of them or a look-up in {@link #READ_IDS}.
         */
        String id(DataInputView in) throws IOException {
            long header = readHeader(in);
            if (header == 0) {
                return null;
            }
            int n = checkedByteLength(form(header), length(header));
            if (n > RecentIds.MAX_BYTES) {
                return sharedId(header, readBytes(header, in));
            }
            byte[] read = recent.read;
            in.readFully(read, 0, n);
            int slot = RecentIds.slotOf(header, read, n);
            String known = recent.find(slot, header, read, n);
            if (known == null) {
                byte[] b = Arrays.copyOf(read, n);
                known = sharedId(header, b);
                recent.remember(slot, header, b, known);
            }
            return known;
        }

        /** This thread's {@link Gathered}, emptied. */
        Gathered gathered() {
            gathered.clear();
            return gathered;
        }
    }

    /** Reads a little-endian long out of a byte array (one load instead of eight). */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Ids one thread read, each with its written form, in {@link #SIZE} places chosen by a hash of the form (an id
     * replaces the one in its place): a stream of records repeats the plan ids, fingerprints and rule ids of its
     * correlations (about 50 for the 13 correlations in rules/), so most ids are found here by one
     * comparison of their bytes. Ids longer than {@link #MAX_BYTES} bytes are not kept.
     */
    private static final class RecentIds {
        static final int SIZE = 1024;
        static final int MAX_BYTES = 256;

        final long[] headers = new long[SIZE];
        final byte[][] forms = new byte[SIZE][];
        final String[] strings = new String[SIZE];
        /** Where an id's bytes are read before they are compared ({@code n} bytes, then room for a long's worth). */
        final byte[] read = new byte[MAX_BYTES + Long.BYTES];

        /**
         * The place of the form {@code b[0, n)} with this header: mixed eight bytes at a time (a UUID is two
         * steps), the tail byte by byte. Only a place: {@link #find} compares the bytes.
         */
        static int slotOf(long header, byte[] b, int n) {
            long h = header * 0x9E3779B97F4A7C15L;
            int i = 0;
            for (; i + Long.BYTES <= n; i += Long.BYTES) {
                h = (h ^ (long) LONGS.get(b, i)) * 0x9E3779B97F4A7C15L;
            }
            for (; i < n; i++) {
                h = (h ^ b[i]) * 0x9E3779B97F4A7C15L;
            }
            // A product carries a difference only upwards: ids that differ in their last byte (rule UUIDs often do)
            // differ only in the top bits until these shifts bring them down.
            h ^= h >>> 32;
            h *= 0x9E3779B97F4A7C15L;
            return (int) (h >>> 54) & (SIZE - 1);
        }

        String find(int slot, long header, byte[] b, int n) {
            // The header holds the length, so equal headers mean forms of n bytes.
            byte[] form = forms[slot];
            return headers[slot] == header && form != null && Arrays.equals(form, 0, n, b, 0, n) ? strings[slot] : null;
        }

        void remember(int slot, long header, byte[] form, String s) {
            headers[slot] = header;
            forms[slot] = form;
            strings[slot] = s;
        }
    }

    /** The written form of an id, a key of {@link #READ_IDS}. */
    private record IdBytes(long header, byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof IdBytes other && other.header == header && Arrays.equals(other.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(header) * 31 + Arrays.hashCode(bytes);
        }
    }

    /** The form a non-null string's header names. */
    private static int form(long header) {
        return (int) ((header - 1) & 3);
    }

    /** The length in characters a non-null string's header names (0 for a UUID). */
    private static int length(long header) {
        return (int) ((header - 1) >>> 2);
    }

    /** The bytes of a non-null string whose header was just read, their length checked before they are read. */
    private static byte[] readBytes(long header, DataInputView in) throws IOException {
        byte[] b = new byte[checkedByteLength(form(header), length(header))];
        in.readFully(b);
        return b;
    }

    /** The bytes a string of {@code n} characters in {@code form} takes, checked to be a possible length. */
    private static int checkedByteLength(int form, int n) throws IOException {
        if (form == HEX && n % 2 != 0) {
            throw new IOException("corrupt text: " + n + " hex digits");
        }
        if (form == UUID && n != 0) {
            throw new IOException("corrupt text: a UUID header with a length");
        }
        return byteLength(form, n);
    }

    private static String decode(long header, byte[] b) {
        int n = length(header);
        switch (form(header)) {
            case LATIN1 -> {
                return new String(b, StandardCharsets.ISO_8859_1);
            }
            case HEX -> {
                char[] c = new char[n];
                hexChars(b, 0, b.length, c, 0);
                return new String(c);
            }
            case UUID -> {
                char[] c = new char[UUID_LENGTH];
                hexChars(b, 0, 4, c, 0);
                c[8] = '-';
                hexChars(b, 4, 6, c, 9);
                c[13] = '-';
                hexChars(b, 6, 8, c, 14);
                c[18] = '-';
                hexChars(b, 8, 10, c, 19);
                c[23] = '-';
                hexChars(b, 10, 16, c, 24);
                return new String(c);
            }
            default -> {
                char[] c = new char[n];
                for (int i = 0; i < n; i++) {
                    c[i] = (char) ((b[2 * i] & 0xFF) << 8 | (b[2 * i + 1] & 0xFF));
                }
                return new String(c);
            }
        }
    }

    /** This thread's {@link Gathered}, emptied. */
    static Gathered gathered() {
        return reader().gathered();
    }

    /**
     * Strings in their written form, one after the other, in one growable array: where a key's group values are
     * put together (encoded from a record's strings, or read off a record as written) before they are copied into
     * the key. One per thread ({@link #gathered()}); it keeps its array between uses unless a huge value grew it.
     */
    static final class Gathered {
        private static final int INITIAL = 256;
        private static final int KEPT = 1 << 16;

        private byte[] bytes = new byte[INITIAL];
        private int length;

        private void clear() {
            length = 0;
            if (bytes.length > KEPT) {
                bytes = new byte[INITIAL];
            }
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(length + more, 2 * bytes.length));
            }
        }

        /** Appends non-null {@code s} in {@link #write}'s form. */
        void add(String s) {
            ensure(maxEncodedLength(s));
            length = encode(s, bytes, length);
        }

        /**
         * Appends the next string of {@code in} as it is written there, without building it.
         *
         * @return false when it was a null
         */
        boolean add(DataInputView in) throws IOException {
            long header = readHeader(in);
            int n = header == 0 ? 0 : checkedByteLength(form(header), length(header));
            ensure(5 + n);
            length = putHeader(header, bytes, length);
            in.readFully(bytes, length, n);
            length += n;
            return header != 0;
        }

        /** The bytes gathered, in an array of their own. */
        byte[] copy() {
            return Arrays.copyOf(bytes, length);
        }
    }

    /** Copies one string from {@code in} to {@code out} as it is, without building it. */
    static void copy(DataInputView in, DataOutputView out) throws IOException {
        long header = readHeader(in);
        writeHeader(out, header);
        if (header != 0) {
            copyBytes(in, out, byteLength(form(header), length(header)));
        }
    }

    /** Bound on a byte block read back (an alert, packed evidence). */
    static final int MAX_BLOCK_BYTES = 64 << 20;

    /** A byte array of a record (null allowed): its length, -1 for null, then its bytes. */
    static void writeBlock(byte[] b, DataOutputView out) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            writeBlock(b, b.length, out);
        }
    }

    /** The first {@code length} bytes of {@code b} as a block: a record encoded into a reused buffer. */
    static void writeBlock(byte[] b, int length, DataOutputView out) throws IOException {
        out.writeInt(length);
        out.write(b, 0, length);
    }

    /** Reads what {@link #writeBlock} wrote; {@code what} names the field in the error of a corrupt length. */
    static byte[] readBlock(DataInputView in, String what) throws IOException {
        return readBlock(in, what, MAX_BLOCK_BYTES);
    }

    /** {@link #readBlock(DataInputView, String)} for a block bounded by its writer's limits, not by this class's. */
    static byte[] readBlock(DataInputView in, String what, int maxBytes) throws IOException {
        int length = blockLength(in, what, maxBytes);
        if (length < 0) {
            return null;
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }

    /** Copies what {@link #writeBlock} wrote, as it is. */
    static void copyBlock(DataInputView in, DataOutputView out, String what) throws IOException {
        int length = blockLength(in, what, MAX_BLOCK_BYTES);
        out.writeInt(length);
        if (length > 0) {
            copyBytes(in, out, length);
        }
    }

    private static int blockLength(DataInputView in, String what, int maxBytes) throws IOException {
        int length = in.readInt();
        if (length < -1 || length > maxBytes) {
            throw new IOException("corrupt " + what + " of " + length + " bytes");
        }
        return length;
    }

    /** The buffer {@link #copyBytes} copies through, one per thread: every record read back copies its group. */
    private static final ThreadLocal<byte[]> COPY_BUFFER = ThreadLocal.withInitial(() -> new byte[4096]);

    /**
     * Copies {@code n} bytes through a buffer: {@code DataOutputView.write(DataInputView, int)} is faster on paged
     * views but fails instead of growing on Flink's {@code DataOutputSerializer}.
     */
    static void copyBytes(DataInputView in, DataOutputView out, int n) throws IOException {
        byte[] buffer = COPY_BUFFER.get();
        while (n > 0) {
            int chunk = Math.min(n, buffer.length);
            in.readFully(buffer, 0, chunk);
            out.write(buffer, 0, chunk);
            n -= chunk;
        }
    }

    private static int byteLength(int form, int n) {
        return switch (form) {
            case LATIN1 -> n;
            case HEX -> n / 2;
            case UUID -> 16;
            default -> 2 * n;
        };
    }

    /**
     * The form of {@code s}, whose ISO-8859-1 bytes are {@code latin1}: a character past U+00FF became {@code ?}
     * there (a surrogate pair one {@code ?} for two characters), so only a {@code ?} is looked up in {@code s}.
     * Each test stops at its first miss: most values (ARNs, names) are not hex from their second character on.
     */
    private static int formOf(String s, byte[] latin1) {
        int n = latin1.length;
        if (n != s.length() || hasWideCharacter(s, latin1)) {
            return UTF16;
        }
        if (n == UUID_LENGTH && isUuid(latin1)) {
            return UUID;
        }
        return n > 0 && n % 2 == 0 && isHex(latin1) ? HEX : LATIN1;
    }

    /** True when a {@code ?} of {@code latin1} stands for a character of {@code s} past U+00FF. */
    private static boolean hasWideCharacter(String s, byte[] latin1) {
        for (int i = 0; i < latin1.length; i++) {
            if (latin1[i] == '?' && s.charAt(i) != '?') {
                return true;
            }
        }
        return false;
    }

    private static boolean isHex(byte[] s) {
        for (byte c : s) {
            if (!isHexDigit(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUuid(byte[] s) {
        for (int i = 0; i < UUID_LENGTH; i++) {
            byte c = s[i];
            if (i == 8 || i == 13 || i == 18 || i == 23 ? c != '-' : !isHexDigit(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHexDigit(byte c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f';
    }

    /** Packs the hex digits {@code s[from, to)} into {@code b} from {@code at}; returns the position after them. */
    private static int hexBytes(byte[] s, int from, int to, byte[] b, int at) {
        for (int i = from; i < to; i += 2) {
            b[at++] = (byte) (hexValue(s[i]) << 4 | hexValue(s[i + 1]));
        }
        return at;
    }

    /** The value of a lowercase hex digit ({@link #isHexDigit}). */
    private static int hexValue(byte c) {
        return c <= '9' ? c - '0' : c - 'a' + 10;
    }

    private static void hexChars(byte[] b, int from, int to, char[] c, int at) {
        for (int i = from; i < to; i++) {
            c[at++] = HEX_DIGITS[(b[i] >>> 4) & 0xF];
            c[at++] = HEX_DIGITS[b[i] & 0xF];
        }
    }

    /** {@link #writeHeader} into {@code out} from {@code at}, which has room for five bytes; the position after it. */
    private static int putHeader(long header, byte[] out, int at) {
        while ((header & ~0x7FL) != 0) {
            out[at++] = (byte) ((header & 0x7F) | 0x80);
            header >>>= 7;
        }
        out[at++] = (byte) header;
        return at;
    }

    private static void writeHeader(DataOutputView out, long v) throws IOException {
        Encoding.writeVarLong(out, v);
    }

    private static long readHeader(DataInputView in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (v > ((long) MAX_LENGTH << 2 | 3) + 1) {
                    throw new IOException("corrupt text: " + ((v - 1) >>> 2) + " characters");
                }
                return v;
            }
        }
        throw new IOException("corrupt text: bad length");
    }
}
