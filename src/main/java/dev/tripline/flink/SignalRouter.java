package dev.tripline.flink;

import dev.tripline.correlate.AnchorPruning;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * BATCH with fixed rules: sends each of detect's signals where it goes, in one operator chained to detect, so that a
 * signal is looked at once and written once, to the exchange it leaves on. Outputs:
 *
 * <ul>
 *   <li>a signal {@link AnchorPruning} never prunes: to its correlate stage, stage 1 on the main output, stage k on
 *       {@link #stage stage(k)};
 *   <li>a prunable one: to {@link #PRUNABLE}, as {@link AnchorFilter} takes it ({@link PrunableSignal});
 *   <li>and for each anchor (itself never pruned, so also sent to its stage), its hash to {@link #ANCHORS}.
 * </ul>
 *
 * <p>With {@link AnchorPruning#none()} it only routes by stage. A streaming job routes with a filter per stage
 * instead: its operators keep their uids. Keeps no state.
 */
public final class SignalRouter extends ProcessFunction<SignalRecord, SignalRecord> {
    private static final long serialVersionUID = 1L;
    public static final String UID = "tripline-route-signals";

    public static final OutputTag<PrunableSignal> PRUNABLE = new OutputTag<>("prunable-signals", PrunableSignal.TYPE);
    public static final OutputTag<Long> ANCHORS = new OutputTag<>("anchors", Types.LONG);

    private final AnchorPruning pruning;
    /** Index k - 1: the output of stage k's signals; null for stage 1, the main output. */
    private final OutputTag<SignalRecord>[] stages;

    @SuppressWarnings("unchecked")
    public SignalRouter(AnchorPruning pruning, int stageCount) {
        this.pruning = pruning;
        this.stages = new OutputTag[stageCount];
        for (int k = 2; k <= stageCount; k++) {
            stages[k - 1] = stage(k);
        }
    }

    /** The side output of the signals for stage {@code k} (> 1). */
    public static OutputTag<SignalRecord> stage(int k) {
        return new OutputTag<>("signals-for-stage-" + k, SignalRecord.TYPE);
    }

    @Override
    public void processElement(SignalRecord r, Context ctx, Collector<SignalRecord> out) throws Exception {
        if (pruning.isAnchor(r.planId, r.ruleIndex)) {
            ctx.output(ANCHORS, AnchorFilter.anchorHash(r.planId, r.group()));
        }
        String anchorPlan = pruning.anchorPlanOf(r.planId, r.ruleIndex);
        if (anchorPlan != null) {
            ctx.output(PRUNABLE, PrunableSignal.of(AnchorFilter.anchorHash(anchorPlan, r.group()), r));
        } else if (r.stage < 1 || r.stage > stages.length) {
            // Fixed rules: every plan's stage is one of the job's.
            throw new IllegalStateException("signal for stage " + r.stage + " of " + stages.length + ": " + r);
        } else if (r.stage == 1) {
            out.collect(r);
        } else {
            ctx.output(stages[r.stage - 1], r);
        }
    }
}
