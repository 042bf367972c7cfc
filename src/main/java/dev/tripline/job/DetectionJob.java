package dev.tripline.job;

import dev.tripline.alert.DedupPolicy;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.CorrelateFunction;
import dev.tripline.flink.CorrelationAlerts;
import dev.tripline.flink.DedupFunction;
import dev.tripline.flink.DetectFunction;
import dev.tripline.flink.FiredRecord;
import dev.tripline.flink.SignalRecord;
import dev.tripline.flink.SingleMatch;
import dev.tripline.flink.TimeRange;
import dev.tripline.io.DeadLetter;
import dev.tripline.io.RawRecord;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The detection job's topology, independent of where records come from and where alerts go, so that
 * {@code tripline run}, a cluster deployment and tests build the same graph over different sources and sinks:
 *
 * <pre>
 * source ─ detect ─┬─ dead letters ─────────────────────────────────────────────────────────▶ dead-letter sink
 *                  ├─ signals ─ watermarks(eventTime) ─ keyBy(plan, group) ─ correlate ─ alerts ┐
 *                  └─ single matches ─ watermarks(eventTime) ──────────────────────────────────┴ keyBy(dedup key)
 *                                                                                     ─ dedup ─▶ alert sink
 * </pre>
 *
 * <p>Every stateful operator has a fixed uid ({@link CorrelateFunction#UID}, {@link DedupFunction#UID}); the
 * stateless ones get one too so that a savepoint maps onto the graph whatever Flink chains. Correlations over
 * correlations (chaining) need a second correlate stage and are not wired here yet: a chained firing is dropped
 * by the single stage, and its inner correlation still alerts when it is marked to.
 */
public final class DetectionJob {
    public static final String UID_DETECT = "tripline-detect";
    public static final String UID_SIGNAL_TIME = "tripline-signal-watermarks";
    public static final String UID_SINGLE_TIME = "tripline-single-watermarks";
    public static final String UID_CORRELATION_ALERTS = "tripline-correlation-alerts";
    public static final String UID_SINGLE_ALERTS = "tripline-single-alerts";

    /**
     * Knobs of the topology.
     *
     * @param outOfOrderness        how far behind the latest event time an event may arrive and still be on time
     * @param idleness              after how long without records an input split stops holding back the watermark
     * @param defaultDedupMinutes   a rule's dedup period when it sets none (Panther's default is 60)
     * @param correlationSuppression a correlation fires at most once per group per this period
     * @param allowedLateness       how long dedup state outlives its period for late matches
     * @param stateTtl              backstop TTL of correlation state ({@link CorrelateFunction#DEFAULT_STATE_TTL})
     * @param timeRange             events outside it are dropped (and counted) right after parsing: a hunt's
     *                              {@code --from}/{@code --to}; {@link TimeRange#ALL} for a live job
     */
    public record Options(Duration outOfOrderness, Duration idleness, int defaultDedupMinutes,
                          Duration correlationSuppression, Duration allowedLateness, Duration stateTtl,
                          TimeRange timeRange) implements Serializable {
        private static final long serialVersionUID = 2L;
        public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofMinutes(15);
        public static final Duration DEFAULT_IDLENESS = Duration.ofMinutes(1);
        public static final Duration DEFAULT_CORRELATION_SUPPRESSION = Duration.ofMinutes(60);

        public Options {
            Objects.requireNonNull(outOfOrderness, "outOfOrderness");
            Objects.requireNonNull(idleness, "idleness");
            Objects.requireNonNull(correlationSuppression, "correlationSuppression");
            Objects.requireNonNull(allowedLateness, "allowedLateness");
            Objects.requireNonNull(stateTtl, "stateTtl");
            Objects.requireNonNull(timeRange, "timeRange");
            if (outOfOrderness.isNegative()) {
                throw new IllegalArgumentException("out-of-orderness must not be negative: " + outOfOrderness);
            }
            if (idleness.isNegative() || idleness.isZero()) {
                throw new IllegalArgumentException("idleness must be positive: " + idleness);
            }
            if (defaultDedupMinutes < 1) {
                throw new IllegalArgumentException("default dedup period must be at least 1 minute: "
                        + defaultDedupMinutes);
            }
            if (correlationSuppression.isNegative() || correlationSuppression.isZero()) {
                throw new IllegalArgumentException("correlation suppression must be positive: "
                        + correlationSuppression);
            }
            if (allowedLateness.isNegative()) {
                throw new IllegalArgumentException("allowed lateness must not be negative: " + allowedLateness);
            }
            if (stateTtl.isNegative() || stateTtl.isZero()) {
                throw new IllegalArgumentException("state TTL must be positive: " + stateTtl);
            }
        }

        /** The options before state TTL and time range existed: those two at their defaults. */
        public Options(Duration outOfOrderness, Duration idleness, int defaultDedupMinutes,
                       Duration correlationSuppression, Duration allowedLateness) {
            this(outOfOrderness, idleness, defaultDedupMinutes, correlationSuppression, allowedLateness,
                    CorrelateFunction.DEFAULT_STATE_TTL, TimeRange.ALL);
        }

        public static Options defaults() {
            return new Options(DEFAULT_OUT_OF_ORDERNESS, DEFAULT_IDLENESS, DedupPolicy.DEFAULT_PERIOD_MINUTES,
                    DEFAULT_CORRELATION_SUPPRESSION, Duration.ZERO);
        }

        public Options withOutOfOrderness(Duration d) {
            return new Options(d, idleness, defaultDedupMinutes, correlationSuppression, allowedLateness, stateTtl,
                    timeRange);
        }

        public Options withIdleness(Duration d) {
            return new Options(outOfOrderness, d, defaultDedupMinutes, correlationSuppression, allowedLateness,
                    stateTtl, timeRange);
        }

        public Options withDefaultDedupMinutes(int minutes) {
            return new Options(outOfOrderness, idleness, minutes, correlationSuppression, allowedLateness, stateTtl,
                    timeRange);
        }

        public Options withCorrelationSuppression(Duration d) {
            return new Options(outOfOrderness, idleness, defaultDedupMinutes, d, allowedLateness, stateTtl,
                    timeRange);
        }

        public Options withAllowedLateness(Duration d) {
            return new Options(outOfOrderness, idleness, defaultDedupMinutes, correlationSuppression, d, stateTtl,
                    timeRange);
        }

        public Options withStateTtl(Duration d) {
            return new Options(outOfOrderness, idleness, defaultDedupMinutes, correlationSuppression,
                    allowedLateness, d, timeRange);
        }

        public Options withTimeRange(TimeRange r) {
            return new Options(outOfOrderness, idleness, defaultDedupMinutes, correlationSuppression,
                    allowedLateness, stateTtl, r);
        }
    }

    /** The job's two outputs, before sinks. */
    public record Outputs(DataStream<AlertRecord> alerts, DataStream<DeadLetter> deadLetters) {
    }

    private final RuleSet rules;
    private final Options options;
    private final CompiledMatcher matcher;
    private final CorrelationEngine engine;

    public DetectionJob(RuleSet rules, Options options) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.options = Objects.requireNonNull(options, "options");
        this.matcher = CompiledMatcher.compile(rules.rules());
        this.engine = CorrelationEngine.compile(rules);
    }

    /** Builds the topology over {@code source} and returns its outputs for the caller's sinks. */
    public Outputs build(DataStream<RawRecord> source) {
        SingleOutputStreamOperator<SignalRecord> detected = source
                .process(new DetectFunction(matcher, engine, options.timeRange())).uid(UID_DETECT).name("detect");

        DataStream<AlertRecord> composite = detected
                .assignTimestampsAndWatermarks(WatermarkStrategy
                        .<SignalRecord>forBoundedOutOfOrderness(options.outOfOrderness())
                        .withTimestampAssigner((r, ts) -> r.time)
                        .withIdleness(options.idleness()))
                .uid(UID_SIGNAL_TIME).name("signal event time")
                .keyBy(r -> r.key, Types.STRING)
                .process(new CorrelateFunction(engine, options.stateTtl())).uid(CorrelateFunction.UID).name("correlate")
                .flatMap(new CorrelationAlerts(rules.correlations())).returns(TypeInformation.of(AlertRecord.class))
                .uid(UID_CORRELATION_ALERTS).name("correlation alerts");

        DataStream<AlertRecord> single = detected.getSideOutput(DetectFunction.SINGLE_MATCHES)
                .assignTimestampsAndWatermarks(WatermarkStrategy
                        .<SingleMatch>forBoundedOutOfOrderness(options.outOfOrderness())
                        .withTimestampAssigner((m, ts) -> m.eventTime)
                        .withIdleness(options.idleness()))
                .uid(UID_SINGLE_TIME).name("single event time")
                .map(AlertRecord::of).returns(TypeInformation.of(AlertRecord.class))
                .uid(UID_SINGLE_ALERTS).name("single alerts");

        DataStream<AlertRecord> alerts = single.union(composite)
                .keyBy(a -> a.dedupKey, Types.STRING)
                .process(new DedupFunction(policies(), DedupPolicy.suppression(options.correlationSuppression()),
                        options.allowedLateness().toMillis()))
                .uid(DedupFunction.UID).name("dedup");
        return new Outputs(alerts, detected.getSideOutput(DetectFunction.DEAD_LETTERS));
    }

    /** Builds the topology over {@code source} and attaches the sinks. */
    public void attach(DataStream<RawRecord> source, Sink<AlertRecord> alertSink, Sink<DeadLetter> deadLetterSink) {
        Outputs out = build(source);
        out.alerts().sinkTo(alertSink).uid("tripline-alert-sink").name("alert sink");
        out.deadLetters().sinkTo(deadLetterSink).uid("tripline-dead-letter-sink").name("dead-letter sink");
    }

    private Map<String, DedupPolicy> policies() {
        Map<String, DedupPolicy> p = new LinkedHashMap<>();
        for (Rule r : rules.rules()) {
            p.put(r.id(), DedupPolicy.forRule(r, options.defaultDedupMinutes()));
        }
        DedupPolicy suppression = DedupPolicy.suppression(options.correlationSuppression());
        for (CorrelationRule c : rules.correlations()) {
            p.put(c.id(), suppression);
        }
        return p;
    }
}
