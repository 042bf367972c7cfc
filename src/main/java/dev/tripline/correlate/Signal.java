package dev.tripline.correlate;

import java.util.List;

/**
 * One input to one correlation: a referenced rule (or correlation) matched, at a point in event time, for one
 * group. Built by {@link CorrelationPlan#signal}, which resolves the group-by fields through the correlation's
 * aliases; the Flink layer keys its state by ({@link CorrelationPlan#id()}, {@link #group()}).
 *
 * @param ruleIndex position of the referenced rule in the correlation's {@code rules}
 * @param ruleId    id of the referenced rule or correlation
 * @param time      event time in epoch millis (for a fired inner correlation: its last_seen)
 * @param group     the group-by values, in the order of the correlation's {@code group-by}
 * @param value     for value_count: the value (or tuple) of {@code condition.field}; for value_sum/avg/
 *                  percentile/median: the number as text; otherwise null
 * @param evidence  the contributing events (one for an event; the inner evidence for a chained correlation)
 */
public record Signal(
        int ruleIndex, String ruleId, long time, List<String> group, String value, List<Evidence> evidence) {
    public Signal {
        group = List.copyOf(group);
        evidence = List.copyOf(evidence);
    }
}
