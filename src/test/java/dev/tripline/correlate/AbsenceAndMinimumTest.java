package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.CorrelationRule.Type;
import dev.tripline.rule.Level;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.SourceLocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Absent steps and minimum counts, driven like the job drives them: signals and watermarks through the
 * {@link Correlator} (via {@link MapCorrelator}, whose timers fire when the watermark passes them), so that a
 * firing is seen exactly when the watermark allows it and never before.
 */
class AbsenceAndMinimumTest {
    private static final long MIN = 60_000;
    private static final List<String> G = List.of("123456789012", "mallory");

    /** One correlation over rules r0..r(n-1), 60 minutes, fed one group. */
    private static final class Run {
        final CorrelationPlan plan;
        final MapCorrelator correlator;
        final List<Fired> fired = new ArrayList<>();
        int seq;

        Run(Type type, int rules, Set<String> absent, Map<String, Integer> minCounts) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < rules; i++) {
                ids.add("r" + i);
            }
            CorrelationRule rule = new CorrelationRule(
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
                    List.of(),
                    null,
                    List.of(),
                    null,
                    Map.of(),
                    true,
                    null,
                    new SourceLocation("t.yml", 1, 1),
                    true,
                    absent,
                    minCounts,
                    List.of());
            CorrelationEngine engine = CorrelationEngine.compile(new RuleSet(List.of(), List.of(rule)));
            assertThat(engine.errors()).isEmpty();
            plan = engine.plan("c1");
            correlator = new MapCorrelator(engine);
        }

        /** A signal of rule {@code r} at {@code minutes}; returns how many firings its arrival caused. */
        int at(int r, double minutes) {
            long t = (long) (minutes * MIN);
            Evidence ev = new Evidence("r" + r, "e" + seq++, t, "Name" + r, "svc.amazonaws.com", "us-east-1", Map.of());
            List<Fired> f = correlator.onSignal(plan, new Signal(r, "r" + r, t, G, null, List.of(ev)));
            fired.addAll(f);
            return f.size();
        }

        int watermark(double minutes) {
            List<Fired> f =
                    correlator.advanceWatermark(minutes == Double.MAX_VALUE ? Long.MAX_VALUE : (long) (minutes * MIN));
            fired.addAll(f);
            return f.size();
        }

        int end() {
            return watermark(Double.MAX_VALUE);
        }
    }

    private static Run group(String... absent) {
        return new Run(Type.TEMPORAL, 2, Set.of(absent), Map.of());
    }

    private static Run sequence(int rules, String... absent) {
        return new Run(Type.TEMPORAL_ORDERED, rules, Set.of(absent), Map.of());
    }

    // ---- unordered: no signal of the absent rule within one timespan of the match ----

    @Test
    void unorderedAbsenceFiresOnlyWhenTheWatermarkPassesTheWindowEnd() {
        Run r = group("r1");
        assertThat(r.at(0, 0))
                .as("never on arrival: the absent rule may still come")
                .isZero();
        assertThat(r.watermark(59.99)).isZero();
        assertThat(r.watermark(60)).isEqualTo(1);
        Fired f = r.fired.get(0);
        assertThat(f.evidence()).extracting(Evidence::ruleId).containsExactly("r0");
        assertThat(f.firstSeen()).isZero();
        assertThat(r.correlator.openStates()).as("nothing is kept once decided").isZero();
    }

    @Test
    void unorderedAbsenceIsVetoedByTheAbsentRuleAfterOrBefore() {
        Run after = group("r1");
        after.at(0, 0);
        after.at(1, 30);
        assertThat(after.end()).isZero();

        Run before = group("r1");
        before.at(1, 0);
        before.at(0, 30);
        assertThat(before.end()).as("a witness before the step vetoes too").isZero();
        assertThat(before.correlator.openStates()).isZero();
    }

    @Test
    void unorderedAbsentSignalMoreThanATimespanAwayDoesNotVeto() {
        Run r = group("r1");
        r.at(1, 0);
        r.at(0, 61);
        assertThat(r.watermark(120)).isZero();
        assertThat(r.watermark(121)).isEqualTo(1);
    }

    @Test
    void absentSignalArrivingOutOfOrderBeforeTheCloseStillVetoes() {
        Run r = group("r1");
        r.at(0, 30);
        r.watermark(5);
        r.at(1, 10);
        assertThat(r.end()).isZero();

        Run late = group("r1");
        late.at(0, 0);
        late.watermark(50);
        late.at(1, 40);
        assertThat(late.correlator.late())
                .as("behind the watermark: late, counted, not used")
                .isEqualTo(1);
        assertThat(late.end()).isEqualTo(1);
    }

    // ---- ordered: the absence is placed by its neighbouring steps ----

    @Test
    void notFollowedByFiresAtTheWindowEnd() {
        Run r = sequence(2, "r1");
        r.at(0, 0);
        assertThat(r.watermark(59)).isZero();
        assertThat(r.watermark(60)).isEqualTo(1);
    }

    @Test
    void notFollowedByIsVetoedByALaterSignalButNotAnEarlierOne() {
        Run vetoed = sequence(2, "r1");
        vetoed.at(0, 0);
        vetoed.at(1, 30);
        assertThat(vetoed.end()).isZero();

        Run earlier = sequence(2, "r1");
        earlier.at(1, 0);
        earlier.at(0, 10);
        assertThat(earlier.watermark(69)).isZero();
        assertThat(earlier.watermark(70))
                .as("the absent rule came before, not after")
                .isEqualTo(1);
    }

    @Test
    void notPrecededByLooksOneTimespanBack() {
        Run vetoed = sequence(2, "r0");
        vetoed.at(0, 0);
        vetoed.at(1, 30);
        assertThat(vetoed.end()).isZero();

        Run far = sequence(2, "r0");
        far.at(0, 0);
        far.at(1, 61);
        assertThat(far.end()).isEqualTo(1);
        assertThat(far.fired.get(0).evidence()).extracting(Evidence::ruleId).containsExactly("r1");

        Run after = sequence(2, "r0");
        after.at(1, 10);
        after.at(0, 20);
        assertThat(after.end()).as("following is not preceding").isEqualTo(1);
    }

    @Test
    void absenceBetweenTwoStepsOnlyCountsBetweenThem() {
        Run between = sequence(3, "r1");
        between.at(0, 0);
        between.at(1, 5);
        between.at(2, 10);
        assertThat(between.end()).isZero();

        Run outside = sequence(3, "r1");
        outside.at(0, 0);
        outside.at(2, 10);
        outside.at(1, 20);
        assertThat(outside.end()).isEqualTo(1);

        Run later = sequence(3, "r1");
        later.at(0, 0);
        later.at(1, 5);
        later.at(0, 7);
        later.at(2, 10);
        assertThat(later.end())
                .as("the second r0 starts a sequence without r1 inside")
                .isEqualTo(1);
        assertThat(later.fired.get(0).firstSeen()).isEqualTo(7 * MIN);
    }

    @Test
    void invalidAbsenceIsRejected() {
        assertThatThrownBy(() -> new Run(Type.EVENT_COUNT, 2, Set.of("r1"), Map.of()))
                .hasMessageContaining("temporal");
        assertThatThrownBy(() -> sequence(2, "r0", "r1")).hasMessageContaining("at least one must occur");
    }

    // ---- minimum counts ----

    @Test
    void minimumCountNeedsThatManySignalsIncludingOnesAtTheSameInstant() {
        Run r = new Run(Type.TEMPORAL, 2, Set.of(), Map.of("r0", 3));
        r.at(0, 0);
        r.at(0, 1);
        assertThat(r.at(1, 2)).isZero();
        assertThat(r.at(0, 3)).as("the third r0 completes it").isEqualTo(1);
        assertThat(r.fired.get(0).count()).isEqualTo(4);

        Run same = new Run(Type.TEMPORAL, 2, Set.of(), Map.of("r0", 3));
        same.at(0, 0);
        same.at(0, 0);
        same.at(1, 1);
        assertThat(same.at(0, 0))
                .as("three signals at one instant count three times")
                .isEqualTo(1);
    }

    @Test
    void minimumCountOfAnOrderedStepPrecedesTheNextStep() {
        Run r = new Run(Type.TEMPORAL_ORDERED, 2, Set.of(), Map.of("r0", 2));
        r.at(0, 0);
        r.at(1, 1);
        assertThat(r.at(0, 2)).as("the second r0 comes after r1").isZero();
        assertThat(r.at(1, 3)).isEqualTo(1);
    }
}
