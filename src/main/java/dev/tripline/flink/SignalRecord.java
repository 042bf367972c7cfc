package dev.tripline.flink;

import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Signal;
import java.util.Arrays;
import java.util.List;

/**
 * One {@link Signal} for one correlation plan on its way to {@link CorrelateFunction}: a Flink POJO of plain typed
 * fields, keyed by {@link #key()} (plan id, the plan's semantic fingerprint, group values). The evidence travels in
 * the plan's packed form ({@link CorrelationPlan#packed}), which is also what the correlate stage stores: it is
 * encoded once, in detect, and a signal that only repeats a slot is never decoded.
 */
public class SignalRecord {
    public String planId;
    /** The plan's {@link CorrelationPlan#fingerprint()} under the rules that made the signal. */
    public String fingerprint;
    /** The group-by values, in the plan's group-by order. */
    public String[] group;
    /**
     * The correlate stage that holds the plan ({@code CorrelationEngine#stageOf}) under the rules that made the
     * signal, so that routing follows live rule updates.
     */
    public int stage;

    public int ruleIndex;
    public String ruleId;
    /** Event time of the signal, epoch millis; what the downstream watermark strategy reads. */
    public long time;
    /** See {@link Signal#value()}; null for most types. */
    public String value;
    /** {@link CorrelationPlan#packed}. */
    public byte[] evidence;

    public SignalRecord() {}

    public static SignalRecord of(CorrelationPlan plan, Signal s, int stage) {
        SignalRecord r = new SignalRecord();
        r.planId = plan.id();
        r.fingerprint = plan.fingerprint();
        r.group = s.group().toArray(String[]::new);
        r.stage = stage;
        r.ruleIndex = s.ruleIndex();
        r.ruleId = s.ruleId();
        r.time = s.time();
        r.value = s.value();
        r.evidence = plan.packed(s);
        return r;
    }

    /** The state key: derived from the fields, never parsed back. */
    public GroupKey key() {
        return new GroupKey(planId, fingerprint, Arrays.asList(group));
    }

    /** The signal as {@code plan} (the plan of {@link #key()} under the running rules) steps it. */
    public Signal signal(CorrelationPlan plan) {
        return plan.signal(ruleIndex, ruleId, time, List.of(group), value, evidence);
    }

    @Override
    public String toString() {
        return "SignalRecord{" + planId + "@" + fingerprint + Arrays.toString(group) + " " + ruleId + " @" + time + "}";
    }
}
