package dev.tripline.correlate;

import static dev.tripline.correlate.Encoding.readSize;
import static dev.tripline.correlate.Encoding.readText;
import static dev.tripline.correlate.Encoding.readVarLong;
import static dev.tripline.correlate.Encoding.writeSize;
import static dev.tripline.correlate.Encoding.writeText;
import static dev.tripline.correlate.Encoding.writeVarLong;

import dev.tripline.bytes.BlockInput;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The slot index of one (correlation, group): what a correlation needs to decide its windows, without the
 * evidence. A <em>slot</em> stands for every signal of one rule at one instant with one value (value types) or
 * of one rule at one instant (the other types); it holds how many signals it stands for, and its evidence lives
 * beside it in the {@link GroupState} under the slot's id, a number the index hands out once per slot it adds
 * ({@link #newSlot}). Sorted by time; slots at the same time keep the order their first signal arrived in. Owned
 * by one key; {@link CorrelationPlan} changes it in place and stores it back through the {@link GroupState}.
 * Explicit versioned byte form ({@link #write}), no Java serialisation.
 *
 * <p>It also carries the group's one registered timer ({@link #timer()}) for the state backends that keep the
 * timer with the index, so that a step reads and writes one entry for both.
 */
public final class CorrelationState {
    private static final int FORMAT = 4;
    /** The format before the timer was kept in the index: refused, not misread (docs/rollouts.md). */
    private static final int FORMAT_WITHOUT_TIMER = 2;
    /** The format whose slots' evidence was keyed by text (rule, time, value): refused, not misread. */
    private static final int FORMAT_WITH_TEXT_KEYS = 3;

    private static final int LIMIT_LOGGED = 1;
    private static final int HAS_TIMER = 2;

    /** One slot of the index. */
    static final class Slot {
        /**
         * The key of the slot's evidence in the {@link GroupState}; unique among the group's slots. Boxed once, when
         * the slot is made: a map of evidence (heap state's) keeps this very object as the entry's key, so that
         * removing or replacing the slot's evidence finds the entry by identity instead of reading a boxed copy from
         * cold memory to compare it.
         */
        final Long id;

        final int rule;
        final long time;
        /** value_count: the value (tuple); value_sum/avg/percentile/median: the number as text; else null. */
        final String value;
        /** Signals this slot stands for (counted for the aggregate types; temporal types fold without counting). */
        long count;
        /** Evidence records stored for the slot (at most the plan's evidence limit). */
        int evidence;
        /** Its own window was decided; kept only as a witness for {@code not} terms, its evidence already gone. */
        boolean closed;

        private Slot(Long id, int rule, long time, String value, long count, int evidence, boolean closed) {
            this.id = id;
            this.rule = rule;
            this.time = time;
            this.value = value;
            this.count = count;
            this.evidence = evidence;
            this.closed = closed;
        }

        Slot copy() {
            return new Slot(id, rule, time, value, count, evidence, closed);
        }
    }

    /**
     * The slots in {@code [0, size)}, sorted by time. A plain array, not a list object around one: a step or a timer
     * reaches the slots from the index with one fewer read of cold memory. Most groups hold one or two slots (a
     * sequence's steps, a later step waiting for the watermark): sized so.
     */
    private Slot[] slots = new Slot[2];

    private int size;
    /**
     * The slots' times, in step with {@link #slots} ({@code times[i] == slots[i].time}): searching by time, which
     * every step and window does, reads one array instead of a slot object per probe.
     */
    private long[] times = new long[2];
    /** Open or closed slots per rule index, kept in step with {@link #slots}. */
    private int[] perRule = new int[2];
    /** The per-rule slot limit was hit in this group and logged; later hits are only counted. */
    boolean limitLogged;
    /** Event time of the group's registered timer; {@link Long#MAX_VALUE} when none. */
    private long timer = Long.MAX_VALUE;
    /**
     * The id the next new slot gets. Ids are not reused while the group holds anything; a group whose last slot
     * went is dropped whole, evidence included, and starts again from 0.
     */
    private long nextId;

    public CorrelationState() {}

    /** A slot with the next id, not yet inserted. */
    Slot newSlot(int rule, long time, String value, long count, int evidence, boolean closed) {
        if (nextId == Long.MAX_VALUE) {
            throw new IllegalStateException("slot ids exhausted");
        }
        return new Slot(nextId++, rule, time, value, count, evidence, closed);
    }

    /** True when no slot is held; the caller then drops the group's state entirely. */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * The event time of the group's registered timer, for a {@link GroupState} that keeps it here;
     * {@link Long#MAX_VALUE} when none.
     */
    public long timer() {
        return timer;
    }

    public void timer(long time) {
        timer = time;
    }

    /** Number of slots held. */
    public int size() {
        return size;
    }

    /** Slot {@code i} in time order. */
    Slot slot(int i) {
        Objects.checkIndex(i, size);
        return slots[i];
    }

    /** The slots in time order, a copy (tests and diagnostics). */
    List<Slot> slots() {
        return List.of(Arrays.copyOf(slots, size));
    }

    /** Signals the slots stand for (for temporal types, folded duplicates are not counted). */
    public long signals() {
        long n = 0;
        for (int i = 0; i < size; i++) {
            n += slots[i].count;
        }
        return n;
    }

    /** Event time of the oldest slot, epoch millis; {@link Long#MAX_VALUE} when empty. */
    public long oldestSignalTime() {
        return size == 0 ? Long.MAX_VALUE : times[0];
    }

    int slotsOf(int rule) {
        return rule < perRule.length ? perRule[rule] : 0;
    }

    void insert(Slot s) {
        int n = size;
        int i = n;
        while (i > 0 && times[i - 1] > s.time) {
            i--;
        }
        if (n == slots.length) {
            slots = Arrays.copyOf(slots, Math.max(4, n * 2));
            times = Arrays.copyOf(times, slots.length);
        }
        System.arraycopy(slots, i, slots, i + 1, n - i);
        System.arraycopy(times, i, times, i + 1, n - i);
        slots[i] = s;
        times[i] = s.time;
        size = n + 1;
        if (s.rule >= perRule.length) {
            perRule = Arrays.copyOf(perRule, s.rule + 1);
        }
        perRule[s.rule]++;
    }

    /** Removes the slots {@code which} accepts, telling {@code removed} about each. */
    void removeIf(Predicate<Slot> which, java.util.function.Consumer<Slot> removed) {
        removeIf(0, size, which, removed);
    }

    /** {@link #removeIf(Predicate, java.util.function.Consumer)} over the slots {@code [from, to)} only, in order. */
    void removeIf(int from, int to, Predicate<Slot> which, java.util.function.Consumer<Slot> removed) {
        // Compacts in place, visiting each slot once in order (no sub-list view, no bit set per call).
        Objects.checkFromToIndex(from, to, size);
        int kept = from;
        for (int i = from; i < to; i++) {
            Slot s = slots[i];
            if (which.test(s)) {
                perRule[s.rule]--;
                removed.accept(s);
            } else {
                if (kept != i) {
                    slots[kept] = s;
                    times[kept] = times[i];
                }
                kept++;
            }
        }
        if (kept < to) {
            int n = size;
            System.arraycopy(slots, to, slots, kept, n - to);
            System.arraycopy(times, to, times, kept, n - to);
            size = n - (to - kept);
            Arrays.fill(slots, size, n, null);
        }
    }

    /** Index of the first slot at or after {@code time}. */
    int firstAtOrAfter(long time) {
        int hi = size;
        if (hi == 0 || times[hi - 1] < time) {
            return hi; // signals mostly arrive in time order: after every slot held
        }
        int lo = 0;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] < time) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Index of the first slot after {@code time}: the slots at {@code time} lie before it. */
    int firstAfter(long time) {
        return time == Long.MAX_VALUE ? size : firstAtOrAfter(time + 1);
    }

    /** The slot of exactly this rule, time and value, or null. */
    Slot find(int rule, long time, String value) {
        for (int i = firstAtOrAfter(time); i < size && times[i] == time; i++) {
            Slot s = slots[i];
            if (s.rule == rule && java.util.Objects.equals(s.value, value)) {
                return s;
            }
        }
        return null;
    }

    /** The open slot of exactly this rule, time and value, or null; closed witnesses are passed over. */
    Slot findOpen(int rule, long time, String value) {
        for (int i = firstAtOrAfter(time); i < size && times[i] == time; i++) {
            Slot s = slots[i];
            if (!s.closed && s.rule == rule && java.util.Objects.equals(s.value, value)) {
                return s;
            }
        }
        return null;
    }

    /** A deep copy (Flink's heap state copies values it hands to a running snapshot). */
    public CorrelationState copy() {
        CorrelationState c = new CorrelationState();
        c.slots = new Slot[slots.length];
        for (int i = 0; i < size; i++) {
            c.slots[i] = slots[i].copy();
        }
        c.size = size;
        c.times = times.clone();
        c.perRule = perRule.clone();
        c.limitLogged = limitLogged;
        c.timer = timer;
        c.nextId = nextId;
        return c;
    }

    // ---- byte form ----

    /**
     * Format 4: format byte, flags, the timer when there is one, the next slot id, slot count, then per slot its id,
     * the rule, the time (the first in full, then the LEB128 distance to the previous slot's), the count, the
     * evidence count, the closed flag and the value.
     */
    public void write(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        boolean hasTimer = timer != Long.MAX_VALUE;
        out.writeByte((limitLogged ? LIMIT_LOGGED : 0) | (hasTimer ? HAS_TIMER : 0));
        if (hasTimer) {
            out.writeLong(timer);
        }
        writeVarLong(out, nextId);
        writeSize(out, size);
        long previous = 0;
        for (int i = 0; i < size; i++) {
            Slot s = slots[i];
            writeVarLong(out, s.id);
            writeSize(out, s.rule);
            if (i == 0) {
                out.writeLong(s.time);
            } else {
                writeVarLong(out, s.time - previous);
            }
            previous = s.time;
            writeVarLong(out, s.count);
            writeSize(out, s.evidence);
            out.writeBoolean(s.closed);
            writeText(out, s.value);
        }
    }

    /** Reads {@link #write}; throws {@link IllegalArgumentException} for anything else. */
    public static CorrelationState read(DataInput in) throws IOException {
        int format = in.readUnsignedByte();
        if (format == FORMAT_WITHOUT_TIMER) {
            throw new IllegalArgumentException("correlation state of format " + format + " was written before the "
                    + "group's timer was kept in its slot index; such a savepoint does not restore: start the job "
                    + "without it (docs/rollouts.md)");
        }
        if (format == FORMAT_WITH_TEXT_KEYS) {
            throw new IllegalArgumentException("correlation state of format " + format + " was written when slot "
                    + "evidence was keyed by text; such a savepoint does not restore: start the job without it "
                    + "(docs/rollouts.md)");
        }
        if (format != FORMAT) {
            throw new IllegalArgumentException("unknown correlation state format " + format);
        }
        CorrelationState c = new CorrelationState();
        int flags = in.readUnsignedByte();
        c.limitLogged = (flags & LIMIT_LOGGED) != 0;
        if ((flags & HAS_TIMER) != 0) {
            c.timer = in.readLong();
        }
        c.nextId = readVarLong(in);
        int n = readSize(in);
        int capacity = Math.max(2, Math.min(n, 1024));
        c.slots = new Slot[capacity];
        c.times = new long[capacity];
        long time = 0;
        for (int i = 0; i < n; i++) {
            long id = readVarLong(in);
            if (id >= c.nextId) {
                throw new IllegalArgumentException("slot id " + id + " not below the next id " + c.nextId);
            }
            int rule = readSize(in);
            time = i == 0 ? in.readLong() : time + readVarLong(in);
            long count = readVarLong(in);
            int evidence = readSize(in);
            boolean closed = in.readBoolean();
            c.insert(new Slot(id, rule, time, readText(in), count, evidence, closed));
        }
        return c;
    }

    /** The byte form as an array (for measuring and for tests). */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + size * 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static CorrelationState fromBytes(byte[] data) {
        try {
            BlockInput in = new BlockInput(data);
            CorrelationState c = read(in);
            if (in.remaining() != 0) {
                throw new IllegalArgumentException("trailing bytes after correlation state");
            }
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or corrupt correlation state", e);
        }
    }
}
