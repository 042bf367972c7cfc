package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.flink.CorrelationTypesHarnessTest.Run;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Elastic EQL sequences with a missing-event step and with {@code until}, as the loader compiles them, through
 * {@link CorrelateOperator} in Flink's keyed harness with explicit watermarks: never decided before the watermark
 * passes maxspan after the first event, vetoed by the missing or until event in any arrival order, and nothing
 * left in state or timers afterwards.
 */
class ElasticSequenceHarnessTest {

    static CorrelationRule sequence(String eql) {
        String toml = """
                [rule]
                author = ["Tripline tests"]
                description = "test rule"
                index = ["logs-aws.cloudtrail-*"]
                language = "eql"
                name = "Test sequence"
                risk_score = 47
                rule_id = "seq"
                severity = "medium"
                type = "eql"
                query = '''
                %s
                '''
                """.formatted(eql);
        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("seq.toml", null, toml)));
        assertThat(r.errors()).isEmpty();
        return r.ruleSet().correlations().get(0);
    }

    /** [CreateAccessKey] ![TagUser], 10 minutes: rule 0 occurs, rule 1 must not follow within maxspan. */
    static Run notFollowed() throws Exception {
        return new Run(sequence("sequence by user.name with maxspan=10m\n"
                + "  [any where event.action == \"CreateAccessKey\"]\n"
                + "  ![any where event.action == \"TagUser\"]"));
    }

    /** Rules: 0 CreateUser, 1 until, 2 CreateAccessKey, 3 until, 4 CreateLoginProfile. */
    static Run untilDeleted() throws Exception {
        return new Run(sequence("sequence by user.name with maxspan=10m\n"
                + "  [any where event.action == \"CreateUser\"]\n"
                + "  [any where event.action == \"CreateAccessKey\"]\n"
                + "  [any where event.action == \"CreateLoginProfile\"]\n"
                + "until [any where event.action == \"DeleteUser\"]"));
    }

    @Test
    void aMissingEventStepFiresWhenTheWatermarkPassesMaxspanNotBefore() throws Exception {
        try (Run r = notFollowed()) {
            assertThat(r.at(0, 0)).isEmpty();
            assertThat(r.watermark(9.99)).as("the missing event may still come").isEmpty();
            assertThat(r.watermark(10)).hasSize(1);
            r.assertEmpty();
        }
    }

    @Test
    void aMissingEventArrivingOutOfOrderVetoes() throws Exception {
        try (Run r = notFollowed()) {
            r.at(1, 5); // the TagUser arrives first
            r.at(0, 1);
            assertThat(r.watermark(30)).isEmpty();
            r.assertEmpty();
        }
    }

    @Test
    void untilBetweenTheStepsEndsTheSequenceAndOutsideThemDoesNot() throws Exception {
        try (Run r = untilDeleted()) {
            r.at(0, 0);
            r.at(2, 1);
            r.at(4, 2);
            r.at(3, 1.5); // DeleteUser (the until copy between steps 2 and 3), arriving last
            assertThat(r.watermark(30)).isEmpty();
            r.assertEmpty();
        }
        try (Run r = untilDeleted()) {
            r.at(1, -1); // before the first step: no effect
            r.at(0, 0);
            r.at(2, 1);
            r.at(4, 2);
            assertThat(r.watermark(9.99)).as("decided when maxspan has passed").isEmpty();
            assertThat(r.watermark(10))
                    .singleElement()
                    .satisfies(f -> assertThat(f.evidence()).hasSize(3));
            r.watermark(30); // the until witness at -1 stays one span after its own window
            r.assertEmpty();
        }
    }
}
