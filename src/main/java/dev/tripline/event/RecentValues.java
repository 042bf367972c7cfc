package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Object and list values of records' top-level members decoded recently, by their bytes: the same {@code
 * userIdentity} comes back record after record (a principal acts again and again within one session, and its
 * identity, credentials and session dates are the same bytes each time), and building its tree of a dozen nodes
 * is most of what reading it costs. A member whose bytes equal a recent one's takes that tree: trees of events
 * are never modified ({@link Event#root()}), so events may share one. Hashing and comparing the bytes is a small
 * part of decoding them; scalars decode to one node and are not kept here.
 *
 * <p>State: a table of recently decoded values by a hash of their name and bytes, filled as {@link
 * RecordMembers} decodes members and never cleared: {@link #SLOTS} / 2 sets of two ways, a new value taking the
 * first way of its set and pushing the one there to the second. Two ways and 4096 slots because a stream holds
 * hundreds of distinct identities at once: with 1024 slots of one way, 28 % of the object members the detection
 * job read on the generated CloudTrail records were decoded again, whole; now 5 %. Holds at most {@link #SLOTS}
 * values of at most {@link #MAX_BYTES} bytes each (a few MiB at typical sizes). Entries are immutable and their
 * trees are built before the entry is (so the entry's final fields publish them whole): a thread that reads a slot
 * while another writes it sees either entry, and a lost race only costs a decode. Shared by the
 * threads of one parser.
 */
final class RecentValues {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Longer values are decoded every time: their trees are big to keep, and few repeat byte for byte. */
    static final int MAX_BYTES = 1024;

    /** An even number: slots {@code 2s} and {@code 2s + 1} are the two ways of set {@code s}. */
    private static final int SLOTS = 4096;

    private final Entry[] table = new Entry[SLOTS];

    /**
     * A member's value as a record holds it: its name (which also says what the field set keeps of it), its
     * bytes, and the tree decoded from them.
     */
    private record Entry(MemberNames.Name name, byte[] bytes, int hash, JsonNode value) {
        /** True when this entry is member {@code name}'s value of bytes {@code b[from, to)}, of hash {@code hash}. */
        boolean holds(MemberNames.Name name, byte[] b, int from, int to, int hash) {
            return this.hash == hash && this.name == name && Arrays.equals(bytes, 0, bytes.length, b, from, to);
        }
    }

    /**
     * The tree of member {@code name} whose value is {@code b[from, to)}, when one was decoded from the same bytes
     * recently; null otherwise.
     */
    JsonNode get(MemberNames.Name name, byte[] b, int from, int to, int hash) {
        int slot = hash & (SLOTS - 2);
        Entry e = table[slot];
        if (e == null || !e.holds(name, b, from, to, hash)) {
            e = table[slot + 1];
            if (e == null || !e.holds(name, b, from, to, hash)) {
                return null;
            }
        }
        return e.value;
    }

    /**
     * Keeps {@code value}, the tree of member {@code name} decoded from {@code b[from, to)} and cut to its keep, in
     * the first way of its set; what that way held moves to the second, and what the second held is dropped.
     */
    void put(MemberNames.Name name, byte[] b, int from, int to, int hash, JsonNode value) {
        int slot = hash & (SLOTS - 2);
        table[slot + 1] = table[slot];
        table[slot] = new Entry(name, Arrays.copyOfRange(b, from, to), hash, value);
    }

    /**
     * A hash of the member's name and its value's bytes {@code b[from, to)}, eight bytes at a time. A product
     * carries each byte's bits only upwards, so the last step folds the high bits down into the low ones the slot
     * is taken from: values that differ only in the top bytes of their last word (two session names, two dates)
     * would otherwise share a set.
     */
    static int hash(MemberNames.Name name, byte[] b, int from, int to) {
        long h = name.hash() ^ ((long) (to - from) << 32);
        int i = from;
        for (; i + 8 <= to; i += 8) {
            h = (h ^ (long) LONGS.get(b, i)) * 0x9E3779B97F4A7C15L;
        }
        for (; i < to; i++) {
            h = (h ^ b[i]) * 0x9E3779B97F4A7C15L;
        }
        h = (h ^ (h >>> 32)) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
