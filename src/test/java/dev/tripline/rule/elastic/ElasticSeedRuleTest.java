package dev.tripline.rule.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.LogType;
import dev.tripline.match.RuleTestRunner;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFormat;
import dev.tripline.rule.RuleLoadOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's EQL query, as an Elastic TOML rule in rules/elastic, passes the seed's test ideas on both clouds. */
class ElasticSeedRuleTest {
    static final Path RULE = Path.of("rules/elastic/cloud_resource_created_in_unapproved_region.toml");

    @Test
    void seedRuleLoadsForBothCloudsAndPassesItsTests() {
        RuleProgram program = RuleProgram.load("t", List.of(RULE), RuleLoadOptions.defaults());
        assertThat(program.errors()).isEmpty();
        assertThat(program.warnings()).isEmpty();
        Rule rule = program.rules().rules().get(0);
        assertThat(rule.format()).isEqualTo(RuleFormat.ELASTIC);
        assertThat(rule.logTypes()).containsExactlyInAnyOrder(LogType.CLOUDTRAIL, LogType.AZURE_ACTIVITY);
        assertThat(rule.tags()).contains("attack.defense_evasion", "attack.t1535");
        assertThat(rule.level().lowerName()).isEqualTo("medium");

        RuleTestRunner.Report report = RuleTestRunner.run(program.rules());
        assertThat(report.failures()).isEmpty();
        assertThat(report.passed()).isEqualTo(16);
        // Both clouds, both outcomes: positives and negatives of each.
        assertThat(report.results())
                .filteredOn(r -> r.testName().startsWith("Seed test"))
                .extracting(RuleTestRunner.TestResult::actual)
                .containsExactly(true, true, false, true, true);
    }
}
