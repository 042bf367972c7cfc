package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.Signal;
import dev.tripline.flink.Harnesses.CorrelateHarness;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.CorrelationRule.Bound;
import dev.tripline.rule.CorrelationRule.CompareOp;
import dev.tripline.rule.CorrelationRule.Type;
import dev.tripline.rule.Level;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.SourceLocation;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * Every correlation type through {@link CorrelateOperator} in Flink's keyed harness with explicit watermarks:
 * conditions that more signals cannot falsify fire on the arriving signal, with the watermark still far behind;
 * the others fire when the watermark closes the window; reverse order never fires; and once every window is
 * closed no keyed state entry and no timer is left. A snapshot taken mid-sequence restores into a new operator
 * that completes it.
 */
class CorrelationTypesHarnessTest {
    static final long MIN = 60_000;
    static final List<String> GROUP = List.of("123456789012", "arn:aws:iam::123456789012:user/mallory");

    static CorrelationRule rule(
            String id, Type type, List<String> rules, List<Bound> bounds, List<String> fields, Double percentile) {
        return new CorrelationRule(
                id,
                id,
                "test " + id,
                null,
                Level.HIGH,
                List.of(),
                List.of(),
                type,
                rules,
                List.of("account", "principal"),
                Duration.ofMinutes(60),
                bounds,
                null,
                fields,
                percentile,
                Map.of(),
                false,
                null,
                new SourceLocation("t.yml", 1, 1));
    }

    static List<Bound> bound(CompareOp op, long v) {
        return List.of(new Bound(op, BigDecimal.valueOf(v)));
    }

    /** One operator over the given correlations, chained signals fed back into it. */
    static final class Run implements AutoCloseable {
        final CorrelationEngine engine;
        final CorrelationPlan plan;
        CorrelateHarness h;
        int seq;
        int seen;

        Run(CorrelationRule... correlations) throws Exception {
            engine = CorrelationEngine.compile(new RuleSet(List.of(), List.of(correlations)));
            assertThat(engine.errors()).isEmpty();
            plan = engine.plan(correlations[correlations.length - 1].id());
            h = harness(engine);
            h.open();
            h.processWatermark(new Watermark(-1000 * MIN));
        }

        static CorrelateHarness harness(CorrelationEngine engine) throws Exception {
            return Harnesses.correlate(new CorrelateFunction(engine));
        }

        /** Feeds a signal of rule {@code rule} of {@code planId}; returns what fired on this arrival. */
        List<Fired> at(String planId, int rule, double minutes, String value) throws Exception {
            CorrelationPlan p = engine.plan(planId);
            long t = (long) (minutes * MIN);
            Evidence ev = new Evidence(
                    p.inputs().get(rule), "e" + seq++, t, "Name" + rule, "svc.amazonaws.com", "us-east-1", Map.of());
            SignalRecord r = SignalRecord.of(
                    p, new Signal(rule, p.inputs().get(rule), t, GROUP, value, List.of(ev)), engine.stageOf(p.id()));
            h.processElement(new StreamRecord<>(r, t));
            feedChained();
            return newlyFired();
        }

        List<Fired> at(int rule, double minutes) throws Exception {
            return at(plan.id(), rule, minutes, null);
        }

        List<Fired> at(int rule, double minutes, String value) throws Exception {
            return at(plan.id(), rule, minutes, value);
        }

        List<Fired> watermark(double minutes) throws Exception {
            h.processWatermark(new Watermark((long) (minutes * MIN)));
            feedChained();
            return newlyFired();
        }

        private void feedChained() throws Exception {
            var chained = h.getSideOutput(CorrelateFunction.CHAINED_SIGNALS);
            if (chained == null) {
                return;
            }
            List<StreamRecord<SignalRecord>> records = new ArrayList<>(chained);
            chained.clear();
            for (StreamRecord<SignalRecord> r : records) {
                h.processElement(new StreamRecord<>(r.getValue(), r.getValue().time));
            }
        }

        private List<Fired> newlyFired() {
            List<Fired> all =
                    h.extractOutputValues().stream().map(FiredRecord::fired).toList();
            List<Fired> out = all.subList(seen, all.size());
            seen = all.size();
            return List.copyOf(out);
        }

        /** Snapshots, closes, and continues in a new operator restored from the snapshot. */
        void restart() throws Exception {
            OperatorSubtaskState snapshot = h.snapshot(1L, 1L);
            h.close();
            h = harness(engine);
            h.setup();
            h.initializeState(snapshot);
            h.open();
            seen = 0;
        }

