package dev.tripline.alert;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

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
 * <p>The alert's id is the one its first line had (so updates keep it), or before any line the id of the
 * earliest candidate; title, group and context are the earliest candidate's.
 */
public final class EvidenceSample {
    /** Occurrences whose evidence an alert shows when the configuration says nothing. */
    public static final int DEFAULT_LIMIT = 10;
    public static final int MIN_LIMIT = 2;
    public static final int MAX_LIMIT = 100;
    private static final byte FORMAT = 2;
    private static final Comparator<Alert> ORDER = Comparator.comparingLong(Alert::lastSeenMillis)
            .thenComparing(Alert::alertId);

    private final int limit;
    private final List<Alert> earliest;
    private final List<Alert> latest;
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
        occurrences = saturatedAdd(occurrences, candidate.occurrences());
        events = saturatedAdd(events, candidate.count());
        firstSeen = Math.min(firstSeen, candidate.firstSeenMillis());
        lastSeen = Math.max(lastSeen, candidate.lastSeenMillis());
        keep(earliest, candidate, (limit + 1) / 2, true);
        keep(latest, candidate, limit / 2, false);
    }

    /** Inserts {@code a} in sorted order and trims the list to {@code max}, dropping from the far end. */
    private static void keep(List<Alert> list, Alert a, int max, boolean smallest) {
        int i = 0;
        while (i < list.size() && ORDER.compare(list.get(i), a) <= 0) {
            i++;
        }
        list.add(i, a);
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
        List<Alert> shown = shown();
        Alert head = shown.get(0);
        List<Evidence> evidence = new ArrayList<>();
        for (Alert a : shown) {
            evidence.addAll(a.evidence());
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
    private List<Alert> shown() {
        List<Alert> shown = new ArrayList<>(earliest);
        Alert lastEarly = earliest.get(earliest.size() - 1);
        for (Alert a : latest) {
            if (ORDER.compare(a, lastEarly) > 0) {
                shown.add(a);
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
        writeAlerts(out, earliest);
        writeAlerts(out, latest);
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
        readAlerts(in, s.earliest);
        readAlerts(in, s.latest);
        return s;
    }

    private static void writeAlerts(DataOutput out, List<Alert> alerts) throws IOException {
        out.writeInt(alerts.size());
        for (Alert a : alerts) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
                o.writeObject(a);
            }
            out.writeInt(bytes.size());
            out.write(bytes.toByteArray());
        }
    }

    private static void readAlerts(DataInput in, List<Alert> into) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_LIMIT) {
            throw new IOException("corrupt evidence sample: " + n + " alerts");
        }
        for (int i = 0; i < n; i++) {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
                into.add((Alert) o.readObject());
            } catch (ClassNotFoundException | ClassCastException e) {
                throw new IOException("corrupt evidence sample", e);
            }
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
