package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertFormat;
import dev.tripline.alert.Alerts;
import dev.tripline.alert.DedupPolicy;
import dev.tripline.alert.Evidence;
import dev.tripline.alert.RuleRef;
import dev.tripline.flink.DedupFunction.Emission;
import dev.tripline.rule.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The dedup operator: one alert per key and period in event time, carrying its count and the evidence of its
 * earliest and latest matches or firings; state and timer gone once the period is closed.
 */
class DedupFunctionTest {
    static final long MIN = 60_000L;
    static final long T0 = 1_700_000_000_000L;
    static final DedupPolicy HOUR = DedupPolicy.suppression(Duration.ofMinutes(60));

    /** A firing of correlation {@code corr} for mallory whose evidence is the pair {@code (a, b)}. */
    static AlertRecord composite(String a, long timeA, String b, long timeB) {
        Map<String, String> group = new LinkedHashMap<>();
        group.put("account", "111111111111");
        group.put("principal", "arn:aws:iam::111111111111:user/mallory");
        Alert alert = Alerts.correlation(
                RuleRef.of("corr", "Region then activity", Level.HIGH, List.of(), List.of()),
                group,
                List.of(
                        new Evidence(a, timeA, "EnableRegion", "account.amazonaws.com", "us-east-1", Map.of()),
                        new Evidence(b, timeB, "RunInstances", "ec2.amazonaws.com", "ap-east-1", Map.of())),
                2,
                null);
        return AlertRecord.of(alert, HOUR);
    }

    static AlertRecord composite(String eventId, long time) {
        return composite(eventId + "-enable", time - MIN, eventId, time);
    }