        void assertEmpty() {
            assertThat(h.numKeyedStateEntries()).as("keyed state entries").isZero();
            assertThat(h.numEventTimeTimers()).as("event-time timers").isZero();
        }

        @Override
        public void close() throws Exception {
            h.close();
        }
    }

    @Test
    void eventCountGteFiresOnArrivalLtAtClose() throws Exception {
        try (Run r = new Run(rule("c", Type.EVENT_COUNT, List.of("a"), bound(CompareOp.GTE, 3), List.of(), null))) {
            assertThat(r.at(0, 0)).isEmpty();
            assertThat(r.at(0, 50)).isEmpty();
            assertThat(r.at(0, 70)).as("0 and 70 are not in one window").isEmpty();
            assertThat(r.at(0, 20))
                    .as("the arrival completes the window anchored at 0")
                    .singleElement()
                    .satisfies(f -> assertThat(f.value()).isEqualByComparingTo("3"));
            assertThat(r.watermark(10_000)).isEmpty();
            r.assertEmpty();
        }
        try (Run r = new Run(rule("c", Type.EVENT_COUNT, List.of("a"), bound(CompareOp.LT, 4), List.of(), null))) {
            assertThat(r.at(0, 0)).isEmpty();
            assertThat(r.at(0, 10)).isEmpty();
            assertThat(r.at(0, 10)).as("same instant: one slot, counted twice").isEmpty();
            r.restart();
            assertThat(r.watermark(59)).isEmpty();
            assertThat(r.watermark(60)).singleElement().satisfies(f -> {
                assertThat(f.value()).isEqualByComparingTo("3");
                assertThat(f.evidence()).hasSize(3);
            });
            r.watermark(10_000);
            r.assertEmpty();
        }
    }

    @Test
    void valueCountFiresOnTheArrivalOfTheDistinctValueThatProvesIt() throws Exception {
        try (Run r = new Run(rule("c", Type.VALUE_COUNT, List.of("a"), bound(CompareOp.GTE, 3), List.of("f"), null))) {
            r.at(0, 0, "x");
            r.at(0, 1, "x");
            r.at(0, 2, "y");
            r.restart();
            assertThat(r.at(0, 2, "y")).isEmpty();
            assertThat(r.at(0, 3, "z")).singleElement().satisfies(f -> {
                assertThat(f.value()).isEqualByComparingTo("3");
                assertThat(f.count()).isEqualTo(5);
            });
            r.watermark(10_000);
            r.assertEmpty();
        }
    }

    @Test
    void valueSumFiresOnArrivalAverageAndPercentilesAtClose() throws Exception {
        try (Run r = new Run(rule("c", Type.VALUE_SUM, List.of("a"), bound(CompareOp.GT, 100), List.of("n"), null))) {
            assertThat(r.at(0, 0, "60")).isEmpty();
            assertThat(r.at(0, 1, "41"))
                    .singleElement()
                    .satisfies(f -> assertThat(f.value()).isEqualByComparingTo("101"));
            r.watermark(10_000);
            r.assertEmpty();
        }
        try (Run r = new Run(rule("c", Type.VALUE_AVG, List.of("a"), bound(CompareOp.GT, 10), List.of("n"), null))) {
            assertThat(r.at(0, 0, "30")).as("an average can still fall").isEmpty();
            assertThat(r.at(0, 5, "0")).isEmpty();
            r.restart();
            assertThat(r.watermark(59)).isEmpty();
            assertThat(r.watermark(60))
                    .singleElement()
                    .satisfies(f -> assertThat(f.value()).isEqualByComparingTo("15"));
            r.watermark(10_000);
            r.assertEmpty();
        }
        try (Run r =
                new Run(rule("c", Type.VALUE_PERCENTILE, List.of("a"), bound(CompareOp.GTE, 91), List.of("n"), 90.0))) {
            for (int i = 1; i <= 11; i++) {
                assertThat(r.at(0, i, String.valueOf(i * 10))).isEmpty();
            }
            assertThat(r.watermark(61))
                    .singleElement()
                    .satisfies(f -> assertThat(f.value()).isEqualByComparingTo("100"));
            r.watermark(10_000);
            r.assertEmpty();
        }
        try (Run r = new Run(rule("c", Type.VALUE_MEDIAN, List.of("a"), bound(CompareOp.EQ, 25), List.of("n"), 50.0))) {
            r.at(0, 0, "10");
            r.at(0, 1, "40");
            r.at(0, 2, "20");
            r.at(0, 3, "30");
            assertThat(r.watermark(60))
                    .singleElement()
                    .satisfies(f -> assertThat(f.value()).isEqualByComparingTo("25"));
            r.watermark(10_000);
            r.assertEmpty();
        }
    }

