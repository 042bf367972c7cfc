package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.Test;

/** Semantics of every correlation type, driven directly through step/expire with explicit event time. */
class CorrelationPlanTest {
    private static final long MIN = 60_000;
    private static final List<String> G = List.of("123456789012", "mallory");

    /** Drives one group of one plan and records everything it fired. */
    private static final class Group {
        final CorrelationPlan plan;
        MapGroupState g = new MapGroupState(G);
        CorrelationState state;
        long nextTimer = Long.MAX_VALUE;
        final List<Fired> fired = new ArrayList<>();
        int seq;

        Group(CorrelationPlan plan) {
            this.plan = plan;
        }

        /** Feeds a signal; returns how many correlations this arrival fired. */
        int at(int rule, double minutes) {
            return at(rule, minutes, null);
        }

        int at(int rule, double minutes, String value) {
            long t = (long) (minutes * MIN);
            Evidence ev = new Evidence(
                    "r" + rule, "e" + (seq++), t, "Name" + rule, "svc.amazonaws.com", "us-east-1", Map.of());
            return apply(plan.step(g, new Signal(rule, "r" + rule, t, G, value, List.of(ev))));
        }

        int watermark(double minutes) {
            return apply(plan.expire(g, (long) (minutes * MIN)));
        }

        /** Replaces the state by its byte-form copy, as a snapshot and restore would. */
        void roundTrip() {
            g = g.roundTrip();
            state = g.index();
        }

        private int apply(StepResult r) {
            state = g.index();
            if (r.nextTimer() != StepResult.KEEP_TIMER) {
                nextTimer = r.nextTimer();
            }
            if (state == null) {
                assertThat(g.slotEntries()).as("no slot outlives the index").isZero();
            } else {
                assertThat(g.slotEntries()).as("open slots keep their evidence").isEqualTo((int)
                        state.slots().stream().filter(x -> !x.closed).count());
            }
            fired.addAll(r.fired());
            return r.fired().size();
        }
    }

