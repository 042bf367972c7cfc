package dev.tripline.job;

import static dev.tripline.testing.Flagship.KEY_PLAN;
import static dev.tripline.testing.Flagship.REGION_PLAN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.rule.RuleSet;
import dev.tripline.testing.ChainedRules;
import dev.tripline.testing.Flagship;
import dev.tripline.testing.RuleVariants;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verdicts of a rollout plan, from state as a savepoint reader returns it (LocalClusterRolloutIT reads a real one). */
class RolloutPlanTest {
    static final CorrelationEngine V1 = CorrelationEngine.compile(Flagship.rules());

    static SavepointCorrelations.Group group(String uid, String id, String fingerprint, String principal, long time) {
        return new SavepointCorrelations.Group(uid, id, fingerprint, "123456789012, " + principal, 1, time);
    }

    @Test
    void unchangedAreKeptChangedAndRemovedDroppedAndNewStartEmpty() {
        String region = V1.plan(REGION_PLAN).fingerprint();
        String key = V1.plan(KEY_PLAN).fingerprint();
        List<SavepointCorrelations.Group> saved = List.of(
                group("tripline-correlate", REGION_PLAN, region, "alice", 3000),
                group("tripline-correlate", REGION_PLAN, region, "bob", 1000),
                group("tripline-correlate", KEY_PLAN, key, "alice", 2000),
                group("tripline-correlate", "gone", "0123456789abcdef", "carol", 500));
        RuleSet v2 = RuleVariants.withCorrelation(Flagship.rules(), KEY_PLAN, RuleVariants::retimed);
        RolloutPlan plan = RolloutPlan.of(saved, CorrelationEngine.compile(v2));

        assertThat(plan.rows())
                .extracting(r -> r.correlationId() + " " + r.verdict() + " " + r.groups())
                .containsExactly(
                        REGION_PLAN + " KEEP 2",
                        KEY_PLAN + " DROP_CHANGED 1",
                        "gone DROP_REMOVED 1",
                        KEY_PLAN + " NEW 0");
        assertThat(plan.rows().get(0).oldestSignalTime()).isEqualTo(1000);
        assertThat(plan.groups(RolloutPlan.Verdict.KEEP)).isEqualTo(2);
        assertThat(plan.notes()).isEmpty();
    }

    @Test
    void stateOfAStageTheNewRulesNoLongerHaveNeedsAllowNonRestoredState() {
        CorrelationEngine chained = CorrelationEngine.compile(ChainedRules.rules());
        List<SavepointCorrelations.Group> saved = List.of(group(
                "tripline-correlate-2",
                "brute-then-login",
                chained.plan("brute-then-login").fingerprint(),
                "alice",
                0));
        RolloutPlan plan = RolloutPlan.of(saved, V1);
        assertThat(plan.rows()).extracting(RolloutPlan.Row::verdict).contains(RolloutPlan.Verdict.DROP_REMOVED);
        assertThat(plan.notes()).singleElement().asString().contains("tripline-correlate-2", "--allowNonRestoredState");
    }
}
