package dev.tripline.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.alert.Dedup.Decision;
import dev.tripline.alert.Dedup.Outcome;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DedupTest {
    private static final long MIN = 60_000;
    private static final long T0 = 1_709_287_200_000L; // 2024-03-01T10:00:00Z
    private static final DedupPolicy HOUR = new DedupPolicy(60 * MIN, 1);

    /** Offers the minute offsets in order and returns the outcomes; the final state goes to {@code last}. */
    private static List<Outcome> run(DedupPolicy policy, DedupState[] last, long... minutes) {
        DedupState s = null;
        List<Outcome> out = new ArrayList<>();
        for (long m : minutes) {
            Decision d = Dedup.offer(s, T0 + m * MIN, policy);
            out.add(d.outcome());
            s = d.state();
        }
        if (last != null) {
            last[0] = s;
        }
        return out;
    }

    @Test
    void firstMatchOpensAPeriodAndLaterOnesInItAreCountedIntoItsAlert() {
        DedupState[] s = new DedupState[1];
        assertThat(run(HOUR, s, 0, 10, 59)).containsExactly(Outcome.EMIT, Outcome.SUPPRESSED, Outcome.SUPPRESSED);
        assertThat(s[0]).isEqualTo(new DedupState(T0, T0 + 59 * MIN, 3, true));
    }

    @Test
    void theFirstMatchAfterThePeriodOpensANewOne() {
        DedupState[] s = new DedupState[1];
        assertThat(run(HOUR, s, 0, 30, 60, 61))
                .containsExactly(Outcome.EMIT, Outcome.SUPPRESSED, Outcome.EMIT, Outcome.SUPPRESSED);
        assertThat(s[0].firstSeen()).isEqualTo(T0 + 60 * MIN);
        assertThat(s[0].count()).isEqualTo(2);
    }

    @Test
    void thresholdHoldsTheAlertUntilEnoughMatchesFallInOnePeriod() {
        DedupPolicy three = new DedupPolicy(60 * MIN, 3);
        assertThat(run(three, null, 0, 5, 10, 20))
                .containsExactly(Outcome.PENDING, Outcome.PENDING, Outcome.EMIT, Outcome.SUPPRESSED);
        // Two in one period and one in the next never reach three: no alert.
        assertThat(run(three, null, 0, 5, 70)).containsExactly(Outcome.PENDING, Outcome.PENDING, Outcome.PENDING);
        Decision d = Dedup.offer(
                Dedup.offer(Dedup.offer(null, T0, three).state(), T0 + MIN, three)
                        .state(),
                T0 + 2 * MIN,
                three);
        assertThat(d.count()).isEqualTo(3);
        assertThat(d.firstSeen()).isEqualTo(T0);
        assertThat(d.lastSeen()).isEqualTo(T0 + 2 * MIN);
    }

    @Test
    void outOfOrderMatchesWithinAPeriodGiveOneAlertAsInOrder() {
        DedupState[] shuffled = new DedupState[1];
        DedupState[] sorted = new DedupState[1];
        assertThat(run(HOUR, shuffled, 30, 5, 50, 0))
                .containsExactly(Outcome.EMIT, Outcome.SUPPRESSED, Outcome.SUPPRESSED, Outcome.SUPPRESSED);
        run(HOUR, sorted, 0, 5, 30, 50);
        assertThat(shuffled[0]).isEqualTo(sorted[0]);
        // The period start moved back to 0, so 60 opens the next period as it would in order.
        assertThat(Dedup.offer(shuffled[0], T0 + 60 * MIN, HOUR).outcome()).isEqualTo(Outcome.EMIT);

        DedupPolicy three = new DedupPolicy(60 * MIN, 3);
        assertThat(run(three, null, 40, 10, 0)).containsExactly(Outcome.PENDING, Outcome.PENDING, Outcome.EMIT);
    }

    @Test
    void anEarlierMatchThatCannotShareThePeriodLeavesTheStateAlone() {
        DedupState[] s = new DedupState[1];
        run(HOUR, s, 100, 130);
        Decision d = Dedup.offer(s[0], T0 + 20 * MIN, HOUR); // 130 - 20 >= 60: belongs to an earlier period
        assertThat(d.outcome()).isEqualTo(Outcome.EMIT_UNTRACKED);
        assertThat(d.emit()).isTrue();
        assertThat(d.state()).isEqualTo(s[0]);
        assertThat(d.count()).isEqualTo(1);
        assertThat(d.firstSeen()).isEqualTo(T0 + 20 * MIN);

        DedupPolicy two = new DedupPolicy(60 * MIN, 2);
        DedupState held = Dedup.offer(null, T0 + 100 * MIN, two).state();
        Decision dropped = Dedup.offer(held, T0, two);
        assertThat(dropped.outcome()).isEqualTo(Outcome.DROPPED_UNTRACKED);
        assertThat(dropped.emit()).isFalse();
        assertThat(dropped.state()).isEqualTo(held);
    }

    @Test
    void correlationSuppressionFiresOncePerGroupPerPeriod() {
        DedupPolicy suppression = DedupPolicy.suppression(Duration.ofMinutes(60));
        assertThat(run(suppression, null, 0, 1, 2, 59, 60))
                .containsExactly(
                        Outcome.EMIT, Outcome.SUPPRESSED, Outcome.SUPPRESSED, Outcome.SUPPRESSED, Outcome.EMIT);
    }

    @Test
    void stateIsClearableOncePeriodAndLatenessHavePassed() {
        DedupState s = Dedup.offer(null, T0, HOUR).state();
        long lateness = 15 * MIN;
        assertThat(Dedup.clearableAt(s, HOUR, lateness)).isEqualTo(T0 + 75 * MIN);
        assertThat(Dedup.clearable(s, HOUR, lateness, T0 + 75 * MIN - 1)).isFalse();
        assertThat(Dedup.clearable(s, HOUR, lateness, T0 + 75 * MIN)).isTrue();
        // Dropping the state then changes nothing: the next accepted match opens a new period either way.
        long next = T0 + 75 * MIN;
        Decision fresh = Dedup.offer(null, next, HOUR);
        Decision replacing = Dedup.offer(s, next, HOUR);
        assertThat(replacing.state()).isEqualTo(fresh.state());
        assertThat(replacing.outcome()).isEqualTo(fresh.outcome());
        // ... except that the held period is reported as ended, so that its last line can go out first.
        assertThat(replacing.endsHeld()).isTrue();
        assertThat(fresh.endsHeld()).isFalse();
        assertThat(Dedup.clearableAt(new DedupState(Long.MAX_VALUE - 1, Long.MAX_VALUE - 1, 1, true), HOUR, lateness))
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void stateSerializesCompactlyAndRoundTrips() throws Exception {
        DedupState s = new DedupState(T0, T0 + 5 * MIN, 7, true);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.write(new DataOutputStream(bytes));
        assertThat(bytes.size()).isEqualTo(DedupState.SERIALIZED_BYTES).isEqualTo(21);
        assertThat(DedupState.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))))
                .isEqualTo(s);
    }

    @Test
    void policyComesFromTheRuleWithTheConfiguredDefault() {
        var panther = AlertFixtures.rule(AlertFixtures.PANTHER_ENABLE_REGION);
        var sigma = AlertFixtures.rule(AlertFixtures.SIGMA_ENABLE_REGION);
        assertThat(DedupPolicy.forRule(panther, 15)).isEqualTo(new DedupPolicy(60 * MIN, 1));
        assertThat(DedupPolicy.forRule(sigma, 15)).isEqualTo(new DedupPolicy(15 * MIN, 1));
        assertThatThrownBy(() -> new DedupPolicy(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DedupPolicy(MIN, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
