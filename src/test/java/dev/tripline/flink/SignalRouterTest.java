package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.correlate.AnchorPruning;
import dev.tripline.correlate.Signal;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@link SignalRouter}: each signal to its stage, or to the anchor filter, and each anchor's hash to the filter. */
class SignalRouterTest {
    /** A signal of {@link AnchorFilterTest#SEQ} (rule 0 is its anchor, rule 1 prunable) bound for {@code stage}. */
    static SignalRecord signal(int rule, String principal, int stage) {
        return SignalRecord.of(
                AnchorFilterTest.SEQ,
                new Signal(rule, rule == 0 ? "a" : "b", 1_000, List.of(principal), null, List.of()),
                stage);
    }

    static OneInputStreamOperatorTestHarness<SignalRecord, SignalRecord> harness(AnchorPruning pruning)
            throws Exception {
        OneInputStreamOperatorTestHarness<SignalRecord, SignalRecord> h =
                new OneInputStreamOperatorTestHarness<>(new SignalRouter(pruning, 2));
        h.open();
        return h;
    }

    static void send(OneInputStreamOperatorTestHarness<SignalRecord, SignalRecord> h, SignalRecord r) throws Exception {
        h.processElement(new StreamRecord<>(r, r.time));
    }

    @Test
    void anAnchorGoesToItsStageAndItsHashToTheFilterAndAFollowUpOnlyToTheFilter() throws Exception {
        try (var h = harness(AnchorFilterTest.PRUNING)) {
            send(h, signal(0, "mallory", 1));
            send(h, signal(0, "bob", 2));
            send(h, signal(1, "mallory", 1));

            assertThat(h.extractOutputValues()).extracting(r -> r.group()[0]).containsExactly("mallory");
            assertThat(h.getSideOutput(SignalRouter.stage(2)))
                    .extracting(r -> r.getValue().group()[0])
                    .containsExactly("bob");
            assertThat(h.getSideOutput(SignalRouter.ANCHORS))
                    .extracting(StreamRecord::getValue)
                    .containsExactly(AnchorFilterTest.anchor("mallory"), AnchorFilterTest.anchor("bob"));
            assertThat(h.getSideOutput(SignalRouter.PRUNABLE))
                    .as("a run of prunable signals leaves when it is full or the input ends")
                    .isNull();
            h.endInput();
            assertThat(h.getSideOutput(SignalRouter.PRUNABLE)).singleElement().satisfies(r -> {
                List<String> kept = new ArrayList<>();
                List<Long> hashes = new ArrayList<>();
                int dropped = r.getValue().read(hash -> hashes.add(hash), s -> kept.add(AnchorFilterTest.described(s)));
                assertThat(dropped).isZero();
                assertThat(hashes).containsExactly(AnchorFilterTest.anchor("mallory"));
                assertThat(kept).containsExactly(AnchorFilterTest.described(signal(1, "mallory", 1)));
            });
        }
    }

    @Test
    void aRunOfPrunableSignalsLeavesOnceFullAndTheRestAtTheEndOfTheInput() throws Exception {
        try (var h = harness(AnchorFilterTest.PRUNING)) {
            int n = 0;
            while (h.getSideOutput(SignalRouter.PRUNABLE) == null) {
                send(h, signal(1, "user-" + n++, 1));
            }
            assertThat(n).as("signals in the first run").isGreaterThan(10);
            for (int i = 0; i < 10; i++) {
                send(h, signal(1, "user-" + n++, 1));
            }
            h.endInput();
            assertThat(h.getSideOutput(SignalRouter.PRUNABLE)).hasSize(2);
            List<String> kept = new ArrayList<>();
            int dropped = 0;
            for (var run : h.getSideOutput(SignalRouter.PRUNABLE)) {
                dropped += run.getValue().read(hash -> (hash & 1) == 0, s -> kept.add(s.group()[0]));
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if ((AnchorFilterTest.hash(signal(1, "user-" + i, 1)) & 1) == 0) {
                    expected.add("user-" + i);
                }
            }
            assertThat(kept).as("every even hash kept, in order").containsExactlyElementsOf(expected);
            assertThat(dropped).isEqualTo(n - expected.size());
        }
    }

    @Test
    void withoutPruningItOnlyRoutesByStage() throws Exception {
        try (var h = harness(AnchorPruning.none())) {
            send(h, signal(1, "alice", 1));
            send(h, signal(1, "carol", 2));

            assertThat(h.extractOutputValues()).extracting(r -> r.group()[0]).containsExactly("alice");
            assertThat(h.getSideOutput(SignalRouter.stage(2))).hasSize(1);
            assertThat(h.getSideOutput(SignalRouter.PRUNABLE)).isNull();
            assertThat(h.getSideOutput(SignalRouter.ANCHORS)).isNull();
        }
    }

    @Test
    void aSignalForAStageTheJobDoesNotHaveIsAnError() throws Exception {
        try (var h = harness(AnchorPruning.none())) {
            assertThatThrownBy(() -> send(h, signal(1, "alice", 3))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void theAnchorHashTellsValuesApartWhereverTheyAreCut() {
        assertThat(AnchorFilter.anchorHash("seq", new String[] {"ab", "c"}))
                .isNotEqualTo(AnchorFilter.anchorHash("seq", new String[] {"a", "bc"}))
                .isNotEqualTo(AnchorFilter.anchorHash("other", new String[] {"ab", "c"}))
                .isEqualTo(AnchorFilter.anchorHash("seq", new String[] {"ab", "c"}));
    }
}
