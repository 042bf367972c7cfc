package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/** Records tied on key and timestamp reach the function in one order, whatever order they arrived in. */
class TieOrderedKeyedOperatorTest {

    /** Emits "key@time:value" for each record it is given, and "key timer" when the key's timer fires. */
    static final class Trace extends KeyedProcessFunction<String, String, String> {
        @Override
        public void processElement(String value, Context ctx, Collector<String> out) {
            out.collect(ctx.getCurrentKey() + "@" + ctx.timestamp() + ":" + value);
            ctx.timerService().registerEventTimeTimer(100);
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) {
            out.collect(ctx.getCurrentKey() + " timer");
        }
    }

    /** Values are "key/name"; ties are ordered by name. */
    private static List<String> feed(String... records) throws Exception {
        TieOrderedKeyedOperator<String, String, String> op =
                new TieOrderedKeyedOperator<>(new Trace(), String::compareTo);
        try (KeyedOneInputStreamOperatorTestHarness<String, String, String> h =
                new KeyedOneInputStreamOperatorTestHarness<>(op, v -> v.substring(0, v.indexOf('/')), Types.STRING)) {
            h.open();
            for (String r : records) {
                String[] parts = r.split(" ");
                h.processElement(new StreamRecord<>(parts[0], Long.parseLong(parts[1])));
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            List<String> out = new ArrayList<>();
            h.extractOutputValues().forEach(out::add);
            return out;
        }
    }

    @Test
    void tiesComeInOrderAndTimersAfterTheLastGroup() throws Exception {
        List<String> expected = List.of("a@1:a/x", "a@1:a/y", "a@1:a/z", "a@2:a/w", "b@2:b/p", "b@2:b/q");
        // A key's records in time order, ties in any order, as BATCH mode's sort delivers them.
        for (List<String> out : List.of(
                feed("a/z 1", "a/x 1", "a/y 1", "a/w 2", "b/q 2", "b/p 2"),
                feed("a/y 1", "a/z 1", "a/x 1", "a/w 2", "b/p 2", "b/q 2"))) {
            assertThat(out.subList(0, expected.size())).isEqualTo(expected);
            // The last watermark releases the held group before any timer fires.
            assertThat(out.subList(expected.size(), out.size())).containsExactlyInAnyOrder("a timer", "b timer");
        }
    }

    @Test
    void aGroupIsHeldUntilAnotherKeyOrTimeArrives() throws Exception {
        TieOrderedKeyedOperator<String, String, String> op =
                new TieOrderedKeyedOperator<>(new Trace(), String::compareTo);
        try (KeyedOneInputStreamOperatorTestHarness<String, String, String> h =
                new KeyedOneInputStreamOperatorTestHarness<>(op, v -> v.substring(0, v.indexOf('/')), Types.STRING)) {
            h.open();
            h.processElement(new StreamRecord<>("a/b", 5));
            h.processElement(new StreamRecord<>("a/a", 5));
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(new StreamRecord<>("a/c", 6));
            assertThat(h.extractOutputValues()).containsExactly("a@5:a/a", "a@5:a/b");
        }
    }
}
