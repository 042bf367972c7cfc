package dev.tripline.alert;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
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
 * <p>Candidates are held in Java serialization ({@link #serialize}), the form alerts travel in between operators,
 * and decoded only when a line is built: counting a match into a busy key copies bytes and decodes nothing.
 *
 * <p>The alert's id is the one its first line had (so updates keep it), or before any line the id of the
 * earliest candidate; title, group and context are the earliest candidate's.
 */
public final class EvidenceSample {
    /** Occurrences whose evidence an alert shows when the configuration says nothing. */
    public static final int DEFAULT_LIMIT = 10;
    public static final int MIN_LIMIT = 2;
    public static final int MAX_LIMIT = 100;
    private static final byte FORMAT = 3;
    /** Largest serialized candidate accepted when state is read back (alerts are bounded far below this). */
    private static final int MAX_CANDIDATE_BYTES = 64 * 1024 * 1024;
    private static final Comparator<Sampled> ORDER = Comparator.comparingLong(Sampled::lastSeen)
            .thenComparing(Sampled::alertId);

    /** A candidate as held: its order key and its serialized alert. */
    private record Sampled(long lastSeen, String alertId, byte[] alert) {
    }

    private final int limit;
    private final List<Sampled> earliest;
    private final List<Sampled> latest;
    private long occurrences;
    private long events;
    private long firstSeen = Long.MAX_VALUE;
    private long lastSeen = Long.MIN_VALUE;
    private String alertId;
    private int lines;
    private long reported;

    /** An empty sample that shows at most {@code limit} occurrences. */
    public EvidenceSample(int limit) {
        checkLimit(limit);
        this.limit = limit;
        this.earliest = new ArrayList<>();
        this.latest = new ArrayList<>();
    }

    public static void checkLimit(int limit) {
        if (limit < MIN_LIMIT || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("evidence limit must be from " + MIN_LIMIT + " to " + MAX_LIMIT
                    + ", got " + limit);
        }
    }

    /** Counts {@code candidate} (a new alert for one match or firing of this period's rule and dedup key). */
    public void add(Alert candidate) {
        add(candidate.firstSeenMillis(), candidate.lastSeenMillis(), candidate.count(), candidate.occurrences(),
                candidate.alertId(), () -> serialize(candidate));
    }

    /**
     * Counts a candidate given by its totals and its {@link #serialize serialized} alert, which is copied only if
     * the candidate is kept.
     */
    public void add(long candidateFirstSeen, long candidateLastSeen, long count, long candidateOccurrences,
                    String candidateId, Supplier<byte[]> serialized) {
        occurrences = saturatedAdd(occurrences, candidateOccurrences);
        events = saturatedAdd(events, count);
        firstSeen = Math.min(firstSeen, candidateFirstSeen);
        lastSeen = Math.max(lastSeen, candidateLastSeen);
        Sampled key = new Sampled(candidateLastSeen, candidateId, null);
        boolean early = fits(earliest, key, (limit + 1) / 2, true);
        boolean late = fits(latest, key, limit / 2, false);
        if (early || late) {
            Sampled s = new Sampled(candidateLastSeen, candidateId, serialized.get());
            if (early) {
                keep(earliest, s, (limit + 1) / 2, true);
            }
            if (late) {
                keep(latest, s, limit / 2, false);
            }
        }
    }

    /** Whether {@code s} belongs among the {@code max} smallest (or largest) of {@code list} plus itself. */
    private static boolean fits(List<Sampled> list, Sampled s, int max, boolean smallest) {
        if (list.size() < max) {
            return true;
        }
        return smallest ? ORDER.compare(s, list.get(list.size() - 1)) < 0 : ORDER.compare(s, list.get(0)) > 0;
    }

    /** Inserts {@code s} in sorted order and trims the list to {@code max}, dropping from the far end. */
    private static void keep(List<Sampled> list, Sampled s, int max, boolean smallest) {
        int i = 0;
        while (i < list.size() && ORDER.compare(list.get(i), s) <= 0) {
            i++;
        }
        list.add(i, s);
        if (list.size() > max) {
            list.remove(smallest ? list.size() - 1 : 0);
        }
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
        Alert head = deserialize(shown.get(0).alert());
        List<Evidence> evidence = new ArrayList<>(head.evidence());
        for (int i = 1; i < shown.size(); i++) {
            evidence.addAll(deserialize(shown.get(i).alert()).evidence());
        }
        return new Alert(head.kind(), head.rule(), head.severity(), head.title(), head.group(), firstSeen, lastSeen,
                evidence, events, head.dedupKey(), alertId != null ? alertId : head.alertId(), head.context(), lines,
                occurrences, occurrences - shown.size());
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

    public void write(DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(limit);
        out.writeLong(occurrences);
        out.writeLong(events);
        out.writeLong(firstSeen);
        out.writeLong(lastSeen);
        out.writeBoolean(alertId != null);
        if (alertId != null) {
            out.writeUTF(alertId);
        }
        out.writeInt(lines);
        out.writeLong(reported);
        writeSampled(out, earliest);
        writeSampled(out, latest);
    }

    public static EvidenceSample read(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown evidence sample format " + format);
        }
        EvidenceSample s = new EvidenceSample(in.readInt());
        s.occurrences = in.readLong();
        s.events = in.readLong();
        s.firstSeen = in.readLong();
        s.lastSeen = in.readLong();
        s.alertId = in.readBoolean() ? in.readUTF() : null;
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
            out.writeUTF(s.alertId());
            out.writeInt(s.alert().length);
            out.write(s.alert());
        }
    }

    private static void readSampled(DataInput in, List<Sampled> into) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_LIMIT) {
            throw new IOException("corrupt evidence sample: " + n + " candidates");
        }
        for (int i = 0; i < n; i++) {
            long time = in.readLong();
            String id = in.readUTF();
            int length = in.readInt();
            if (length < 0 || length > MAX_CANDIDATE_BYTES) {
                throw new IOException("corrupt evidence sample: candidate of " + length + " bytes");
            }
            byte[] bytes = new byte[length];
            in.readFully(bytes);
            into.add(new Sampled(time, id, bytes));
        }
    }

    /** An alert in Java serialization, as candidates are held (and as alerts travel between operators). */
    public static byte[] serialize(Alert a) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
            o.writeObject(a);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Alert deserialize(byte[] bytes) {
        try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (Alert) o.readObject();
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            throw new IllegalStateException("corrupt evidence sample candidate", e);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
