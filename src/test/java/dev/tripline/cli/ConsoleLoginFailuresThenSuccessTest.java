package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.testing.SharedData;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped correlation "five failed console sign-ins, then a success, same principal, within ten minutes"
 * run by {@code tripline run} on records in CloudTrail's real shape: the failures are the real failed
 * ConsoleLogin of Panther's labelled events (no userIdentity.arn, empty accessKeyId) with time, ids and user
 * varied; the success is a real Invictus ConsoleLogin. Each case lives in its own account, so one run covers
 * them all and only the complete one may fire.
 */
class ConsoleLoginFailuresThenSuccessTest {
    static final String RULE = "rules/aws/cloudtrail/aws_console_login_failures_then_success.yml";
    static final String COMPOSITE = "238c8ef9-6b44-45cf-982b-f53812600773";
    static final ObjectMapper JSON = new ObjectMapper();
    /** bert-jan of the Invictus set: the user whose real successful sign-in is used. */
    static final String BERT_JAN_ID = "AIDATFQR7NSC5AU2ZV3IE";

    static final Instant SUCCESS_TIME = Instant.parse("2023-07-10T12:27:45Z");

    static ObjectNode failure;
    static ObjectNode success;

    @TempDir
    Path dir;

    @BeforeAll
    static void realRecords() throws Exception {
        Path labelled = SharedData.path("data/panther-analysis-test-events/aws_cloudtrail_rule_tests.jsonl.gz");
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(Files.newInputStream(labelled)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode r = JSON.readTree(line);
                if (r.path("test_name").asText().equals("Unsuccessful Login w/ MFA")) {
                    failure = (ObjectNode) r.get("event");
                }
            }
        }
        Path invictus = SharedData.path("data/invictus-aws-stratus/"
                + "218007301253_CloudTrail_us-east-1_20230710T1230Z_AvIajGd5rkz6vTy4.json");
        for (JsonNode r : JSON.readTree(invictus.toFile()).get("Records")) {
            if (r.path("eventID").asText().equals("8feee4c2-5e27-4857-8475-bfa7e7b6d791")) {
                success = (ObjectNode) r;
            }
        }
        // CloudTrail's real shape of a failed sign-in, which the correlation must cope with.
        assertThat(failure.path("userIdentity").has("arn")).isFalse();
        assertThat(failure.path("userIdentity").path("accessKeyId").asText()).isEmpty();
        assertThat(failure.path("responseElements").path("ConsoleLogin").asText())
                .isEqualTo("Failure");
        assertThat(success.path("userIdentity").path("arn").asText())
                .isEqualTo("arn:aws:iam::123837392027:user/bert-jan");
    }

    /** The real failed sign-in, made a failure of {@code userName} in {@code account} at {@code time}. */
    static String failed(String account, String principalId, String userName, Instant time, String eventId) {
        ObjectNode f = failure.deepCopy();
        ObjectNode id = (ObjectNode) f.get("userIdentity");
        id.put("accountId", account);
        if (principalId == null) {
            id.remove("principalId");
        } else {
            id.put("principalId", principalId);
        }
        id.put("userName", userName);
        f.put("recipientAccountId", account);
        f.put("eventTime", time.toString());
        f.put("eventID", eventId);
        return f.toString();
    }

    /** The real successful sign-in of bert-jan, moved to {@code account}. */
    static String succeeded(String account) {
        ObjectNode s = success.deepCopy();
        ObjectNode id = (ObjectNode) s.get("userIdentity");
        id.put("accountId", account);
        id.put("arn", "arn:aws:iam::" + account + ":user/bert-jan");
        s.put("recipientAccountId", account);
        s.put("eventID", "8feee4c2-5e27-4857-8475-" + account);
        return s.toString();
    }

    /** {@code n} failures one minute apart, the last one {@code before} the success. */
    static void failures(List<String> out, int n, String account, String principalId, String userName) {
        for (int i = 0; i < n; i++) {
            Instant t = SUCCESS_TIME.minusSeconds(165 + 60L * (n - 1 - i));
            out.add(failed(account, principalId, userName, t, "f-" + account + "-" + i));
        }
    }

    @Test
    void fiveFailuresThenASuccessFireAndNeitherFourFailuresNorAnotherUsersFailuresDo() throws Exception {
        List<String> lines = new ArrayList<>();
        String fires = "123837392027";
        failures(lines, 5, fires, BERT_JAN_ID, "bert-jan");
        lines.add(succeeded(fires));
        String onlyFour = "222233334444";
        failures(lines, 4, onlyFour, BERT_JAN_ID, "bert-jan");
        lines.add(succeeded(onlyFour));
        String otherUser = "333344445555";
        failures(lines, 5, otherUser, "AIDAEXAMPLEOTHERUSER1", "alice");
        lines.add(succeeded(otherUser));
        // Five failures on user names that do not exist: CloudTrail hides the name, so they name no one.
        String hidden = "444455556666";
        failures(lines, 5, hidden, null, "HIDDEN_DUE_TO_SECURITY_REASONS");
        lines.add(succeeded(hidden));
        Path input = dir.resolve("signin.jsonl");
        Files.write(input, lines, StandardCharsets.UTF_8);

        Path alerts = dir.resolve("alerts.jsonl");
        Path dead = dir.resolve("dead.jsonl");
        int code = Main.run(
                "run",
                "--rules",
                RULE,
                "--output",
                alerts.toString(),
                "--dead-letters",
                dead.toString(),
                "--parallelism",
                "2",
                input.toString());

        assertThat(code).isZero();
        assertThat(RunCommandTest.lines(dead)).isEmpty();
        List<JsonNode> out = RunCommandTest.lines(alerts);
        assertThat(out).singleElement().satisfies(a -> {
            assertThat(a.path("kind").asText()).isEqualTo("correlation");
            assertThat(a.path("rule").path("id").asText()).isEqualTo(COMPOSITE);
            assertThat(a.path("group").path("account").asText()).isEqualTo(fires);
            assertThat(a.path("group").path("principal").asText())
                    .isEqualTo("arn:aws:iam::" + fires + ":user/bert-jan");
            assertThat(a.path("title").asText())
                    .isEqualTo("Console sign-in of arn:aws:iam::" + fires
                            + ":user/bert-jan succeeded after repeated failures");
            List<String> evidence = new ArrayList<>();
            a.path("evidence").forEach(e -> evidence.add(e.path("eventID").asText()));
            assertThat(evidence)
                    .containsExactly(
                            "f-" + fires + "-0",
                            "f-" + fires + "-1",
                            "f-" + fires + "-2",
                            "f-" + fires + "-3",
                            "f-" + fires + "-4",
                            "8feee4c2-5e27-4857-8475-" + fires);
        });
    }
}
