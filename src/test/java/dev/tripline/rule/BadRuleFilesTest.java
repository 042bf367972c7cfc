package dev.tripline.rule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory holding one of each kind of bad rule file: every problem is reported in one run, each with its
 * file:line:col, and the good rule beside them still loads.
 */
class BadRuleFilesTest {

    private static String sigma(String detection) {
        return "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n" + detection;
    }

    @Test
    void everyErrorOfEveryFileIsCollectedWithItsLocation(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("01_malformed.yml"), "title: t\ndetection: {selection: [a, b\n");
        Files.writeString(
                dir.resolve("02_modifier.yml"), sigma("  sel:\n    eventName|startswithh: Get\n  condition: sel\n"));
        Files.writeString(dir.resolve("03_regex.yml"), sigma("  sel:\n    userAgent|re: '(a)\\1'\n  condition: sel\n"));
        Files.writeString(
                dir.resolve("04_identifier.yml"), sigma("  sel:\n    eventName: X\n  condition: sel and filtr\n"));
        Files.writeString(
                dir.resolve("05_dup_a.yml"), "id: same-id\n" + sigma("  sel:\n    eventName: A\n  condition: sel\n"));
        Files.writeString(
                dir.resolve("06_dup_b.yml"), "id: same-id\n" + sigma("  sel:\n    eventName: B\n  condition: sel\n"));
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 60; i++) {
            bomb.append((char) ('a' + i % 26))
                    .append(i)
                    .append(": &")
                    .append((char) ('a' + i % 26))
                    .append(i)
                    .append(" [*")
                    .append(i == 1 ? "a" : "" + (char) ('a' + (i - 1) % 26) + (i - 1))
                    .append(", *")
                    .append(i == 1 ? "a" : "" + (char) ('a' + (i - 1) % 26) + (i - 1))
                    .append("]\n");
        }
        Files.writeString(dir.resolve("07_bomb.yml"), bomb.toString());
        Files.writeString(dir.resolve("08_big.yml"), "title: big\n# " + "x".repeat(2 * 1024 * 1024) + "\n");
        Files.writeString(
                dir.resolve("09_good.yml"),
                "id: good\n" + sigma("  sel:\n    eventName: EnableRegion\n  condition: sel\n"));

        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults()).load(List.of(dir));

        Map<String, List<String>> byFile = r.errors().stream()
                .collect(Collectors.groupingBy(
                        e -> Path.of(e.location().file()).getFileName().toString(),
                        Collectors.mapping(LoadError::toString, Collectors.toList())));
        assertThat(byFile.get("01_malformed.yml"))
                .anySatisfy(e -> assertThat(e).contains(":3:").contains("YAML"));
        assertThat(byFile.get("02_modifier.yml"))
                .anySatisfy(e -> assertThat(e).contains(":5:").contains("startswithh"));
        assertThat(byFile.get("03_regex.yml"))
                .anySatisfy(e -> assertThat(e).contains(":5:").containsIgnoringCase("backreference"));
        assertThat(byFile.get("04_identifier.yml"))
                .anySatisfy(e -> assertThat(e).contains(":6:").contains("filtr"));
        assertThat(byFile.get("06_dup_b.yml"))
                .anySatisfy(e ->
                        assertThat(e).contains("duplicate rule id 'same-id'").contains("05_dup_a.yml"));
        assertThat(byFile.get("07_bomb.yml")).anySatisfy(e -> assertThat(e).containsIgnoringCase("alias"));
        assertThat(byFile.get("08_big.yml"))
                .anySatisfy(e -> assertThat(e).contains(":1:1").contains("limit"));
        assertThat(r.ruleSet().rule("good")).isPresent();
    }

    @Test
    void aSecondRuleUnderATakenSigmaNameIsAnErrorBecauseCorrelationsReferToRulesByName(@TempDir Path dir)
            throws Exception {
        Files.writeString(
                dir.resolve("a.yml"),
                "id: a\nname: key_created\n" + sigma("  sel:\n    eventName: CreateAccessKey\n  condition: sel\n"));
        Files.writeString(
                dir.resolve("b.yml"),
                "id: b\nname: key_created\n" + sigma("  sel:\n    eventName: CreateLoginProfile\n  condition: sel\n"));
        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults()).load(List.of(dir));
        assertThat(r.errors())
                .singleElement()
                .asString()
                .contains("b.yml:1:1")
                .contains("duplicate rule name 'key_created'")
                .contains("a.yml");
    }
}
