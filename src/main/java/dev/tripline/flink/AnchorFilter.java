package dev.tripline.flink;

import dev.tripline.correlate.AnchorPruning;
import java.util.Arrays;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.InputSelectable;
import org.apache.flink.streaming.api.operators.InputSelection;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BATCH only: drops the signals {@link AnchorPruning} calls prunable whose group has no anchor, before the keyed
 * sort of the correlate stages (a semi-join; docs/correlation.md, "Pruning in BATCH runs"). Input 1 is the
 * prunable signals, input 2 the anchors' hashes ({@link Anchors}), broadcast. The operator reads input 2 to its end
 * before it takes the first signal ({@link InputSelectable}), which only a bounded input allows: a streaming job
 * never has this operator.
 *
 * <p>State: the anchor hashes, sorted when input 2 ends, kept until the operator closes; nothing is checkpointed
 * (a BATCH job takes no checkpoints). Past {@link #MAX_ANCHORS} hashes it forgets them and stops pruning: every
 * signal is then kept, and a warning says so. A hash collision keeps a signal, it never drops one. Every pruned
 * signal is counted ({@code signals_pruned}, accumulator {@link #ACC_PRUNED}).
 */
public class AnchorFilter extends AbstractStreamOperator<SignalRecord>
        implements TwoInputStreamOperator<SignalRecord, Long, SignalRecord>, InputSelectable, BoundedMultiInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AnchorFilter.class);

    public static final String UID = "tripline-prune-signals";
    /** Accumulator: signals dropped because their group had no anchor (run summaries). */
    public static final String ACC_PRUNED = "tripline-signals-pruned";
    /** Anchor hashes a subtask keeps at most (8 bytes each); anchors are first steps of rare sequences. */
    static final int MAX_ANCHORS = 1 << 20;

    private final AnchorPruning pruning;
    private final int maxAnchors;

    /** Sorted once input 2 ends; null past the bound. */
    private transient long[] anchors;

    private transient int anchorCount;
    private transient boolean anchorsEnded;
    private transient Counter pruned;
    private transient LongCounter prunedTotal;

    public AnchorFilter(AnchorPruning pruning) {
        this(pruning, MAX_ANCHORS);
    }

    AnchorFilter(AnchorPruning pruning, int maxAnchors) {
        this.pruning = pruning;
        this.maxAnchors = maxAnchors;
    }

    @Override
    public void open() throws Exception {
        super.open();
        anchors = new long[1024];
        pruned = getMetricGroup().counter("signals_pruned");
        prunedTotal = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_PRUNED, prunedTotal);
    }

    @Override
    public InputSelection nextSelection() {
        return anchorsEnded ? InputSelection.FIRST : InputSelection.SECOND;
    }

    @Override
    public void processElement2(StreamRecord<Long> element) {
        if (anchors == null) {
            return;
        }
        if (anchorCount == maxAnchors) {
            LOG.warn("more than {} anchor groups: signals are no longer pruned", maxAnchors);
            anchors = null;
            return;
        }
        if (anchorCount == anchors.length) {
            anchors = Arrays.copyOf(anchors, Math.min(maxAnchors, anchors.length * 2));
        }
        anchors[anchorCount++] = element.getValue();
    }

    @Override
    public void endInput(int inputId) {
        if (inputId == 2) {
            if (anchors != null) {
                Arrays.sort(anchors, 0, anchorCount);
            }
            anchorsEnded = true;
        }
    }

    @Override
    public void processElement1(StreamRecord<SignalRecord> element) {
        if (!anchorsEnded) {
            // Pruning before every anchor is known could drop a signal an alert needs.
            throw new IllegalStateException("a signal reached the anchor filter before the anchors ended");
        }
        SignalRecord r = element.getValue();
        String anchorPlan = pruning.anchorPlanOf(r.planId, r.ruleIndex);
        if (anchorPlan == null
                || anchors == null
                || Arrays.binarySearch(anchors, 0, anchorCount, anchorHash(anchorPlan, r.key())) >= 0) {
            output.collect(element);
        } else {
            pruned.inc();
            prunedTotal.add(1);
        }
    }

    /**
     * A 64-bit hash of an anchored plan and a group's values (as its key holds them): FNV-1a over the value bytes,
     * seeded with the plan id's own hash (which the id string caches), then a final mix. Equal for an anchor and
     * for any signal that needs it in the same group.
     */
    static long anchorHash(String anchorPlan, GroupKey key) {
        long h = (0xcbf29ce484222325L ^ anchorPlan.hashCode()) * 0x100000001b3L;
        for (byte b : key.valueBytes()) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** Input 2 of the filter: the hash of each anchor signal (a first step of an anchored plan) and its group. */
    public static final class Anchors implements FlatMapFunction<SignalRecord, Long> {
        private static final long serialVersionUID = 1L;
        public static final String UID = "tripline-prune-anchors";

        private final AnchorPruning pruning;

        public Anchors(AnchorPruning pruning) {
            this.pruning = pruning;
        }

        @Override
        public void flatMap(SignalRecord r, Collector<Long> out) {
            if (pruning.isAnchor(r.planId, r.ruleIndex)) {
                out.collect(anchorHash(r.planId, r.key()));
            }
        }
    }
}
