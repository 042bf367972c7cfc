package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deduplicated alerts keep their evidence, end to end through {@code tripline hunt} over the real Invictus
 * Stratus Red Team logs (../shared/data/invictus-aws-stratus): the detonations that a warm-up or an earlier
 * technique's match used to hide now show in their alert, the lines do not depend on file order or parallelism,
 * and a rule whose dedup key names the target splits its alerts by target.
 */
class HuntEvidenceTest {
    static final Path INVICTUS = SharedData.path("data/invictus-aws-stratus");

    @TempDir
    static Path dir;

    static List<JsonNode> alerts;

    static List<JsonNode> hunt(String name, String... args) throws Exception {
        Path out = dir.resolve(name + ".jsonl");
        List<String> all = new ArrayList<>(List.of("hunt", "--progress", "none", "-o", out.toString()));
        all.addAll(List.of(args));
        HuntCommandTest.Result r = HuntCommandTest.main(all.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return RunCommandTest.lines(out);
    }

    @BeforeAll
    static void huntInvictus() throws Exception {
        alerts = hunt("invictus", "--rules", "rules", "--parallelism", "2", INVICTUS.toString());
    }

    static JsonNode alertOf(String ruleId) {
        List<JsonNode> of = alerts.stream()
                .filter(a -> a.at("/rule/id").asText().equals(ruleId))
                .toList();
        assertThat(of).as(ruleId).hasSize(1);
        return of.get(0);
    }

    static List<String> eventIds(JsonNode alert) {
        List<String> ids = new ArrayList<>();
        alert.get("evidence").forEach(e -> ids.add(e.get("eventID").asText()));
        return ids;
    }

    @Test
    void detonationsThatDedupHidBehindAnEarlierMatchNowShowInTheirAlert() {
        // aws.persistence.iam-create-admin-user: its CreateAccessKey came 21 s after another technique's, which
        // had opened the period of the same user; the alert showed only the first.
        JsonNode keys = alertOf("AWS.IAM.Backdoor.User.Keys");
        assertThat(eventIds(keys))
                .containsExactly("64b7de64-bf53-47ae-b7e3-d30cb1b5136e", "8c282c0b-00d1-4369-95b7-cb50b6eee620");
        assertThat(keys.get("count").asInt()).isEqualTo(2);
        // aws.persistence.iam-create-user-login-profile, behind Terraform's warm-up calls of the same user.
        JsonNode credentials = alertOf("AWS.IAM.CredentialsUpdated");
        assertThat(eventIds(credentials))
                .contains(
                        "f0d7bb15-75c8-4770-a500-92d1f71b948c",
                        "85c89720-8103-4281-9e0e-8977b52bcdbe",
                        "8c282c0b-00d1-4369-95b7-cb50b6eee620");
        assertThat(credentials.get("occurrences").asInt()).isEqualTo(8);
        assertThat(eventIds(alertOf("AWS.CloudTrail.LoginProfileCreatedOrModified")))
                .contains("f0d7bb15-75c8-4770-a500-92d1f71b948c", "b1b84418-3c77-4f3e-817b-e6930d1cab70");
        // aws.exfiltration.ec2-security-group-open-port-22-ingress, behind the security group's creation.
        JsonNode groups = alertOf("AWS.EC2.SecurityGroupModified");
        assertThat(eventIds(groups))
                .contains("74bd84b4-6729-4895-b2a4-e2beb7c6b377", "8733f811-267d-4c46-8e5b-000fe7c6a9f2");
        // The admin user's policy attachment and its removal, among 26 policy changes: the sample shows the first
        // and the latest five and counts the rest.
        JsonNode policies = alertOf("AWS.IAM.PolicyModified");
        assertThat(eventIds(policies))
                .hasSize(10)
                .contains("f4923a37-92d5-4dfd-9786-6caef2b5f33c", "7dfa2d8e-aa3d-44d1-bd90-d990f58311e0");
        assertThat(policies.get("occurrences").asInt()).isEqualTo(26);
        assertThat(policies.get("evidence_omitted").asInt()).isEqualTo(16);
        assertThat(eventIds(alertOf("AWS.Lambda.UpdateFunctionCode"))).contains("e01946e6-d206-4927-b90a-9ae3b723b9e6");
        assertThat(alerts).allSatisfy(a -> assertThat(a.get("revision").asInt()).isZero());
    }

    @Test
    void theSameArchiveGivesTheSameLinesWhateverTheFileOrderAndParallelism() throws Exception {
        List<String> files = new ArrayList<>();
        try (var s = Files.list(INVICTUS)) {
            s.filter(p -> p.toString().endsWith(".json")).forEach(p -> files.add(p.toString()));
        }
        Collections.shuffle(files, new Random(3));
        List<String> args = new ArrayList<>(List.of("--rules", "rules", "--parallelism", "4"));
        args.addAll(files);
        List<JsonNode> shuffled = hunt("shuffled", args.toArray(String[]::new));
        List<JsonNode> serial = hunt("serial", "--rules", "rules", "--parallelism", "1", INVICTUS.toString());
        assertThat(sorted(shuffled)).isEqualTo(sorted(alerts)).isEqualTo(sorted(serial));
    }

    static List<String> sorted(List<JsonNode> lines) {
        List<String> out =
                new ArrayList<>(lines.stream().map(JsonNode::toString).toList());
        out.sort(null);
        return out;
    }

    @Test
    void aDedupKeyThatNamesTheTargetUserSplitsTheAlertsByTarget() throws Exception {
        Path rules = Files.createDirectories(dir.resolve("rules"));
        String rule = """
                title: Access key created for an IAM user
                id: %s
                logsource:
                  product: aws
                  service: cloudtrail
                detection:
                  sel:
                    eventName: CreateAccessKey
                    userIdentity.type: IAMUser
                  condition: sel
                %s
                """;
        Files.writeString(rules.resolve("by_caller.yml"), rule.formatted("key-by-caller", ""));
        Files.writeString(
                rules.resolve("by_target.yml"),
                rule.formatted("key-by-target", "dedup_by: requestParameters.userName"));
        List<JsonNode> out = hunt("targets", "--rules", rules.toString(), INVICTUS.toString());
        Map<String, Integer> byTarget = new TreeMap<>();
        for (JsonNode a : out) {
            if (a.at("/rule/id").asText().equals("key-by-target")) {
                byTarget.put(
                        a.at("/group/requestParameters.userName").asText(),
                        a.get("count").asInt());
            }
        }
        assertThat(byTarget)
                .containsExactly(Map.entry("malicious-iam-user", 1), Map.entry("stratus-red-team-backdoor-u-user", 1));
        assertThat(out.stream().filter(a -> a.at("/rule/id").asText().equals("key-by-caller")))
                .singleElement()
                .satisfies(a -> assertThat(a.get("count").asInt()).isEqualTo(2));
    }
}
