package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.CorrelationRule.Bound;
import dev.tripline.rule.CorrelationRule.CompareOp;
import dev.tripline.rule.CorrelationRule.Type;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A hot group: one principal sends 1,000,000 signals inside one window. What the group keeps is bounded by the
 * distinct instants (CloudTrail has one-second resolution), not by the signals, and the results are those of
 * keeping every signal.
 */
class HotGroupTest {
    private static final long SECOND = 1000;
    private static final long MIN = 60 * SECOND;
    private static final int SIGNALS = 1_000_000;
    /** The job's out-of-orderness bound: the watermark trails the latest event time by this much. */
    private static final long OUT_OF_ORDERNESS = 15 * MIN;

    private static final List<String> G = List.of("123456789012", "ci-role");

    /** Signal i of {@code n}, spread evenly over the hour at one-second resolution. */
    private static long timeOf(int i) {
        return (long) i * 3600 / SIGNALS * SECOND;
    }

    private static Signal signal(int rule, long time, String value) {
        Evidence ev = new Evidence(
                "r" + rule,
                "event-" + time,
                time,
                "RunInstances",
                "ec2.amazonaws.com",
                "us-east-1",
                Map.of("userAgent", "terraform/1.7"));
        return new Signal(rule, "r" + rule, time, G, value, List.of(ev));
    }

    /** Drives {@code n} signals made by {@code make}, the watermark trailing; returns the most slots held. */
    private static long drive(
            MapCorrelator c, CorrelationPlan plan, java.util.function.IntFunction<Signal> make, List<Fired> fired) {
        long maxSlots = 0;
        long maxTime = Long.MIN_VALUE;
        for (int i = 0; i < SIGNALS; i++) {
            Signal s = make.apply(i);
            fired.addAll(c.onSignal(plan, s));
            maxTime = Math.max(maxTime, s.time());
            if (i % 10_000 == 0) {
                fired.addAll(c.advanceWatermark(maxTime - OUT_OF_ORDERNESS));
                maxSlots = Math.max(maxSlots, c.slots());
            }
        }
        return maxSlots;
    }

    @Test
    void orderedFollowUpsWithoutAPartnerFoldPerInstantAndGoOnceTheWatermarkPassesThem() {
        CorrelationPlan plan = plan(Type.TEMPORAL_ORDERED, 2, List.of(), List.of());
        MapCorrelator c = new MapCorrelator(engineOf(plan));
        List<Fired> fired = new java.util.ArrayList<>(c.onSignal(plan, signal(0, 0, null)));
        long maxSlots = drive(c, plan, i -> signal(1, timeOf(i), null), fired);
        assertThat(fired)
                .as("the first follow-up completes the sequence; the rest find no EnableRegion")
                .hasSize(1);
        // The match consumed the slot of second 0; the next follow-up of that second opens it again.
        assertThat(c.folded())
                .as("all but the first follow-up of each second are folded")
                .isEqualTo(SIGNALS - 3600 - 1);
        assertThat(maxSlots)
                .as("only the follow-ups the watermark has not passed: 15 minutes of seconds")
                .isLessThanOrEqualTo(15 * 60 + 60);
        assertThat(c.evicted()).isZero();
        c.advanceWatermark(Long.MAX_VALUE / 2);
        assertThat(c.openStates()).isZero();
    }

    @Test
    void aLateEnableRegionStillPairsWithTheEarliestFollowUp() {
        CorrelationPlan plan = plan(Type.TEMPORAL_ORDERED, 2, List.of(), List.of());
        MapCorrelator c = new MapCorrelator(engineOf(plan));
        for (int i = 0; i < 100_000; i++) {
            c.onSignal(plan, signal(1, 10 * SECOND + i / 1000 * SECOND, null));
        }
        assertThat(c.slots()).isEqualTo(100);
        List<Fired> fired = c.onSignal(plan, signal(0, 5 * SECOND, null));
        assertThat(fired).singleElement().satisfies(f -> {
            assertThat(f.firstSeen()).isEqualTo(5 * SECOND);
            assertThat(f.lastSeen()).as("greedy earliest match").isEqualTo(10 * SECOND);
            assertThat(f.evidence()).extracting(Evidence::eventId).containsExactly("event-5000", "event-10000");
        });
        assertThat(c.slots())
                .as("the match consumed the follow-ups of its range only")
                .isEqualTo(99);
    }

