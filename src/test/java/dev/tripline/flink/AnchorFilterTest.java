package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.correlate.AnchorPruning;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Signal;
import dev.tripline.testing.LetterRules;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@link AnchorFilter} on its own: what it keeps, what it drops, and what it does past its bound. */
class AnchorFilterTest {
    static final CorrelationEngine ENGINE = engine();
    static final CorrelationPlan SEQ = ENGINE.plan("seq");
    static final AnchorPruning PRUNING = AnchorPruning.of(ENGINE);

    static CorrelationEngine engine() {
        return LetterRules.engine("""
                ---
                title: seq
                id: seq
                correlation: {type: temporal_ordered, rules: [a, b], group-by: [userIdentity.arn], timespan: 1h}
                """, "a", "b");
    }

    static SignalRecord signal(int rule, String principal) {
        return SignalRecord.of(
                SEQ, new Signal(rule, rule == 0 ? "a" : "b", 1_000, List.of(principal), null, List.of()), 1);
    }

    static long anchor(String principal) {
        return AnchorFilter.anchorHash("seq", signal(0, principal).group());
    }

    /** The hash {@link SignalRouter} looks prunable {@code s} up by. */
    static long hash(SignalRecord s) {
        String anchorPlan = PRUNING.anchorPlanOf(s.planId, s.ruleIndex);
        assertThat(anchorPlan).as("a prunable signal").isNotNull();
        return AnchorFilter.anchorHash(anchorPlan, s.group());
    }

    /** {@code signals} as {@link SignalRouter} sends them to the filter, in one run, through the exchange. */
    static PrunableSignals prunable(List<SignalRecord> signals) throws Exception {
        PrunableSignals.Writer writer = new PrunableSignals.Writer();
        for (SignalRecord s : signals) {
            writer.add(hash(s), s);
        }
        DataOutputSerializer exchange = new DataOutputSerializer(64);
        PrunableSignals.Serializer.INSTANCE.serialize(writer.take(), exchange);
        return PrunableSignals.Serializer.INSTANCE.deserialize(
                new DataInputDeserializer(exchange.getSharedBuffer(), 0, exchange.length()));
    }

    /** What a kept signal must have as it had it before the filter: rule, group, time and key. */
    static String described(SignalRecord s) {
        return s.ruleId + ":" + s.group()[0] + "@" + s.time + ":" + s.key();
    }

    static List<String> run(int maxAnchors, List<Long> anchors, List<SignalRecord> signals) throws Exception {
        AnchorFilter filter = new AnchorFilter(maxAnchors);
        try (TwoInputStreamOperatorTestHarness<PrunableSignals, Long, SignalRecord> h =
                new TwoInputStreamOperatorTestHarness<>(filter)) {
            h.open();
            for (long a : anchors) {
                h.processElement2(new StreamRecord<>(a));
            }
            filter.endInput(2);
            // Two runs, the first signal alone in the first: each kept signal leaves with its own time stamp.
            h.processElement1(new StreamRecord<>(prunable(signals.subList(0, 1)), 0L));
            h.processElement1(new StreamRecord<>(prunable(signals.subList(1, signals.size())), 0L));
            assertThat(h.extractOutputStreamRecords())
                    .as("a kept signal keeps its time stamp")
                    .allSatisfy(r -> assertThat(r.getTimestamp()).isEqualTo(1_000));
            return h.extractOutputValues().stream()
                    .map(AnchorFilterTest::described)
                    .toList();
        }
    }

    @Test
    void dropsFollowUpsOfGroupsWithoutAnAnchorAndKeepsAnchoredGroups() throws Exception {
        List<String> kept = run(
                AnchorFilter.MAX_ANCHORS,
                List.of(anchor("mallory")),
                List.of(signal(1, "mallory"), signal(1, "alice"), signal(1, "bob")));
        assertThat(kept).containsExactly(described(signal(1, "mallory")));
    }

    /**
     * A run is written without the signals' keys (the router never makes one for a prunable signal): a signal
     * whose key was made before writes the same bytes, and a kept one leaves with the key, hash included, that the
     * keyed exchange makes from its fields, so it lands in the same key group.
     */
    @Test
    void aRunCarriesNoKeyAndAKeptSignalLeavesWithItsKey() throws Exception {
        SignalRecord keyed = signal(1, "mallory");
        keyed.key();
        assertThat(bytesOf(prunable(List.of(keyed))))
                .as("the same bytes whether or not the key was made")
                .isEqualTo(bytesOf(prunable(List.of(signal(1, "mallory")))));
        List<SignalRecord> kept = new java.util.ArrayList<>();
        prunable(List.of(signal(1, "mallory"))).read(h -> true, kept::add);
        GroupKey expected = new GroupKey(keyed.planId, keyed.fingerprint, keyed.group());
        assertThat(kept).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(expected);
            assertThat(r.key().hashCode()).isEqualTo(expected.hashCode());
        });
    }

    private static byte[] bytesOf(PrunableSignals run) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        PrunableSignals.Serializer.INSTANCE.serialize(run, out);
        return out.getCopyOfBuffer();
    }

    @Test
    void pastItsBoundItKeepsEverySignal() throws Exception {
        List<String> kept = run(
                2,
                List.of(anchor("mallory"), anchor("carol"), anchor("dave")),
                List.of(signal(1, "mallory"), signal(1, "alice")));
        assertThat(kept).containsExactly(described(signal(1, "mallory")), described(signal(1, "alice")));
    }

    @Test
    void aSignalBeforeTheAnchorsEndedIsAnErrorNotADrop() throws Exception {
        AnchorFilter filter = new AnchorFilter();
        try (TwoInputStreamOperatorTestHarness<PrunableSignals, Long, SignalRecord> h =
                new TwoInputStreamOperatorTestHarness<>(filter)) {
            h.open();
            assertThatThrownBy(() -> h.processElement1(new StreamRecord<>(prunable(List.of(signal(1, "alice"))))))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void theAnchorTableHoldsExactlyItsHashesZeroAndCollidingLowBitsIncluded() {
        java.util.Random random = new java.util.Random(7);
        long[] hashes = new long[5_000];
        for (int i = 0; i < hashes.length; i++) {
            // Every third shares its low 20 bits with the one before: long probe runs.
            hashes[i] = i % 3 == 2 ? (random.nextLong() << 20) | (hashes[i - 1] & 0xFFFFF) : random.nextLong();
        }
        hashes[10] = 0;
        hashes[11] = hashes[12]; // a repeat
        java.util.Set<Long> held = new java.util.HashSet<>();
        for (long h : hashes) {
            held.add(h);
        }
        AnchorFilter.AnchorTable table = new AnchorFilter.AnchorTable(hashes, hashes.length);
        for (long h : held) {
            assertThat(table.contains(h)).as("held %d", h).isTrue();
        }
        for (int i = 0; i < 100_000; i++) {
            long h = i % 2 == 0 ? random.nextLong() : (random.nextLong() << 20) | (hashes[i % hashes.length] & 0xFFFFF);
            assertThat(table.contains(h)).as("absent %d", h).isEqualTo(held.contains(h));
        }
        assertThat(new AnchorFilter.AnchorTable(hashes, 0).contains(0)).isFalse();
        assertThat(new AnchorFilter.AnchorTable(new long[] {5}, 1).contains(5)).isTrue();
        assertThat(new AnchorFilter.AnchorTable(new long[] {5}, 1).contains(0)).isFalse();
    }
}
