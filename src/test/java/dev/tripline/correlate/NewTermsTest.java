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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * new_terms plans (Elastic's "first time these values are seen within the history window") driven as the job
 * drives them: signals and explicit watermarks through the {@link Correlator} via {@link MapCorrelator}. The
 * history window here is 10 minutes; a term is one group (account and user).
 */
class NewTermsTest {
    private static final long MIN = 60_000;
    private static final List<String> ALICE = List.of("111122223333", "alice");
    private static final List<String> BOB = List.of("111122223333", "bob");

    private static final class Run {
        final CorrelationPlan plan;
        final MapCorrelator correlator;
        final List<Fired> fired = new ArrayList<>();
        int seq;

        Run(CorrelationPlan.Options options) {
            CorrelationRule rule = new CorrelationRule(
                    "nt",
                    "nt",
                    "new user",
                    null,
                    Level.LOW,
                    List.of(),
                    List.of(),
                    Type.NEW_TERMS,
                    List.of("r0"),
                    List.of("cloud.account.id", "user.name"),
                    Duration.ofMinutes(10),
                    List.of(),
                    null,
                    List.of(),
                    null,
                    Map.of(),
                    true,
                    null,
                    new SourceLocation("t.toml", 1, 1),
                    true,
                    Set.of(),
                    Map.of(),
                    List.of());
            CorrelationEngine engine = CorrelationEngine.compile(new RuleSet(List.of(), List.of(rule)), options);
            assertThat(engine.errors()).isEmpty();
            plan = engine.plan("nt");
            correlator = new MapCorrelator(engine);
        }

        Run() {
            this(CorrelationPlan.Options.defaults());
        }

        int at(List<String> term, double minutes) {
            long t = (long) (minutes * MIN);
            Evidence ev = new Evidence("r0", "e" + seq++, t, "AssumeRole", "sts.amazonaws.com", "us-east-1", Map.of());
            List<Fired> f = correlator.onSignal(plan, new Signal(0, "r0", t, term, null, List.of(ev)));
            fired.addAll(f);
            return f.size();
        }

        int watermark(double minutes) {
            List<Fired> f = correlator.advanceWatermark((long) (minutes * MIN));
            fired.addAll(f);
            return f.size();
        }

        int end() {
            List<Fired> f = correlator.advanceWatermark(Long.MAX_VALUE);
            fired.addAll(f);
            return f.size();
        }

        List<Long> firedAt() {
            return fired.stream().map(f -> f.firstSeen() / MIN).toList();
        }
    }

    @Test
    void aFirstSightingFiresWhenTheWatermarkReachesItNotBefore() {
        Run r = new Run();
        assertThat(r.at(ALICE, 5))
                .as("never on arrival: an earlier sighting may still come")
                .isZero();
        assertThat(r.watermark(4.99)).isZero();
        assertThat(r.watermark(5)).isEqualTo(1);
        Fired f = r.fired.get(0);
        assertThat(f.type()).isEqualTo(Type.NEW_TERMS);
        assertThat(f.group()).containsEntry("cloud.account.id", "111122223333").containsEntry("user.name", "alice");
        assertThat(f.firstSeen()).isEqualTo(f.lastSeen()).isEqualTo(5 * MIN);
        assertThat(f.evidence()).extracting(Evidence::eventId).containsExactly("e0");
    }

    @Test
    void aTermSeenWithinTheWindowBeforeIsNotNewAndOneUnseenForLongerIsNewAgain() {
        Run r = new Run();
        r.at(ALICE, 0);
        r.at(ALICE, 9); // 9 minutes later: seen within the window
        r.at(ALICE, 18); // 9 after that: still a known term, although 18 after the first
        r.at(BOB, 3); // another term is new on its own
        r.at(ALICE, 28.5); // 10.5 minutes of silence: new again
        r.at(ALICE, 38.5); // exactly one window later: [t - 10m, t) holds 28.5, not new
        r.end();
        assertThat(r.firedAt()).containsExactlyInAnyOrder(0L, 3L, 28L);
        assertThat(r.fired)
                .filteredOn(f -> f.group().get("user.name").equals("bob"))
                .hasSize(1);
    }

    @Test
    void sightingsAtOneInstantAreOneNewTermWithTheirEvidence() {
        Run r = new Run();
        r.at(ALICE, 1);
        r.at(ALICE, 1);
        r.end();
        assertThat(r.fired).hasSize(1);
        assertThat(r.correlator.folded()).isEqualTo(1);
    }

    @Test
    void anEarlierSightingArrivingLateWithinTheBoundTakesTheAlert() {
        Run r = new Run();
        r.at(ALICE, 20);
        r.watermark(15);
        r.at(ALICE, 16); // out of order, not late: it is the first sighting, 20 is not new
        r.watermark(30);
        assertThat(r.firedAt()).containsExactly(16L);
    }

    /** The same sightings in any arrival order (and with the watermark at their end) fire the same terms. */
    @Test
    void theResultDoesNotDependOnArrivalOrder() {
        List<double[]> sightings = new ArrayList<>();
        Random random = new Random(7);
        double t = 0;
        for (int i = 0; i < 400; i++) {
            t += random.nextInt(4) == 0 ? 8 + random.nextDouble() * 6 : random.nextDouble() * 3;
            sightings.add(new double[] {random.nextInt(3), Math.floor(t * 60) / 60});
        }
        List<String> expected = null;
        for (int order = 0; order < 6; order++) {
            List<double[]> shuffled = new ArrayList<>(sightings);
            if (order > 0) {
                Collections.shuffle(shuffled, new Random(order));
            }
            Run r = new Run();
            for (double[] s : shuffled) {
                r.at(List.of("111122223333", "user" + (int) s[0]), s[1]);
            }
            r.end();
            List<String> got = r.fired.stream()
                    .map(f -> f.group().get("user.name") + "@" + f.firstSeen())
                    .sorted()
                    .toList();
            assertThat(r.correlator.openStates()).isZero();
            if (expected == null) {
                expected = got;
                assertThat(got).hasSizeGreaterThan(5);
            } else {
                assertThat(got).as("arrival order " + order).isEqualTo(expected);
            }
        }
        assertThat(expected).isEqualTo(reference(sightings));
    }

    /** The definition, by brute force: a sighting at t is new when no sighting of its term lies in [t - 10m, t). */
    private static List<String> reference(List<double[]> sightings) {
        List<String> out = new ArrayList<>();
        java.util.Set<String> seenInstants = new java.util.HashSet<>();
        for (double[] s : sightings) {
            long t = (long) (s[1] * MIN);
            String user = "user" + (int) s[0];
            if (!seenInstants.add(user + "@" + t)) {
                continue;
            }
            boolean fresh = sightings.stream()
                    .noneMatch(o ->
                            (int) o[0] == (int) s[0] && (long) (o[1] * MIN) < t && (long) (o[1] * MIN) >= t - 10 * MIN);
            if (fresh) {
                out.add(user + "@" + t);
            }
        }
        Collections.sort(out);
        return out;
    }

    @Test
    void theStateIsClearedOneWindowAfterTheLastSighting() {
        Run r = new Run();
        r.at(ALICE, 0);
        r.at(ALICE, 4);
        r.watermark(5);
        assertThat(r.fired).hasSize(1);
        assertThat(r.correlator.openStates()).isEqualTo(1);
        r.watermark(13.99);
        assertThat(r.correlator.openStates()).as("4 still covers up to 14").isEqualTo(1);
        r.watermark(14);
        assertThat(r.correlator.openStates()).isZero();
        assertThat(r.correlator.pendingTimers()).isZero();
        r.at(ALICE, 15);
        r.end();
        assertThat(r.firedAt()).containsExactly(0L, 15L);
    }

    @Test
    void aHotTermKeepsAboutOneSlotPerWindowNotOnePerSighting() {
        Run r = new Run();
        for (int s = 0; s < 36_000; s++) {
            r.at(ALICE, s / 60.0); // one sighting a second for ten hours, the watermark never moving (a hunt)
        }
        // A continuous run needs a witness per window to stay one run: 36,000 s / 600 s is 60.
        assertThat(r.correlator.group("nt", ALICE).index().size()).isBetween(55, 36_000 / 600 + 2);
        r.end();
        assertThat(r.fired).hasSize(1);
        assertThat(r.correlator.evicted()).isZero();
    }

    @Test
    void sightingsBeforeTheHistoryIsLearnedAreCountedNotAlerted() {
        // The job has seen its input since minute 100: terms first seen before 110 may be old to the account.
        Run r = new Run(CorrelationPlan.Options.defaults().withNewTermsHistoryStart(100 * MIN));
        r.at(ALICE, 101);
        r.at(BOB, 109.99);
        r.at(List.of("111122223333", "carol"), 110);
        r.at(ALICE, 125); // alice unseen for 24 minutes: new, the history is learned
        r.end();
        assertThat(r.firedAt()).containsExactlyInAnyOrder(110L, 125L);
        assertThat(r.correlator.learned()).isEqualTo(2);
    }

    @Test
    void withoutAKnownHistoryStartAPlanOnlyLearns() {
        Run r = new Run(CorrelationPlan.Options.defaults().withNewTermsHistoryStart(Long.MAX_VALUE));
        r.at(ALICE, 0);
        r.at(ALICE, 30);
        r.end();
        assertThat(r.fired).isEmpty();
        assertThat(r.correlator.learned()).isEqualTo(2);
    }

    @Test
    void theSlotLimitBoundsAGroupAndCountsWhatWent() {
        Run r = new Run(new CorrelationPlan.Options(3, 20));
        for (int i = 0; i < 6; i++) {
            r.at(ALICE, i * 11); // six separate sightings, each new, none decided (no watermark)
        }
        assertThat(r.correlator.group("nt", ALICE).index().size()).isEqualTo(3);
        assertThat(r.correlator.evicted()).isEqualTo(3);
        r.end();
        assertThat(r.firedAt()).as("the evicted sightings are lost").containsExactly(33L, 44L, 55L);
    }

    @Test
    void newTermsTakeOneRuleAndNoCondition() {
        CorrelationRule two = new CorrelationRule(
                "nt2",
                "nt2",
                "t",
                null,
                Level.LOW,
                List.of(),
                List.of(),
                Type.NEW_TERMS,
                List.of("a", "b"),
                List.of("user.name"),
                Duration.ofMinutes(10),
                List.of(),
                null,
                List.of(),
                null,
                Map.of(),
                true,
                null,
                new SourceLocation("t.toml", 1, 1));
        CorrelationEngine engine = CorrelationEngine.compile(new RuleSet(List.of(), List.of(two)));
        assertThat(engine.errors()).singleElement().asString().contains("exactly one rule");
        assertThatThrownBy(() -> CorrelationPlan.compile(
                        two, new RuleSet(List.of(), List.of(two)), CorrelationPlan.Options.defaults(), true))
                .hasMessageContaining("exactly one rule");
    }
}
