package dev.tripline.flink;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.function.ThrowingConsumer;

/**
 * The records of one key and one timestamp held by a keyed operator in BATCH mode, released in a fixed order.
 * Flink's batch sort orders a keyed input by key and timestamp, but records with the same key and timestamp come
 * in whatever order the upstream tasks delivered them, which changes with file order and parallelism; CloudTrail
 * times have one-second resolution, so such ties are common, and a function that keeps the first of them (dedup's
 * evidence, a correlation's earliest match) would otherwise give different output for the same input.
 *
 * <p>State: the records of the current (key, timestamp), in memory only. The operator releases them before Flink
 * switches to another key or timestamp, on a watermark (BATCH mode sends one, the last, when the input ends; the
 * key's timers fire after the release) and when it finishes. Not for STREAMING mode: there a group would wait
 * for the next record.
 */
final class TieGroup<IN> {
    private final Comparator<IN> order;
    private List<StreamRecord<IN>> records = new ArrayList<>();
    private Object key;
    private long time;

    TieGroup(Comparator<IN> order) {
        this.order = Objects.requireNonNull(order, "order");
    }

    /** True when {@code record}, of {@code recordKey}, belongs to the held group (or nothing is held). */
    boolean accepts(Object recordKey, StreamRecord<IN> record) {
        return records.isEmpty() || (record.getTimestamp() == time && Objects.equals(recordKey, key));
    }

    void add(Object currentKey, StreamRecord<IN> element) {
        if (records.isEmpty()) {
            key = currentKey;
            time = element.getTimestamp();
        }
        // The input may reuse its StreamRecord wrapper; keep our own.
        records.add(
                element.hasTimestamp()
                        ? new StreamRecord<>(element.getValue(), element.getTimestamp())
                        : new StreamRecord<>(element.getValue()));
    }

    /** Hands the held records, sorted, to {@code into} and forgets them. */
    void release(ThrowingConsumer<StreamRecord<IN>, Exception> into) throws Exception {
        if (records.isEmpty()) {
            return;
        }
        records.sort((a, b) -> order.compare(a.getValue(), b.getValue()));
        List<StreamRecord<IN>> released = records;
        records = new ArrayList<>();
        for (StreamRecord<IN> r : released) {
            into.accept(r);
        }
    }
}
