package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.alert.Alert;
import dev.tripline.alert.Alerts;
import dev.tripline.alert.DedupPolicy;
import dev.tripline.alert.Evidence;
import dev.tripline.alert.RuleRef;
import dev.tripline.rule.Level;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/** The dedup operator: suppression per key in event time, state and timer gone once the period is closed. */
class DedupFunctionTest {
    static final long MIN = 60_000L;
    static final long T0 = 1_700_000_000_000L;

    static AlertRecord composite(String eventId, long time) {
        Map<String, String> group = new LinkedHashMap<>();
        group.put("account", "111111111111");
        group.put("principal", "arn:aws:iam::111111111111:user/mallory");
        Alert a = Alerts.correlation(RuleRef.of("corr", "Region then activity", Level.HIGH, List.of(), List.of()),
                group, List.of(new Evidence(eventId, time, "RunInstances", "ec2.amazonaws.com", "ap-east-1",
                        Map.of())), 1, null);
        return AlertRecord.of(a);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new DedupFunction(
                Map.of("corr", DedupPolicy.suppression(Duration.ofMinutes(60))),
                DedupPolicy.suppression(Duration.ofMinutes(60)), 0)), r -> r.dedupKey, Types.STRING);
    }

    static List<String> emitted(KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> h) {
        return h.extractOutputValues().stream().map(r -> r.alert().evidence().get(0).eventId()).toList();
    }

    @Test
    void oneAlertPerGroupPerPeriodAndNothingLeftAfterIt() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(new StreamRecord<>(composite("e1", T0), T0));
            h.processElement(new StreamRecord<>(composite("e2", T0 + 10 * MIN), T0 + 10 * MIN));
            assertThat(emitted(h)).containsExactly("e1");
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            h.processWatermark(T0 + 59 * MIN);
            assertThat(h.numKeyedStateEntries()).isPositive();
            h.processWatermark(T0 + 60 * MIN);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();

            h.processElement(new StreamRecord<>(composite("e3", T0 + 70 * MIN), T0 + 70 * MIN));
            assertThat(emitted(h)).containsExactly("e1", "e3");
        }
    }

    @Test
    void suppressionSurvivesSnapshotAndRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            h.processElement(new StreamRecord<>(composite("e1", T0), T0));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(new StreamRecord<>(composite("e2", T0 + 5 * MIN), T0 + 5 * MIN));
            assertThat(emitted(h)).isEmpty();
            h.processWatermark(T0 + 60 * MIN);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aCandidateBehindTheWatermarkGoesToTheLateOutputWithTheWholeAlert() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(new StreamRecord<>(composite("e1", T0), T0));
            h.processWatermark(T0 + 90 * MIN);
            // The period of e1 is closed and its state gone: counting e2 now could raise a second alert.
            h.processElement(new StreamRecord<>(composite("e2", T0 + 30 * MIN), T0 + 30 * MIN));
            assertThat(emitted(h)).containsExactly("e1");
            assertThat(h.getSideOutput(DedupFunction.LATE)).singleElement().satisfies(r -> {
                LateRecord l = r.getValue();
                assertThat(l.stage).isEqualTo("dedup");
                assertThat(l.ruleId).isEqualTo("corr");
                assertThat(l.eventIds).isEqualTo("e2");
                assertThat(l.toJsonLine()).contains("\"alert\":{").contains("\"kind\":\"correlation\"");
            });
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }
}
