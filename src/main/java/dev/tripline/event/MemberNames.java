package dev.tripline.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The top-level member names of records, read from their bytes, each with what one field set answers for it: the
 * decoded, interned name, the field set's node for it (or none, to skip the member) and whether it is an
 * envelope's key. A record's names are the same few dozen over and over, so {@link RecordMembers} looks each up
 * here by its bytes instead of decoding it, asking the field set and testing the envelope keys per member.
 *
 * <p>State: a table of recently seen names by a hash of their bytes, filled on first sight of a name and never
 * cleared; a name replaces the one in its slot. Entries are immutable, so a thread that reads a slot while another
 * writes it sees either entry whole, and a lost race only costs a miss. Shared by the threads of one parser.
 */
final class MemberNames {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Longer names are looked up afresh each time, so that the table stays small. */
    private static final int MAX_CACHED_NAME = 64;

    private static final int SLOTS = 1024;

    private final FieldSet.Node keep;
    private final Name[] table = new Name[SLOTS];

    /**
     * A name as it appears between its quotes ({@code length} bytes: bytes 0 to 7 in {@code head}, 8 to 15 in
     * {@code middle} and the last eight in {@code tail}, little-endian, zero-padded when shorter), and the answers
     * for it. The three words hold all of a name of up to 24 bytes, so most names compare without {@code raw}.
     *
     * @param text  the decoded name, interned as Jackson's names are
     * @param hash  its {@link String#hashCode}, kept here so that a lookup does not touch the string
     * @param child the field set's node for the member, null when the member is skipped
     * @param below what the field set keeps below the member; null when it keeps the whole value (or skips it)
     * @param envelope true for a key that makes the object an envelope rather than a record
     * @param foldedHash its {@link CaseFoldMap#hash}, for an event's filter of its keys in every case
     * @param dotted true when it holds a dot (a key that may hold a whole dotted path)
     */
    record Name(
            byte[] raw,
            int length,
            long head,
            long middle,
            long tail,
            String text,
            int hash,
            FieldSet.Node child,
            FieldSet.Node below,
            boolean envelope,
            int foldedHash,
            boolean dotted) {}

    MemberNames(FieldSet.Node keep) {
        this.keep = keep;
    }

    /** The name whose quoted form is {@code b[quote, end)} (both quotes included). */
    Name of(byte[] b, int quote, int end) {
        int start = quote + 1;
        int length = end - 1 - start;
        if (length > MAX_CACHED_NAME) {
            return lookUp(b, quote, end, 0, 0, 0);
        }
        long head = word(b, start, Math.min(length, 8));
        long middle = length > 8 ? word(b, start + 8, Math.min(length - 8, 8)) : 0;
        long tail = length > 16 ? word(b, end - 9, 8) : 0;
        long h = (head * 0x9E3779B97F4A7C15L) ^ (middle * 0xC2B2AE3D27D4EB4FL) ^ tail ^ length;
        int slot = (int) (h >>> 54) & (SLOTS - 1);
        Name cached = table[slot];
        if (cached != null
                && cached.length == length
                && cached.head == head
                && cached.middle == middle
                && cached.tail == tail
                && (length <= 24 || Arrays.equals(cached.raw, 16, length - 8, b, start + 16, end - 9))) {
            return cached;
        }
        Name name = lookUp(b, quote, end, head, middle, tail);
        table[slot] = name;
        return name;
    }

    private Name lookUp(byte[] b, int quote, int end, long head, long middle, long tail) {
        String text = ValidJsonTree.name(b, quote, end);
        FieldSet.Node child = keep.child(text);
        return new Name(
                Arrays.copyOfRange(b, quote + 1, end - 1),
                end - quote - 2,
                head,
                middle,
                tail,
                text,
                text.hashCode(),
                child,
                child == null || child.all ? null : child,
                isEnvelopeKey(text),
                CaseFoldMap.hash(text),
                text.indexOf('.') >= 0);
    }

    /** The {@code n} (at most eight) bytes at {@code from} as a little-endian long, zero above them. */
    private static long word(byte[] b, int from, int n) {
        if (from + 8 <= b.length) {
            long w = (long) LONGS.get(b, from);
            return n == 8 ? w : w & ((1L << (8 * n)) - 1);
        }
        long w = 0;
        for (int k = n - 1; k >= 0; k--) {
            w = (w << 8) | (b[from + k] & 0xff);
        }
        return w;
    }

    /** The keys that make a top-level object an envelope or a failure of one (see {@code EventParser.rootObject}). */
    private static boolean isEnvelopeKey(String name) {
        return name.equals("Records")
                || name.equals("records")
                || name.equals("value")
                || name.equals("detail-type")
                || name.equals("messageType");
    }
}
