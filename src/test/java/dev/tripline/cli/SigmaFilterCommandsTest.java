package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.testing.SharedData;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sigma filters through the commands: {@code rules validate} lists the rules each filter touches and rejects a
 * bad filter at its place, and {@code tripline hunt} applies a filter on a correlation before the correlation
 * counts (on the real Stratus Red Team secrets sweep).
 */
class SigmaFilterCommandsTest {
    static final String BULK_READS = "rules/aws/cloudtrail/aws_secretsmanager_bulk_secret_reads.yml";
    static final String BULK_READS_ID = "9eb5fb7f-c9d4-4351-ac5b-5ffbf9ad8bb1";
    static final Path SWEEP = SharedData.path(
            "data/stratus-red-team-detonation-logs/aws.credential-access.secretsmanager-retrieve-secrets.json");

    /** Excludes 11 of the sweep's 20 secrets (1 and 10 to 19), leaving 9: under the correlation's 10. */
    static final String FILTER = """
            title: Secrets numbered from one are read by the backup job
            id: 3d2f8f0e-6b1c-4f59-a9a4-2f4a3b8f1e10
            logsource:
                product: aws
                service: cloudtrail
            filter:
                rules:
                    - aws_secretsmanager_bulk_secret_reads
                backup:
                    requestParameters.secretId|contains: ':secret:stratus-red-team-retrieve-secret-1'
                condition: not backup
            """;

    @TempDir
    Path dir;

    record Out(int code, String out, String err) {}

    static Out main(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(
                new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Out(code, out.toString(), err.toString());
    }

    Path rules(boolean withFilter) throws Exception {
        Path d = Files.createDirectories(dir.resolve(withFilter ? "filtered" : "plain"));
        Files.copy(Path.of(BULK_READS), d.resolve("reads.yml"));
        if (withFilter) {
            Files.writeString(d.resolve("backup_filter.yml"), FILTER);
        }
        return d;
    }

    @Test
    void validateListsTheRulesAFilterTouches() throws Exception {
        Out r = main("rules", "validate", rules(true).toString());
        assertThat(r.code()).as(r.err()).isZero();
        // The filter names the correlation; it applies to the rule the correlation reads.
        assertThat(r.out())
                .contains("filter 3d2f8f0e-6b1c-4f59-a9a4-2f4a3b8f1e10 (Secrets numbered from one are read by the "
                        + "backup job) applies to 1 rules: de301b3e-6ed2-4fe3-b036-b464881d56fb");
    }

    @Test
    void validateRejectsAFilterNamingAnUnknownRuleAtThePlace() throws Exception {
        Path d = rules(false);
        Path bad = d.resolve("bad_filter.yml");
        Files.writeString(bad, FILTER.replace("- aws_secretsmanager_bulk_secret_reads", "- aws_secrets_typo"));
        Out r = main("rules", "validate", d.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .contains(bad + ":8:11: filter '3d2f8f0e-6b1c-4f59-a9a4-2f4a3b8f1e10' names 'aws_secrets_typo'");
    }

    @Test
    void aFilterOnACorrelationKeepsTheExcludedEventsOutOfItsCount() throws Exception {
        for (boolean withFilter : new boolean[] {false, true}) {
            Path alerts = dir.resolve("alerts-" + withFilter + ".jsonl");
            Out r = main(
                    "hunt",
                    "--rules",
                    rules(withFilter).toString(),
                    "--progress",
                    "none",
                    "--parallelism",
                    "1",
                    "-o",
                    alerts.toString(),
                    SWEEP.toString());
            assertThat(r.code()).as(r.err()).isZero();
            String lines = Files.readString(alerts);
            if (withFilter) {
                assertThat(lines).doesNotContain(BULK_READS_ID);
            } else {
                assertThat(lines).contains(BULK_READS_ID);
            }
        }
    }
}
