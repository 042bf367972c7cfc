package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.match.RuleTestRunner.Status;
import dev.tripline.match.RuleTestRunner.TestResult;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.Corpus;
import dev.tripline.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every Panther correlation rule of the upstream corpus, unmodified, loaded beside the project's rules/: it loads
 * and its own Tests pass through the correlation engine, or it is rejected at the member rule it cannot use, with
 * file:line:col.
 */
class PantherCorrelationCorpusTest {
    private static final Path RULES = Path.of(System.getProperty("tripline.rules", "rules"));

    /** The correlation rules whose member rules rules/ holds with the fields they join on. */
    private static final Set<String> LOADING = Set.of(
            "AWS.Administrative.IAM.User.Created.Group",
            "AWS.Backdoor.Administrative.IAM.Role.Created.Group",
            "AWS.EC2.StopInstance.WITH.ModifyInstanceAttributes",
            "AWS.S3.Disable.Security.Controls",
            "AWS.SSO.Access.Token.Retrieved.by.Unauthenticated.IP.Group");

    @Test
    void everyFileLoadsWithPassingTestsOrIsRejectedAtAMemberRule() {
        List<Path> files = SharedData.files("corpus/panther-correlation-rules", ".yml");
        assertThat(files).hasSize(28);
        Set<String> loaded = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            RuleLoader.Result r = Corpus.defaultLoader().load(List.of(RULES, file));
            List<CorrelationRule> fromFile = r.ruleSet().correlations().stream()
                    .filter(c -> c.location().file().equals(file.toString()))
                    .toList();
            if (r.ok()) {
                assertThat(fromFile).as(file.toString()).hasSize(1);
                CorrelationRule c = fromFile.get(0);
                assertThat(c.tests()).as("%s carries its Tests", file).isNotEmpty();
                loaded.add(c.id());
                List<TestResult> results = CorrelationTestRunner.run(r.ruleSet()).stream()
                        .filter(t -> t.ruleId().equals(c.id()))
                        .toList();
                assertThat(results).hasSameSizeAs(c.tests());
                results.stream()
                        .filter(t -> t.status() != Status.PASSED)
                        .forEach(t -> problems.add(file.getFileName() + " " + t.testName() + ": " + t.reason()));
            } else {
                assertThat(fromFile).as(file.toString()).isEmpty();
                for (LoadError e : r.errors()) {
                    assertThat(e.location().file()).as(e.toString()).isEqualTo(file.toString());
                    assertThat(e.location().line()).as(e.toString()).isPositive();
                    assertThat(e.location().column()).as(e.toString()).isPositive();
                    assertThat(e.message()).as(e.toString()).containsAnyOf("is not loaded", "has no AlertContext key");
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(loaded).containsExactlyInAnyOrderElementsOf(LOADING);
    }
}