    static CorrelationRule rule(
            Type type, int rules, List<Bound> bounds, String condition, List<String> fields, Double percentile) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < rules; i++) {
            ids.add("r" + i);
        }
        return new CorrelationRule(
                "c1",
                "c1",
                "test correlation",
                null,
                Level.HIGH,
                List.of(),
                List.of(),
                type,
                ids,
                List.of("account", "principal"),
                Duration.ofMinutes(60),
                bounds,
                condition,
                fields,
                percentile,
                Map.of(),
                false,
                null,
                new SourceLocation("t.yml", 1, 1));
    }

    static Group group(CorrelationRule r) {
        return new Group(CorrelationPlan.compile(
                r, new RuleSet(List.of(), List.of()), CorrelationPlan.Options.defaults(), true));
    }

    static Group ordered(int rules) {
        return group(rule(Type.TEMPORAL_ORDERED, rules, List.of(), null, List.of(), null));
    }

    static List<Bound> bound(CompareOp op, long v) {
        return List.of(new Bound(op, BigDecimal.valueOf(v)));
    }

    // ---- temporal_ordered ----

    @Test
    void orderedFiresOnTheArrivalThatCompletesTheSequence() {
        Group g = ordered(2);
        assertThat(g.at(0, 0)).isZero();
        assertThat(g.nextTimer).isEqualTo(60 * MIN);
        assertThat(g.at(1, 10)).isEqualTo(1);
        Fired f = g.fired.get(0);
        assertThat(f.firstSeen()).isZero();
        assertThat(f.lastSeen()).isEqualTo(10 * MIN);
        assertThat(f.count()).isEqualTo(2);
        assertThat(f.group()).containsExactly(Map.entry("account", "123456789012"), Map.entry("principal", "mallory"));
        assertThat(f.evidence()).extracting(Evidence::ruleId).containsExactly("r0", "r1");
        assertThat(g.state).as("the match consumed everything").isNull();
        assertThat(g.nextTimer).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void orderedFiresWhenTheEventsArriveOutOfOrder() {
        Group g = ordered(2);
        assertThat(g.at(1, 10)).isZero();
        assertThat(g.at(0, 0))
                .as("fires on arrival of the late first step, not at the watermark")
                .isEqualTo(1);
        assertThat(g.fired.get(0).evidence()).extracting(Evidence::ruleId).containsExactly("r0", "r1");
        assertThat(g.state).isNull();
    }

    @Test
    void reverseEventTimeOrderNeverFires() {
        Group g = ordered(2);
        g.at(0, 10);
        g.at(1, 0);
        g.watermark(1000);
        assertThat(g.fired).isEmpty();
        assertThat(g.state).as("expiry empties the state").isNull();
    }

    @Test
    void partialOrderAcbDoesNotFireUntilAnInOrderCompletionArrives() {
        Group g = ordered(3);
        g.at(0, 0);
        g.at(2, 5);
        g.at(1, 10);
        assertThat(g.fired).as("A -> C -> B is not A -> B -> C").isEmpty();
        assertThat(g.at(2, 15)).isEqualTo(1);
        assertThat(g.fired.get(0).evidence())
                .extracting(Evidence::eventTimeMillis)
                .containsExactly(0L, 10 * MIN, 15 * MIN);
        g.watermark(1000);
        assertThat(g.state).isNull();
    }

    @Test
    void equalTimestampsCountAsInOrder() {
        Group g = ordered(2);
        g.at(1, 5);
        assertThat(g.at(0, 5)).isEqualTo(1);
    }

    @Test
    void eventsFurtherApartThanTheTimespanDoNotCorrelate() {
        Group g = ordered(2);
        g.at(0, 0);
        g.at(1, 60.5);
        assertThat(g.fired).isEmpty();
        Group edge = ordered(2);
        edge.at(0, 0);
        assertThat(edge.at(1, 60)).as("the window end is inclusive").isEqualTo(1);
    }

    @Test
    void afterAFireRepeatedFollowUpsDoNotFireAgain() {
        Group g = ordered(2);
        g.at(0, 0);
        g.at(1, 1);
        g.at(1, 2);
        g.at(1, 3);
        g.watermark(1000);
        assertThat(g.fired).hasSize(1);
        assertThat(g.state).isNull();
    }

    @Test
    void aLaterFirstStepStartsANewMatch() {
        Group g = ordered(2);
        g.at(0, 0);
        g.at(1, 1);
        g.at(0, 120);
        g.at(1, 121);
        assertThat(g.fired).hasSize(2);
    }

    @Test
    void expiryDropsSignalsWhoseWindowClosedAndKeepsOpenOnes() {
        Group g = ordered(2);
        g.at(0, 0);
        g.at(0, 30);
        g.watermark(59);
        assertThat(g.state.size()).isEqualTo(2);
        g.watermark(60);
        assertThat(g.state.size()).isEqualTo(1);
        assertThat(g.nextTimer).isEqualTo(90 * MIN);
        g.watermark(90);
        assertThat(g.state).isNull();
        assertThat(g.nextTimer).isEqualTo(Long.MAX_VALUE);
    }

    // ---- temporal ----

    @Test
    void temporalFiresInAnyOrderButNeedsEveryRule() {
        Group g = group(rule(Type.TEMPORAL, 3, List.of(), null, List.of(), null));
        g.at(2, 0);
        g.at(0, 5);
        assertThat(g.fired).isEmpty();
        assertThat(g.at(1, 1)).isEqualTo(1);
        Group far = group(rule(Type.TEMPORAL, 2, List.of(), null, List.of(), null));
        far.at(1, 0);
        far.at(0, 61);
        assertThat(far.fired).isEmpty();
    }

    @Test
    void temporalMapConditionCountsDistinctRules() {
        Group g = group(rule(Type.TEMPORAL, 3, bound(CompareOp.GTE, 2), null, List.of(), null));
        g.at(1, 0);
        g.at(1, 1);
        assertThat(g.fired).as("the same rule twice is one rule").isEmpty();
        assertThat(g.at(2, 2)).isEqualTo(1);
        assertThat(g.fired.get(0).value()).isEqualByComparingTo("2");
    }

    @Test
    void extendedConditionWithNotIsDecidedWhenTheWindowCloses() {
        CorrelationRule r = rule(Type.TEMPORAL, 3, List.of(), "r0 and (r1 or r2) and not r2", List.of(), null);
        Group g = group(r);
        assertThat(g.at(0, 0)).isZero();
        assertThat(g.at(1, 5)).as("a `not` term is never proven on arrival").isZero();
        assertThat(g.watermark(59.9)).isZero();
        assertThat(g.watermark(60)).isEqualTo(1);
        assertThat(g.fired.get(0).evidence()).extracting(Evidence::ruleId).containsExactly("r0", "r1");
        g.watermark(1000);
        assertThat(g.state).isNull();

        Group vetoed = group(r);
        vetoed.at(0, 0);
        vetoed.at(1, 5);
        vetoed.at(2, 30);
        vetoed.watermark(1000);
        assertThat(vetoed.fired).isEmpty();
        assertThat(vetoed.state).isNull();

        Group vetoedBefore = group(r);
        vetoedBefore.at(2, 0);
        vetoedBefore.at(0, 10);
        vetoedBefore.at(1, 11);
        vetoedBefore.watermark(1000);
        assertThat(vetoedBefore.fired)
                .as("`not` looks one timespan back from the anchor too")
                .isEmpty();
        assertThat(vetoedBefore.state).isNull();
    }

    @Test
    void extendedConditionWithoutNotFiresOnArrival() {
        Group g = group(rule(Type.TEMPORAL_ORDERED, 3, List.of(), "r0 and (r1 or r2)", List.of(), null));
        g.at(2, 3);
        assertThat(g.at(0, 1)).isEqualTo(1);
        assertThat(g.fired.get(0).evidence()).extracting(Evidence::ruleId).containsExactly("r0", "r2");
    }

    @Test
    void extendedConditionNamesMustBeRulesOfTheCorrelation() {
        CorrelationRule r = rule(Type.TEMPORAL, 2, List.of(), "r0 and nope", List.of(), null);
        assertThatThrownBy(() -> group(r))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
    }

    // ---- event_count ----

    @Test
    void eventCountGteFiresOnArrivalInsideOneWindow() {
        Group g = group(rule(Type.EVENT_COUNT, 1, bound(CompareOp.GTE, 3), null, List.of(), null));
        g.at(0, 0);
        g.at(0, 50);
        assertThat(g.at(0, 70)).as("0 and 70 are not in one window").isZero();
        assertThat(g.at(0, 20)).isEqualTo(1);
        assertThat(g.fired.get(0).value()).isEqualByComparingTo("3");
        assertThat(g.fired.get(0).firstSeen()).isZero();
        assertThat(g.fired.get(0).lastSeen()).isEqualTo(50 * MIN);
        g.watermark(1000);
        assertThat(g.fired).hasSize(1);
        assertThat(g.state).isNull();
    }

    @Test
    void eventCountLtFiresOnlyWhenTheWindowCloses() {
        Group g = group(rule(Type.EVENT_COUNT, 1, bound(CompareOp.LT, 3), null, List.of(), null));
        assertThat(g.at(0, 0)).isZero();
        assertThat(g.at(0, 10)).isZero();
        assertThat(g.watermark(59)).isZero();
        assertThat(g.watermark(60)).isEqualTo(1);
        assertThat(g.fired.get(0).value()).isEqualByComparingTo("2");
        assertThat(g.state).isNull();

        Group many = group(rule(Type.EVENT_COUNT, 1, bound(CompareOp.LTE, 2), null, List.of(), null));
        many.at(0, 0);
        many.at(0, 1);
        many.at(0, 2);
        many.watermark(60);
        assertThat(many.fired).as("three in the window anchored at 0").isEmpty();
        many.watermark(61);
        assertThat(many.fired).as("the window anchored at 1 holds two").hasSize(1);
        many.watermark(1000);
        assertThat(many.state).isNull();
    }

    @Test
    void eventCountRangeIsDecidedAtClose() {
        List<Bound> range = List.of(
                new Bound(CompareOp.GTE, BigDecimal.valueOf(2)), new Bound(CompareOp.LT, BigDecimal.valueOf(4)));
        Group g = group(rule(Type.EVENT_COUNT, 1, range, null, List.of(), null));
        g.at(0, 0);
        g.at(0, 1);
        assertThat(g.fired).isEmpty();
        g.watermark(60);
        assertThat(g.fired).hasSize(1);
    }

    // ---- value_count ----

    @Test
    void valueCountCountsDistinctValues() {
        Group g = group(rule(Type.VALUE_COUNT, 1, bound(CompareOp.GTE, 3), null, List.of("f"), null));
        g.at(0, 0, "a");
        g.at(0, 1, "a");
        g.at(0, 2, "b");
        assertThat(g.fired).isEmpty();
        assertThat(g.at(0, 3, "c")).isEqualTo(1);
        assertThat(g.fired.get(0).value()).isEqualByComparingTo("3");
        assertThat(g.fired.get(0).count()).isEqualTo(4);
    }

    @Test
    void valueCountLtWaitsForTheClose() {
        Group g = group(rule(Type.VALUE_COUNT, 1, bound(CompareOp.LT, 2), null, List.of("f"), null));
        g.at(0, 0, "a");
        g.at(0, 1, "a");
        assertThat(g.fired).isEmpty();
        g.watermark(60);
        assertThat(g.fired).hasSize(1);
    }

    // ---- value_sum / avg / percentile / median ----

    @Test
    void valueSumFiresOnArrivalWhileNumbersAreNonNegative() {
        Group g = group(rule(Type.VALUE_SUM, 1, bound(CompareOp.GT, 100), null, List.of("bytes"), null));
        g.at(0, 0, "60");
        assertThat(g.at(0, 1, "41")).isEqualTo(1);
        assertThat(g.fired.get(0).value()).isEqualByComparingTo("101");

        Group negative = group(rule(Type.VALUE_SUM, 1, bound(CompareOp.GT, 100), null, List.of("bytes"), null));
        negative.at(0, 0, "-10");
        negative.at(0, 0, "200");
        assertThat(negative.fired)
                .as("a negative number could still be outweighed")
                .isEmpty();
        negative.watermark(60);
        assertThat(negative.fired).hasSize(1);

        Group low = group(rule(Type.VALUE_SUM, 1, bound(CompareOp.GT, 100), null, List.of("bytes"), null));
        low.at(0, 0, "50");
        low.at(0, 70, "60");
        low.watermark(1000);
        assertThat(low.fired).isEmpty();
        assertThat(low.state).isNull();
    }

    @Test
    void valueAvgIsDecidedAtCloseOnly() {
        Group g = group(rule(Type.VALUE_AVG, 1, bound(CompareOp.GT, 10), null, List.of("n"), null));
        g.at(0, 0, "30");
        assertThat(g.fired).as("an average can still fall").isEmpty();
        g.at(0, 5, "0");
        g.watermark(60);
        assertThat(g.fired).hasSize(1);
        assertThat(g.fired.get(0).value()).isEqualByComparingTo("15");

        Group low = group(rule(Type.VALUE_AVG, 1, bound(CompareOp.GT, 10), null, List.of("n"), null));
        low.at(0, 0, "30");
        low.at(0, 5, "0");
        low.at(0, 6, "0");
        low.watermark(1000);
        assertThat(low.fired)
                .as("the window anchored at 0 averages 10; the others lower")
                .isEmpty();
        assertThat(low.state).isNull();
    }

    @Test
    void valuePercentileAndMedianInterpolate() {
        Group p = group(rule(Type.VALUE_PERCENTILE, 1, bound(CompareOp.GTE, 91), null, List.of("n"), 90.0));
        for (int i = 1; i <= 11; i++) {
            p.at(0, i, String.valueOf(i * 10));
        }
        p.watermark(61);
        assertThat(p.fired).hasSize(1);
        assertThat(p.fired.get(0).value()).isEqualByComparingTo("100");

        Group m = group(rule(Type.VALUE_MEDIAN, 1, bound(CompareOp.EQ, 25), null, List.of("n"), 50.0));
        m.at(0, 0, "10");
        m.at(0, 1, "40");
        m.at(0, 2, "20");
        m.at(0, 3, "30");
        m.watermark(60);
        assertThat(m.fired).hasSize(1);
        assertThat(m.fired.get(0).value()).isEqualByComparingTo("25");

        Group none = group(rule(Type.VALUE_MEDIAN, 1, bound(CompareOp.GT, 100), null, List.of("n"), 50.0));
        none.at(0, 0, "10");
        none.at(0, 1, "90");
        none.at(0, 2, "20");
        none.watermark(1000);
        assertThat(none.fired).isEmpty();
        assertThat(none.state).isNull();
    }

    @Test
    void percentileHelperMatchesLinearInterpolation() {
        BigDecimal[] v = {BigDecimal.ONE, BigDecimal.valueOf(2), BigDecimal.valueOf(3), BigDecimal.valueOf(4)};
        assertThat(CorrelationPlan.percentile(v, 50)).isEqualByComparingTo("2.5");
        assertThat(CorrelationPlan.percentile(v, 0)).isEqualByComparingTo("1");
        assertThat(CorrelationPlan.percentile(v, 100)).isEqualByComparingTo("4");
    }

    // ---- limits and encoding ----

    @Test
    void perRuleLimitEvictsTheOldestSignalsOfThatRule() {
        CorrelationPlan plan = CorrelationPlan.compile(
                rule(Type.TEMPORAL_ORDERED, 2, List.of(), null, List.of(), null),
                new RuleSet(List.of(), List.of()),
                new CorrelationPlan.Options(3, 20),
                true);
        MapGroupState g = new MapGroupState(G);
        int evicted = 0;
        for (int i = 0; i < 5; i++) {
            StepResult r = plan.step(g, new Signal(1, "r1", i * MIN, G, null, List.of()));
            evicted += r.evicted();
        }
        assertThat(evicted).isEqualTo(2);
        assertThat(g.index().size()).isEqualTo(3);
        assertThat(g.slotEntries())
                .as("evicted slots take their evidence with them")
                .isEqualTo(3);
    }

    @Test
    void perRuleLimitLeavesTheSlotsOfOtherRulesInBetween() {
        CorrelationPlan plan = CorrelationPlan.compile(
                rule(Type.TEMPORAL_ORDERED, 3, List.of(), null, List.of(), null),
                new RuleSet(List.of(), List.of()),
                new CorrelationPlan.Options(3, 20),
                true);
        MapGroupState g = new MapGroupState(G);
        int evicted = 0;
        for (int i = 0; i < 5; i++) { // steps 2 and 3 alternate; step 1 never comes, so nothing fires
            evicted += plan.step(g, new Signal(1, "r1", 2 * i * MIN, G, null, List.of()))
                    .evicted();
            evicted += plan.step(g, new Signal(2, "r2", (2 * i + 1) * MIN, G, null, List.of()))
                    .evicted();
        }
        assertThat(evicted).isEqualTo(4);
        assertThat(g.index().slots())
                .extracting(s -> s.rule + "@" + s.time / MIN)
                .containsExactly("1@4", "2@5", "1@6", "2@7", "1@8", "2@9");
        assertThat(g.slotEntries()).isEqualTo(6);
    }

    @Test
    void orderedFollowUpsWithoutAFirstStepAreDueAtTheirOwnTime() {
        CorrelationPlan plan = CorrelationPlan.compile(
                rule(Type.TEMPORAL_ORDERED, 2, List.of(), null, List.of(), null),
                new RuleSet(List.of(), List.of()),
                CorrelationPlan.Options.defaults(),
                true);
        MapGroupState g = new MapGroupState(G);
        assertThat(plan.step(g, new Signal(1, "r1", 10 * MIN, G, null, List.of()))
                        .nextTimer())
                .as("a follow-up with nothing before it goes once the watermark passes it")
                .isEqualTo(10 * MIN);
        assertThat(plan.step(g, new Signal(1, "r1", 20 * MIN, G, null, List.of()))
                        .nextTimer())
                .isEqualTo(10 * MIN);
        plan.expire(g, 15 * MIN);
        assertThat(g.index().slots()).extracting(s -> s.time / MIN).containsExactly(20L);
        assertThat(plan.step(g, new Signal(0, "r0", 5 * MIN, G, null, List.of()))
                        .fired())
                .singleElement()
                .satisfies(f -> assertThat(f.lastSeen())
                        .as("the follow-up at 10 went when the watermark passed it")
                        .isEqualTo(20 * MIN));
    }

    @Test
    void aSlotsEvidenceIsPutAndRemovedUnderOneBoxedId() {
        // Heap state's evidence map finds a removed slot's entry by identity only if the id given at the removal is
        // the object given at the put; ids past 127 are not the JDK's shared boxes, so equal is not enough here.
        CorrelationPlan plan = ordered(2).plan;
        MapGroupState map = new MapGroupState(G);
        java.util.Map<Long, Long> put = new java.util.HashMap<>();
        List<Long> removed = new ArrayList<>();
        GroupState g = new GroupState() {
            public List<String> group() {
                return map.group();
            }

            public CorrelationState index() {
                return map.index();
            }

            public void index(CorrelationState index) {
                map.index(index);
            }

            public byte[] evidence(Long slot) {
                return map.evidence(slot);
            }

            public void evidence(Long slot, byte[] packed) {
                put.put(slot, slot);
                map.evidence(slot, packed);
            }

            public void removeSlot(Long slot) {
                removed.add(slot);
                map.removeSlot(slot);
            }

            public long timer() {
                return map.timer();
            }

            public void timer(long time) {
                map.timer(time);
            }
        };
        for (int i = 0; i < 300; i++) {
            plan.step(g, new Signal(1, "r1", i * MIN, G, null, List.of()));
        }
        plan.expire(g, 150 * MIN);
        assertThat(removed).hasSize(151).allSatisfy(id -> assertThat(id).isSameAs(put.get(id)));
        assertThat(removed.get(150)).isEqualTo(150L);
        assertThat(map.slotEntries()).isEqualTo(149);
    }

    @Test
    void aFirstStepAtTheFollowUpsInstantPartnersIt() {
        CorrelationPlan plan = CorrelationPlan.compile(
                rule(Type.TEMPORAL_ORDERED, 3, List.of(), null, List.of(), null),
                new RuleSet(List.of(), List.of()),
                CorrelationPlan.Options.defaults(),
                true);
        MapGroupState g = new MapGroupState(G);
        plan.step(g, new Signal(1, "r1", 30 * MIN, G, null, List.of()));
        assertThat(plan.step(g, new Signal(0, "r0", 30 * MIN, G, null, List.of()))
                        .nextTimer())
                .as("ties count as in order: both wait for the window's end, 60 minutes on")
                .isEqualTo(90 * MIN);
    }

    @Test
    void stateSurvivesItsByteEncodingMidSequence() {
        Group g = group(rule(Type.TEMPORAL_ORDERED, 3, List.of(), null, List.of(), null));
        g.at(0, 0);
        g.at(2, 20);
        byte[] bytes = g.state.toBytes();
        CorrelationState copy = CorrelationState.fromBytes(bytes);
        assertThat(copy.toBytes()).isEqualTo(bytes);
        g.roundTrip();
        assertThat(g.at(1, 10)).isEqualTo(1);
        assertThat(g.fired.get(0).evidence()).extracting(Evidence::eventId).containsExactly("e0", "e2", "e1");
        assertThatThrownBy(() -> CorrelationState.fromBytes(new byte[] {9}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CorrelationState.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closedNotWitnessesSurviveEncoding() {
        Group g = group(rule(Type.TEMPORAL, 2, List.of(), "r0 and not r1", List.of(), null));
        g.at(1, 0);
        g.watermark(60);
        assertThat(g.state.size())
                .as("the r1 witness is kept one more timespan")
                .isEqualTo(1);
        g.roundTrip();
        g.at(0, 50);
        g.watermark(110);
        assertThat(g.fired).as("r1 at 0 is within a timespan before r0 at 50").isEmpty();
        g.watermark(1000);
        assertThat(g.state).isNull();
    }
}
