package dev.tripline.flink;

import java.util.List;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Runs {@link CorrelateFunction}: signals keyed by {@link GroupKey}, rule updates broadcast. It adds two things a
 * plain {@code process(...)} cannot do:
 * <ul>
 *   <li>when it starts from a savepoint or checkpoint, it clears the state of correlations the running rules
 *       changed or removed before the first record arrives ({@link CorrelateFunction#dropStaleState}); only the
 *       operator can walk every key of its state backend, and leaving stale state to its timers would keep it for
 *       up to a timespan after the rollout;</li>
 *   <li>in BATCH mode ({@code tieOrder} given) it hands the function the signals of one group and one instant in
 *       a fixed order ({@link TieGroup}), so that a hunt's result does not depend on arrival order.</li>
 * </ul>
 */
public class CorrelateOperator extends CoBroadcastWithKeyedOperator<GroupKey, SignalRecord, RuleUpdate, FiredRecord> {
    private static final long serialVersionUID = 1L;

    /** Null in STREAMING mode. */
    private final TieOrderedKeyedOperator.TieOrder<SignalRecord> tieOrder;

    private transient boolean restored;
    private transient TieGroup<SignalRecord> ties;

    /**
     * @param tieOrder the order of same-instant signals of a group in BATCH mode; null in STREAMING mode
     */
    public CorrelateOperator(CorrelateFunction function, TieOrderedKeyedOperator.TieOrder<SignalRecord> tieOrder) {
        super(function, List.of(LiveRules.STATE));
        this.tieOrder = tieOrder;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = context.isRestored();
    }

    @Override
    public void open() throws Exception {
        super.open();
        ties = tieOrder == null ? null : new TieGroup<>(tieOrder);
        if (restored) {
            ((CorrelateFunction) userFunction).dropStaleState(getKeyedStateBackend());
        }
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public void setKeyContextElement1(StreamRecord record) throws Exception {
        if (ties != null) {
            Object key =
                    ((KeySelector<SignalRecord, ?>) getStateKeySelector1()).getKey((SignalRecord) record.getValue());
            if (!ties.accepts(key, record)) {
                // Still under the group's key: switching first would fire its timers and, in BATCH, drop its state.
                ties.release(super::processElement1);
            }
        }
        super.setKeyContextElement1(record);
    }

    @Override
    public void processElement1(StreamRecord<SignalRecord> element) throws Exception {
        if (ties == null) {
            super.processElement1(element);
        } else {
            ties.add(getCurrentKey(), element);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (ties != null) {
            ties.release(super::processElement1);
        }
        super.processWatermark(mark);
    }

    @Override
    public void finish() throws Exception {
        if (ties != null) {
            ties.release(super::processElement1);
        }
        super.finish();
    }
}