    /** A match of single-event rule {@code rule} on {@code eventName} by the user, as detect builds it. */
    static AlertRecord single(String eventId, String eventName, long time) {
        Map<String, String> group = new LinkedHashMap<>();
        group.put("account", "111111111111");
        group.put("principal", "arn:aws:iam::111111111111:user/stratus");
        String key = "rule|111111111111|arn:aws:iam::111111111111:user/stratus";
        List<Evidence> evidence =
                List.of(new Evidence(eventId, time, eventName, "iam.amazonaws.com", "us-east-1", Map.of()));
        RuleRef rule = RuleRef.of("rule", "IAM change", Level.MEDIUM, List.of(), List.of());
        return AlertRecord.of(
                new Alert(
                        Alert.Kind.SINGLE,
                        rule,
                        Level.MEDIUM,
                        "IAM change " + eventName,
                        group,
                        time,
                        time,
                        evidence,
                        1,
                        key,
                        Alerts.alertId(Alert.Kind.SINGLE, "rule", key, evidence),
                        Map.of()),
                HOUR);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> harness(
            Emission emission, int evidenceLimit) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DedupFunction(0, evidenceLimit, emission)),
                r -> r.dedupKey,
                Types.STRING);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> harness() throws Exception {
        return harness(Emission.LIVE, 10);
    }

    static List<Alert> alerts(KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> h) {
        return h.extractOutputValues().stream().map(AlertRecord::alert).toList();
    }

    static List<String> eventIds(Alert a) {
        return a.evidence().stream().map(Evidence::eventId).toList();
    }

    static void offer(KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> h, AlertRecord r)
            throws Exception {
        h.processElement(new StreamRecord<>(r, r.eventTime));
    }

    @Test
    void aWarmUpCallAndTheTechniqueAfterItBothShowInTheAlertWithTheCount() throws Exception {
        try (var h = harness()) {
            h.open();
            offer(h, single("warm-up", "GetUser", T0));
            offer(h, single("technique", "CreateLoginProfile", T0 + 10 * MIN));
            // The first match goes out at once, as before.
            assertThat(alerts(h)).singleElement().satisfies(a -> {
                assertThat(a.revision()).isZero();
                assertThat(eventIds(a)).containsExactly("warm-up");
                assertThat(a.count()).isEqualTo(1);
            });
            h.processWatermark(T0 + 60 * MIN);
            List<Alert> out = alerts(h);
            assertThat(out).hasSize(2);
            Alert update = out.get(1);
            assertThat(update.revision()).isEqualTo(1);
            assertThat(update.alertId()).isEqualTo(out.get(0).alertId());
            assertThat(update.dedupKey()).isEqualTo(out.get(0).dedupKey());
            assertThat(eventIds(update)).containsExactly("warm-up", "technique");
            assertThat(update.count()).isEqualTo(2);
            assertThat(update.occurrences()).isEqualTo(2);
            assertThat(update.evidenceOmitted()).isZero();
            assertThat(update.firstSeenMillis()).isEqualTo(T0);
            assertThat(update.lastSeenMillis()).isEqualTo(T0 + 10 * MIN);
            assertThat(AlertFormat.JSONL.encode(update))
                    .contains("\"revision\":1")
                    .contains("\"count\":2");
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void aSuppressedCorrelationUpdatesItsAlertWithTheLaterPairs() throws Exception {
        try (var h = harness()) {
            h.open();
            offer(h, composite("enable-1", T0, "run-1", T0 + MIN));
            offer(h, composite("enable-2", T0 + 20 * MIN, "run-2", T0 + 21 * MIN));
            offer(h, composite("enable-3", T0 + 40 * MIN, "run-3", T0 + 41 * MIN));
            assertThat(alerts(h))
                    .singleElement()
                    .satisfies(a -> assertThat(eventIds(a)).containsExactly("enable-1", "run-1"));
            h.processWatermark(T0 + 61 * MIN);
            Alert update = alerts(h).get(1);
            assertThat(update.kind()).isEqualTo(Alert.Kind.CORRELATION);
            assertThat(update.revision()).isEqualTo(1);
            assertThat(update.alertId()).isEqualTo(alerts(h).get(0).alertId());
            assertThat(update.occurrences()).isEqualTo(3);
            assertThat(update.count()).isEqualTo(6);
            assertThat(eventIds(update)).containsExactly("enable-1", "run-1", "enable-2", "run-2", "enable-3", "run-3");
            assertThat(update.lastSeenMillis()).isEqualTo(T0 + 41 * MIN);
        }
    }

    @Test
    void theEvidenceIsBoundedToTheEarliestAndLatestAndCountsTheRest() throws Exception {
        try (var h = harness(Emission.LIVE, 4)) {
            h.open();
            for (int i = 0; i < 30; i++) {
                offer(h, single("e" + i, "PutUserPolicy", T0 + i * MIN));
            }
            h.processWatermark(T0 + 60 * MIN);
            Alert update = alerts(h).get(1);
            assertThat(eventIds(update)).containsExactly("e0", "e1", "e28", "e29");
            assertThat(update.occurrences()).isEqualTo(30);
            assertThat(update.evidenceOmitted()).isEqualTo(26);
        }
    }

    @Test
    void nothingNewInThePeriodMeansNoUpdate() throws Exception {
        try (var h = harness()) {
            h.open();
            offer(h, single("only", "CreateUser", T0));
            h.processWatermark(T0 + 60 * MIN);
            assertThat(alerts(h)).hasSize(1);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aMatchOpeningTheNextPeriodFirstSendsTheUpdateOfTheOneItEnds() throws Exception {
        try (var h = harness()) {
            h.open();
            offer(h, single("a", "CreateUser", T0));
            offer(h, single("b", "CreateUser", T0 + 30 * MIN));
            offer(h, single("c", "CreateUser", T0 + 70 * MIN)); // watermark still behind: the period ends here
            List<Alert> out = alerts(h);
            assertThat(out).extracting(Alert::revision).containsExactly(0, 1, 0);
            assertThat(eventIds(out.get(1))).containsExactly("a", "b");
            assertThat(eventIds(out.get(2))).containsExactly("c");
        }
    }

    @Test
    void batchGivesOneFinalLinePerPeriodWhateverTheArrivalOrder() throws Exception {
        List<AlertRecord> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            // Pairs of records share a second, as CloudTrail's do; Flink hands such ties over in no fixed order.
            records.add(single("e" + i, "PutRolePolicy", T0 + (i / 2) * 1000));
        }
        records.add(single("next", "PutRolePolicy", T0 + 90 * MIN));
        List<String> reference = null;
        Random random = new Random(7);
        for (int run = 0; run < 20; run++) {
            List<AlertRecord> order = new ArrayList<>(records.subList(0, 12));
            Collections.shuffle(order, random);
            order.sort((x, y) -> Long.compare(x.eventTime, y.eventTime)); // BATCH sorts a key's input by time only
            order.add(records.get(12));
            try (var h = harness(Emission.FINAL, 4)) {
                h.open();
                for (AlertRecord r : order) {
                    offer(h, r);
                }
                assertThat(alerts(h))
                        .as("the first period ended when 'next' opened the second")
                        .hasSize(1);
                h.processWatermark(Long.MAX_VALUE);
                List<String> lines =
                        alerts(h).stream().map(AlertFormat.JSONL::encode).toList();
                assertThat(lines).hasSize(2);
                if (reference == null) {
                    reference = lines;
                } else {
                    assertThat(lines).isEqualTo(reference);
                }
            }
        }
        assertThat(reference.get(0))
                .contains("\"revision\":0")
                .contains("\"count\":12")
                .contains("\"occurrences\":12")
                .contains("\"evidence_omitted\":8");
    }

    @Test
    void oneAlertPerGroupPerPeriodAndNothingLeftAfterIt() throws Exception {
        try (var h = harness()) {
            h.open();
            offer(h, composite("e1", T0));
            offer(h, composite("e2", T0 + 10 * MIN));
            assertThat(alerts(h)).hasSize(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            h.processWatermark(T0 + 59 * MIN);
            assertThat(h.numKeyedStateEntries()).isPositive();
            h.processWatermark(T0 + 60 * MIN);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();

            offer(h, composite("e3", T0 + 70 * MIN));
            assertThat(alerts(h)).extracting(Alert::revision).containsExactly(0, 1, 0);
            assertThat(eventIds(alerts(h).get(2))).containsExactly("e3-enable", "e3");
        }
    }

    @Test
    void suppressionAndTheSampleSurviveSnapshotAndRestore() throws Exception {
        OperatorSubtaskState snapshot;
        String id;
        try (var h = harness()) {
            h.open();
            offer(h, composite("e1", T0));
            id = alerts(h).get(0).alertId();
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            offer(h, composite("e2", T0 + 5 * MIN));
            assertThat(alerts(h)).isEmpty();
            h.processWatermark(T0 + 60 * MIN);
            assertThat(alerts(h)).singleElement().satisfies(a -> {
                assertThat(a.alertId()).isEqualTo(id);
                assertThat(a.revision()).isEqualTo(1);
                assertThat(eventIds(a)).containsExactly("e1-enable", "e1", "e2-enable", "e2");
            });
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /** The candidate ids in {@code key}'s {@code dedup-candidates} state. */
    static List<String> storedCandidates(
            KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> h, String key) throws Exception {
        KeyedStateBackend<Object> backend = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        backend.setCurrentKey(key);
        MapState<String, byte[]> map = backend.getPartitionedState(
                VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>(
                        "dedup-candidates", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        List<String> ids = new ArrayList<>();
        map.keys().forEach(ids::add);
        return ids;
    }

    @Test
    void onlyTheKeptCandidatesAreStoredAndTheNextPeriodStartsWithoutThem() throws Exception {
        try (var h = harness(Emission.LIVE, 4)) {
            h.open();
            List<AlertRecord> records = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                records.add(single("e" + i, "PutUserPolicy", T0 + i * MIN));
                offer(h, records.get(i));
            }
            String key = records.get(0).dedupKey;
            assertThat(storedCandidates(h, key))
                    .containsExactlyInAnyOrder(
                            records.get(0).alertId,
                            records.get(1).alertId,
                            records.get(8).alertId,
                            records.get(9).alertId);
            AlertRecord next = single("next", "PutUserPolicy", T0 + 70 * MIN);
            offer(h, next);
            assertThat(eventIds(alerts(h).get(1))).containsExactly("e0", "e1", "e8", "e9");
            assertThat(storedCandidates(h, key)).containsExactly(next.alertId);
        }
    }

    @Test
    void aCandidateBehindTheWatermarkGoesToTheLateOutputWithTheWholeAlert() throws Exception {
        try (var h = harness()) {
            h.open();
            offer(h, composite("e1", T0));
            h.processWatermark(T0 + 90 * MIN);
            // The period of e1 is closed and its state gone: counting e2 now could raise a second alert.
            offer(h, composite("e2", T0 + 30 * MIN));
            assertThat(alerts(h)).hasSize(1);
            assertThat(h.getSideOutput(DedupFunction.LATE)).singleElement().satisfies(r -> {
                LateRecord l = r.getValue();
                assertThat(l.stage).isEqualTo("dedup");
                assertThat(l.ruleId).isEqualTo("corr");
                assertThat(l.eventIds).contains("e2");
                assertThat(l.toJsonLine()).contains("\"alert\":{").contains("\"kind\":\"correlation\"");
            });
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }
}
