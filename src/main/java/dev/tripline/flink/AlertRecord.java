package dev.tripline.flink;

import dev.tripline.alert.Alert;

/**
 * An alert on its way through dedup to the sinks: a Flink POJO with the fields dedup keys and counts by in the
 * clear, and the {@link Alert} itself Java-serialised (its context holds Jackson nodes).
 */
public class AlertRecord {
    public String ruleId;
    /** "single" or "correlation". */
    public String kind;

    public String dedupKey;
    /** The alert's last_seen, epoch millis: the event time dedup counts it at. */
    public long eventTime;

    public byte[] alert;
    /** The alert's id, first_seen, count and occurrences, so that dedup can count it without decoding it. */
    public String alertId;

    public long firstSeen;
    public long count;
    public long occurrences;
    /** The dedup policy carried from detect ({@link SingleMatch#dedupPeriodMillis}); 0 when not carried. */
    public long dedupPeriodMillis;

    public int dedupThreshold;

    public AlertRecord() {}

    public static AlertRecord of(Alert a) {
        AlertRecord r = new AlertRecord();
        r.ruleId = a.rule().id();
        r.kind = a.kind().wireName();
        r.dedupKey = a.dedupKey();
        r.eventTime = a.lastSeenMillis();
        r.alert = Codec.java(a);
        r.alertId = a.alertId();
        r.firstSeen = a.firstSeenMillis();
        r.count = a.count();
        r.occurrences = a.occurrences();
        return r;
    }

    /** The alert record of a single-event match before dedup. */
    public static AlertRecord of(SingleMatch m) {
        AlertRecord r = new AlertRecord();
        r.ruleId = m.ruleId;
        r.kind = Alert.Kind.SINGLE.wireName();
        r.dedupKey = m.dedupKey;
        r.eventTime = m.eventTime;
        r.alert = m.alert;
        r.alertId = m.alertId;
        r.firstSeen = m.eventTime;
        r.count = 1;
        r.occurrences = 1;
        r.dedupPeriodMillis = m.dedupPeriodMillis;
        r.dedupThreshold = m.dedupThreshold;
        return r;
    }

    public Alert alert() {
        return Codec.java(alert, Alert.class);
    }

    @Override
    public String toString() {
        return "AlertRecord{" + kind + " " + dedupKey + " @" + eventTime + "}";
    }
}
