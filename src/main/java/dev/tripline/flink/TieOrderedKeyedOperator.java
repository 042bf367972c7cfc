package dev.tripline.flink;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * A keyed process operator for BATCH mode that hands its function the records of one key and one timestamp in a
 * fixed order. Flink's batch sort orders a keyed input by key and timestamp, but records with the same key and
 * timestamp come in whatever order the upstream tasks delivered them, which changes with file order and
 * parallelism; CloudTrail times have one-second resolution, so such ties are common, and a function that
 * keeps the first of them (dedup's evidence) would otherwise give different output for the same input.
 *
 * <p>State: the records of the current (key, timestamp) group, in memory only. They are released, sorted by
 * {@code tieOrder}, when a record of another key or timestamp arrives (before Flink switches to its key), on a
 * watermark (BATCH mode sends one, the last, when the input ends; the key's timers fire after the release) and
 * when the operator finishes. Not for STREAMING mode: there a group would wait for the next record.
 */
public class TieOrderedKeyedOperator<K, IN, OUT> extends KeyedProcessOperator<K, IN, OUT> {
    private static final long serialVersionUID = 1L;

    /** A total order on records, serializable with the operator. */
    public interface TieOrder<T> extends Comparator<T>, Serializable {}

    private final TieOrder<IN> tieOrder;
    private transient List<StreamRecord<IN>> group;
    private transient Object groupKey;
    private transient long groupTime;

    public TieOrderedKeyedOperator(KeyedProcessFunction<K, IN, OUT> function, TieOrder<IN> tieOrder) {
        super(function);
        this.tieOrder = Objects.requireNonNull(tieOrder, "tieOrder");
    }

    @Override
    public void open() throws Exception {
        super.open();
        group = new ArrayList<>();
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public void setKeyContextElement1(StreamRecord record) throws Exception {
        if (!group.isEmpty() && !inGroup(record)) {
            // Still under the group's key: switching first would fire its timers and, in BATCH, drop its state.
            release();
        }
        super.setKeyContextElement1(record);
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        if (group.isEmpty()) {
            groupKey = getCurrentKey();
            groupTime = element.getTimestamp();
        }
        // The input may reuse its StreamRecord wrapper; keep our own.
        group.add(
                element.hasTimestamp()
                        ? new StreamRecord<>(element.getValue(), element.getTimestamp())
                        : new StreamRecord<>(element.getValue()));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        release();
        super.processWatermark(mark);
    }

    @Override
    public void finish() throws Exception {
        release();
        super.finish();
    }

    @SuppressWarnings("unchecked")
    private boolean inGroup(StreamRecord<IN> record) throws Exception {
        return record.getTimestamp() == groupTime
                && Objects.equals(((KeySelector<IN, ?>) getStateKeySelector1()).getKey(record.getValue()), groupKey);
    }

    private void release() throws Exception {
        if (group.isEmpty()) {
            return;
        }
        group.sort((a, b) -> tieOrder.compare(a.getValue(), b.getValue()));
        List<StreamRecord<IN>> released = group;
        group = new ArrayList<>();
        for (StreamRecord<IN> r : released) {
            super.processElement(r);
        }
    }
}
