package dev.tripline.flink;

import java.util.List;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;

/**
 * Runs {@link LiveCorrelateFunction} (signals keyed, rule updates broadcast) and, like {@link CorrelateOperator},
 * sweeps the state of correlations the running rules changed or removed when it starts from a savepoint or
 * checkpoint: after a rollout the start rules may differ from those the state was built under.
 */
public class LiveCorrelateOperator extends CoBroadcastWithKeyedOperator<String, SignalRecord, RuleUpdate, FiredRecord> {
    private static final long serialVersionUID = 1L;

    private transient boolean restored;

    public LiveCorrelateOperator(LiveCorrelateFunction function) {
        super(function, List.of(LiveRules.STATE));
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
            ((LiveCorrelateFunction) userFunction).dropStaleState(getKeyedStateBackend());
        }
    }
}
