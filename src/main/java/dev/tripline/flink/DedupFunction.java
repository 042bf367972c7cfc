package dev.tripline.flink;

import dev.tripline.alert.Alert;
import dev.tripline.alert.Dedup;
import dev.tripline.alert.DedupPolicy;
import dev.tripline.alert.DedupState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Dedup and suppression, keyed by dedup key (which starts with the rule id, so one key has one policy): every
 * alert candidate, single or composite, is offered to {@link Dedup} in event time; only the ones it emits go on.
 * A single-event alert goes out with the period's count and first/last seen; a composite alert as it fired, so a
 * correlation fires once per group per suppression period. The key's state is dropped by an event-time timer at
 * {@link Dedup#clearableAt}, so closed periods leave nothing behind.
 *
 * <p>Late data: a candidate whose timestamp is at or before {@code watermark - allowedLateness} may belong to a
 * period whose state is already gone, so counting it could raise a duplicate; it goes to {@link #LATE} (with the
 * whole alert) and the {@code late_records} metric instead. Composite alerts are never late here: they carry the
 * timestamp of the signal or window end that fired them, which the correlate stage already held to the same bound.
 */
public class DedupFunction extends KeyedProcessFunction<String, AlertRecord, AlertRecord> {
    private static final long serialVersionUID = 1L;

    /** Stable operator uid: state in savepoints is found by it; never change it. */
    public static final String UID = "tripline-dedup";
    public static final OutputTag<LateRecord> LATE = new OutputTag<>("late-alerts") {
    };

    private final Map<String, DedupPolicy> policies;
    private final DedupPolicy fallback;
    private final long allowedLatenessMillis;

    private transient ValueState<byte[]> state;
    private transient ValueState<Long> timer;
    private transient Counter emitted;
    private transient Counter suppressed;
    private transient Counter late;

    /**
     * @param policies              rule or correlation id to its policy
     * @param fallback              the policy of an id missing from {@code policies}
     * @param allowedLatenessMillis how long after a period ends its state is kept for late matches
     */
    public DedupFunction(Map<String, DedupPolicy> policies, DedupPolicy fallback, long allowedLatenessMillis) {
        this.policies = new LinkedHashMap<>(policies);
        this.fallback = fallback;
        this.allowedLatenessMillis = Math.max(0, allowedLatenessMillis);
    }

    @Override
    public void open(Configuration parameters) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("dedup-state",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        timer = getRuntimeContext().getState(new ValueStateDescriptor<>("dedup-timer", Types.LONG));
        MetricGroup m = getRuntimeContext().getMetricGroup();
        emitted = m.counter("alerts_emitted");
        suppressed = m.counter("alerts_suppressed");
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
        DedupPolicy policy = record.dedupPeriodMillis > 0
                ? new DedupPolicy(record.dedupPeriodMillis, Math.max(1, record.dedupThreshold))
                : policies.getOrDefault(record.ruleId, fallback);
        byte[] held = state.value();
        Dedup.Decision d = Dedup.offer(held == null ? null : read(held), record.eventTime, policy);
        if (d.outcome() != Dedup.Outcome.EMIT_UNTRACKED && d.outcome() != Dedup.Outcome.DROPPED_UNTRACKED) {
            state.update(write(d.state()));
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
        if (!d.emit()) {
            suppressed.inc();
            return;
        }
        emitted.inc();
        Alert a = record.alert();
        if (a.kind() == Alert.Kind.SINGLE) {
            a = new Alert(a.kind(), a.rule(), a.severity(), a.title(), a.group(), d.firstSeen(), d.lastSeen(),
                    a.evidence(), d.count(), a.dedupKey(), a.alertId(), a.context());
            out.collect(AlertRecord.of(a));
        } else {
            out.collect(record);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertRecord> out) throws Exception {
        Long t = timer.value();
        if (t != null && t == timestamp) {
            state.clear();
            timer.clear();
        }
    }

    static byte[] write(DedupState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(DedupState.SERIALIZED_BYTES);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            s.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static DedupState read(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            return DedupState.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt dedup state", e);
        }
    }
}
