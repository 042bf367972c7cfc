package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.correlate.AnchorPruning;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Signal;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@link AnchorFilter} on its own: what it keeps, what it drops, and what it does past its bound. */
class AnchorFilterTest {
    static final CorrelationEngine ENGINE = engine();
    static final CorrelationPlan SEQ = ENGINE.plan("seq");
    static final AnchorPruning PRUNING = AnchorPruning.of(ENGINE);

    static CorrelationEngine engine() {
        RuleLoader.Result r =
                RuleLoader.standard(RuleLoadOptions.defaults()).loadFiles(List.of(new SourceFile("t.yml", null, """
                        title: a
                        id: a
                        logsource: {product: aws, service: cloudtrail}
                        detection: {sel: {eventName: A}, condition: sel}
                        ---
                        title: b
                        id: b
                        logsource: {product: aws, service: cloudtrail}
                        detection: {sel: {eventName: B}, condition: sel}
                        ---
                        title: seq
                        id: seq
                        correlation: {type: temporal_ordered, rules: [a, b], group-by: [userIdentity.arn], timespan: 1h}
                        """)));
        assertThat(r.errors()).isEmpty();
        return CorrelationEngine.compile(r.ruleSet());
    }

    static SignalRecord signal(int rule, String principal) {
        return SignalRecord.of(
                SEQ, new Signal(rule, rule == 0 ? "a" : "b", 1_000, List.of(principal), null, List.of()), 1);
    }

    static long anchor(String principal) {
        return AnchorFilter.anchorHash("seq", signal(0, principal).key());
    }

    static List<String> run(int maxAnchors, List<Long> anchors, List<SignalRecord> signals) throws Exception {
        AnchorFilter filter = new AnchorFilter(PRUNING, maxAnchors);
        try (TwoInputStreamOperatorTestHarness<SignalRecord, Long, SignalRecord> h =
                new TwoInputStreamOperatorTestHarness<>(filter)) {
            h.open();
            for (long a : anchors) {
                h.processElement2(new StreamRecord<>(a));
            }
            filter.endInput(2);
            for (SignalRecord s : signals) {
                h.processElement1(new StreamRecord<>(s, s.time));
            }
            return h.extractOutputValues().stream()
                    .map(s -> s.ruleId + ":" + s.group()[0])
                    .toList();
        }
    }

    @Test
    void dropsFollowUpsOfGroupsWithoutAnAnchorAndKeepsAnchorsAndAnchoredGroups() throws Exception {
        List<String> kept = run(
                AnchorFilter.MAX_ANCHORS,
                List.of(anchor("mallory")),
                List.of(signal(1, "mallory"), signal(1, "alice"), signal(0, "bob")));
        assertThat(kept).containsExactly("b:mallory", "a:bob");
    }

    @Test
    void pastItsBoundItKeepsEverySignal() throws Exception {
        List<String> kept = run(
                2,
                List.of(anchor("mallory"), anchor("carol"), anchor("dave")),
                List.of(signal(1, "mallory"), signal(1, "alice")));
        assertThat(kept).containsExactly("b:mallory", "b:alice");
    }

    @Test
    void aSignalBeforeTheAnchorsEndedIsAnErrorNotADrop() throws Exception {
        AnchorFilter filter = new AnchorFilter(PRUNING);
        try (TwoInputStreamOperatorTestHarness<SignalRecord, Long, SignalRecord> h =
                new TwoInputStreamOperatorTestHarness<>(filter)) {
            h.open();
            assertThatThrownBy(() -> h.processElement1(new StreamRecord<>(signal(1, "alice"))))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
