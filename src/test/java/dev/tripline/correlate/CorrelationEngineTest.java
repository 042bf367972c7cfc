package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Routing facts a driver needs for chaining: the stage of each plan and how late its signals may come. */
class CorrelationEngineTest {
    static final String RULES = """
            title: a
            id: a
            logsource: {product: aws, service: cloudtrail}
            detection: {sel: {eventName: A}, condition: sel}
            ---
            title: b
            id: b
            logsource: {product: aws, service: cloudtrail}
            detection: {sel: {eventName: B}, condition: sel}
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
        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("t.yml", null, RULES)));
        assertThat(r.errors()).isEmpty();
        CorrelationEngine engine = CorrelationEngine.compile(r.ruleSet());
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
        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(
                        List.of(new SourceFile("t.yml", null, RULES.substring(0, RULES.indexOf("---\ntitle: many")))));
        assertThat(CorrelationEngine.compile(r.ruleSet()).stages()).isZero();
    }
}
