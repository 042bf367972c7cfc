package dev.tripline.flink;

import dev.tripline.alert.CandidateStore;
import dev.tripline.alert.Dedup;
import dev.tripline.alert.DedupPolicy;
import dev.tripline.alert.DedupState;
import dev.tripline.alert.EvidenceSample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Dedup and suppression, keyed by dedup key (which starts with the rule id, so one key has one policy): every
 * alert candidate, single or composite, is offered to {@link Dedup} in event time, and every one counted into a
 * period is added to the period's {@link EvidenceSample}, so the period's alert carries its count and the
 * evidence of its earliest and latest matches or firings.
 *
 * <p>When lines go out depends on the {@link Emission}:
 * <ul>
 *   <li>{@link Emission#LIVE} (a stream): the alert goes out at once when the period reaches its threshold
 *       (revision 0), and once more when the period ends, as an update with the same alert id (revision 1),
 *       if anything was counted after it. At most two lines per period.</li>
 *   <li>{@link Emission#FINAL} (bounded input in BATCH mode): one line per period when it ends, holding the whole
 *       period. The sample is ordered by event time and candidate id, not by arrival, so the line does not
 *       depend on the order Flink hands over records with equal timestamps, nor on the parallelism.</li>
 * </ul>
 * A period ends when the watermark reaches {@link Dedup#clearableAt} (an event-time timer; in BATCH mode when the
 * key's input ends) or when a match of the same key opens the next period.
 *
 * <p>State per key: {@code dedup-period}, one small {@code byte[]} holding the period's {@link DedupState} and its
 * {@link EvidenceSample} without the candidates' alerts (totals, the order keys of the kept candidates, what has
 * gone out); {@code dedup-candidates}, a map from candidate alert id to that candidate's serialized alert, one
 * entry per kept candidate (at most the evidence limit), written once when the candidate enters the sample and
 * removed when it leaves; and {@code dedup-timer}. A match that does not enter the sample reads and writes only
 * {@code dedup-period}; the candidates are read only when a line is built. All three are cleared when the timer
 * ends the period; a match that opens the next period clears the candidates and replaces the period.
 *
 * <p>Metrics: {@code alerts_emitted} (new alert lines), {@code alert_updates}, {@code alerts_suppressed}
 * (matches or firings counted into a period after its threshold), {@code alerts_below_threshold} (occurrences
 * of periods that ended short of their threshold), {@code alerts_dropped_untracked} (a match too early for the
 * held period that a threshold above 1 cannot count anywhere), {@code evidence_omitted} (occurrences counted into
 * an alert whose events its bounded evidence does not show) and {@code late_records}.
 *
 * <p>Late data: a candidate whose timestamp is at or before {@code watermark - allowedLateness} may belong to a
 * period whose state is already gone, so counting it could raise a duplicate; it goes to {@link #LATE} (with the
 * whole alert) and the {@code late_records} metric instead. Composite alerts are never late here: they carry the
 * timestamp of the signal or window end that fired them, which the correlate stage already held to the same bound.
 */
public class DedupFunction extends KeyedProcessFunction<String, AlertRecord, AlertRecord> {
    private static final long serialVersionUID = 2L;

    /** Stable operator uid: state in savepoints is found by it; never change it. */
    public static final String UID = "tripline-dedup";

    public static final OutputTag<LateRecord> LATE = new OutputTag<>("late-alerts") {};

    /** When a period's alert lines go out. */
    public enum Emission {
        /** At once when the threshold is reached, then one update at the period's end if it grew. */
        LIVE,
        /** One line per period, at its end (bounded input). */
        FINAL
    }

    private final long allowedLatenessMillis;
    private final int evidenceLimit;
    private final Emission emission;

    private transient ValueState<byte[]> period;
    private transient MapState<String, byte[]> candidates;
    private transient CandidateStore candidateStore;
    private transient ValueState<Long> timer;
    private transient Counter emitted;
    private transient Counter updates;
    private transient Counter suppressed;
    private transient Counter belowThreshold;
    private transient Counter droppedUntracked;
    private transient Counter evidenceOmitted;
    private transient Counter late;

    /**
     * @param allowedLatenessMillis how long after a period ends its state is kept for late matches
     * @param evidenceLimit         matches or firings whose evidence an alert shows ({@link EvidenceSample})
     * @param emission              when alert lines go out
     */
    public DedupFunction(long allowedLatenessMillis, int evidenceLimit, Emission emission) {
        EvidenceSample.checkLimit(evidenceLimit);
        this.allowedLatenessMillis = Math.max(0, allowedLatenessMillis);
        this.evidenceLimit = evidenceLimit;
        this.emission = Objects.requireNonNull(emission, "emission");
    }

    @Override
    public void open(OpenContext openContext) {
        period = getRuntimeContext()
                .getState(new ValueStateDescriptor<>(
                        "dedup-period", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        candidates = getRuntimeContext()
                .getMapState(new MapStateDescriptor<>(
                        "dedup-candidates", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        candidateStore = new KeyedCandidates(candidates);
        timer = getRuntimeContext().getState(new ValueStateDescriptor<>("dedup-timer", Types.LONG));
        MetricGroup m = getRuntimeContext().getMetricGroup();
        emitted = m.counter("alerts_emitted");
        updates = m.counter("alert_updates");
        suppressed = m.counter("alerts_suppressed");
        belowThreshold = m.counter("alerts_below_threshold");
        droppedUntracked = m.counter("alerts_dropped_untracked");
        evidenceOmitted = m.counter("evidence_omitted");
        late = m.counter("late_records");
    }

    @Override
    public void processElement(AlertRecord record, Context ctx, Collector<AlertRecord> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        long time = ctx.timestamp() == null ? record.eventTime : ctx.timestamp();
        if (LateRecord.isLate(time, watermark, allowedLatenessMillis)) {
            late.inc();
            ctx.output(LATE, LateRecord.ofAlert(record, time, watermark));
            return;
        }
        DedupPolicy policy = record.policy();
        Held held = read(period.value());
        Dedup.Decision d = Dedup.offer(held == null ? null : held.period(), record.eventTime, policy);
        if (d.outcome() == Dedup.Outcome.EMIT_UNTRACKED) {
            // Belongs to a period this state no longer holds: an alert of its own, the held period untouched.
            emitted.inc();
            out.collect(record);
            return;
        }
        if (d.outcome() == Dedup.Outcome.DROPPED_UNTRACKED) {
            droppedUntracked.inc();
            return;
        }
        if (d.endsHeld()) {
            finish(held, out);
            candidates.clear();
        }
        EvidenceSample sample =
                held == null || d.endsHeld() ? new EvidenceSample(evidenceLimit, candidateStore) : held.sample();
        // The record carries what the sample orders and counts by; its alert bytes are stored as they are, and
        // only if it enters the sample.
        sample.add(
                record.firstSeen,
                record.eventTime,
                record.count,
                record.occurrences,
                record.alertId,
                record::alertBytes);
        switch (d.outcome()) {
            case EMIT -> {
                if (emission == Emission.LIVE) {
                    emitted.inc();
                    out.collect(AlertRecord.of(sample.emit()));
                }
            }
            case SUPPRESSED -> suppressed.inc();
            default -> {}
        }
        period.update(write(new Held(d.state(), sample)));
        long at = Dedup.clearableAt(d.state(), policy, allowedLatenessMillis);
        Long old = timer.value();
        if (old == null || old != at) {
            if (old != null) {
                ctx.timerService().deleteEventTimeTimer(old);
            }
            ctx.timerService().registerEventTimeTimer(at);
            timer.update(at);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertRecord> out) throws Exception {
        Long t = timer.value();
        if (t != null && t == timestamp) {
            finish(read(period.value()), out);
            period.clear();
            candidates.clear();
            timer.clear();
        }
    }

    /** A period ends: its last line goes out if it has news (or, FINAL, its only line), and the rest is counted. */
    private void finish(Held held, Collector<AlertRecord> out) {
        if (held == null || held.sample().isEmpty()) {
            return;
        }
        EvidenceSample sample = held.sample();
        if (!held.period().alerted()) {
            belowThreshold.inc(sample.occurrences());
            return;
        }
        if (sample.hasUnreported()) {
            (sample.lines() == 0 ? emitted : updates).inc();
            out.collect(AlertRecord.of(sample.emit()));
        }
        evidenceOmitted.inc(sample.omitted());
    }

    /** One key's period and its sample, whose candidates are in {@code dedup-candidates}. */
    record Held(DedupState period, EvidenceSample sample) {}

    /** The period's bytes, written and read through Flink's views: unlike the java.io byte streams they take no lock. */
    static byte[] write(Held h) {
        DataOutputSerializer out = new DataOutputSerializer(256);
        try {
            h.period().write(out);
            h.sample().write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.getCopyOfBuffer();
    }

    private Held read(byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            DataInputDeserializer in = new DataInputDeserializer(data);
            return new Held(DedupState.read(in), EvidenceSample.read(in, candidateStore));
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt dedup state", e);
        }
    }

    /** The current key's {@code dedup-candidates} as the sample's store. */
    private record KeyedCandidates(MapState<String, byte[]> entries) implements CandidateStore {
        @Override
        public byte[] get(String candidateId) {
            try {
                return entries.get(candidateId);
            } catch (Exception e) {
                throw new IllegalStateException("cannot read dedup candidate " + candidateId, e);
            }
        }

        @Override
        public void put(String candidateId, byte[] serialized) {
            try {
                entries.put(candidateId, serialized);
            } catch (Exception e) {
                throw new IllegalStateException("cannot write dedup candidate " + candidateId, e);
            }
        }

        @Override
        public void remove(String candidateId) {
            try {
                entries.remove(candidateId);
            } catch (Exception e) {
                throw new IllegalStateException("cannot remove dedup candidate " + candidateId, e);
            }
        }
    }
}
