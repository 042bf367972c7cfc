package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.flink.Harnesses.CorrelateHarness;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.RuleSet;
import dev.tripline.testing.Flagship;
import dev.tripline.testing.RuleVariants;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CorrelateFunction in a keyed operator harness with explicit watermarks, over the flagship rule file: fires on
 * arrival (in and out of order), never for reverse order, leaves no state or timer behind once windows close, and
 * keeps an open partial match across a snapshot and restore.
 */
class CorrelateFunctionTest {
    static final String REGION_PLAN = Flagship.REGION_PLAN;
    static final String KEY_PLAN = Flagship.KEY_PLAN;
    static final String MALLORY = "arn:aws:iam::123456789012:user/mallory";
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final long MIN = 60_000;
    static final ObjectMapper JSON = new ObjectMapper();

    static CompiledMatcher matcher;
    static CorrelationEngine engine;

    @BeforeAll
    static void load() {
        RuleSet rules = Flagship.rules();
        matcher = CompiledMatcher.compile(rules.rules());
        engine = CorrelationEngine.compile(rules);
        assertThat(engine.errors()).isEmpty();
    }

    static long at(double minutes) {
        return T0.toEpochMilli() + (long) (minutes * MIN);
    }

    /** The signal records one CloudTrail event produces, as DetectFunction would route them. */
    static List<SignalRecord> signals(String name, String source, String region, double minutes, String extra) {
        String json = "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"" + MALLORY
                + "\",\"accountId\":\"123456789012\"},\"eventTime\":\"" + Instant.ofEpochMilli(at(minutes))
                + "\",\"eventSource\":\"" + source + "\",\"eventName\":\"" + name + "\",\"awsRegion\":\"" + region
                + "\",\"eventID\":\"ev-" + name + "-" + minutes + "\",\"recipientAccountId\":\"123456789012\""
                + (extra.isEmpty() ? "" : "," + extra) + "}";
        Event event;
        try {
            event = new Event(LogType.CLOUDTRAIL, (ObjectNode) JSON.readTree(json));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        List<SignalRecord> out = new ArrayList<>();
        matcher.match(
                event,
                rule -> engine.consumersOf(rule.id())
                        .forEach(plan -> plan.signals(rule, event)
                                .signals()
                                .forEach(s -> out.add(SignalRecord.of(plan, s, 1)))));
        return out;
    }

    static List<SignalRecord> enable(String region, double minutes) {
        return signals(
                "EnableRegion",
                "account.amazonaws.com",
                "us-east-1",
                minutes,
                "\"requestParameters\":{\"RegionName\":\"" + region + "\"}");
    }

    static List<SignalRecord> runInstances(String region, double minutes) {
        return signals("RunInstances", "ec2.amazonaws.com", region, minutes, "");
    }

    static CorrelateHarness harness() throws Exception {
        return harness(Duration.ZERO);
    }

    static CorrelateHarness harness(Duration lateness) throws Exception {
        return harness(engine, lateness);
    }

    static CorrelateHarness harness(CorrelationEngine with, Duration lateness) throws Exception {
        return Harnesses.correlate(
                new CorrelateFunction(with, LiveRules.none(), "correlate", CorrelateFunction.NO_STATE_TTL, lateness));
    }

    static List<LateRecord> late(CorrelateHarness h) {
        var out = h.getSideOutput(CorrelateFunction.LATE);
        return out == null
                ? List.of()
                : out.stream().map(StreamRecord::getValue).toList();
    }

    static void feed(CorrelateHarness h, List<SignalRecord> records) throws Exception {
        for (SignalRecord r : records) {
            h.processElement(new StreamRecord<>(r, r.time));
        }
    }

    static List<Fired> fired(CorrelateHarness h) {
        return h.extractOutputValues().stream().map(FiredRecord::fired).toList();
    }

    static void assertEmpty(CorrelateHarness h) {
        assertThat(h.numKeyedStateEntries()).as("keyed state entries").isZero();
        assertThat(h.numEventTimeTimers()).as("event-time timers").isZero();
    }

    @Test
    void flagshipSequenceFiresOnArrivalAndLeavesNothingBehind() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processWatermark(new Watermark(at(-30)));
            feed(h, enable("ap-southeast-1", 0));
            assertThat(h.numEventTimeTimers()).as("one open window per plan").isEqualTo(2);
            feed(h, runInstances("ap-southeast-1", 12));
            List<Fired> fired = fired(h);
            assertThat(fired)
                    .as("fired before any watermark reached the events")
                    .singleElement()
                    .satisfies(f -> {
                        assertThat(f.correlationId()).isEqualTo(REGION_PLAN);
                        assertThat(f.group())
                                .containsEntry("principal", MALLORY)
                                .containsEntry("region", "ap-southeast-1");
                        assertThat(f.evidence())
                                .extracting(Evidence::eventName)
                                .containsExactly("EnableRegion", "RunInstances");
                    });
            FiredRecord record = h.extractOutputValues().get(0);
            assertThat(record.alert).isTrue();
            assertThat(record.correlationId).isEqualTo(REGION_PLAN);

            h.processWatermark(new Watermark(at(200)));
            assertThat(fired(h)).hasSize(1);
            assertEmpty(h);
        }
    }

    @Test
    void outOfOrderArrivalFiresBeforeTheWatermarkPasses() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processWatermark(new Watermark(at(-15)));
            feed(h, runInstances("me-south-1", 40));
            assertThat(fired(h)).isEmpty();
            feed(h, enable("me-south-1", 5));
            assertThat(fired(h)).extracting(Fired::correlationId).containsExactly(REGION_PLAN);
            assertThat(fired(h).get(0).evidence())
                    .extracting(Evidence::eventName)
                    .containsExactly("EnableRegion", "RunInstances");
            h.processWatermark(new Watermark(at(500)));
            assertThat(fired(h)).hasSize(1);
            assertEmpty(h);
        }
    }

    @Test
    void reverseOrderNeverFiresAndExpiredWindowsAreCleared() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, runInstances("ap-southeast-1", 0));
            feed(h, enable("ap-southeast-1", 10));
            h.processWatermark(new Watermark(at(30)));
            assertThat(h.numKeyedStateEntries())
                    .as("the EnableRegion window is still open")
                    .isPositive();
            h.processWatermark(new Watermark(at(71)));
            assertThat(fired(h)).isEmpty();
            assertEmpty(h);
        }
    }

    @Test
    void aFollowUpOutsideTheWindowDoesNotFire() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, enable("ap-southeast-1", 0));
            h.processWatermark(new Watermark(at(61)));
            assertEmpty(h);
            feed(h, runInstances("ap-southeast-1", 62));
            h.processWatermark(new Watermark(at(300)));
            assertThat(fired(h)).isEmpty();
            assertEmpty(h);
        }
    }

    @Test
    void aRestoreWithChangedRulesKeepsUnchangedCorrelationsAndDropsTheRest() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            feed(h, enable("ap-southeast-1", 0));
            feed(h, enable("af-south-1", 1));
            snapshot = h.snapshot(1L, at(10));
        }
        // v2: the access-key correlation waits longer (a semantic change), the region one is untouched.
        RuleSet v2 = RuleVariants.withCorrelation(Flagship.rules(), KEY_PLAN, RuleVariants::retimed);
        CorrelationEngine engineV2 = CorrelationEngine.compile(v2);
        try (var restored = harness(engineV2, Duration.ZERO)) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            // Two groups per plan, each with an index (the timer in it) and a slot map: the access-key plan's went
            // at open.
            assertThat(restored.numKeyedStateEntries())
                    .as("the region plan's two groups: index and slots each")
                    .isEqualTo(4);
            feed(restored, signals("CreateAccessKey", "iam.amazonaws.com", "us-east-1", 20, ""));
            feed(restored, runInstances("ap-southeast-1", 30));
            assertThat(fired(restored))
                    .as("the kept sequence completes; the dropped one cannot")
                    .extracting(Fired::correlationId)
                    .containsExactly(REGION_PLAN);
            // The CreateAccessKey was made under v1's access-key plan, which this operator does not run: it waits
            // for those rules (as for a live update still on its way) and, when the input ends, is given up.
            restored.processWatermark(new Watermark(Long.MAX_VALUE));
            assertThat(late(restored))
                    .singleElement()
                    .satisfies(l -> assertThat(l.stage).isEqualTo(CorrelateFunction.UNKNOWN_RULES_STAGE));
            assertEmpty(restored);
        }
        // v3: the access-key correlation removed altogether.
        RuleSet v3 = new RuleSet(
                Flagship.rules().rules(),
                Flagship.rules().correlations().stream()
                        .filter(c -> !c.id().equals(KEY_PLAN))
                        .toList());
        try (var restored = harness(CorrelationEngine.compile(v3), Duration.ZERO)) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            assertThat(restored.numKeyedStateEntries()).isEqualTo(4);
        }
    }

    @Test
    void snapshotAndRestoreKeepAnOpenPartialMatch() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            feed(h, enable("ap-southeast-1", 0));
            h.processWatermark(new Watermark(at(10)));
            snapshot = h.snapshot(1L, at(10));
        }
        try (var restored = harness()) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            assertThat(restored.numEventTimeTimers())
                    .as("timers survive the restore")
                    .isEqualTo(2);
            feed(restored, runInstances("ap-southeast-1", 30));
            assertThat(fired(restored)).extracting(Fired::correlationId).containsExactly(REGION_PLAN);
            restored.processWatermark(new Watermark(at(500)));
            assertEmpty(restored);
        }
    }

    @Test
    void aSignalBehindTheWatermarkGoesToTheLateOutputNotIntoState() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, enable("ap-southeast-1", 0));
            h.processWatermark(new Watermark(at(20)));
            feed(h, runInstances("ap-southeast-1", 20)); // at the watermark: late, since W says "nothing <= W"
            assertThat(fired(h)).isEmpty();
            assertThat(late(h)).singleElement().satisfies(l -> {
                assertThat(l.stage).isEqualTo("correlate");
                assertThat(l.ruleId).isEqualTo(REGION_PLAN);
                assertThat(l.eventTime).isEqualTo(at(20));
                assertThat(l.watermark).isEqualTo(at(20));
                assertThat(l.eventIds).isEqualTo("ev-RunInstances-20.0");
                assertThat(l.toJsonLine()).contains("\"late_by_ms\":0");
            });
            h.processWatermark(new Watermark(at(500)));
            assertEmpty(h);
        }
    }

    @Test
    void withinTheAllowedLatenessALateSignalStillCompletesTheSequence() throws Exception {
        try (var h = harness(Duration.ofMinutes(30))) {
            h.open();
            feed(h, enable("ap-southeast-1", 0));
            // The window [0, 60] ended, but with 30 minutes of lateness it is kept until the watermark passes 90.
            h.processWatermark(new Watermark(at(80)));
            assertThat(h.numKeyedStateEntries()).isPositive();
            feed(h, runInstances("ap-southeast-1", 55));
            assertThat(late(h)).isEmpty();
            assertThat(fired(h)).extracting(Fired::correlationId).containsExactly(REGION_PLAN);
            h.processWatermark(new Watermark(at(90)));
            assertEmpty(h);
            feed(h, runInstances("ap-southeast-1", 59)); // 31 minutes behind: too late
            assertThat(late(h)).hasSize(1);
            assertThat(fired(h)).hasSize(1);
            assertEmpty(h);
        }
    }

    @Test
    void timeOrderedInputIsItsOwnWatermarkSoFollowUpsWithoutAFirstStepDoNotPileUp() throws Exception {
        var function = new CorrelateFunction(
                engine, LiveRules.none(), "correlate", CorrelateFunction.NO_STATE_TTL, Duration.ZERO, true);
        try (var h = Harnesses.correlate(function)) {
            h.open();
            // No watermark at all, as in BATCH mode: a follow-up every minute for five hours, in time order.
            for (int m = 0; m < 300; m++) {
                feed(h, runInstances("ap-southeast-1", m));
            }
            assertThat(h.slotEntries())
                    .as("only the latest follow-up waits: no first step can come before it any more")
                    .isOne();
            feed(h, enable("ap-southeast-1", 300));
            feed(h, runInstances("ap-southeast-1", 310));
            assertThat(fired(h))
                    .singleElement()
                    .satisfies(f -> assertThat(f.firstSeen()).isEqualTo(at(300)));
        }
        try (var h = harness()) {
            h.open();
            for (int m = 0; m < 300; m++) {
                feed(h, runInstances("ap-southeast-1", m));
            }
            assertThat(h.slotEntries())
                    .as("without order or watermark, every follow-up waits for a first step that may come late")
                    .isEqualTo(300);
        }
    }
}
