package dev.tripline.flink;

import dev.tripline.alert.AlertCodec;
import dev.tripline.alert.RuleRef;
import dev.tripline.correlate.Fired;
import dev.tripline.rule.CorrelationRule;

/**
 * A correlation that fired for one group, as {@link CorrelateFunction} emits it: a Flink POJO with the key
 * fields dedup and routing need in the clear and the {@link Fired} itself as {@link Codec} bytes.
 */
public class FiredRecord {
    public String correlationId;
    /** The group it fired for, as text ({@link GroupKey#toString()}), for logs and tests. */
    public String key;
    /** The firing's last_seen, epoch millis. */
    public long lastSeen;
    /** False when the correlation only feeds an outer correlation. */
    public boolean alert;

    public byte[] fired;
    /**
     * The correlation's alert descriptor ({@link RuleRef}, in {@link AlertCodec}'s form) and {@code alert_title}
     * template (null: none) as the rules that fired it define them, so that alerts follow live rule updates.
     */
    public byte[] rule;

    public String titleTemplate;

    public FiredRecord() {}

    /** A firing with the descriptor of the correlation that fired. */
    public static FiredRecord of(GroupKey key, Fired f, CorrelationRule correlation) {
        return of(key, f, descriptor(correlation), correlation.alertTitle());
    }

    /** A firing with the correlation's descriptor already encoded ({@link #descriptor}). */
    public static FiredRecord of(GroupKey key, Fired f, byte[] descriptor, String titleTemplate) {
        FiredRecord r = of(key, f);
        r.rule = descriptor;
        r.titleTemplate = titleTemplate;
        return r;
    }

    /** The alert descriptor of {@code correlation} as records carry it; the same for every firing of it. */
    public static byte[] descriptor(CorrelationRule correlation) {
        return AlertCodec.encode(RuleRef.of(correlation));
    }

    /** The carried descriptor. */
    public RuleRef ruleRef() {
        return AlertCodec.decodeRule(rule);
    }

    private static FiredRecord of(GroupKey key, Fired f) {
        FiredRecord r = new FiredRecord();
        r.correlationId = f.correlationId();
        r.key = key.toString();
        r.lastSeen = f.lastSeen();
        r.alert = f.alert();
        r.fired = Codec.fired(f);
        return r;
    }

    public Fired fired() {
        return Codec.fired(fired);
    }

    @Override
    public String toString() {
        return "FiredRecord{" + key + " @" + lastSeen + "}";
    }
}
