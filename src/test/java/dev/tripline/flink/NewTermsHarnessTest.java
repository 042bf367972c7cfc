package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.Signal;
import dev.tripline.flink.CorrelationTypesHarnessTest.Run;
import dev.tripline.rule.CorrelationRule.Type;
import dev.tripline.rule.RuleSet;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * A new_terms correlation (history window 60 minutes) through {@link CorrelateOperator} in Flink's keyed harness
 * with explicit watermarks: a first sighting fires when the watermark reaches it, never on arrival; a sighting
 * within the window after another does not; the state survives a snapshot and restore, and once the window after
 * the last sighting has passed no keyed state entry and no timer is left. The history start a job knows travels with
 * its state: restored into a job that does not know it, its rules alert instead of learning.
 */
class NewTermsHarnessTest {

    static Run newTerms() throws Exception {
        return new Run(
                CorrelationTypesHarnessTest.rule("nt", Type.NEW_TERMS, List.of("r0"), List.of(), List.of(), null));
    }

    @Test
    void aFirstSightingFiresAtTheWatermarkAndTheStateGoesOneWindowAfterTheLast() throws Exception {
        try (Run r = newTerms()) {
            assertThat(r.at(0, 10)).as("never on arrival").isEmpty();
            assertThat(r.watermark(9.99)).isEmpty();
            List<Fired> first = r.watermark(10);
            assertThat(first).singleElement().satisfies(f -> {
                assertThat(f.type()).isEqualTo(Type.NEW_TERMS);
                assertThat(f.firstSeen()).isEqualTo(10 * CorrelationTypesHarnessTest.MIN);
            });
            r.restart();
            assertThat(r.at(0, 40)).isEmpty();
            assertThat(r.watermark(60))
                    .as("seen 30 minutes before, across the restore")
                    .isEmpty();
            assertThat(r.watermark(99.99)).isEmpty();
            assertThat(r.h.numKeyedStateEntries())
                    .as("40 still covers up to 100")
                    .isPositive();
            assertThat(r.watermark(100)).isEmpty();
            r.assertEmpty();
            r.at(0, 101);
            assertThat(r.watermark(101))
                    .as("unseen for the whole window: new again")
                    .hasSize(1);
        }
    }

    /** A job whose configuration knows no history start (new_terms rules only learn) over {@code rules}. */
    static Harnesses.CorrelateHarness job(RuleSet rules, long historyStart) throws Exception {
        CorrelationEngine engine = CorrelationEngine.compile(
                rules, CorrelationPlan.Options.defaults().withNewTermsHistoryStart(historyStart));
        return Harnesses.correlate(new CorrelateFunction(engine));
    }

    static List<Fired> sighting(Harnesses.CorrelateHarness h, RuleSet rules, String user, double minutes)
            throws Exception {
        CorrelationPlan p = CorrelationEngine.compile(rules).plan("nt");
        long t = (long) (minutes * CorrelationTypesHarnessTest.MIN);
        Evidence ev = new Evidence("r0", "e-" + user + "-" + t, t, "GetCallerIdentity", "sts", "us-east-1", Map.of());
        int before = h.extractOutputValues().size();
        h.processElement(new StreamRecord<>(
                SignalRecord.of(p, new Signal(0, "r0", t, List.of("123456789012", user), null, List.of(ev)), 1), t));
        h.processWatermark(new Watermark(t));
        List<FiredRecord> all = h.extractOutputValues();
        return all.subList(before, all.size()).stream().map(FiredRecord::fired).toList();
    }

    static Harnesses.CorrelateHarness restored(RuleSet rules, OperatorSubtaskState snapshot) throws Exception {
        Harnesses.CorrelateHarness h = job(rules, Long.MAX_VALUE);
        h.setup();
        h.initializeState(snapshot);
        h.open();
        return h;
    }

    @Test
    void theHistoryStartTravelsWithTheStateAcrossRestoresAndRulesLearnWithoutIt() throws Exception {
        RuleSet rules = new RuleSet(
                List.of(),
                List.of(CorrelationTypesHarnessTest.rule(
                        "nt", Type.NEW_TERMS, List.of("r0"), List.of(), List.of(), null)));
        OperatorSubtaskState snapshot;
        // A job that knows its history starts at minute 0: it learns for one window (60 minutes), then alerts.
        try (Harnesses.CorrelateHarness h = job(rules, 0)) {
            h.open();
            assertThat(sighting(h, rules, "alice", 10)).as("learning").isEmpty();
            snapshot = h.snapshot(1L, 1L);
        }
        // Restored into a job that does not know its start: the state says where its history starts.
        OperatorSubtaskState again;
        try (Harnesses.CorrelateHarness h = restored(rules, snapshot)) {
            assertThat(sighting(h, rules, "alice", 65)).as("seen at minute 10").isEmpty();
            assertThat(sighting(h, rules, "bob", 70)).hasSize(1);
            again = h.snapshot(2L, 2L);
        }
        // ... and keeps saying it in its own checkpoints.
        try (Harnesses.CorrelateHarness h = restored(rules, again)) {
            assertThat(sighting(h, rules, "carol", 80)).hasSize(1);
        }
        // Without that state the same job only learns.
        try (Harnesses.CorrelateHarness h = job(rules, Long.MAX_VALUE)) {
            h.open();
            assertThat(sighting(h, rules, "carol", 80)).isEmpty();
        }
    }

    @Test
    void anOutOfOrderEarlierSightingIsTheNewOne() throws Exception {
        try (Run r = newTerms()) {
            r.at(0, 20);
            r.at(0, 5);
            assertThat(r.watermark(30))
                    .singleElement()
                    .satisfies(f -> assertThat(f.firstSeen()).isEqualTo(5 * CorrelationTypesHarnessTest.MIN));
            r.watermark(80);
            r.assertEmpty();
        }
    }
}
