package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.testing.ChainedRules;
import dev.tripline.testing.Corpus;
import dev.tripline.testing.LetterRules;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which signals {@link AnchorPruning} may drop, over the shipped rules and over small hand-made programs. */
class AnchorPruningTest {
    static AnchorPruning pruning(String correlations) {
        CorrelationEngine engine = LetterRules.engine(correlations, "a", "b", "c");
        assertThat(engine.errors()).isEmpty();
        return AnchorPruning.of(engine);
    }

    @Test
    void theShippedRulesPruneTheFollowUpsOfTheirRareSequencesAndTheCountsThatOnlyFeedThem() {
        CorrelationEngine engine = CorrelationEngine.compile(
                Corpus.defaultLoader().load(List.of(Path.of("rules"))).ruleSet());
        AnchorPruning p = AnchorPruning.of(engine);
        String keyUsed = id(engine, "aws_access_key_created_then_used_elsewhere");
        String twoSources = id(engine, "aws_access_key_two_sources");
        String adminUser = id(engine, "aws_new_admin_user_used");
        String adminRole = id(engine, "aws_new_admin_role_used");
        assertThat(p.prunablePlans()).contains(keyUsed, twoSources, adminUser, adminRole);
        // The ordered plans: their first step is the anchor and is kept, the later steps need it.
        assertThat(p.anchorPlanOf(adminUser, 0)).isNull();
        assertThat(p.isAnchor(adminUser, 0)).isTrue();
        assertThat(p.anchorPlanOf(adminUser, 1)).isEqualTo(adminUser);
        assertThat(p.anchorPlanOf(adminUser, 2)).isEqualTo(adminUser);
        assertThat(p.anchorPlanOf(keyUsed, 1)).isEqualTo(keyUsed);
        // The value_count that only feeds the second step of the ordered plan needs that plan's anchor.
        assertThat(p.anchorPlanOf(twoSources, 0)).isEqualTo(keyUsed);
        assertThat(p.anchorPlanOf(twoSources, 1)).isEqualTo(keyUsed);
        assertThat(p.isAnchor(twoSources, 0)).isFalse();
        // Nothing else of the corpus is pruned unless it is an ordered plan over every rule or a quiet count.
        for (String id : p.prunablePlans()) {
            CorrelationPlan plan = engine.plan(id);
            assertThat(plan.requiresEveryRuleInOrder() || !plan.alerts()).as(id).isTrue();
        }
    }

    @Test
    void aTemporalOrderedPlanOverRulesIsAnchoredByItsFirstStep() {
        AnchorPruning p = pruning("""
                ---
                title: seq
                id: seq
                correlation: {type: temporal_ordered, rules: [a, b, c], group-by: [userIdentity.arn], timespan: 1h}
                """);
        assertThat(p.prunablePlans()).containsExactly("seq");
        assertThat(p.isAnchor("seq", 0)).isTrue();
        assertThat(p.isAnchor("seq", 1)).isFalse();
        assertThat(p.anchorPlanOf("seq", 0)).isNull();
        assertThat(p.anchorPlanOf("seq", 1)).isEqualTo("seq");
        assertThat(p.anchorPlanOf("seq", 2)).isEqualTo("seq");
        assertThat(p.anchorPlanOf("seq", 3)).isNull();
        assertThat(p.anchorPlanOf("other", 1)).isNull();
    }

    @Test
    void unorderedConditionedOrAbsentSequencesAndPlainCountsAreNeverPruned() {
        assertThat(pruning("""
                        ---
                        title: both
                        id: both
                        correlation: {type: temporal, rules: [a, b], group-by: [userIdentity.arn], timespan: 1h}
                        """).isEmpty()).isTrue();
        assertThat(pruning("""
                        ---
                        title: some
                        id: some
                        correlation:
                            type: temporal_ordered
                            rules: [a, b, c]
                            group-by: [userIdentity.arn]
                            timespan: 1h
                            condition: {gte: 2}
                        """).isEmpty()).isTrue();
        assertThat(pruning("""
                        ---
                        title: formula
                        id: formula
                        correlation:
                            type: temporal_ordered
                            rules: [a, b]
                            group-by: [userIdentity.arn]
                            timespan: 1h
                            condition: 'a or b'
                        """).isEmpty()).isTrue();
        assertThat(pruning("""
                        ---
                        title: count
                        id: count
                        correlation: {type: event_count, rules: [a, b], group-by: [userIdentity.arn], timespan: 1h, condition: {gte: 3}}
                        """).isEmpty()).isTrue();
    }

    @Test
    void anOrderedPlanWhoseFirstStepIsACorrelationHasNoAnchorFromDetect() {
        // brute-then-login starts with the firing of brute, which comes from a correlate stage, not from detect.
        AnchorPruning p = AnchorPruning.of(CorrelationEngine.compile(ChainedRules.rules()));
        assertThat(p.isEmpty()).isTrue();
    }

    static final String FEEDER = """
            ---
            title: two
            id: two
            correlation:
                type: value_count
                rules: [a, b]
                group-by: [account, key]
                aliases: {key: {a: requestParameters.key, b: userIdentity.accessKeyId}}
                timespan: 1d
                condition: {field: sourceIPAddress, gte: 2}
            ---
            title: then
            id: then
            correlation:
                type: temporal_ordered
                rules: [a, two]
                group-by: [account, key]
                aliases: {key: {a: requestParameters.key, two: key}}
                timespan: 1d
            """;

    @Test
    void aQuietCountFeedingALaterStepWithItsOwnGroupNeedsThatPlansAnchor() {
        AnchorPruning p = pruning(FEEDER.replace("account", "recipientAccountId"));
        assertThat(p.anchorPlanOf("two", 0)).isEqualTo("then");
        assertThat(p.anchorPlanOf("two", 1)).isEqualTo("then");
        assertThat(p.isAnchor("two", 0)).isFalse();
        assertThat(p.isAnchor("then", 0)).isTrue();
    }

    @Test
    void aFeederIsKeptWhenItAlertsFeedsTheFirstStepOrHandsOverAnotherGroup() {
        // The outer plan generates: the inner one alerts on its own.
        AnchorPruning generating = pruning(FEEDER.replace("timespan: 1d\n", "timespan: 1d\n    generate: true\n"));
        assertThat(generating.anchorPlanOf("two", 0)).isNull();
        // The count is the first step: its firings are the anchors, nothing needs one.
        AnchorPruning first = pruning(FEEDER.replace("rules: [a, two]", "rules: [two, a]"));
        assertThat(first.isEmpty()).isTrue();
        // The outer plan reads its group in another order from the firing.
        AnchorPruning swapped = pruning(FEEDER.replace(
                "group-by: [account, key]\n    aliases: {key: {a: requestParameters.key, two: key}}",
                "group-by: [key, account]\n    aliases: {key: {a: requestParameters.key, two: key}}"));
        assertThat(swapped.anchorPlanOf("two", 0)).isNull();
        assertThat(swapped.anchorPlanOf("then", 1)).isEqualTo("then");
        // A second consumer may need the count's firings anywhere.
        AnchorPruning shared = pruning(FEEDER + """
                ---
                title: also
                id: also
                correlation: {type: temporal, rules: [two, c], group-by: [account, key], timespan: 1d}
                """);
        assertThat(shared.anchorPlanOf("two", 0)).isNull();
    }

    static String id(CorrelationEngine engine, String name) {
        return engine.plans().stream()
                .filter(p -> name.equals(p.rule().name()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no correlation " + name))
                .id();
    }
}
