package dev.tripline.flink;

import dev.tripline.correlate.AnchorPruning;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * BATCH only: sends each of detect's signals where it goes, in one operator chained to detect, so that a signal is
 * looked at once and written once, to the exchange it leaves on. Outputs:
 *
 * <ul>
 *   <li>a signal {@link AnchorPruning} never prunes: to its correlate stage, stage 1 on the main output, stage k on
 *       {@link #stage stage(k)};
 *   <li>a prunable one: to {@link #PRUNABLE}, written with its anchor hash into a run of such signals
 *       ({@link PrunableSignals}), which leaves as one record once it is full and at the end of the input;
 *   <li>and for each anchor (itself never pruned, so also sent to its stage), its hash to {@link #ANCHORS}.
 * </ul>
 *
 * <p>With {@link AnchorPruning#none()} it only routes by stage. A streaming job routes with a filter per stage
 * instead: its operators keep their uids. State: the run of prunable signals being written (at most about
 * {@link PrunableSignals#RUN_BYTES}), sent on when full and at the end of the input; nothing is checkpointed (a
 * BATCH job takes no checkpoints).
 */
public final class SignalRouter extends AbstractStreamOperator<SignalRecord>
        implements OneInputStreamOperator<SignalRecord, SignalRecord>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    public static final String UID = "tripline-route-signals";

    public static final OutputTag<PrunableSignals> PRUNABLE = new OutputTag<>("prunable-signals", PrunableSignals.TYPE);
    public static final OutputTag<Long> ANCHORS = new OutputTag<>("anchors", Types.LONG);

    private final AnchorPruning pruning;
    /** Index k - 1: the output of stage k's signals; null for stage 1, the main output. */
    private final OutputTag<SignalRecord>[] stages;

    private transient PrunableSignals.Writer prunable;

    @SuppressWarnings("unchecked")
    public SignalRouter(AnchorPruning pruning, int stageCount) {
        this.pruning = pruning;
        this.stages = new OutputTag[stageCount];
        for (int k = 2; k <= stageCount; k++) {
            stages[k - 1] = stage(k);
        }
        // Chained to detect, as the function it replaced was.
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    /** The side output of the signals for stage {@code k} (> 1). */
    public static OutputTag<SignalRecord> stage(int k) {
        return new OutputTag<>("signals-for-stage-" + k, SignalRecord.TYPE);
    }

    @Override
    public void open() throws Exception {
        super.open();
        prunable = new PrunableSignals.Writer();
    }

    @Override
    public void processElement(StreamRecord<SignalRecord> element) throws Exception {
        SignalRecord r = element.getValue();
        if (pruning.isAnchor(r.planId, r.ruleIndex)) {
            output.collect(
                    ANCHORS, new StreamRecord<>(AnchorFilter.anchorHash(r.planId, r.group()), element.getTimestamp()));
        }
        String anchorPlan = pruning.anchorPlanOf(r.planId, r.ruleIndex);
        if (anchorPlan != null) {
            prunable.add(AnchorFilter.anchorHash(anchorPlan, r.group()), r);
            if (prunable.full()) {
                sendRun();
            }
        } else if (r.stage < 1 || r.stage > stages.length) {
            // Fixed rules: every plan's stage is one of the job's.
            throw new IllegalStateException("signal for stage " + r.stage + " of " + stages.length + ": " + r);
        } else if (r.stage == 1) {
            output.collect(element);
        } else {
            output.collect(stages[r.stage - 1], element);
        }
    }

    @Override
    public void endInput() {
        if (!prunable.isEmpty()) {
            sendRun();
        }
    }

    /** Sends the run of prunable signals written so far; the writer starts a new one. */
    private void sendRun() {
        output.collect(PRUNABLE, new StreamRecord<>(prunable.take()));
    }
}