    @Test
    void eventCountKeepsOneSlotPerInstantAndCountsEverySignal() {
        CorrelationPlan plan =
                plan(Type.EVENT_COUNT, 1, List.of(new Bound(CompareOp.LT, BigDecimal.valueOf(2 * SIGNALS))), List.of());
        MapCorrelator c = new MapCorrelator(engineOf(plan));
        List<Fired> fired = new java.util.ArrayList<>();
        long maxSlots = drive(c, plan, i -> signal(0, timeOf(i), null), fired);
        assertThat(maxSlots).isLessThanOrEqualTo(3600);
        assertThat(c.evicted()).isZero();
        fired.addAll(c.advanceWatermark(Long.MAX_VALUE / 2));
        assertThat(fired)
                .as("the window anchored at the first second holds every signal")
                .first()
                .satisfies(f -> {
                    assertThat(f.value()).isEqualByComparingTo(BigDecimal.valueOf(SIGNALS));
                    assertThat(f.count()).isEqualTo(SIGNALS);
                    assertThat(f.evidence()).hasSize(20);
                });
        assertThat(c.openStates()).isZero();
    }

    @Test
    void valueCountAndSumKeepOneSlotPerInstantAndValue() {
        CorrelationPlan distinct =
                plan(Type.VALUE_COUNT, 1, List.of(new Bound(CompareOp.GTE, BigDecimal.valueOf(3))), List.of("f"));
        MapCorrelator c = new MapCorrelator(engineOf(distinct));
        List<Fired> fired = new java.util.ArrayList<>();
        long maxSlots = drive(c, distinct, i -> signal(0, timeOf(i), "v" + i % 2), fired);
        assertThat(fired).as("two distinct values never reach three").isEmpty();
        assertThat(maxSlots).isLessThanOrEqualTo(2 * 3600);
        assertThat(c.evicted()).isZero();
        assertThat(c.onSignal(distinct, signal(0, timeOf(SIGNALS - 1), "v2")))
                .as("the third value")
                .singleElement()
                .satisfies(f -> assertThat(f.value()).isEqualByComparingTo("3"));

        CorrelationPlan sum = plan(
                Type.VALUE_SUM, 1, List.of(new Bound(CompareOp.GT, BigDecimal.valueOf(3 * SIGNALS))), List.of("bytes"));
        MapCorrelator s = new MapCorrelator(engineOf(sum));
        List<Fired> sums = new java.util.ArrayList<>();
        drive(s, sum, i -> signal(0, 0, String.valueOf(i % 5 + 1)), sums);
        assertThat(sums)
                .as("1 + 2 + ... + 5 over a million signals: 3,000,000, not more")
                .isEmpty();
        assertThat(s.slots()).as("one instant, five values").isEqualTo(5);
        assertThat(s.onSignal(sum, signal(0, 0, "1")))
                .singleElement()
                .satisfies(f -> assertThat(f.value()).isEqualByComparingTo(BigDecimal.valueOf(3 * SIGNALS + 1)));
    }

    @Test
    // A slot left behind at the cut would re-arm its timer at the watermark for ever: fail instead of hanging.
    @org.junit.jupiter.api.Timeout(value = 30, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aWatermarkThatPassesManyInstantsAtOnceClosesExactlyTheWindowsThatEnded() {
        CorrelationPlan plan = plan(Type.TEMPORAL, 2, List.of(), List.of());
        MapCorrelator c = new MapCorrelator(engineOf(plan));
        for (int minute = 0; minute < 180; minute++) {
            assertThat(c.onSignal(plan, signal(0, minute * MIN, null))).isEmpty();
        }
        assertThat(c.slots()).isEqualTo(180);
        // One jump of two hours: the windows anchored at minutes 0..60 end at or before it (60 included), the
        // rest are still open.
        assertThat(c.advanceWatermark(120 * MIN)).isEmpty();
        CorrelationState index = c.group(plan.id(), G).index();
        assertThat(index.size()).isEqualTo(119);
        assertThat(index.oldestSignalTime()).isEqualTo(61 * MIN);
        assertThat(c.slots()).as("each closed slot's evidence went with it").isEqualTo(119);
        assertThat(c.onSignal(plan, signal(1, 150 * MIN, null)))
                .singleElement()
                .satisfies(f -> assertThat(f.firstSeen()).isEqualTo(90 * MIN));
        c.advanceWatermark(Long.MAX_VALUE);
        assertThat(c.openStates()).isZero();
    }

    static CorrelationPlan plan(Type type, int rules, List<Bound> bounds, List<String> fields) {
        CorrelationRule r = CorrelationPlanTest.rule(type, rules, bounds, null, fields, null);
        return CorrelationPlan.compile(
                r, new dev.tripline.rule.RuleSet(List.of(), List.of()), CorrelationPlan.Options.defaults(), true);
    }

    static CorrelationEngine engineOf(CorrelationPlan plan) {
        return CorrelationEngine.compile(new dev.tripline.rule.RuleSet(List.of(), List.of(plan.rule())));
    }
}
