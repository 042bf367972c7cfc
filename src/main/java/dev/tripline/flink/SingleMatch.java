package dev.tripline.flink;

import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertCodec;
import dev.tripline.alert.DedupPolicy;

/**
 * A match of a rule that raises alerts of its own (not signal-only), before dedup: the alert as
 * {@link dev.tripline.alert.Alerts#single} builds it for this one event, with its dedup key so that the dedup
 * stage can key by it. A Flink POJO; the alert travels in {@link AlertCodec}'s form.
 */
public class SingleMatch {
    public String ruleId;
    public String dedupKey;
    public long eventTime;
    public byte[] alert;
    /** The alert's id, so that dedup can order the match without decoding the alert. */
    public String alertId;
    /**
     * The rule's dedup policy as the rules that matched define it (period 0 = not carried: dedup looks the rule
     * up in its own table), so that a live rule update's new or changed rules are deduplicated by their own
     * policy.
     */
    public long dedupPeriodMillis;

    public int dedupThreshold;

    public SingleMatch() {}

    public static SingleMatch of(Alert a) {
        SingleMatch m = new SingleMatch();
        m.ruleId = a.rule().id();
        m.dedupKey = a.dedupKey();
        m.eventTime = a.lastSeenMillis();
        m.alert = AlertCodec.encode(a);
        m.alertId = a.alertId();
        return m;
    }

    /** This match with {@code policy} carried to dedup. */
    public SingleMatch withPolicy(DedupPolicy policy) {
        dedupPeriodMillis = policy.periodMillis();
        dedupThreshold = policy.threshold();
        return this;
    }

    public Alert alert() {
        return AlertCodec.decode(alert);
    }

    @Override
    public String toString() {
        return "SingleMatch{" + ruleId + " " + dedupKey + " @" + eventTime + "}";
    }
}
