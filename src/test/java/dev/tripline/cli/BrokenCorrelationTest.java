package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.testing.BrokenCorrelation;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A correlation that cannot compile is a load error on every command that loads rules: validate and test exit 1
 * naming the offending entry as file:line:col, and run, hunt and job refuse to start with the same message.
 */
class BrokenCorrelationTest {
    @TempDir
    Path dir;

    Path rules;
    String where;

    record Result(int code, String out, String err) {}

    static Result main(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(
                new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeEach
    void writeRules() throws Exception {
        rules = dir.resolve("rules");
        Files.createDirectories(rules);
        Path file = rules.resolve("logins.yml");
        Files.writeString(file, BrokenCorrelation.LISTED_TWICE);
        where = BrokenCorrelation.where(file.toString());
    }

    @Test
    void validateExitsOneNamingTheRepeatedEntry() {
        Result r = main("rules", "validate", rules.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(RulesCommand.RULES_FAILED);
        assertThat(r.err()).contains(where).contains("console_login").contains("twice");
        assertThat(r.out()).contains("1 errors");
    }

    @Test
    void ruleTestsFailOnTheSameError() {
        Result r = main("rules", "test", rules.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(RulesCommand.RULES_FAILED);
        assertThat(r.err()).contains(where);
    }

    @Test
    void runRefusesToStart() throws Exception {
        Path alerts = dir.resolve("alerts.jsonl");
        Result r = main("run", "--rules", rules.toString(), "-o", alerts.toString(), RunCommandTest.SAMPLE);
        assertThat(r.code()).as(r.err()).isEqualTo(JobOptions.RULES_FAILED);
        assertThat(r.err()).contains(where).contains("rules have errors");
        assertThat(alerts).doesNotExist();
    }

    @Test
    void huntRefusesToStart() {
        Result r = main(
                "hunt",
                "--rules",
                rules.toString(),
                "--progress",
                "none",
                "-o",
                dir.resolve("hunted.jsonl").toString(),
                RunCommandTest.SAMPLE);
        assertThat(r.code()).as(r.err()).isEqualTo(JobOptions.RULES_FAILED);
        assertThat(r.err()).contains(where);
    }

    @Test
    void jobRefusesToSubmit() {
        Result r = main("job", "--rules", rules.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(JobOptions.RULES_FAILED);
        assertThat(r.err()).contains(where);
    }
}
