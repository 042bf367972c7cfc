package dev.tripline.alert;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * The alert of one dedup period as it grows: every match (single-event rule) or firing (correlation) counted into
 * the period is {@link #add added} as the alert built for it alone (its candidate), and {@link #alert} folds them
 * into one alert with the totals and a bounded sample of their evidence. Mutable; one per (rule, dedup key) period.
 *
 * <p>State kept: the candidates of the {@code ceil(limit / 2)} earliest and the {@code floor(limit / 2)} latest
 * occurrences, ordered by (last_seen, candidate alert id), so the sample depends on what was counted and never on
 * the order it arrived in; the totals (occurrences, events, first and last seen); and what has gone out: the id of
 * the first line, the number of lines, and the occurrences the last line showed. Everything between the two ends
 * is counted and dropped. The sample is cleared with the period's {@link DedupState}: the caller drops both when
 * the period ends.
 *
 * <p>The sample itself holds only the kept candidates' order keys; their alerts, in {@link AlertCodec}'s form
 * ({@link #serialize}, the form alerts travel in between operators), are in a {@link CandidateStore}: one entry
 * per kept candidate, written once when it enters the sample, removed when it leaves, and read only when a line
 * is built. Counting a match that does not enter the sample touches only the order keys and totals. A line's
 * alert is read to be written out ({@link AlertCodec#decodeForWriting}: its JSON objects and arrays stay text):
 * the earliest shown candidate whole, the others' evidence alone.
 *
 * <p>The alert's id is the one its first line had (so updates keep it), or before any line the id of the
 * earliest candidate; title, group and context are the earliest candidate's.
 */
public final class EvidenceSample {
    /** Occurrences whose evidence an alert shows when the configuration says nothing. */
    public static final int DEFAULT_LIMIT = 10;

    public static final int MIN_LIMIT = 2;
    public static final int MAX_LIMIT = 100;
    private static final byte FORMAT = 4;
    private static final Comparator<Sampled> ORDER =
            Comparator.comparingLong(Sampled::lastSeen).thenComparing(Sampled::alertId);

    /** A kept candidate's order key; its serialized alert is in the store under {@code alertId}. */
    private record Sampled(long lastSeen, String alertId) {}

    private final int limit;
    private final CandidateStore store;
    private final List<Sampled> earliest;
    private final List<Sampled> latest;
    private long occurrences;
    private long events;
    private long firstSeen = Long.MAX_VALUE;
    private long lastSeen = Long.MIN_VALUE;
    private String alertId;
    private int lines;
    private long reported;

    /** An empty sample that shows at most {@code limit} occurrences, its candidates kept in memory. */
    public EvidenceSample(int limit) {
        this(limit, CandidateStore.inMemory());
    }

    /** An empty sample that shows at most {@code limit} occurrences, its candidates kept in {@code store}. */
    public EvidenceSample(int limit, CandidateStore store) {
        checkLimit(limit);
        this.limit = limit;
        this.store = store;
        this.earliest = new ArrayList<>();
        this.latest = new ArrayList<>();
    }

    public static void checkLimit(int limit) {
        if (limit < MIN_LIMIT || limit > MAX_LIMIT) {
            throw new IllegalArgumentException(
                    "evidence limit must be from " + MIN_LIMIT + " to " + MAX_LIMIT + ", got " + limit);
        }
    }

    /** Counts {@code candidate} (a new alert for one match or firing of this period's rule and dedup key). */
    public void add(Alert candidate) {
        add(
                candidate.firstSeenMillis(),
                candidate.lastSeenMillis(),
                candidate.count(),
                candidate.occurrences(),
                candidate.alertId(),
                () -> serialize(candidate));
    }

    /**
     * Counts a candidate given by its totals and its {@link #serialize serialized} alert, which is asked for and
     * put in the store only if the candidate enters the sample; a candidate it displaces is removed from the store.
     */
    public void add(
            long candidateFirstSeen,
            long candidateLastSeen,
            long count,
            long candidateOccurrences,
            String candidateId,
            Supplier<byte[]> serialized) {
        occurrences = saturatedAdd(occurrences, candidateOccurrences);
        events = saturatedAdd(events, count);
        firstSeen = Math.min(firstSeen, candidateFirstSeen);
        lastSeen = Math.max(lastSeen, candidateLastSeen);
        Sampled s = new Sampled(candidateLastSeen, candidateId);
        boolean early = fits(earliest, s, (limit + 1) / 2, true);
        boolean late = fits(latest, s, limit / 2, false);
        if (!early && !late) {
            return;
        }
        // A candidate counted twice (the same event delivered again) shares one entry: written by the first,
        // removed when no copy is kept.
        if (!holds(candidateId)) {
            store.put(candidateId, serialized.get());
        }
        Sampled displacedEarly = early ? keep(earliest, s, (limit + 1) / 2, true) : null;
        Sampled displacedLate = late ? keep(latest, s, limit / 2, false) : null;
        forget(displacedEarly);
        forget(displacedLate);
    }

    private boolean holds(String candidateId) {
        for (Sampled s : earliest) {
            if (s.alertId().equals(candidateId)) {
                return true;
            }
        }
        for (Sampled s : latest) {
            if (s.alertId().equals(candidateId)) {
                return true;
            }
        }
        return false;
    }

    private void forget(Sampled displaced) {
        if (displaced != null && !holds(displaced.alertId())) {
            store.remove(displaced.alertId());
        }
    }

    /** Whether {@code s} belongs among the {@code max} smallest (or largest) of {@code list} plus itself. */
    private static boolean fits(List<Sampled> list, Sampled s, int max, boolean smallest) {
        if (list.size() < max) {
            return true;
        }
        return smallest ? ORDER.compare(s, list.get(list.size() - 1)) < 0 : ORDER.compare(s, list.get(0)) > 0;
    }

    /**
     * Inserts {@code s} in sorted order and trims the list to {@code max}, dropping from the far end; returns the
     * one dropped, or null.
     */
    private static Sampled keep(List<Sampled> list, Sampled s, int max, boolean smallest) {
        int i = 0;
        while (i < list.size() && ORDER.compare(list.get(i), s) <= 0) {
            i++;
        }
        list.add(i, s);
        return list.size() > max ? list.remove(smallest ? list.size() - 1 : 0) : null;
    }

    public boolean isEmpty() {
        return occurrences == 0;
    }

    public long occurrences() {
        return occurrences;
    }

    /** Lines emitted for this period so far. */
    public int lines() {
        return lines;
    }

    /** True when occurrences were counted after the last line (or there was no line yet). */
    public boolean hasUnreported() {
        return occurrences > reported;
    }

    /** The period's alert as it stands: revision = lines emitted so far. */
    public Alert alert() {
        if (isEmpty()) {
            throw new IllegalStateException("no occurrence counted");
        }
        List<Sampled> shown = shown();
        // Read back to be written out: the head candidate whole, the others' evidence alone.
        Alert head;
        List<Evidence> evidence;
        try {
            head = AlertCodec.decodeForWriting(candidate(shown.get(0)));
            evidence = new ArrayList<>(head.evidence());
            for (int i = 1; i < shown.size(); i++) {
                evidence.addAll(AlertCodec.decodeEvidenceForWriting(candidate(shown.get(i))));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("corrupt evidence sample candidate", e);
        }
        return new Alert(
                head.kind(),
                head.rule(),
                head.severity(),
                head.title(),
                head.group(),
                firstSeen,
                lastSeen,
                evidence,
                events,
                head.dedupKey(),
                alertId != null ? alertId : head.alertId(),
                head.context(),
                lines,
                occurrences,
                occurrences - shown.size());
    }

    private byte[] candidate(Sampled s) {
        byte[] bytes = store.get(s.alertId());
        if (bytes == null) {
            throw new IllegalStateException("evidence sample candidate " + s.alertId() + " missing from its store");
        }
        return bytes;
    }

    /** {@link #alert()}, recorded as emitted: later lines keep its id and count as updates. */
    public Alert emit() {
        Alert a = alert();
        alertId = a.alertId();
        lines++;
        reported = occurrences;
        return a;
    }

    /** Occurrences counted and not shown in the evidence. */
    public long omitted() {
        return isEmpty() ? 0 : occurrences - shown().size();
    }

    /** The earliest candidates, then the latest ones not among them, in order. */
    private List<Sampled> shown() {
        List<Sampled> shown = new ArrayList<>(earliest);
        Sampled lastEarly = earliest.get(earliest.size() - 1);
        for (Sampled s : latest) {
            if (ORDER.compare(s, lastEarly) > 0) {
                shown.add(s);
            }
        }
        return shown;
    }

    /** Writes the sample without its candidates' alerts, which stay in the store. */
    public void write(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(limit);
        out.writeLong(occurrences);
        out.writeLong(events);
        out.writeLong(firstSeen);
        out.writeLong(lastSeen);
        out.writeBoolean(alertId != null);
        if (alertId != null) {
            writeId(out, alertId);
        }
        out.writeInt(lines);
        out.writeLong(reported);
        writeSampled(out, earliest);
        writeSampled(out, latest);
    }

    /** Reads a sample {@link #write written} with its candidates' alerts left in {@code store}. */
    public static EvidenceSample read(DataInput in, CandidateStore store) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown evidence sample format " + format);
        }
        EvidenceSample s = new EvidenceSample(in.readInt(), store);
        s.occurrences = in.readLong();
        s.events = in.readLong();
        s.firstSeen = in.readLong();
        s.lastSeen = in.readLong();
        s.alertId = in.readBoolean() ? readId(in) : null;
        s.lines = in.readInt();
        s.reported = in.readLong();
        readSampled(in, s.earliest);
        readSampled(in, s.latest);
        return s;
    }

    private static void writeSampled(DataOutput out, List<Sampled> list) throws IOException {
        out.writeInt(list.size());
        for (Sampled s : list) {
            out.writeLong(s.lastSeen());
            writeId(out, s.alertId());
        }
    }

    private static void readSampled(DataInput in, List<Sampled> into) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_LIMIT) {
            throw new IOException("corrupt evidence sample: " + n + " candidates");
        }
        for (int i = 0; i < n; i++) {
            into.add(new Sampled(in.readLong(), readId(in)));
        }
    }

    // Ids as length-prefixed UTF-8: the sample is rewritten on every match, and DataOutput.writeUTF, which goes
    // char by char, was the largest part of that.
    private static void writeId(DataOutput out, String id) throws IOException {
        byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IOException("candidate id of " + bytes.length + " bytes");
        }
        out.writeShort(bytes.length);
        out.write(bytes);
    }

    private static String readId(DataInput in) throws IOException {
        byte[] bytes = new byte[in.readUnsignedShort()];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** An alert in {@link AlertCodec}'s form, as candidates are held (and as alerts travel between operators). */
    public static byte[] serialize(Alert a) {
        return AlertCodec.encode(a);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