    @Test
    void temporalFiresOnTheArrivalThatCompletesTheSetInAnyOrder() throws Exception {
        try (Run r = new Run(rule("t", Type.TEMPORAL, List.of("a", "b", "c"), List.of(), List.of(), null))) {
            assertThat(r.at(2, 0)).isEmpty();
            assertThat(r.at(0, 5)).isEmpty();
            r.restart();
            assertThat(r.at(1, 1))
                    .singleElement()
                    .satisfies(f -> assertThat(f.evidence())
                            .extracting(Evidence::ruleId)
                            .containsExactly("c", "b", "a"));
            r.watermark(10_000);
            r.assertEmpty();
        }
    }

    @Test
    void temporalOrderedFiresOnArrivalInOrOutOfOrderAndNeverForReverseOrder() throws Exception {
        CorrelationRule ordered = rule("c", Type.TEMPORAL_ORDERED, List.of("a", "b"), List.of(), List.of(), null);
        try (Run r = new Run(ordered)) {
            assertThat(r.at(0, 0)).isEmpty();
            r.restart();
            assertThat(r.at(1, 10)).as("in order").hasSize(1);
            assertThat(r.at(1, 40)).isEmpty();
            assertThat(r.at(0, 30))
                    .as("out of order, on the arrival of the first step")
                    .hasSize(1);
            assertThat(r.at(0, 35)).isEmpty();
            assertThat(r.at(1, 36)).hasSize(1);
            r.watermark(10_000);
            r.assertEmpty();
        }
        try (Run r = new Run(ordered)) {
            r.at(0, 10);
            r.at(1, 0);
            assertThat(r.watermark(10_000)).as("reverse event-time order").isEmpty();
            r.assertEmpty();
        }
    }

    @Test
    void aLaterStepWithoutPartnerGoesOnceTheWatermarkPassesIt() throws Exception {
        try (Run r = new Run(rule("c", Type.TEMPORAL_ORDERED, List.of("a", "b"), List.of(), List.of(), null))) {
            r.at(1, 10);
            r.at(1, 10);
            assertThat(r.h.numEventTimeTimers()).isEqualTo(1);
            r.watermark(9.9);
            assertThat(r.h.numKeyedStateEntries())
                    .as("an earlier first step can still come")
                    .isPositive();
            r.watermark(10);
            r.assertEmpty(); // long before the window's end at 70
            r.at(0, 5);
            assertThat(r.watermark(10_000)).isEmpty();
            assertThat(r.h.getSideOutput(CorrelateFunction.LATE))
                    .as("the first step came too late")
                    .hasSize(1);
        }
    }

    @Test
    void aChainedCorrelationFiresFromItsInnerFiring() throws Exception {
        CorrelationRule inner = new CorrelationRule(
                "inner",
                "inner",
                "inner",
                null,
                Level.HIGH,
                List.of(),
                List.of(),
                Type.EVENT_COUNT,
                List.of("a"),
                List.of("account", "principal"),
                Duration.ofMinutes(60),
                bound(CompareOp.GTE, 2),
                null,
                List.of(),
                null,
                Map.of(),
                false,
                null,
                new SourceLocation("t.yml", 1, 1));
        CorrelationRule outer = rule("outer", Type.TEMPORAL_ORDERED, List.of("inner", "b"), List.of(), List.of(), null);
        try (Run r = new Run(inner, outer)) {
            assertThat(r.at("inner", 0, 0, null)).isEmpty();
            assertThat(r.at("inner", 0, 3, null))
                    .as("the inner correlation fires signal-only: only its outer correlation hears of it")
                    .isEmpty();
            r.restart();
            assertThat(r.at("outer", 1, 10, null)).singleElement().satisfies(f -> {
                assertThat(f.correlationId()).isEqualTo("outer");
                assertThat(f.firstSeen()).as("the inner last_seen").isEqualTo(3 * MIN);
                assertThat(f.evidence()).hasSize(3);
            });
            r.watermark(10_000);
            r.assertEmpty();
        }
    }
}
