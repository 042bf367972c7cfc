package dev.tripline.correlate;

/**
 * One event's evidence for one signal, read from the event ({@link SignalTemplate.EventValues}) but not yet in its
 * plan's packed form: {@link #packed} packs it on the first ask and keeps the bytes. A BATCH run sends the
 * prunable signals to the prune stage in this form, head and field values as they are, and packs only the few it
 * keeps (flink.PrunableSignals). Holds the plan, the rule index, the values and the group they are packed
 * against; never changed once made.
 */
public final class UnpackedEvidence {
    private final CorrelationPlan plan;
    private final int ruleIndex;
    private final SignalTemplate.EventValues values;
    private final String[] group;
    private byte[] packed;

    UnpackedEvidence(CorrelationPlan plan, int ruleIndex, SignalTemplate.EventValues values, String[] group) {
        this.plan = plan;
        this.ruleIndex = ruleIndex;
        this.values = values;
        this.group = group;
    }

    /** The head values as {@link Encoding#textForms} writes them; shared by the signals of one event, not copied. */
    public byte[] head() {
        return values.head();
    }

    /** The output fields' values in {@link CorrelationPlan#packEvent}'s order, null where absent. Read only. */
    public String[] fields() {
        return values.fields();
    }

    /** The evidence in its plan's packed form ({@link CorrelationPlan#packed}), packed on the first call. */
    public byte[] packed() {
        byte[] p = packed;
        if (p == null) {
            p = plan.packEvent(ruleIndex, values.head(), values.fields(), group);
            packed = p;
        }
        return p;
    }

    /** Whether this evidence packs into {@code other}'s form. */
    boolean packsFor(CorrelationPlan other) {
        return plan.sameForm(other);
    }
}
