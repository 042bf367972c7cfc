package dev.tripline.program;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.flink.RuleUpdate;
import dev.tripline.job.DetectionJob;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.testing.BrokenCorrelation;
import dev.tripline.testing.ChainedRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleProgramTest {
    static final RuleLoadOptions LOAD = RuleLoadOptions.defaults();

    /** A temporal correlation over 17 rules: valid Sigma, but more than the engine evaluates (16). */
    static String seventeenRules() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 17; i++) {
            b.append("title: r")
                    .append(i)
                    .append("\nid: r")
                    .append(i)
                    .append("\nlogsource: {product: aws}\n")
                    .append("detection:\n  sel: {eventName: E")
                    .append(i)
                    .append("}\n  condition: sel\n---\n");
        }
        b.append("title: too wide\nid: wide\ncorrelation:\n  type: temporal\n  rules: [");
        for (int i = 0; i < 17; i++) {
            b.append(i == 0 ? "" : ", ").append('r').append(i);
        }
        return b.append("]\n  group-by: [userIdentity.arn]\n  timespan: 5m\n").toString();
    }

    @Test
    void aCorrelationTheEngineCannotCompileIsALoadErrorAtTheCorrelation() {
        String text = seventeenRules();
        int line = (int) text.substring(0, text.indexOf("title: too wide"))
                        .chars()
                        .filter(c -> c == '\n')
                        .count()
                + 1;
        RuleProgram p = RuleProgram.compile("v", Map.of("wide.yml", text), LOAD);
        assertThat(p.ok()).isFalse();
        assertThat(p.errors()).singleElement().satisfies(e -> {
            assertThat(e.location().toString()).isEqualTo("wide.yml:" + line + ":1");
            assertThat(e.message()).contains("too wide").contains("at most");
        });
        assertThat(p.engine().plan("wide"))
                .as("the broken correlation is not compiled")
                .isNull();
    }

    @Test
    void aRuleListedTwiceIsRejectedAtTheRepeatedEntry() {
        RuleProgram p = RuleProgram.compile("v", Map.of("logins.yml", BrokenCorrelation.LISTED_TWICE), LOAD);
        assertThat(p.ok()).isFalse();
        assertThat(p.errors())
                .extracting(LoadError::toString)
                .singleElement()
                .asString()
                .startsWith(BrokenCorrelation.where("logins.yml") + ": ");
    }

    @Test
    void aProgramWithErrorsCannotRun() {
        RuleProgram p = RuleProgram.compile("v", Map.of("logins.yml", BrokenCorrelation.LISTED_TWICE), LOAD);
        assertThatThrownBy(p::requireOk)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(BrokenCorrelation.where("logins.yml"));
        assertThatThrownBy(() -> new DetectionJob(p, DetectionJob.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(BrokenCorrelation.where("logins.yml"));
    }

    @Test
    void filesOnDiskAndTheSameFilesInMemoryGiveTheSameProgram(@TempDir Path dir) throws Exception {
        Path chain = dir.resolve("chain.yml");
        Files.writeString(chain, ChainedRules.BRUTE_FORCE_THEN_LOGIN);
        Files.writeString(dir.resolve("chain.tests.yml"), "tests: []\n");
        RuleProgram fromDisk = RuleProgram.load(RuleProgram.START_VERSION, List.of(dir), LOAD);
        Map<String, String> files = new TreeMap<>(Map.of(chain.toString(), ChainedRules.BRUTE_FORCE_THEN_LOGIN));
        RuleProgram inMemory = RuleProgram.compile("v7", files, LOAD);

        assertThat(fromDisk.errors()).isEmpty();
        assertThat(inMemory.errors()).isEmpty();
        assertThat(fromDisk.digest())
                .as("a sidecar test file is not part of the rules")
                .isEqualTo(inMemory.digest())
                .isEqualTo(RuleUpdate.of("other label", files).digest());
        assertThat(inMemory.version()).isEqualTo("v7");
        assertThat(fromDisk.stages()).isEqualTo(inMemory.stages());
        assertThat(fromDisk.rules().correlations()).hasSize(2);
    }

    @Test
    void theDigestFollowsTheTextsNotTheLabel() {
        String a = RuleProgram.compile("x", Map.of("c.yml", ChainedRules.BRUTE_FORCE_THEN_LOGIN), LOAD)
                .digest();
        String b = RuleProgram.compile("y", Map.of("c.yml", ChainedRules.BRUTE_FORCE_THEN_LOGIN + "\n"), LOAD)
                .digest();
        String c = RuleProgram.compile("z", Map.of("d.yml", ChainedRules.BRUTE_FORCE_THEN_LOGIN), LOAD)
                .digest();
        assertThat(a).hasSize(16).isNotEqualTo(b).isNotEqualTo(c);
        assertThat(RuleProgram.compile("w", Map.of("c.yml", ChainedRules.BRUTE_FORCE_THEN_LOGIN), LOAD)
                        .digest())
                .isEqualTo(a);
    }

    @Test
    void everyCorrelationHasItsStage() {
        RuleProgram p = RuleProgram.of(ChainedRules.rules());
        assertThat(p.stageCount()).isEqualTo(2);
        assertThat(p.stages().values()).containsExactlyInAnyOrder(1, 2);
        p.rules()
                .correlations()
                .forEach(c ->
                        assertThat(p.stages().get(c.id())).isEqualTo(p.engine().stageOf(c.id())));
    }

    @Test
    void problemsOfTheWholeSetHaveNoLocation() {
        RuleProgram p = RuleProgram.rejected("v", "", List.of("the update holds no rule files"));
        assertThat(p.ok()).isFalse();
        assertThat(p.errors()).extracting(LoadError::toString).containsExactly("the update holds no rule files");
        assertThat(RuleProgram.of(ChainedRules.rules())
                        .withProblems(List.of("too deep"))
                        .errors())
                .extracting(LoadError::message)
                .containsExactly("too deep");
    }

    @Test
    void theSlotLimitIsACompileOptionAndPartOfEveryCorrelationsFingerprint() {
        Map<String, String> files = Map.of("chained.yml", ChainedRules.BRUTE_FORCE_THEN_LOGIN);
        RuleProgram standard = RuleProgram.compile("v", files, LOAD);
        RuleProgram tight = RuleProgram.compile("v", files, LOAD.withMaxSlotsPerRule(50));
        assertThat(standard.ok()).isTrue();
        assertThat(standard.engine().plans()).isNotEmpty().allSatisfy(p -> {
            assertThat(p.options().maxSignalsPerRule()).isEqualTo(RuleLoadOptions.DEFAULT_MAX_SLOTS_PER_RULE);
            var other = tight.engine().plan(p.id());
            assertThat(other.options().maxSignalsPerRule()).isEqualTo(50);
            assertThat(other.fingerprint())
                    .as("state kept under another limit is not this plan's to step")
                    .isNotEqualTo(p.fingerprint());
        });
        assertThatThrownBy(() -> LOAD.withMaxSlotsPerRule(1)).hasMessageContaining("max slots per rule");
    }
}
