package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class RunOutputBatcherTest {
    static RunOutput line(int i) {
        return RunOutput.alert("r", "t", "{\"n\":" + i + "}", false);
    }

    /** Each element's lines, as their text, in the order the elements left. */
    static List<List<String>> run(RunOutputBatcher batcher, List<RunOutput> lines, boolean snapshotAfterThird)
            throws Exception {
        try (var h = new OneInputStreamOperatorTestHarness<RunOutput, RunOutputs>(batcher)) {
            h.setup(RunOutputs.Serializer.INSTANCE); // the harness copies what leaves with the output's serializer
            h.open();
            for (int i = 0; i < lines.size(); i++) {
                h.processElement(new StreamRecord<>(lines.get(i)));
                if (snapshotAfterThird && i == 2) {
                    batcher.prepareSnapshotPreBarrier(1);
                }
            }
            batcher.endInput();
            return h.extractOutputValues().stream()
                    .map(e -> e.lines().stream().map(RunOutput::line).toList())
                    .toList();
        }
    }

    static List<RunOutput> lines(int n) {
        return IntStream.range(0, n).mapToObj(RunOutputBatcherTest::line).toList();
    }

    @Test
    void groupsLinesInOrderAndSendsTheRestWhenTheInputEnds() throws Exception {
        assertThat(run(new RunOutputBatcher(2), lines(5), false))
                .containsExactly(
                        List.of("{\"n\":0}", "{\"n\":1}"), List.of("{\"n\":2}", "{\"n\":3}"), List.of("{\"n\":4}"));
    }

    @Test
    void oneLinePerElementSendsEachLineAsItComes() throws Exception {
        try (var h = new OneInputStreamOperatorTestHarness<RunOutput, RunOutputs>(new RunOutputBatcher(1))) {
            h.setup(RunOutputs.Serializer.INSTANCE); // the harness copies what leaves with the output's serializer
            h.open();
            h.processElement(new StreamRecord<>(line(7)));
            assertThat(h.extractOutputValues())
                    .as("a stream's line leaves before the next comes")
                    .singleElement()
                    .satisfies(e -> assertThat(e.lines())
                            .singleElement()
                            .satisfies(l -> assertThat(l.line()).isEqualTo("{\"n\":7}")));
        }
    }

    @Test
    void aCheckpointLeavesNoLineHeld() throws Exception {
        assertThat(run(new RunOutputBatcher(100), lines(5), true))
                .containsExactly(List.of("{\"n\":0}", "{\"n\":1}", "{\"n\":2}"), List.of("{\"n\":3}", "{\"n\":4}"));
    }

    @Test
    void anElementStopsGrowingAtItsByteBound() throws Exception {
        String big = "x".repeat(RunOutputBatcher.MAX_BYTES / 2);
        List<RunOutput> lines =
                List.of(RunOutput.deadLetter(big), RunOutput.deadLetter(big), RunOutput.deadLetter("small"));
        assertThat(run(new RunOutputBatcher(100), lines, false))
                .extracting(List::size)
                .containsExactly(2, 1);
    }

    @Test
    void elementsComeBackAsTheyWereWrittenAndACorruptCountIsRefused() throws Exception {
        RunOutputs element = new RunOutputs(List.of(
                RunOutput.alert("AWS.Rule", "Tïtle", "{\"a\":\"ü\"}", true),
                RunOutput.deadLetter("{\"dead\":true}"),
                RunOutput.late("correlate", "c-1", "{\"late\":1}"),
                RunOutput.ruleUpdate("rules v2 accepted")));
        DataOutputSerializer out = new DataOutputSerializer(64);
        RunOutputs.Serializer.INSTANCE.serialize(element, out);
        RunOutputs back = RunOutputs.Serializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back.lines()).usingRecursiveFieldByFieldElementComparator().isEqualTo(element.lines());

        DataOutputSerializer corrupt = new DataOutputSerializer(8);
        corrupt.writeInt(-1);
        assertThatThrownBy(() -> RunOutputs.Serializer.INSTANCE.deserialize(
                        new DataInputDeserializer(corrupt.getCopyOfBuffer())))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("corrupt run outputs");
        assertThatThrownBy(() -> new RunOutputBatcher(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
