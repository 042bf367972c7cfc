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
 * cleared, a name replacing the one in its slot; and a table of recent records' {@link Shape}s, the same. Entries are immutable, so a thread that reads a slot while another
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

    /**
     * The top-level names of a record in their order, with what they make of it, worked out once for every record
     * whose names are the same: the distinct names the field set keeps, in the order they first appear, member k's
     * place among them ({@code place[k]}, -1 when skipped; a repeated name takes its first place), the kept names'
     * filter for {@link Event#noRootKeyFolds}, whether one holds a dot, and whether a name makes the object an
     * envelope. Immutable.
     */
    static final class Shape {
        final Name[] all;
        final Name[] kept;
        final int[] place;
        final long foldedLow;
        final long foldedHigh;
        final boolean dotted;
        final boolean envelope;

        Shape(Name[] all) {
            this.all = all;
            this.place = new int[all.length];
            Name[] kept = new Name[all.length];
            int count = 0;
            long low = 0;
            long high = 0;
            boolean dot = false;
            boolean env = false;
            for (int m = 0; m < all.length; m++) {
                Name name = all[m];
                env |= name.envelope();
                if (name.child() == null) {
                    place[m] = -1;
                    continue;
                }
                low |= Event.keyFilterLowBit(name.foldedHash());
                high |= Event.keyFilterHighBit(name.foldedHash());
                dot |= name.dotted();
                int k = 0;
                while (k < count && kept[k].text() != name.text()) { // names are interned
                    k++;
                }
                if (k == count) {
                    kept[count++] = name;
                }
                place[m] = k;
            }
            this.kept = Arrays.copyOf(kept, count);
            this.foldedLow = low;
            this.foldedHigh = high;
            this.dotted = dot;
            this.envelope = env;
        }
    }

    /**
     * Shapes of recent records by their number of members and the total length of their names. CloudTrail records of
     * one kind have the same names in the same order, and a few dozen shapes make up most of a stream; a record
     * whose names match a cached shape's costs a comparison of each name's bytes, not a lookup of each.
     */
    private static final int SHAPES = 64;

    private final Shape[] shapes = new Shape[SHAPES];

    MemberNames(FieldSet.Node keep) {
        this.keep = keep;
    }

    /**
     * The shape of a record from {@link StrictJsonPass}'s member index {@code index} of it (its names' spans in
     * {@code b}), every member indexed.
     */
    Shape shape(byte[] b, int[] index) {
        int n = index[0];
        int lengths = 0;
        for (int m = 0, slot = 1; m < n; m++, slot += StrictJsonPass.MEMBER_INTS) {
            lengths += index[slot + StrictJsonPass.NAME_END] - index[slot + StrictJsonPass.NAME_START];
        }
        int s = (int) (((long) n << 32 | lengths) * 0x9E3779B97F4A7C15L >>> 58) & (SHAPES - 1);
        Shape cached = shapes[s];
        if (cached != null && cached.all.length == n && matches(cached.all, b, index)) {
            return cached;
        }
        Name[] all = new Name[n];
        for (int m = 0, slot = 1; m < n; m++, slot += StrictJsonPass.MEMBER_INTS) {
            all[m] = of(b, index[slot + StrictJsonPass.NAME_START], index[slot + StrictJsonPass.NAME_END]);
        }
        Shape shape = new Shape(all);
        shapes[s] = shape;
        return shape;
    }

    /** True when the record's names, indexed in {@code index}, are {@code names}, byte for byte. */
    private static boolean matches(Name[] names, byte[] b, int[] index) {
        for (int m = 0, slot = 1; m < names.length; m++, slot += StrictJsonPass.MEMBER_INTS) {
            if (!isAt(names[m], b, index[slot + StrictJsonPass.NAME_START], index[slot + StrictJsonPass.NAME_END])) {
                return false;
            }
        }
        return true;
    }

    /** True when the quoted name {@code b[quote, end)} is {@code name}'s bytes. */
    private static boolean isAt(Name name, byte[] b, int quote, int end) {
        int start = quote + 1;
        int length = end - 1 - start;
        if (name.length != length) {
            return false;
        }
        if (length > MAX_CACHED_NAME) { // looked up afresh, without its words
            return Arrays.equals(name.raw, 0, length, b, start, end - 1);
        }
        return name.head == word(b, start, Math.min(length, 8))
                && (length <= 8 || name.middle == word(b, start + 8, Math.min(length - 8, 8)))
                && (length <= 16 || name.tail == word(b, end - 9, 8))
                && (length <= 24 || Arrays.equals(name.raw, 16, length - 8, b, start + 16, end - 9));
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
