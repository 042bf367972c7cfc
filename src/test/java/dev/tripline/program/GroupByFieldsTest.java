package dev.tripline.program;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleLoadOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A correlation grouped by a field no event of its rules can carry is a warning at the correlation; fields of the
 * record schema, of open objects and of the event view are not, and the project's own rules raise none.
 */
class GroupByFieldsTest {
    private static final String RULE = """
            title: Key created
            id: 1b7c0e6a-0000-4000-8000-000000000001
            name: key_created
            logsource: {product: aws, service: cloudtrail}
            detection:
              sel: {eventName: CreateAccessKey}
              condition: sel
            level: low
            ---
            """;

    private static List<String> warnings(Path dir, String groupBy) throws Exception {
        Files.writeString(dir.resolve("c.yml"), RULE + """
                title: Keys
                id: 1b7c0e6a-0000-4000-8000-000000000002
                correlation:
                  type: event_count
                  rules: [key_created]
                  group-by: %s
                  timespan: 1h
                  condition: {gte: 2}
                level: medium
                """.formatted(groupBy));
        RuleProgram p = RuleProgram.load("t", List.of(dir), RuleLoadOptions.defaults());
        assertThat(p.errors()).isEmpty();
        return p.warnings().stream()
                .map(LoadError::toString)
                .filter(w -> w.contains("group-by"))
                .toList();
    }

    @Test
    void aFieldCloudTrailRecordsNeverCarryIsAWarningAtTheCorrelation(@TempDir Path dir) throws Exception {
        assertThat(warnings(dir, "[userIdentity.arn, principalArn]"))
                .singleElement()
                .satisfies(w -> assertThat(w)
                        .contains("c.yml:10:1")
                        .contains("group-by field 'principalArn'")
                        .contains("CLOUDTRAIL")
                        .contains("key_created"));
    }

    @Test
    void schemaFieldsOpenObjectsAndViewFieldsAreNot(@TempDir Path dir) throws Exception {
        assertThat(warnings(dir, "[useridentity.arn, requestParameters.userName, account, principal, user.name]"))
                .isEmpty();
    }

    @Test
    void theProjectsRulesGroupByFieldsTheirEventsCarry() {
        RuleProgram p = RuleProgram.load("t", List.of(Path.of("rules")), RuleLoadOptions.defaults());
        assertThat(p.warnings().stream().map(LoadError::toString).filter(w -> w.contains("group-by")))
                .isEmpty();
    }
}
