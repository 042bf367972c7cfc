package dev.tripline.flink;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Objects;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * A keyed process operator for BATCH mode that hands its function the records of one key and one timestamp in a
 * fixed order ({@link TieGroup}): dedup's operator in a hunt.
 */
public class TieOrderedKeyedOperator<K, IN, OUT> extends KeyedProcessOperator<K, IN, OUT> {
    private static final long serialVersionUID = 1L;

    /** A total order on records, serializable with the operator. */
    public interface TieOrder<T> extends Comparator<T>, Serializable {}

    private final TieOrder<IN> tieOrder;
    private transient TieGroup<IN> group;

    public TieOrderedKeyedOperator(KeyedProcessFunction<K, IN, OUT> function, TieOrder<IN> tieOrder) {
        super(function);
        this.tieOrder = Objects.requireNonNull(tieOrder, "tieOrder");
    }

    @Override
    public void open() throws Exception {
        super.open();
        group = new TieGroup<>(tieOrder);
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public void setKeyContextElement1(StreamRecord record) throws Exception {
        Object key = ((KeySelector<IN, ?>) getStateKeySelector1()).getKey((IN) record.getValue());
        if (!group.accepts(key, record)) {
            // Still under the group's key: switching first would fire its timers and, in BATCH, drop its state.
            group.release(super::processElement);
        }
        super.setKeyContextElement1(record);
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        group.add(getCurrentKey(), element);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        group.release(super::processElement);
        super.processWatermark(mark);
    }

    @Override
    public void finish() throws Exception {
        group.release(super::processElement);
        super.finish();
    }
}
