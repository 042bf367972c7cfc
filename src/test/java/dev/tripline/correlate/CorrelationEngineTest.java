package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.testing.LetterRules;
import org.junit.jupiter.api.Test;

/** Routing facts a driver needs for chaining: the stage of each plan and how late its signals may come. */
class CorrelationEngineTest {
    /** Over the detection rules a and b ({@link LetterRules}). */
    static final String CORRELATIONS = """
            ---
            title: many a
            id: many-a
            correlation: {type: event_count, rules: a, group-by: [account], timespan: 10m, condition: {gte: 3}}
            ---
            title: many a then b
            id: many-a-then-b
            correlation: {type: temporal_ordered, rules: [many-a, b], group-by: [account], timespan: 30m}
            ---
            title: that, then a again
            id: outer
            correlation: {type: temporal_ordered, rules: [many-a-then-b, a], group-by: [account], timespan: 5m}
            """;

    @Test
    void stagesFollowTheChainAndLatenessGrowsWithTheInnerTimespans() {
        CorrelationEngine engine = LetterRules.engine(CORRELATIONS, "a", "b");
        assertThat(engine.stageOf("many-a")).isEqualTo(1);
        assertThat(engine.stageOf("many-a-then-b")).isEqualTo(2);
        // 'outer' takes rule 'a' directly too: its signals from detect must go to stage 3 as well.
        assertThat(engine.stageOf("outer")).isEqualTo(3);
        assertThat(engine.stages()).isEqualTo(3);

        long base = 60_000;
        assertThat(engine.latenessMillis("many-a", base)).isEqualTo(base);
        assertThat(engine.latenessMillis("many-a-then-b", base)).isEqualTo(base + 10 * 60_000);
        assertThat(engine.latenessMillis("outer", base)).isEqualTo(base + 10 * 60_000 + 30 * 60_000);
    }

    @Test
    void noCorrelationsNoStages() {
        assertThat(LetterRules.engine("", "a", "b").stages()).isZero();
    }
}
