package dev.tripline.rule.panther;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.match.RuleTestRunner;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.Corpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Loads everything in rules/ (Panther and Sigma) and requires every test of every loaded rule to pass. */
class PantherRulesDirectoryTest {

    @Test
    void everyTestOfEveryRuleInRulesDirectoryPasses() {
        Path rules = Path.of("rules");
        assertThat(Files.isDirectory(rules))
                .as("rules/ directory (tests run from the worktree)")
                .isTrue();
        RuleLoader loader = Corpus.defaultLoader();
        RuleLoader.Result loaded = loader.load(List.of(rules));
        assertThat(loaded.errors()).as("load errors").isEmpty();
        assertThat(loaded.ruleSet().rules())
                .extracting(r -> r.id())
                .contains(
                        "AWS.CloudTrail.EnableRegion",
                        "AWS.CloudTrail.Created",
                        "AWS.CloudTrail.SecurityConfigurationChange",
                        "d511abe4-e9cb-42e5-a68c-1b0a6f84e451",
                        "c488ddab-892c-4aa0-9d39-11ccb735c106");
        assertThat(loaded.ruleSet().rules().stream()
                        .filter(r -> r.location().file().contains("/panther/"))
                        .count())
                .as("ported Panther rules")
                .isGreaterThanOrEqualTo(80);

        RuleTestRunner.ExternalTests external = RuleTestRunner.loadExternal(List.of(rules), loaded.ruleSet());
        assertThat(external.errors()).as("test source errors").isEmpty();
        assertThat(external.warnings())
                .as("test source warnings (is the shared data there?)")
                .isEmpty();
        RuleTestRunner.Report report = RuleTestRunner.run(loaded.ruleSet(), external);

        String failures = report.failures().stream()
                .map(f -> f.location() + " " + f.ruleId() + " / " + f.testName() + ": " + f.reason())
                .collect(Collectors.joining("\n"));
        assertThat(report.failed()).as("failed tests:\n" + failures).isZero();
        assertThat(report.passed()).isGreaterThanOrEqualTo(10);
        // The seeds' rules are in the shared labelled events; the allowlist test exists there without its mock,
        // so the rule's own (mocked) test shadows it.
        assertThat(report.externalShadowed()).isGreaterThanOrEqualTo(10);
        assertThat(report.externalRecordsForUnknownRules()).isNotEmpty();
    }

    @Test
    void seedAllowlistTestPassesBecauseOfItsMock() {
        RuleLoader loader = Corpus.defaultLoader();
        var rule = loader.load(List.of(Path.of("rules/aws/cloudtrail/aws_security_configuration_change.yml")))
                .ruleSet()
                .rule("AWS.CloudTrail.SecurityConfigurationChange")
                .orElseThrow();
        var test = rule.tests().stream()
                .filter(t -> t.name().equals("Security Configuration Changed - Allowlisted User"))
                .findFirst()
                .orElseThrow();
        var event = new dev.tripline.event.Event(
                dev.tripline.event.LogType.CLOUDTRAIL, (com.fasterxml.jackson.databind.node.ObjectNode) test.event());
        assertThat(dev.tripline.match.ReferenceEvaluator.matches(rule, event))
                .as("without the mock")
                .isTrue();
        assertThat(dev.tripline.match.ReferenceEvaluator.matches(rule.withLists(test.mocks()), event))
                .isFalse();
    }
}
