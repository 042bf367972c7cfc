package dev.tripline.correlate;

import dev.tripline.bytes.BlockInput;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary primitives behind {@link CorrelationState#toBytes()} and the Flink layer's signal and firing
 * records: unsigned LEB128 sizes (one byte below 128) with a plausibility bound so corrupt bytes fail fast
 * instead of allocating, nullable strings and evidence. One place, so the formats cannot drift.
 *
 * <p>The keyed correlation state uses the compact forms ({@link #writeText}, {@link #writeVarLong},
 * {@link #writePackedEvidence}): LEB128 lengths instead of two-byte ones, and evidence written against what the
 * state already knows (the slot's rule and time, the rule's output field names, the group values), so that a
 * field holding the principal costs one byte instead of its ARN.
 */
public final class Encoding {
    /** Plausibility bound on any count read back. */
    public static final int MAX_ITEMS = 1_000_000;

    private Encoding() {}

    public static void writeSize(DataOutput out, int v) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    public static int readSize(DataInput in) throws IOException {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (v < 0 || v > MAX_ITEMS) {
                    throw new IllegalArgumentException("implausible size " + v);
                }
                return v;
            }
        }
        throw new IllegalArgumentException("bad size encoding");
    }

    /**
     * A byte array to write a form into and copy out of, growing as needed and kept for the next form: packing
     * the evidence of every signal into a new stream costs more than the packing. Not synchronized, unlike
     * {@link java.io.ByteArrayOutputStream}, whose every write takes a lock. One per thread ({@link #scratch}).
     */
    public static final class Scratch extends java.io.OutputStream {
        private byte[] bytes;
        private int length;

        public Scratch() {
            this(512);
        }

        /** A scratch of {@code capacity} bytes to start with. */
        Scratch(int capacity) {
            bytes = new byte[capacity];
        }
        /**
         * Writes into this scratch. {@link DataOutputStream}'s writes of byte arrays (every text of a form) take its
         * lock; one thread writes here, so these go straight to the scratch.
         */
        public final DataOutputStream out = new DataOutputStream(this) {
            @Override
            public void write(byte[] b, int off, int len) {
                Scratch.this.write(b, off, len);
                // As DataOutputStream counts: the count stops at Integer.MAX_VALUE.
                written = written + len < 0 ? Integer.MAX_VALUE : written + len;
            }
        };

        @Override
        public void write(int b) {
            if (length == bytes.length) {
                grow(1);
            }
            bytes[length++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len > bytes.length - length) {
                grow(len);
            }
            System.arraycopy(b, off, bytes, length, len);
            length += len;
        }

        private void grow(int more) {
            bytes = java.util.Arrays.copyOf(bytes, Math.max(2 * bytes.length, length + more));
        }

        /** What was written since {@link #scratch} handed it out. */
        public byte[] toByteArray() {
            return java.util.Arrays.copyOf(bytes, length);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * This thread's {@link Scratch}, emptied. What was written to it before is gone: take the bytes out
     * ({@link Scratch#toByteArray}) before anything else on the thread asks for it.
     */
    public static Scratch scratch() {
        Scratch s = SCRATCH.get();
        s.length = 0;
        return s;
    }

    /** Unsigned LEB128 of a non-negative long (time deltas, counts). */
    public static void writeVarLong(DataOutput out, long v) throws IOException {
        if (v < 0) {
            throw new IllegalArgumentException("negative " + v);
        }
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    public static long readVarLong(DataInput in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (v < 0) {
                    throw new IllegalArgumentException("implausible value " + v);
                }
                return v;
            }
        }
        throw new IllegalArgumentException("bad long encoding");
    }

    /** A nullable string: LEB128 of (UTF-8 length + 1), 0 for null, then the bytes. */
    public static void writeText(DataOutput out, String s) throws IOException {
        if (s == null) {
            out.writeByte(0);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeSize(out, b.length + 1);
        out.write(b);
    }

    /**
     * {@code texts} as {@link #writeText} writes them, one after the other: what several forms of one event hold
     * alike is encoded once.
     */
    public static byte[] textForms(String... texts) {
        Scratch bytes = new Scratch(128);
        try {
            for (String t : texts) {
                writeText(bytes.out, t);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static String readText(DataInput in) throws IOException {
        int n = readSize(in);
        if (n == 0) {
            return null;
        }
        byte[] b = new byte[n - 1];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static final int SAME_RULE = 1;
    private static final int SAME_TIME = 2;

    /**
     * Evidence of one slot in its compact form. {@code ruleId} and {@code time} are the slot's (an evidence that
     * repeats them stores a flag), {@code fieldNames} the names a field key is likely to be (the rule's output
     * fields) and {@code group} the group values a field value is likely to be; each is written as a one-byte
     * reference when it matches and in full otherwise, so the result decodes without them being right.
     */
    public static void writePackedEvidence(
            DataOutput out,
            List<Evidence> evidence,
            String ruleId,
            long time,
            List<String> fieldNames,
            List<String> group)
            throws IOException {
        writeSize(out, evidence.size());
        for (Evidence ev : evidence) {
            int flags = (ev.ruleId().equals(ruleId) ? SAME_RULE : 0) | (ev.eventTimeMillis() == time ? SAME_TIME : 0);
            out.writeByte(flags);
            if ((flags & SAME_RULE) == 0) {
                writeText(out, ev.ruleId());
            }
            if ((flags & SAME_TIME) == 0) {
                out.writeLong(ev.eventTimeMillis());
            }
            writeText(out, ev.eventId());
            writeText(out, ev.eventName());
            writeText(out, ev.eventSource());
            writeText(out, ev.awsRegion());
            writeSize(out, ev.fields().size());
            for (Map.Entry<String, String> f : ev.fields().entrySet()) {
                writeReference(out, f.getKey(), fieldNames);
                writeReference(out, f.getValue(), group);
            }
        }
    }

    /**
     * One event's evidence in {@link #writePackedEvidence}'s form, as the slot's own rule saw it at the slot's own
     * time (both flags set), from its parts: {@code head} is its eventID, eventName, eventSource and awsRegion (or
     * their Azure counterparts) as {@link #textForms} writes them, {@code fieldValues[i]} the value of the output
     * field whose reference is {@code fieldKeys[i]} ({@link #reference}; null when the event lacks it, and then
     * left out), and the values are written against {@code group}. The bytes are those of
     * {@code writePackedEvidence} for a one-entry list holding the same evidence.
     */
    public static void writePackedEvent(
            DataOutput out, byte[] head, byte[][] fieldKeys, String[] fieldValues, String[] group) throws IOException {
        out.writeByte(1);
        out.writeByte(SAME_RULE | SAME_TIME);
        out.write(head);
        int present = 0;
        for (String v : fieldValues) {
            present += v == null ? 0 : 1;
        }
        writeSize(out, present);
        List<String> known = Arrays.asList(group);
        for (int i = 0; i < fieldValues.length; i++) {
            String v = fieldValues[i];
            if (v != null) {
                out.write(fieldKeys[i]);
                writeReference(out, v, known);
            }
        }
    }

    /** What {@link #writePackedEvidence} writes for a field key {@code s} against {@code known}, as bytes. */
    public static byte[] reference(String s, List<String> known) {
        Scratch bytes = new Scratch();
        try {
            writeReference(bytes.out, s, known);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The number of evidence entries of a {@link #writePackedEvidence} form, read from its head. */
    public static int packedCount(byte[] packed) {
        int v = 0;
        for (int i = 0; i < Math.min(5, packed.length); i++) {
            int b = packed[i] & 0xFF;
            v |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (v < 0 || v > MAX_ITEMS) {
                    break;
                }
                return v;
            }
        }
        throw new IllegalArgumentException("truncated or corrupt correlation evidence");
    }

    /**
     * The event ids of a {@link #writePackedEvidence} form, read without the plan that packed it (a signal whose
     * rules never reached the operator still names its events).
     */
    public static List<String> packedEventIds(byte[] packed) {
        try {
            return readPackedEvidence(new BlockInput(packed), "", 0, null, null).stream()
                    .map(Evidence::eventId)
                    .toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    public static List<Evidence> readPackedEvidence(
            DataInput in, String ruleId, long time, List<String> fieldNames, List<String> group) throws IOException {
        int n = readSize(in);
        List<Evidence> out = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            int flags = in.readUnsignedByte();
            String rule = (flags & SAME_RULE) != 0 ? ruleId : readText(in);
            long t = (flags & SAME_TIME) != 0 ? time : in.readLong();
            String eventId = readText(in);
            String name = readText(in);
            String source = readText(in);
            String region = readText(in);
            int nf = readSize(in);
            Map<String, String> fields = new LinkedHashMap<>();
            for (int k = 0; k < nf; k++) {
                fields.put(readReference(in, fieldNames), readReference(in, group));
            }
            out.add(new Evidence(rule, eventId, t, name, source, region, fields));
        }
        return out;
    }

    /** 0 then the text, or k + 1 for {@code known.get(k)}. */
    private static void writeReference(DataOutput out, String s, List<String> known) throws IOException {
        int k = known.indexOf(s);
        if (k >= 0) {
            writeSize(out, k + 1);
        } else {
            out.writeByte(0);
            writeText(out, s);
        }
    }

    private static String readReference(DataInput in, List<String> known) throws IOException {
        int k = readSize(in);
        if (k == 0) {
            return readText(in);
        }
        if (known == null) {
            return "#" + k; // read without the plan: the reference stays a reference
        }
        if (k > known.size()) {
            throw new IllegalArgumentException("reference " + k + " past " + known.size() + " known values");
        }
        return known.get(k - 1);
    }
}
