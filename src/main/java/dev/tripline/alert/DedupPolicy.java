package dev.tripline.alert;

import dev.tripline.rule.Rule;
import java.io.Serializable;
import java.time.Duration;

/**
 * How matches of one rule are folded into alerts: Panther's DedupPeriodMinutes and Threshold.
 *
 * @param periodMillis length of a dedup period in event time; the first match of a key opens one
 * @param threshold    matches of one key within a period before the period's alert is emitted (1 = the first)
 */
public record DedupPolicy(long periodMillis, int threshold) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Panther's default dedup period. */
    public static final int DEFAULT_PERIOD_MINUTES = 60;

    public DedupPolicy {
        if (periodMillis <= 0) {
            throw new IllegalArgumentException("dedup period must be positive, got " + periodMillis + " ms");
        }
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1, got " + threshold);
        }
    }

    /** The rule's own DedupPeriodMinutes and Threshold; {@code defaultMinutes} when the rule sets no period. */
    public static DedupPolicy forRule(Rule rule, int defaultMinutes) {
        int minutes = rule.dedupPeriodMinutes() != null ? rule.dedupPeriodMinutes() : defaultMinutes;
        return new DedupPolicy(Duration.ofMinutes(minutes).toMillis(), Math.max(1, rule.threshold()));
    }

    /** A correlation's suppression: it fires once per group per period. */
    public static DedupPolicy suppression(Duration period) {
        return new DedupPolicy(period.toMillis(), 1);
    }
}
