package dev.tripline.flink;

import dev.tripline.alert.Alerts;
import dev.tripline.alert.DedupPolicy;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Signal;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.ParseFailure;
import dev.tripline.event.ParseResult;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.Rule;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parse and match, the stateless front of the job: each raw record is parsed (one message may hold many events,
 * e.g. a CloudTrail log file), every event runs through the compiled matcher, and each match goes where it is
 * needed. Main output: one {@link SignalRecord} per (match, consuming correlation plan), to be keyed by
 * {@link SignalRecord#key}. Side outputs: {@link #SINGLE_MATCHES} for rules that alert on their own (dedup comes
 * later), {@link #DEAD_LETTERS} for input that is not a usable event. Nothing in the input stops it.
 */
public class DetectFunction extends ProcessFunction<RawRecord, SignalRecord> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    public static final OutputTag<SingleMatch> SINGLE_MATCHES = new OutputTag<>("single-matches") {};
    /** Dead-letter reason for an event that broke the matcher or the alert builder (a bug, not bad input). */
    public static final String MATCH_ERROR = "MATCH_ERROR";

    /** Not final: a live rule update swaps them ({@link LiveDetectFunction}). */
    private CompiledMatcher matcher;

    private CorrelationEngine engine;
    private final TimeRange range;
    /** Event times it believes; others are dead letters ({@link EventTimeBounds}). */
    private final EventTimeBounds bounds;
    /** The default dedup period carried with single matches ({@link SingleMatch#withPolicy}); 0 = not carried. */
    private final int defaultDedupMinutes;

    /** Sources whose recent event times one subtask remembers (a hunt reads thousands of files, one at a time). */
    static final int MAX_SOURCES = 4096;

    /** Accumulator names: totals a client reads from the job result (an embedded run's summary). */
    public static final String ACC_RECORDS = "tripline-records-in";

    public static final String ACC_EVENTS = "tripline-events-parsed";
    public static final String ACC_DEAD_LETTERS = "tripline-dead-letters";
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

    private transient EventParser parser;
    private transient LongCounter recordsTotal;
    private transient LongCounter eventsTotal;
    private transient LongCounter deadTotal;
    private transient LongCounter outsideTotal;
    private transient LongCounter filesDone;
    private transient LongCounter embeddedJsonTotal;
    private transient Counter embeddedJsonUnreadable;
    private transient LongCounter signalsDroppedTotal;
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

    public DetectFunction(CompiledMatcher matcher, CorrelationEngine engine) {
        this(matcher, engine, TimeRange.ALL);
    }

    /** Drops (and counts) events whose event time is outside {@code range} before they reach the matcher. */
    public DetectFunction(CompiledMatcher matcher, CorrelationEngine engine, TimeRange range) {
        this(matcher, engine, range, 0);
    }

    /**
     * Also carries each single match's dedup policy (the rule's own, else {@code defaultDedupMinutes}), so that
     * dedup needs no rule table of its own; 0 carries none.
     */
    public DetectFunction(CompiledMatcher matcher, CorrelationEngine engine, TimeRange range, int defaultDedupMinutes) {
        this(matcher, engine, range, defaultDedupMinutes, EventTimeBounds.ARCHIVE);
    }

    /** Also dead-letters events whose time {@code bounds} does not believe. */
    public DetectFunction(
            CompiledMatcher matcher,
            CorrelationEngine engine,
            TimeRange range,
            int defaultDedupMinutes,
            EventTimeBounds bounds) {
        this.matcher = matcher;
        this.engine = engine;
        this.range = range == null ? TimeRange.ALL : range;
        this.defaultDedupMinutes = Math.max(0, defaultDedupMinutes);
        this.bounds = bounds == null ? EventTimeBounds.ARCHIVE : bounds;
    }

    /** Runs {@code newMatcher} and {@code newEngine} from the next record on (a live rule update). */
    void swap(CompiledMatcher newMatcher, CorrelationEngine newEngine) {
        this.matcher = newMatcher;
        this.engine = newEngine;
    }

    @Override
    public void open(Configuration parameters) {
        parser = EventParser.forDetection();
        sources = new EventTimeBounds.Sources(MAX_SOURCES);
        MetricGroup m = getRuntimeContext().getMetricGroup();
        recordsIn = m.counter("records_in");
        eventsParsed = m.counter("events_parsed");
        deadLetters = m.counter("dead_letters");
        matches = m.counter("matches");
        signals = m.counter("signals");
        signalsDropped = m.counter("signals_dropped_missing_group");
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

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<SignalRecord> out) {
        recordsIn.inc();
        recordsTotal.add(1);
        trackFiles(record);
        if (record.refused != null) {
            // The reader would not read it (too large, unreadable): accounted for like a parse failure.
            deadLetters.inc();
            deadTotal.add(1);
            ctx.output(
                    DEAD_LETTERS,
                    new DeadLetter(record.origin, record.position, record.refused, record.refusedMessage, "", ""));
            return;
        }
        ParseResult parsed = parser.parse(record.payload == null ? new byte[0] : record.payload);
        for (ParseFailure f : parsed.failures()) {
            deadLetters.inc();
            deadTotal.add(1);
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

    /** The start of the event's JSON, printable, for a dead letter about the event rather than its bytes. */
    private static String snippet(Event event) {
        String text = event.toString();
        StringBuilder sb = new StringBuilder(Math.min(text.length(), ParseFailure.MAX_SNIPPET));
        for (int i = 0; i < text.length() && i < ParseFailure.MAX_SNIPPET; i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        return sb.toString();
    }

    private void onMatch(Rule rule, Event event, Context ctx, Collector<SignalRecord> out) {
        matches.inc();
        for (CorrelationPlan plan : engine.consumersOf(rule.id())) {
            Optional<Signal> s = plan.signal(rule, event);
            if (s.isEmpty()) {
                signalsDropped.inc();
                signalsDroppedTotal.add(1);
            } else {
                signals.inc();
                out.collect(SignalRecord.of(plan, s.get(), engine.stageOf(plan.id())));
            }
        }
        if (!rule.signalOnly()) {
            SingleMatch m = SingleMatch.of(Alerts.single(rule, event));
            if (defaultDedupMinutes > 0) {
                m.withPolicy(DedupPolicy.forRule(rule, defaultDedupMinutes));
            }
            ctx.output(SINGLE_MATCHES, m);
        }
    }
}
