package dev.tripline.correlate;

import java.util.List;
import java.util.Objects;

/**
 * One input to one correlation: a referenced rule (or correlation) matched, at a point in event time, for one
 * group. Built by {@link CorrelationPlan#signals} (through the rule's {@link SignalTemplate}, evidence packed) or
 * {@link CorrelationPlan#signal} (a chained correlation), which resolve the group-by fields through the
 * correlation's aliases; the Flink layer keys its state by the plan and {@link #group()}.
 *
 * <p>The evidence is held either as a list or in the plan's packed form ({@link CorrelationPlan#packed}), the form
 * the plan keeps in state: a signal that crossed the network as bytes goes into a new slot as those bytes, and is
 * unpacked only when something reads {@link #evidence()}.
 */
public final class Signal {
    private final int ruleIndex;
    private final String ruleId;
    private final long time;
    private final List<String> group;
    private final String value;
    /** Null until unpacked when the signal came packed. */
    private List<Evidence> evidence;
    /** The evidence in {@link #packer}'s packed form; null when the signal was built from a list. */
    private final byte[] packed;

    private final CorrelationPlan packer;

    /**
     * @param ruleIndex position of the referenced rule in the correlation's {@code rules}
     * @param ruleId    id of the referenced rule or correlation
     * @param time      event time in epoch millis (for a fired inner correlation: its last_seen)
     * @param group     the group-by values, in the order of the correlation's {@code group-by}
     * @param value     for value_count: the value (or tuple) of {@code condition.field}; for value_sum/avg/
     *                  percentile/median: the number as text; otherwise null
     * @param evidence  the contributing events (one for an event; the inner evidence for a chained correlation)
     */
    public Signal(int ruleIndex, String ruleId, long time, List<String> group, String value, List<Evidence> evidence) {
        this(ruleIndex, ruleId, time, List.copyOf(group), value, List.copyOf(evidence), null, null);
    }

    /** {@code group} is kept as given: an unmodifiable list that nothing changes. */
    Signal(
            int ruleIndex,
            String ruleId,
            long time,
            List<String> group,
            String value,
            List<Evidence> evidence,
            byte[] packed,
            CorrelationPlan packer) {
        this.ruleIndex = ruleIndex;
        this.ruleId = Objects.requireNonNull(ruleId, "ruleId");
        this.time = time;
        this.group = group;
        this.value = value;
        this.evidence = evidence;
        this.packed = packed;
        this.packer = packer;
    }

    public int ruleIndex() {
        return ruleIndex;
    }

    public String ruleId() {
        return ruleId;
    }

    public long time() {
        return time;
    }

    public List<String> group() {
        return group;
    }

    public String value() {
        return value;
    }

    public List<Evidence> evidence() {
        if (evidence == null) {
            evidence = packer.unpack(packed, ruleIndex, time, group);
        }
        return evidence;
    }

    /** The packed evidence when it is in {@code plan}'s form already, else null. */
    byte[] packedFor(CorrelationPlan plan) {
        return packed != null && packer.sameForm(plan) ? packed : null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Signal s
                && s.ruleIndex == ruleIndex
                && s.time == time
                && s.ruleId.equals(ruleId)
                && s.group.equals(group)
                && Objects.equals(s.value, value)
                && s.evidence().equals(evidence());
    }

    @Override
    public int hashCode() {
        return Objects.hash(ruleIndex, ruleId, time, group, value);
    }

    @Override
    public String toString() {
        return "Signal[" + ruleId + " @" + time + " " + group + (value == null ? "" : " value=" + value) + "]";
    }
}
