package dev.tripline.flink;

import dev.tripline.alert.DedupPolicy;
import dev.tripline.alert.SingleAlertTemplate;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Signal;
import dev.tripline.correlate.SignalTemplate;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.ParseFailure;
import dev.tripline.event.ParseResult;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.program.FieldDemand;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.Rule;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parse and match, the stateless front of the job: each raw record is parsed (one message may hold many events,
 * e.g. a CloudTrail log file), every event runs through the compiled matcher, and each match goes where it is
 * needed. Main output: one {@link SignalRecord} per (match, consuming correlation plan), to be keyed by
 * {@link SignalRecord#key()}. Side outputs: {@link #SINGLE_MATCHES} for rules that alert on their own, each
 * carrying its rule's dedup policy (dedup keeps no rule table), {@link #DEAD_LETTERS} for input that is not a
 * usable event. Nothing in the input stops it.
 *
 * <p>Raw records are the data input; validated {@link RuleUpdate}s arrive on the broadcast input and swap the
 * matcher and the correlation routing between two records. The live set is kept in broadcast state
 * ({@link LiveRules#STATE}) and brought back on restore under the rule in {@link LiveRules}; without updates the
 * start rules run for the job's life.
 */
public class DetectFunction extends BroadcastProcessFunction<RawRecord, RuleUpdate, SignalRecord>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 2L;
    private static final Logger LOG = LoggerFactory.getLogger(DetectFunction.class);

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    public static final OutputTag<SingleMatch> SINGLE_MATCHES = new OutputTag<>("single-matches") {};
    /** Dead-letter reason for an event that broke the matcher or the alert builder (a bug, not bad input). */
    public static final String MATCH_ERROR = "MATCH_ERROR";

    /** Not final: a live rule update swaps them. */
    private CompiledMatcher matcher;

    private CorrelationEngine engine;
    private final TimeRange range;
    /** A rule's dedup period when it sets none, carried with its single matches ({@link SingleMatch#withPolicy}). */
    private final int defaultDedupMinutes;
    /** Event times it believes; others are dead letters ({@link EventTimeBounds}). */
    private final EventTimeBounds bounds;

    /** Sources whose recent event times one subtask remembers (a hunt reads thousands of files, one at a time). */
    static final int MAX_SOURCES = 4096;

    private final LiveRules live;
    /** The live set a restore brought back, applied at open; null to run the start rules. */
    private transient RuleUpdate restored;
    /** Digest of the rule files running now: a repeated update of the same files is not compiled again. */
    private transient String running;

    private transient Counter applied;

    /** Accumulator names: totals a client reads from the job result (an embedded run's summary). */
    public static final String ACC_RECORDS = "tripline-records-in";

    public static final String ACC_EVENTS = "tripline-events-parsed";
    public static final String ACC_DEAD_LETTERS = "tripline-dead-letters";
    /** Prefix of the per-reason dead letter totals: {@code tripline-dead-letters:MALFORMED_JSON} and so on. */
    public static final String ACC_DEAD_LETTERS_BY_REASON = "tripline-dead-letters:";
    /** Events parsed but outside the hunt's time range, dropped before matching. */
    public static final String ACC_OUTSIDE_RANGE = "tripline-events-outside-time-range";
    /**
     * Input files read to their end, as far as this operator can tell: a whole-file record (position -1) is a
     * file done; a line record from a new origin means the previous line file is done, because each subtask
     * is fed by one file-source reader that reads its files one after the other. The last line file of each
     * subtask is counted when the subtask closes. Live progress for a hunt, not an exact figure mid-run.
     */
    public static final String ACC_FILES_DONE = "tripline-files-done";
    /**
     * Embedded JSON texts (a policy document in a string, read through a {@code [json]} path step) that rules
     * read and found unreadable; such a field is missing for matching, the event itself goes on.
     */
    public static final String ACC_EMBEDDED_JSON_UNREADABLE = "tripline-embedded-json-unreadable";
    /**
     * Matches a correlation could not take because the event lacks one of its group-by fields (an Azure record
     * without a caller has no principal): the rule was evaluated, the correlation skipped the event.
     */
    public static final String ACC_SIGNALS_DROPPED = "tripline-signals-dropped-missing-group";
    /** new_terms: term combinations of an event beyond {@link CorrelationPlan#MAX_TERM_COMBINATIONS}. */
    public static final String ACC_TERM_COMBINATIONS_CUT = "tripline-new-terms-combinations-cut";

    private transient EventParser parser;
    private transient LongCounter recordsTotal;
    private transient LongCounter eventsTotal;
    private transient LongCounter deadTotal;
    private transient LongCounter outsideTotal;
    private transient LongCounter filesDone;
    private transient LongCounter embeddedJsonTotal;
    private transient Counter embeddedJsonUnreadable;
    private transient LongCounter signalsDroppedTotal;
    private transient LongCounter termCombinationsCutTotal;
    /** The line file this subtask is reading, null when none. */
    private transient String lineOrigin;
    /** Recent event times per source, for {@link EventTimeBounds#check}. */
    private transient EventTimeBounds.Sources sources;

    private transient Counter outsideRange;
    private transient Counter recordsIn;
    private transient Counter eventsParsed;
    private transient Counter deadLetters;
    private transient Map<ParseFailure.Reason, Counter> deadLettersByReason;
    private transient Counter matchErrors;
    private transient Counter matches;
    private transient Counter signals;
    private transient Counter signalsDropped;
    private transient Counter termCombinationsCut;
    /** What the signals of one event share of their reads of it (the evidence's head values). */
    private transient SignalTemplate.Reads reads;
    /** Where each single match's alert is encoded before it is copied out: one buffer, reused. */
    private transient DataOutputSerializer alertBytes;

    /** Start rules only, every time, no live updates expected (tests, benchmarks). */
    public DetectFunction(CompiledMatcher matcher, CorrelationEngine engine) {
        this(
                matcher,
                engine,
                TimeRange.ALL,
                DedupPolicy.DEFAULT_PERIOD_MINUTES,
                LiveRules.none(),
                EventTimeBounds.ARCHIVE);
    }

    /**
     * @param range               events whose event time is outside it are dropped (and counted) before matching
     * @param defaultDedupMinutes a rule's dedup period when it sets none, carried with its single matches
     * @param live                how live updates compile, and the digest of the start files
     * @param bounds              event times it believes; others are dead letters
     */
    public DetectFunction(
            CompiledMatcher matcher,
            CorrelationEngine engine,
            TimeRange range,
            int defaultDedupMinutes,
            LiveRules live,
            EventTimeBounds bounds) {
        if (defaultDedupMinutes < 1) {
            throw new IllegalArgumentException(
                    "default dedup period must be at least 1 minute: " + defaultDedupMinutes);
        }
        this.matcher = matcher;
        this.engine = engine;
        this.range = range == null ? TimeRange.ALL : range;
        this.defaultDedupMinutes = defaultDedupMinutes;
        this.live = live;
        this.bounds = bounds == null ? EventTimeBounds.ARCHIVE : bounds;
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
    public void open(OpenContext openContext) {
        // Only the fields the running rules read are built from each record (docs/event-view.md).
        parser = EventParser.forDetection(FieldDemand.of(matcher, engine));
        sources = new EventTimeBounds.Sources(MAX_SOURCES);
        alertBytes = new DataOutputSerializer(1024);
        reads = new SignalTemplate.Reads();
        MetricGroup m = getRuntimeContext().getMetricGroup();
        recordsIn = m.counter("records_in");
        eventsParsed = m.counter("events_parsed");
        deadLetters = m.counter("dead_letters");
        matches = m.counter("matches");
        signals = m.counter("signals");
        signalsDropped = m.counter("signals_dropped_missing_group");
        termCombinationsCut = m.counter("new_terms_combinations_cut");
        outsideRange = m.counter("events_outside_time_range");
        embeddedJsonUnreadable = m.counter("embedded_json_unreadable");
        // A fixed, small set of reasons: registering them all up front keeps the hot path a map lookup.
        deadLettersByReason = new EnumMap<>(ParseFailure.Reason.class);
        MetricGroup byReason = m.addGroup("dead_letters_by_reason");
        for (ParseFailure.Reason r : ParseFailure.Reason.values()) {
            deadLettersByReason.put(r, byReason.counter(r.name()));
        }
        matchErrors = byReason.counter(MATCH_ERROR);
        recordsTotal = new LongCounter();
        eventsTotal = new LongCounter();
        deadTotal = new LongCounter();
        deadByReason = new HashMap<>();
        getRuntimeContext().addAccumulator(ACC_RECORDS, recordsTotal);
        getRuntimeContext().addAccumulator(ACC_EVENTS, eventsTotal);
        getRuntimeContext().addAccumulator(ACC_DEAD_LETTERS, deadTotal);
        outsideTotal = new LongCounter();
        filesDone = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_OUTSIDE_RANGE, outsideTotal);
        getRuntimeContext().addAccumulator(ACC_FILES_DONE, filesDone);
        embeddedJsonTotal = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_EMBEDDED_JSON_UNREADABLE, embeddedJsonTotal);
        signalsDroppedTotal = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_SIGNALS_DROPPED, signalsDroppedTotal);
        termCombinationsCutTotal = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_TERM_COMBINATIONS_CUT, termCombinationsCutTotal);
        applied = m.counter("rule_updates_applied");
        running = live.startDigest();
        if (restored != null) {
            apply(restored);
            restored = null;
        }
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
        matcher = o.matcher();
        engine = o.engine();
        routes = null;
        parser = EventParser.forDetection(FieldDemand.of(matcher, engine));
        running = digest;
        applied.inc();
        LOG.info(
                "Live rules: detect runs rule set {} ({} rules, {} correlations)",
                update.version,
                o.rules().rules().size(),
                o.rules().correlations().size());
        return true;
    }

    @Override
    public void close() throws Exception {
        if (lineOrigin != null && filesDone != null) {
            filesDone.add(1);
            lineOrigin = null;
        }
        super.close();
    }

    private void trackFiles(RawRecord record) {
        if (record.position < 0) {
            filesDone.add(1);
        } else if (record.origin != null && !record.origin.equals(lineOrigin)) {
            if (lineOrigin != null) {
                filesDone.add(1);
            }
            lineOrigin = record.origin;
        }
    }

    /** Counts one dead letter in the metric and the totals, overall and under its reason. */
    private void countDeadLetter(String reason) {
        deadLetters.inc();
        deadTotal.add(1);
        deadByReason
                .computeIfAbsent(reason, r -> getRuntimeContext().getLongCounter(ACC_DEAD_LETTERS_BY_REASON + r))
                .add(1);
    }

    /** The per-reason totals registered so far, by reason name. */
    private transient Map<String, LongCounter> deadByReason;

    @Override
    public void processElement(RawRecord record, ReadOnlyContext ctx, Collector<SignalRecord> out) {
        recordsIn.inc();
        recordsTotal.add(1);
        trackFiles(record);
        if (record.refused != null) {
            // The reader would not read it (too large, unreadable): accounted for like a parse failure.
            countDeadLetter(record.refused);
            ctx.output(
                    DEAD_LETTERS,
                    new DeadLetter(record.origin, record.position, record.refused, record.refusedMessage, "", ""));
            return;
        }
        ParseResult parsed = parser.parse(record.payload == null ? new byte[0] : record.payload);
        for (ParseFailure f : parsed.failures()) {
            countDeadLetter(f.reason().name());
            deadLettersByReason.get(f.reason()).inc();
            ctx.output(DEAD_LETTERS, DeadLetter.of(record, f));
        }
        long now = System.currentTimeMillis();
        for (Event event : parsed.events()) {
            eventsParsed.inc();
            eventsTotal.add(1);
            EventTimeBounds.Rejection rejected = bounds.check(record.origin, event.eventTimeMillis(), now, sources);
            if (rejected != null) {
                // Never a watermark: the event goes no further than the dead letters.
                deadLetters.inc();
                deadTotal.add(1);
                deadLettersByReason.get(rejected.reason()).inc();
                ctx.output(
                        DEAD_LETTERS,
                        DeadLetter.of(
                                record,
                                new ParseFailure(
                                        rejected.reason(), rejected.message(), -1, -1, "", -1, snippet(event))));
                continue;
            }
            if (!range.contains(event.eventTimeMillis())) {
                outsideRange.inc();
                outsideTotal.add(1);
                continue;
            }
            try {
                matcher.match(event, rule -> onMatch(rule, event, ctx, out));
                int unreadable = event.unreadableEmbeddedJson();
                if (unreadable > 0) {
                    embeddedJsonUnreadable.inc(unreadable);
                    embeddedJsonTotal.add(unreadable);
                }
            } catch (RuntimeException e) {
                // A rule or an alert template that throws on one event must not stop the job for everyone.
                deadLetters.inc();
                deadTotal.add(1);
                matchErrors.inc();
                ctx.output(
                        DEAD_LETTERS,
                        new DeadLetter(record.origin, record.position, MATCH_ERROR, String.valueOf(e), "", ""));
            }
        }
    }

    /** The start of the record's JSON (as read, not only the fields built), printable, for a dead letter. */
    private static String snippet(Event event) {
        String text = event.toString();
        StringBuilder sb = new StringBuilder(Math.min(text.length(), ParseFailure.MAX_SNIPPET));
        for (int i = 0; i < text.length() && i < ParseFailure.MAX_SNIPPET; i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        return sb.toString();
    }

    /**
     * Where the matches of one rule go, under the running rules: the plans that consume it with the stage of each
     * and the template of the rule's signals for each; for a rule that raises alerts of its own, how they are
     * built and its dedup policy, both null for a signal-only rule.
     */
    private record Route(
            CorrelationPlan[] plans,
            int[] stages,
            SignalTemplate[] signals,
            SingleAlertTemplate alerts,
            DedupPolicy policy) {}

    /**
     * The {@link Route} of each rule that matched so far, by rule identity (a rule is a record: its equals would
     * compare every field of it): worked out on a rule's first match, not on each. Cleared when a live update
     * swaps the rules.
     */
    private transient Map<Rule, Route> routes;

    private Route routeOf(Rule rule) {
        if (routes == null) {
            routes = new IdentityHashMap<>();
        }
        Route r = routes.get(rule);
        if (r == null) {
            List<CorrelationPlan> plans = engine.consumersOf(rule.id());
            int[] stages = new int[plans.size()];
            SignalTemplate[] signals = new SignalTemplate[plans.size()];
            for (int i = 0; i < stages.length; i++) {
                stages[i] = engine.stageOf(plans.get(i).id());
                signals[i] = plans.get(i).signalTemplate(rule);
            }
            r = new Route(
                    plans.toArray(CorrelationPlan[]::new),
                    stages,
                    signals,
                    rule.signalOnly() ? null : SingleAlertTemplate.of(rule),
                    rule.signalOnly() ? null : DedupPolicy.forRule(rule, defaultDedupMinutes));
            routes.put(rule, r);
        }
        return r;
    }

    private void onMatch(Rule rule, Event event, ReadOnlyContext ctx, Collector<SignalRecord> out) {
        matches.inc();
        Route route = routeOf(rule);
        for (int p = 0; p < route.plans().length; p++) {
            CorrelationPlan plan = route.plans()[p];
            CorrelationPlan.Signals s = plan.signals(route.signals()[p], event, reads);
            if (s.isEmpty()) {
                signalsDropped.inc();
                signalsDroppedTotal.add(1);
            }
            if (s.combinationsCut() > 0) {
                termCombinationsCut.inc(s.combinationsCut());
                termCombinationsCutTotal.add(s.combinationsCut());
            }
            for (Signal one : s.signals()) {
                signals.inc();
                out.collect(SignalRecord.of(plan, one, route.stages()[p]));
            }
        }
        if (route.alerts() != null) {
            ctx.output(
                    SINGLE_MATCHES,
                    SingleMatch.of(route.alerts(), event, alertBytes).withPolicy(route.policy()));
        }
    }
}
