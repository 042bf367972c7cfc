package dev.tripline.flink;

import dev.tripline.program.RuleProgram;
import dev.tripline.rule.LoadError;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate of live rule updates, run with parallelism 1 before the broadcast: each {@link RuleUpdate} is loaded
 * and compiled once ({@link LiveRules#compile}). A valid one goes on to every operator that runs rules; a bad
 * one stops here, with one {@link RuleUpdateStatus} on {@link #STATUS}, one log line and the
 * {@code rule_updates_rejected} counter, so the running rules are untouched. Accepted updates get a status too.
 *
 * <p>The control stream has no event time: this operator drops whatever watermarks its source sends and emits
 * the final watermark at once, so that the operators it feeds take their event time from the data input alone
 * (an idle control topic must not hold back every window of the job).
 */
public class RuleUpdateValidator extends AbstractStreamOperator<RuleUpdate>
        implements OneInputStreamOperator<RuleUpdate, RuleUpdate> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RuleUpdateValidator.class);

    public static final String UID = "tripline-rule-updates-validate";
    public static final OutputTag<RuleUpdateStatus> STATUS = new OutputTag<>("rule-update-status") {};

    private final LiveRules live;
    private transient Counter accepted;
    private transient Counter rejected;
    private transient LongCounter acceptedTotal;
    private transient LongCounter rejectedTotal;
    /** Accumulators: totals an embedded run's summary reads from the job result. */
    public static final String ACC_ACCEPTED = "tripline-rule-updates-accepted";

    public static final String ACC_REJECTED = "tripline-rule-updates-rejected";

    public RuleUpdateValidator(LiveRules live) {
        this.live = live;
    }

    @Override
    public void open() throws Exception {
        super.open();
        accepted = getMetricGroup().counter("rule_updates_accepted");
        rejected = getMetricGroup().counter("rule_updates_rejected");
        acceptedTotal = new LongCounter();
        rejectedTotal = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_ACCEPTED, acceptedTotal);
        getRuntimeContext().addAccumulator(ACC_REJECTED, rejectedTotal);
        output.emitWatermark(new Watermark(Long.MAX_VALUE));
    }

    @Override
    public void processElement(StreamRecord<RuleUpdate> element) {
        RuleUpdate update = element.getValue();
        RuleProgram program = live.compile(update);
        if (!program.ok()) {
            rejected.inc();
            rejectedTotal.add(1);
            RuleUpdateStatus s = RuleUpdateStatus.rejected(
                    String.valueOf(update.version),
                    program.digest(),
                    program.errors().stream().map(LoadError::toString).toList());
            LOG.warn("Live rules: {}; the running rules stay", s.message());
            output.collect(STATUS, new StreamRecord<>(s));
            return;
        }
        accepted.inc();
        acceptedTotal.add(1);
        RuleUpdateStatus s = RuleUpdateStatus.accepted(
                program.version(),
                program.digest(),
                program.rules().rules().size(),
                program.rules().correlations().size());
        LOG.info("Live rules: {}", s.message());
        output.collect(STATUS, new StreamRecord<>(s));
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) {
        // The control stream carries no event time; see the class doc.
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // Idle or active, the control source never holds back the data's watermark: it already sent the last one.
    }
}
