package dev.tripline.flink;

import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertCodec;
import dev.tripline.alert.DedupPolicy;

/**
 * An alert on its way through dedup to the sinks: a Flink POJO with the fields dedup keys and counts by in the
 * clear, and the {@link Alert} itself in {@link AlertCodec}'s form.
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
    /**
     * The dedup policy as the rules that made the alert define it (a single rule's own, a correlation's
     * suppression), so that dedup keeps no rule table and follows live rule updates.
     */
    public long dedupPeriodMillis;

    public int dedupThreshold;

    public AlertRecord() {}

    /** The record of {@code a} before dedup, to be deduplicated under {@code policy}. */
    public static AlertRecord of(Alert a, DedupPolicy policy) {
        AlertRecord r = of(a);
        r.dedupPeriodMillis = policy.periodMillis();
        r.dedupThreshold = policy.threshold();
        return r;
    }

    /** The record of an alert dedup emits: no policy carried, it is deduplicated already. */
    public static AlertRecord of(Alert a) {
        AlertRecord r = new AlertRecord();
        r.ruleId = a.rule().id();
        r.kind = a.kind().wireName();
        r.dedupKey = a.dedupKey();
        r.eventTime = a.lastSeenMillis();
        r.alert = AlertCodec.encode(a);
        r.alertId = a.alertId();
        r.firstSeen = a.firstSeenMillis();
        r.count = a.count();
        r.occurrences = a.occurrences();
        return r;
    }

    /** The carried dedup policy. */
    public DedupPolicy policy() {
        if (dedupPeriodMillis <= 0) {
            throw new IllegalStateException("alert record of " + ruleId + " carries no dedup policy");
        }
        return new DedupPolicy(dedupPeriodMillis, Math.max(1, dedupThreshold));
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
        return AlertCodec.decode(alert);
    }

    @Override
    public String toString() {
        return "AlertRecord{" + kind + " " + dedupKey + " @" + eventTime + "}";
    }
}
