package dev.tripline.flink;

import dev.tripline.correlate.AnchorPruning;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.InputSelectable;
import org.apache.flink.streaming.api.operators.InputSelection;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BATCH only: drops the signals {@link AnchorPruning} calls prunable whose group has no anchor, before the keyed
 * sort of the correlate stages (a semi-join; docs/correlation.md, "Pruning in BATCH runs"). Input 1 is the
 * prunable signals, input 2 the anchors' hashes, broadcast; {@link SignalRouter} makes both. The operator reads
 * input 2 to its end before it takes the first signal ({@link InputSelectable}), which only a bounded input allows:
 * a streaming job never has this operator. Signals come in runs, each with its hash and still encoded
 * ({@link PrunableSignals}): only a kept one is decoded, and it leaves stamped with its own time.
 *
 * <p>State: the anchor hashes, gathered from input 2 and, when it ends, put in an open-addressing table (a look-up
 * is a probe or two, where a binary search over the sorted hashes took a dozen dependent branches), kept until the
 * operator closes; nothing is checkpointed
 * (a BATCH job takes no checkpoints). Past {@link #MAX_ANCHORS} hashes it forgets them and stops pruning: every
 * signal is then kept, and a warning says so. A hash collision keeps a signal, it never drops one. Every pruned
 * signal is counted ({@code signals_pruned}, accumulator {@link #ACC_PRUNED}).
 */
public class AnchorFilter extends AbstractStreamOperator<SignalRecord>
        implements TwoInputStreamOperator<PrunableSignals, Long, SignalRecord>, InputSelectable, BoundedMultiInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AnchorFilter.class);

    public static final String UID = "tripline-prune-signals";
    /** Accumulator: signals dropped because their group had no anchor (run summaries). */
    public static final String ACC_PRUNED = "tripline-signals-pruned";
    /** Anchor hashes a subtask keeps at most (8 bytes each); anchors are first steps of rare sequences. */
    static final int MAX_ANCHORS = 1 << 20;

    private final int maxAnchors;

    /** The hashes input 2 brought, until it ends; null past the bound. */
    private transient long[] anchors;

    private transient int anchorCount;
    /** The anchor hashes once input 2 ended; null past the bound. */
    private transient AnchorTable table;

    private transient boolean anchorsEnded;
    private transient Counter pruned;
    private transient LongCounter prunedTotal;

    public AnchorFilter() {
        this(MAX_ANCHORS);
    }

    AnchorFilter(int maxAnchors) {
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
                table = new AnchorTable(anchors, anchorCount);
                anchors = null;
            }
            anchorsEnded = true;
        }
    }

    @Override
    public void processElement1(StreamRecord<PrunableSignals> element) throws IOException {
        if (!anchorsEnded) {
            // Pruning before every anchor is known could drop a signal an alert needs.
            throw new IllegalStateException("a signal reached the anchor filter before the anchors ended");
        }
        int dropped = element.getValue().read(this::hasAnchor, this::keep);
        if (dropped > 0) {
            pruned.inc(dropped);
            prunedTotal.add(dropped);
        }
    }

    private boolean hasAnchor(long hash) {
        return table == null || table.contains(hash);
    }

    /**
     * A set of 64-bit hashes: the ones other than 0 by linear probing from their low bits (the hashes are mixed, so
     * their low bits are as good as any), 0 marking a free slot, at most half full so that a probe for an absent
     * hash (nearly every signal's) ends soon.
     */
    static final class AnchorTable {
        private final long[] slots;
        private final int mask;
        /** Whether 0, which marks a free slot, is itself one of the hashes. */
        private final boolean zero;

        /** The first {@code count} of {@code hashes}, repeats allowed. */
        AnchorTable(long[] hashes, int count) {
            int atLeast = Math.max(2, 2 * count);
            slots = new long[Integer.highestOneBit(atLeast - 1) << 1];
            mask = slots.length - 1;
            boolean z = false;
            for (int i = 0; i < count; i++) {
                long h = hashes[i];
                if (h == 0) {
                    z = true;
                    continue;
                }
                int at = (int) h & mask;
                while (slots[at] != 0 && slots[at] != h) {
                    at = (at + 1) & mask;
                }
                slots[at] = h;
            }
            zero = z;
        }

        boolean contains(long hash) {
            if (hash == 0) {
                return zero;
            }
            for (int at = (int) hash & mask; ; at = (at + 1) & mask) {
                long h = slots[at];
                if (h == hash) {
                    return true;
                }
                if (h == 0) {
                    return false;
                }
            }
        }
    }

    private void keep(SignalRecord r) {
        output.collect(new StreamRecord<>(r, r.time));
    }

    /**
     * A 64-bit hash of an anchored plan and a group's values: FNV-1a over the values' characters, each value ended
     * by a mark no character equals, seeded with the plan id's own hash (which the id string caches), then a final
     * mix. Equal for an anchor and for any signal that needs it in the same group. Read from the values as detect
     * made them, so that a signal needs no key encoded to be looked up.
     */
    static long anchorHash(String anchorPlan, String[] group) {
        long h = (0xcbf29ce484222325L ^ anchorPlan.hashCode()) * 0x100000001b3L;
        for (String value : group) {
            for (int i = 0, n = value.length(); i < n; i++) {
                h = (h ^ value.charAt(i)) * 0x100000001b3L;
            }
            h = (h ^ 0x10000) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }
}
