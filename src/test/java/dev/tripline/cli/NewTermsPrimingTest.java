package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.CorrelateFunction;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.job.SavepointCorrelations;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoadOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Priming new_terms rules from a hunt: {@code tripline hunt --prime-savepoint} over an archive of CloudTrail
 * GetCallerIdentity calls, with Elastic's "first GetCallerIdentity by an identity in 10 days" rule from the corpus,
 * writes a savepoint; the streaming job started from it alerts on an identity first seen after the archive (and on
 * one whose last call lies more than the window before), stays quiet on one the archive had, and learns nothing.
 * The same job without the savepoint learns every term, alerts on none, and says so in its summary.
 */
class NewTermsPrimingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path RULE =
            Path.of("../shared/corpus/elastic-detection-rules/aws/discovery_new_terms_sts_getcalleridentity.toml");
    static final String RULE_ID = "30fbf4db-c502-4e68-a239-2e99af0f70da";
    static final Instant DAY0 = Instant.parse("2024-03-01T09:00:00Z");
    static final long DAY = 86_400;

    @TempDir
    Path dir;

    Path rules;

    @BeforeEach
    void rules() throws Exception {
        rules = Files.createDirectories(dir.resolve("rules"));
        Files.copy(RULE, rules.resolve(RULE.getFileName()));
    }

    /** A GetCallerIdentity call by an IAM user, as CloudTrail records it. */
    static String call(String user, long secondsAfterDay0, int n) {
        return ("{\"eventVersion\": \"1.08\", \"userIdentity\": {\"type\": \"IAMUser\", \"principalId\": \"AIDA%s\","
                        + " \"arn\": \"arn:aws:iam::123456789012:user/%s\", \"accountId\": \"123456789012\","
                        + " \"accessKeyId\": \"AKIAEXAMPLE%s\", \"userName\": \"%s\"},"
                        + " \"eventTime\": \"%s\", \"eventSource\": \"sts.amazonaws.com\","
                        + " \"eventName\": \"GetCallerIdentity\", \"awsRegion\": \"us-east-1\","
                        + " \"sourceIPAddress\": \"198.51.100.7\", \"userAgent\": \"aws-cli/2.15.0\","
                        + " \"requestParameters\": null, \"responseElements\": null,"
                        + " \"requestID\": \"req-%d\", \"eventID\": \"evt-%s-%d\", \"readOnly\": true,"
                        + " \"eventType\": \"AwsApiCall\", \"managementEvent\": true,"
                        + " \"recipientAccountId\": \"123456789012\", \"eventCategory\": \"Management\"}")
                .formatted(
                        user.toUpperCase(java.util.Locale.ROOT),
                        user,
                        user.toUpperCase(java.util.Locale.ROOT),
                        user,
                        DAY0.plusSeconds(secondsAfterDay0),
                        n,
                        user,
                        n);
    }

    Path file(String name, List<String> lines) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    /** Twelve days of calls: alice and trent every day, bob only on day 1 (more than ten days before the end). */
    Path archive() throws Exception {
        List<String> lines = new ArrayList<>();
        int n = 0;
        lines.add(call("bob", DAY, n++));
        for (long d = 0; d <= 12; d++) {
            lines.add(call("alice", d * DAY + 3600, n++));
            lines.add(call("trent", d * DAY + 7200, n++));
        }
        return file("archive.jsonl", lines);
    }

    /** What arrives after the archive: alice (known), carol (never seen), bob (last seen twelve days before). */
    Path afterTheArchive() throws Exception {
        return file(
                "live.jsonl",
                List.of(
                        call("alice", 13 * DAY, 100),
                        call("carol", 13 * DAY + 60, 101),
                        call("bob", 13 * DAY + 120, 102),
                        call("carol", 13 * DAY + 600, 103)));
    }

    /** The streaming job over {@code input}, from {@code savepoint} when not null; its alerts by principal. */
    EmbeddedRun.Summary stream(Path input, String savepoint, List<String> principals) throws Exception {
        Configuration conf = EmbeddedRun.loopbackConfiguration();
        if (savepoint != null) {
            conf.set(SavepointConfigOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
        // As 'tripline job' loads its rules: the history start is not configured.
        RuleProgram program = RuleProgram.compile(
                "test", Map.of(RULE.getFileName().toString(), Files.readString(RULE)), jobLoadOptions());
        assertThat(program.ok()).as(program.errors().toString()).isTrue();
        return new EmbeddedRun(program, DetectionJob.Options.defaults(), AlertFormat.JSONL, new RawRecordFormat())
                .run(
                        env,
                        RuntimeExecutionMode.STREAMING,
                        EmbeddedRun.Input.files(List.of(input)),
                        line -> {
                            JsonNode a = JSON.readTree(line);
                            principals.add(a.path("group")
                                    .path("aws.cloudtrail.user_identity.arn")
                                    .asText());
                        },
                        line -> {},
                        null,
                        0);
    }

    static RuleLoadOptions jobLoadOptions() {
        return RuleLoadOptions.defaults().withNewTermsHistoryStart(Long.MAX_VALUE);
    }

    @Test
    void aPrimedJobAlertsOnTermsNewAfterTheArchiveAndAnUnprimedOneOnlyLearns() throws Exception {
        Path archive = archive();
        String savepoint = dir.resolve("primed").toString();
        HuntCommandTest.Result hunt = HuntCommandTest.main(
                "hunt",
                "--rules",
                rules.toString(),
                "--progress",
                "none",
                "-o",
                dir.resolve("hunted.jsonl").toString(),
                "--prime-savepoint",
                savepoint,
                archive.toString());
        assertThat(hunt.code()).as(hunt.err()).isZero();
        assertThat(hunt.err())
                .doesNotContain("the history is shorter")
                .contains("priming savepoint written to " + savepoint + ": 2 terms of 1 new_terms rules, history from "
                        + DAY0.plusSeconds(3600) + " to " + DAY0.plusSeconds(12 * DAY + 7200))
                .contains("(1 terms whose window ended before then left out)");

        // The savepoint holds the terms within ten days of the archive's end, under the correlate operator's uid.
        assertThat(SavepointCorrelations.read(savepoint))
                .allSatisfy(g -> assertThat(g.operatorUid()).isEqualTo(CorrelateFunction.UID))
                .extracting(g -> g.group() + " " + Instant.ofEpochMilli(g.oldestSignalTime()))
                .containsExactlyInAnyOrder(
                        "arn:aws:iam::123456789012:user/alice " + DAY0.plusSeconds(12 * DAY + 3600),
                        "arn:aws:iam::123456789012:user/trent " + DAY0.plusSeconds(12 * DAY + 7200));

        // The streaming job from the savepoint, as 'tripline run - --from-savepoint' runs it over a stream.
        Path live = afterTheArchive();
        Path alerts = dir.resolve("primed-alerts.jsonl");
        HuntCommandTest.Result primedRun = HuntCommandTest.mainWithStdin(
                Files.readAllBytes(live),
                "run",
                "--rules",
                rules.toString(),
                "-o",
                alerts.toString(),
                "--from-savepoint",
                savepoint,
                "-");
        assertThat(primedRun.code()).as(primedRun.err()).isZero();
        List<String> primed = new ArrayList<>();
        for (String line : Files.readAllLines(alerts)) {
            primed.add(JSON.readTree(line)
                    .path("group")
                    .path("aws.cloudtrail.user_identity.arn")
                    .asText());
        }
        assertThat(primed)
                .as("carol is new; bob's last call lies more than ten days back; alice is known")
                .containsExactlyInAnyOrder(
                        "arn:aws:iam::123456789012:user/carol", "arn:aws:iam::123456789012:user/bob");
        assertThat(primedRun.err()).doesNotContain("new_terms learning");

        // The same primed state in the job's own topology (EmbeddedRun), and the same job without it.
        List<String> fromState = new ArrayList<>();
        EmbeddedRun.Summary fromSavepoint = stream(live, savepoint, fromState);
        assertThat(fromState).containsExactlyInAnyOrderElementsOf(primed);
        assertThat(fromSavepoint.newTermsLearned()).isEmpty();

        List<String> unprimed = new ArrayList<>();
        EmbeddedRun.Summary fresh = stream(live, null, unprimed);
        assertThat(unprimed)
                .as("without history every term is learned, none alerted")
                .isEmpty();
        assertThat(fresh.newTermsLearned()).isEqualTo(new TreeMap<>(Map.of(RULE_ID, 3L)));
    }

    @Test
    void anUnprimedRunSaysItIsLearningInItsSummary() throws Exception {
        HuntCommandTest.Result run = HuntCommandTest.main(
                "run",
                "--rules",
                rules.toString(),
                "-o",
                dir.resolve("alerts.jsonl").toString(),
                archive().toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err())
                .contains("0 alerts")
                .contains("new_terms learning, not alerting: 3 terms first seen before their rule's history was known")
                .contains(RULE_ID + " 3");
    }

    @Test
    void aPrimingHuntShorterThanTheWindowSaysItsRulesWillStillLearn() throws Exception {
        String from = DAY0.plusSeconds(5 * DAY).toString();
        HuntCommandTest.Result hunt = HuntCommandTest.main(
                "hunt",
                "--rules",
                rules.toString(),
                "--progress",
                "none",
                "--from",
                from,
                "-o",
                dir.resolve("hunted.jsonl").toString(),
                "--prime-savepoint",
                dir.resolve("short").toString(),
                archive().toString());
        assertThat(hunt.code()).as(hunt.err()).isZero();
        assertThat(hunt.err())
                .as("history from --from, seven days of a ten-day window")
                .contains("history from " + from)
                .contains("the history is shorter than the window of 1 new_terms rules (" + RULE_ID
                        + "): started from this savepoint they learn until one window after " + from);
    }
}
