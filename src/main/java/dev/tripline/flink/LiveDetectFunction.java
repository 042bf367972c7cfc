package dev.tripline.flink;

import dev.tripline.program.RuleProgram;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DetectFunction} with live rule updates: the raw records are the data input; validated
 * {@link RuleUpdate}s arrive on the broadcast input and swap the matcher and the correlation routing between two
 * records. The live set is kept in broadcast state ({@link LiveRules#STATE}) and brought back on restore under
 * the rule in {@link LiveRules}. Outputs and side outputs are those of {@link DetectFunction}.
 */
public class LiveDetectFunction extends BroadcastProcessFunction<RawRecord, RuleUpdate, SignalRecord>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LiveDetectFunction.class);

    private final DetectFunction core;
    private final LiveRules live;
    /** The live set brought back by a restore, applied at open; null to run the start rules. */
    private transient RuleUpdate restored;
    /** Digest of the files running now: a repeated update of the same files is not compiled again. */
    private transient String running;

    private transient Counter applied;

    public LiveDetectFunction(DetectFunction core, LiveRules live) {
        this.core = core;
        this.live = live;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        restored = live.restore(context, LOG, "detect");
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        // The broadcast state is all there is, and Flink snapshots it.
    }

    @Override
    public void open(Configuration parameters) throws Exception {
        core.setRuntimeContext(getRuntimeContext());
        core.open(parameters);
        applied = getRuntimeContext().getMetricGroup().counter("rule_updates_applied");
        running = live.startDigest();
        if (restored != null) {
            apply(restored);
            restored = null;
        }
    }

    @Override
    public void close() throws Exception {
        core.close();
        super.close();
    }

    @Override
    public void processElement(RawRecord record, ReadOnlyContext ctx, Collector<SignalRecord> out) {
        core.processElement(
                record,
                core.new Context() {
                    @Override
                    public Long timestamp() {
                        return ctx.timestamp();
                    }

                    @Override
                    public TimerService timerService() {
                        throw new UnsupportedOperationException("detect uses no timers");
                    }

                    @Override
                    public <X> void output(OutputTag<X> tag, X value) {
                        ctx.output(tag, value);
                    }
                },
                out);
    }

    @Override
    public void processBroadcastElement(RuleUpdate update, Context ctx, Collector<SignalRecord> out) throws Exception {
        if (apply(update)) {
            ctx.getBroadcastState(LiveRules.STATE).put(LiveRules.CURRENT, live.store(update));
        }
    }

    /** Compiles and runs {@code update}; false when it cannot run (it was validated, so that is a bug). */
    private boolean apply(RuleUpdate update) {
        String digest = update.digest();
        if (digest.equals(running)) {
            return true;
        }
        RuleProgram o = live.compile(update);
        if (!o.ok()) {
            LOG.error(
                    "Live rules: update {} passed validation but does not compile here; the running rules stay: {}",
                    update.version,
                    o.errors());
            return false;
        }
        core.swap(o.matcher(), o.engine());
        running = digest;
        applied.inc();
        LOG.info(
                "Live rules: detect runs rule set {} ({} rules, {} correlations)",
                update.version,
                o.rules().rules().size(),
                o.rules().correlations().size());
        return true;
    }
}
