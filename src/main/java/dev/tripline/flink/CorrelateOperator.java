package dev.tripline.flink;

import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * Runs {@link CorrelateFunction} and, when the operator starts from a savepoint or checkpoint, clears the state of
 * correlations the job's rule set changed or removed before the first record arrives
 * ({@link CorrelateFunction#dropStaleState}). A plain {@code process(...)} cannot do this: only the operator can
 * walk every key of its state backend, and leaving stale state to its timers would keep it for up to a timespan
 * after the rollout.
 */
public class CorrelateOperator extends KeyedProcessOperator<String, SignalRecord, FiredRecord> {
    private static final long serialVersionUID = 1L;

    private transient boolean restored;

    public CorrelateOperator(CorrelateFunction function) {
        super(function);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = context.isRestored();
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (restored) {
            ((CorrelateFunction) userFunction).dropStaleState(getKeyedStateBackend());
        }
    }
}
