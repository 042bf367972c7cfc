package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.alert.Alert;
import dev.tripline.correlate.Fired;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.job.TriplineConfig;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.testing.BrokenCorrelation;
import dev.tripline.testing.Flagship;
import dev.tripline.testing.LiveRuleSets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The live-update operators in Flink's test harnesses: the validator turns a bad set into one rejection and
 * passes nothing on; correlate swaps its engine on a valid set, keeping the open partial matches of unchanged
 * correlations and dropping those of changed ones; a signal that outruns its update is held, not lost; a
 * restore keeps the live set on a failover and lets new start files win on a rollout; detect matches with the
 * new rules from the update on.
 */
class LiveUpdateHarnessTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final RuleLoadOptions LOAD = TriplineConfig.defaults().ruleLoadOptions();
    static final RuleUpdate V1 = RuleUpdate.of("v1", LiveRuleSets.v1());
    static final RuleUpdate V2 = RuleUpdate.of("v2", LiveRuleSets.v2());
    static final RuleUpdate V3 = RuleUpdate.of("v3", LiveRuleSets.v3());

    static LiveRules live(RuleUpdate start) {
        return new LiveRules(LOAD, start.digest(), 1);
    }

    static RuleProgram compiled(RuleUpdate u) {
        RuleProgram o = live(V1).compile(u);
        assertThat(o.errors()).isEmpty();
        return o;
    }

    static Instant at(double minutes) {
        return T0.plusMillis((long) (minutes * 60_000));
    }

    static Event event(String json) throws Exception {
        return new Event(LogType.CLOUDTRAIL, (ObjectNode) JSON.readTree(json));
    }

    /** The signal records {@code json} makes under {@code rules}, as detect routes them. */
    static List<SignalRecord> signals(RuleProgram rules, String json) throws Exception {
        Event e = event(json);
        List<SignalRecord> out = new ArrayList<>();
        rules.matcher()
                .match(
                        e,
                        rule -> rules.engine()
                                .consumersOf(rule.id())
                                .forEach(plan -> plan.signals(rule, e)
                                        .signals()
                                        .forEach(s -> out.add(SignalRecord.of(
                                                plan, s, rules.engine().stageOf(plan.id()))))));
        return out;
    }

    static Harnesses.CorrelateHarness correlate(RuleUpdate start) throws Exception {
        return Harnesses.correlate(new CorrelateFunction(
                compiled(start).engine(), live(start), "correlate", CorrelateFunction.NO_STATE_TTL, Duration.ZERO));
    }

    static void open(Harnesses.CorrelateHarness h) throws Exception {
        h.open();
        // The validator sends the control side's final watermark at once; event time is the signals' alone.
        h.processBroadcastWatermark(new Watermark(Long.MAX_VALUE));
    }

    static void feed(Harnesses.CorrelateHarness h, List<SignalRecord> records) throws Exception {
        for (SignalRecord r : records) {
            h.processElement(r, r.time);
        }
    }

    /** Keyed state entries of the harness's operator (correlation state, timer and held signals per key). */
    static int entries(Harnesses.CorrelateHarness h) {
        var backend = ((org.apache.flink.streaming.api.operators.AbstractStreamOperator<?>) h.getOperator())
                .getKeyedStateBackend();
        return ((org.apache.flink.runtime.state.heap.HeapKeyedStateBackend<?>) backend).numKeyValueStateEntries();
    }

    static List<Fired> fired(Harnesses.CorrelateHarness h) {
        return h.extractOutputValues().stream().map(FiredRecord::fired).toList();
    }

    @Test
    void aValidUpdateKeepsUnchangedCorrelationsAndDropsChangedOnes() throws Exception {
        RuleProgram v1 = compiled(V1);
        RuleProgram v2 = compiled(V2);
        assertThat(v2.engine().plan(Flagship.REGION_PLAN).fingerprint())
                .isEqualTo(v1.engine().plan(Flagship.REGION_PLAN).fingerprint());
        assertThat(v2.engine().plan(Flagship.KEY_PLAN).fingerprint())
                .isNotEqualTo(v1.engine().plan(Flagship.KEY_PLAN).fingerprint());
        try (var h = correlate(V1)) {
            open(h);
            h.processWatermark(new Watermark(at(-30).toEpochMilli()));
            feed(h, signals(v1, LiveRuleSets.enableRegion("ap-southeast-1", at(0), "e1")));
            assertThat(entries(h))
                    .as("both plans opened a group: index (with the timer) and slots each")
                    .isEqualTo(4);

            h.processBroadcastElement(V2, at(1).toEpochMilli());
            assertThat(entries(h))
                    .as("the retimed access-key plan's group is gone")
                    .isEqualTo(2);

            // The kept sequence completes under v2; the dropped one cannot, even with v2's own signal.
            feed(h, signals(v2, LiveRuleSets.createAccessKey(at(5), "k1")));
            feed(h, signals(v2, LiveRuleSets.runInstances("ap-southeast-1", at(10), "r1")));
            assertThat(fired(h)).extracting(Fired::correlationId).containsExactly(Flagship.REGION_PLAN);
            FiredRecord record = h.extractOutputValues().get(0);
            assertThat(record.ruleRef().title())
                    .as("the firing carries its correlation's descriptor")
                    .startsWith("Unused AWS Region Enabled");

            // A new v2 sequence of the changed plan fires with v2's 30-minute window.
            feed(h, signals(v2, LiveRuleSets.enableRegion("af-south-1", at(20), "e2")));
            feed(h, signals(v2, LiveRuleSets.createAccessKey(at(45), "k2")));
            assertThat(fired(h)).extracting(Fired::correlationId).contains(Flagship.KEY_PLAN);
        }
    }

    @Test
    void aBadUpdateIsRejectedOnceWithItsErrorsAndTheOldRulesKeepFiring() throws Exception {
        List<RuleUpdate> passed;
        List<RuleUpdateStatus> statuses;
        try (var v = new OneInputStreamOperatorTestHarness<RuleUpdate, RuleUpdate>(new RuleUpdateValidator(live(V1)))) {
            v.open();
            v.processElement(V3, 0);
            v.processElement(V2, 0);
            passed = v.extractOutputValues();
            statuses = v.getSideOutput(RuleUpdateValidator.STATUS).stream()
                    .map(StreamRecord::getValue)
                    .toList();
            assertThat(v.getOutput())
                    .filteredOn(o -> o instanceof Watermark)
                    .as("the control side gives up event time at once")
                    .containsExactly(new Watermark(Long.MAX_VALUE));
        }
        assertThat(passed).extracting(u -> u.version).containsExactly("v2");
        assertThat(statuses).hasSize(2);
        RuleUpdateStatus rejected = statuses.get(0);
        assertThat(rejected.accepted).isFalse();
        assertThat(rejected.version).isEqualTo("v3");
        assertThat(rejected.errors())
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e).matches(LiveRuleSets.BROKEN_FILE + ":\\d+:\\d+: .+"));
        assertThat(rejected.message()).startsWith("rule update v3 rejected: ");
        assertThat(statuses.get(1).accepted).isTrue();
        assertThat(statuses.get(1).rules).isEqualTo(5);

        // Correlate never sees v3: v1's correlations still fire.
        RuleProgram v1 = compiled(V1);
        try (var h = correlate(V1)) {
            open(h);
            feed(h, signals(v1, LiveRuleSets.enableRegion("ap-southeast-1", at(0), "e1")));
            feed(h, signals(v1, LiveRuleSets.runInstances("ap-southeast-1", at(3), "r1")));
            assertThat(fired(h)).extracting(Fired::correlationId).containsExactly(Flagship.REGION_PLAN);
        }
    }

    @Test
    void anUpdateWithACorrelationThatCannotCompileIsRejectedAtTheOffendingEntry() throws Exception {
        Map<String, String> files = new java.util.TreeMap<>(LiveRuleSets.v1());
        files.put("aws/logins.yml", BrokenCorrelation.LISTED_TWICE);
        RuleUpdate broken = RuleUpdate.of("v-broken", files);
        List<RuleUpdateStatus> statuses;
        List<RuleUpdate> passed;
        try (var v = new OneInputStreamOperatorTestHarness<RuleUpdate, RuleUpdate>(new RuleUpdateValidator(live(V1)))) {
            v.open();
            v.processElement(broken, 0);
            passed = v.extractOutputValues();
            statuses = v.getSideOutput(RuleUpdateValidator.STATUS).stream()
                    .map(StreamRecord::getValue)
                    .toList();
        }
        assertThat(passed).as("a rejected update reaches no operator").isEmpty();
        assertThat(statuses).singleElement().satisfies(s -> {
            assertThat(s.accepted).isFalse();
            assertThat(s.errors())
                    .singleElement()
                    .asString()
                    .startsWith(BrokenCorrelation.where("aws/logins.yml") + ": ")
                    .contains("twice");
        });
    }

    @Test
    void tooDeepChainingAndEmptySetsAreRejected() {
        Map<String, String> chained = Map.of("chain.yml", dev.tripline.testing.ChainedRules.BRUTE_FORCE_THEN_LOGIN);
        RuleProgram o = new LiveRules(LOAD, "x", 1).compile(RuleUpdate.of("deep", chained));
        assertThat(o.ok()).isFalse();
        assertThat(o.errors())
                .anySatisfy(e -> assertThat(e.message())
                        .contains("needs 2 correlate stages")
                        .contains("savepoint rollout"));
        assertThat(new LiveRules(LOAD, "x", 2)
                        .compile(RuleUpdate.of("deep", chained))
                        .errors())
                .isEmpty();
        assertThat(live(V1).compile(RuleUpdate.of("none", Map.of("README.md", "hi")))
                        .errors())
                .singleElement()
                .asString()
                .contains("no rule files");
    }

    @Test
    void aSignalThatOutrunsItsUpdateIsHeldUntilTheUpdateArrives() throws Exception {
        RuleProgram v2 = compiled(V2);
        try (var h = correlate(V1)) {
            open(h);
            h.setProcessingTime(1_000);
            feed(h, signals(v2, LiveRuleSets.enableRegion("af-south-1", at(0), "e1")));
            feed(h, signals(v2, LiveRuleSets.createAccessKey(at(10), "k1")));
            assertThat(fired(h)).as("v2's access-key plan is unknown here yet").isEmpty();
            h.processBroadcastElement(V2, 0);
            h.setProcessingTime(1_000 + CorrelateFunction.RETRY_MILLIS);
            assertThat(fired(h)).extracting(Fired::correlationId).containsExactly(Flagship.KEY_PLAN);
        }
    }

    /**
     * {@code pending-signals-before-key-hash.snapshot} (heap state) and {@code ...-rocksdb.snapshot} (RocksDB): the
     * correlate operator of main {@code e056f25}, whose signal records carried no key hash (signal record snapshot
     * version 3), holding v2's EnableRegion and CreateAccessKey signals in {@code live-pending-signals} under v1
     * (what {@link #aSignalThatOutrunsItsUpdateIsHeldUntilTheUpdateArrives} feeds, both held, then
     * {@code snapshot(1, 1)}). Restored, both are read in their layout and complete the sequence once v2 arrives.
     */
    @Test
    void heldSignalsWrittenBeforeRecordsCarriedTheirKeyHashAreRestoredAndComplete() throws Exception {
        Map<String, org.apache.flink.runtime.state.StateBackend> backends = Map.of(
                "pending-signals-before-key-hash.snapshot",
                new org.apache.flink.runtime.state.hashmap.HashMapStateBackend(),
                "pending-signals-before-key-hash-rocksdb.snapshot",
                new org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend());
        for (var e : backends.entrySet()) {
            OperatorSubtaskState snapshot = org.apache.flink.streaming.util.OperatorSnapshotUtil.readStateHandle(
                    java.nio.file.Path.of(getClass().getResource(e.getKey()).toURI())
                            .toString());
            try (var h = correlate(V1)) {
                h.setStateBackend(e.getValue());
                h.setup();
                h.initializeState(snapshot);
                open(h);
                h.setProcessingTime(1_000);
                assertThat(fired(h)).isEmpty();
                h.processBroadcastElement(V2, 0);
                h.setProcessingTime(1_000 + CorrelateFunction.RETRY_MILLIS);
                assertThat(fired(h))
                        .as("both held signals read back in their layout, %s", e.getKey())
                        .extracting(Fired::correlationId)
                        .containsExactly(Flagship.KEY_PLAN);
            }
        }
    }

    @Test
    void aSignalWhoseRulesNeverArriveGoesToTheLateOutputAtTheEnd() throws Exception {
        RuleProgram v2 = compiled(V2);
        try (var h = correlate(V1)) {
            open(h);
            feed(h, signals(v2, LiveRuleSets.createAccessKey(at(10), "k1")));
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            List<LateRecord> late = h.getSideOutput(CorrelateFunction.LATE).stream()
                    .map(StreamRecord::getValue)
                    .toList();
            assertThat(late).singleElement().satisfies(l -> {
                assertThat(l.stage).isEqualTo(CorrelateFunction.UNKNOWN_RULES_STAGE);
                assertThat(l.eventIds).isEqualTo("k1");
            });
        }
    }

    @Test
    void aFailoverKeepsTheLiveSetAndARolloutWithNewFilesReplacesIt() throws Exception {
        RuleProgram v2 = compiled(V2);
        OperatorSubtaskState snapshot;
        try (var h = correlate(V1)) {
            open(h);
            h.processBroadcastElement(V2, 0);
            feed(h, signals(v2, LiveRuleSets.enableRegion("af-south-1", at(0), "e1")));
            snapshot = h.snapshot(1, 1);
        }
        // Failover: same start files (v1), so v2 runs on, open matches and all.
        try (var h = correlate(V1)) {
            h.setup();
            h.initializeState(snapshot);
            open(h);
            assertThat(entries(h)).isEqualTo(4);
            feed(h, signals(v2, LiveRuleSets.createAccessKey(at(20), "k1")));
            assertThat(fired(h)).extracting(Fired::correlationId).containsExactly(Flagship.KEY_PLAN);
        }
        // Rollout: started with other files (v1 plus a comment), so those run, and v2's access-key state goes.
        Map<String, String> v1b = new java.util.LinkedHashMap<>(LiveRuleSets.v1());
        v1b.put(LiveRuleSets.STOP_FILE, v1b.get(LiveRuleSets.STOP_FILE) + "# reviewed\n");
        RuleUpdate start = RuleUpdate.of("v1b", v1b);
        try (var h = correlate(start)) {
            h.setup();
            h.initializeState(snapshot);
            open(h);
            assertThat(entries(h)).as("only the unchanged region plan's group").isEqualTo(2);
            assertThat(h.getBroadcastState(LiveRules.STATE).get(LiveRules.CURRENT))
                    .isNull();
        }
    }

    @Test
    void detectMatchesWithTheNewRulesFromTheUpdateOn() throws Exception {
        RuleProgram v1 = compiled(V1);
        DetectFunction f =
                new DetectFunction(v1.matcher(), v1.engine(), TimeRange.ALL, 60, live(V1), EventTimeBounds.ARCHIVE);
        try (var h = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(f, List.of(LiveRules.STATE)), 1, 1, 0)) {
            h.open();
            h.processElement(raw(LiveRuleSets.trail("StopLogging", at(0), "s1")), 0);
            h.processElement(raw(LiveRuleSets.trail("DeleteTrail", at(1), "d1")), 0);
            h.processBroadcastElement(V2, 0);
            h.processElement(raw(LiveRuleSets.trail("StopLogging", at(2), "s2")), 0);
            h.processElement(raw(LiveRuleSets.trail("DeleteTrail", at(3), "d2")), 0);
            h.processElement(raw(LiveRuleSets.enableRegion("af-south-1", at(4), "e1")), 0);
            List<Alert> singles = h.getSideOutput(DetectFunction.SINGLE_MATCHES).stream()
                    .map(r -> r.getValue().alert())
                    .toList();
            assertThat(singles)
                    .extracting(Alert::title)
                    .containsExactly("Trail Stopped v1", "Trail Stopped v2", "Trail Deleted v2");
            assertThat(h.getSideOutput(DetectFunction.SINGLE_MATCHES)).allSatisfy(r -> {
                assertThat(r.getValue().dedupPeriodMillis)
                        .as("the policy travels with the match")
                        .isEqualTo(Duration.ofMinutes(60).toMillis());
            });
            assertThat(h.extractOutputValues())
                    .as("v2's signals, routed to stage 1")
                    .hasSize(2)
                    .allSatisfy(s -> assertThat(s.stage).isEqualTo(1));
        }
    }

    static RawRecord raw(String json) {
        return new RawRecord("test", 0, json.getBytes(StandardCharsets.UTF_8));
    }
}
