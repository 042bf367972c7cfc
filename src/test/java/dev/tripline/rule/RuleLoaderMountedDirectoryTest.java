package dev.tripline.rule;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules read from a directory laid out as Kubernetes mounts a ConfigMap volume: each visible file is a symbolic
 * link to {@code ..data/<name>}, {@code ..data} links to a hidden {@code ..<timestamp>} directory holding the real
 * files. Each rule must load once.
 */
class RuleLoaderMountedDirectoryTest {

    private static final String RULE = """
            AnalysisType: rule
            RuleID: "Test.%s"
            Enabled: true
            LogTypes: [AWS.CloudTrail]
            Severity: Low
            Detection:
              - KeyPath: eventName
                Condition: Equals
                Value: %s
            """;

    @Test
    void configMapVolumeLayoutLoadsEachRuleOnce(@TempDir Path mount) throws IOException {
        Path real = Files.createDirectory(mount.resolve("..2024_05_01_10_00_00.123456789"));
        Files.writeString(real.resolve("a.yml"), RULE.formatted("A", "StopLogging"));
        Files.writeString(real.resolve("b.yml"), RULE.formatted("B", "DeleteTrail"));
        Files.createSymbolicLink(mount.resolve("..data"), mount.relativize(real));
        Files.createSymbolicLink(mount.resolve("a.yml"), Path.of("..data/a.yml"));
        Files.createSymbolicLink(mount.resolve("b.yml"), Path.of("..data/b.yml"));

        RuleLoader.Result result =
                RuleLoader.standard(RuleLoadOptions.defaults()).load(List.of(mount));

        assertThat(result.errors()).isEmpty();
        assertThat(result.ruleSet().rules()).extracting(Rule::id).containsExactly("Test.A", "Test.B");
    }

    @Test
    void hiddenDirectoriesBelowTheRootAreSkippedButAHiddenRootIsRead(@TempDir Path tmp) throws IOException {
        Path root = Files.createDirectories(tmp.resolve(".rules"));
        Files.writeString(root.resolve("a.yml"), RULE.formatted("A", "StopLogging"));
        Path git = Files.createDirectories(root.resolve(".git/refs"));
        Files.writeString(git.resolve("copy.yml"), RULE.formatted("A", "StopLogging"));

        RuleLoader.Result result =
                RuleLoader.standard(RuleLoadOptions.defaults()).load(List.of(root));

        assertThat(result.errors()).isEmpty();
        assertThat(result.ruleSet().rules()).extracting(Rule::id).containsExactly("Test.A");
    }
}
