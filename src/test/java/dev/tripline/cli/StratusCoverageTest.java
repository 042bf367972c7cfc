package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped rules against the Stratus Red Team detonation logs in ../shared/data (one file per technique,
 * each from its own AWS account): {@code tripline hunt} runs over all of them once, and a technique counts as
 * detected when an alert of level low or above for its account comes from a rule that names the technique's
 * behaviour, as listed in {@link #NAMING_RULES}. A rule that only happens to fire on the detonation (the
 * unapproved-region rule on fake region names, catch-all IAM change rules) does not count.
 */
class StratusCoverageTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path LOGS = SharedData.path("data/stratus-red-team-detonation-logs");
    /** At most this many techniques may go undetected. */
    static final int ALLOWED_MISSES = 2;

    /** Technique (the log file's name) to the ids of the rules whose title names that behaviour. */
    static final Map<String, Set<String>> NAMING_RULES = new TreeMap<>(Map.ofEntries(
            Map.entry(
                    "aws.credential-access.ec2-get-password-data",
                    Set.of("085c5e1d-7fd0-41e2-bbf1-9d96d10bb444")), // aws_ec2_get_password_data
            Map.entry(
                    "aws.credential-access.ec2-steal-instance-credentials",
                    Set.of("AWS.CloudTrail.IMDSCredentialExfiltration")),
            Map.entry(
                    "aws.credential-access.secretsmanager-batch-retrieve-secrets",
                    Set.of("6f2aa4d7-9ac1-45fd-8479-5efe889ffa53")), // aws_secretsmanager_batch_get_secret_value
            Map.entry(
                    "aws.credential-access.secretsmanager-retrieve-secrets",
                    Set.of("9eb5fb7f-c9d4-4351-ac5b-5ffbf9ad8bb1")), // aws_secretsmanager_bulk_secret_reads
            Map.entry(
                    "aws.credential-access.ssm-retrieve-securestring-parameters",
                    Set.of("38a5861b-6b27-4717-9360-e6c4dd8a4e5e")), // aws_ssm_securestring_decrypted
            Map.entry(
                    "aws.defense-evasion.cloudtrail-delete",
                    Set.of("AWS.CloudTrail.Stopped", "e52b26ca-a5bf-42b2-8c96-0fe4118b0c3f")), // aws_logging_disabled
            Map.entry(
                    "aws.defense-evasion.cloudtrail-event-selectors", Set.of("AWS.CloudTrail.EventSelectorsDisabled")),
            Map.entry(
                    "aws.defense-evasion.cloudtrail-stop",
                    Set.of("AWS.CloudTrail.Stopped", "e52b26ca-a5bf-42b2-8c96-0fe4118b0c3f")),
            Map.entry(
                    "aws.defense-evasion.dns-delete-logs",
                    Set.of("fc8c91b5-8215-4841-924a-5c3180d01cb7")), // aws_route53_resolver_query_logging_deleted
            Map.entry(
                    "aws.defense-evasion.organizations-leave",
                    Set.of(
                            "984e698e-d965-4d84-a0ee-3acfa17b3735", // aws_organizations_leave
                            "06b1894b-b7f7-4699-bf39-aaf4e874f9c7")), // aws_logging_disable_refused
            Map.entry(
                    "aws.defense-evasion.vpc-remove-flow-logs",
                    Set.of("e52b26ca-a5bf-42b2-8c96-0fe4118b0c3f")), // aws_logging_disabled
            Map.entry("aws.discovery.ec2-download-user-data", Set.of("AWS.EC2.DownloadInstanceUserData")),
            Map.entry(
                    "aws.execution.ec2-launch-unusual-instances",
                    Set.of("c4df3a61-472e-42f6-93c7-ff64bb7c2911")), // aws_ec2_gpu_instances_requested
            Map.entry("aws.execution.ec2-user-data", Set.of("AWS.EC2.Startup.Script.Change")),
            Map.entry("aws.execution.ssm-send-command", Set.of("AWS.SSM.SendCommandSeveralInstances")),
            Map.entry(
                    "aws.execution.ssm-start-session",
                    Set.of("018af796-6c7b-47ea-a41b-8330044279b7")), // aws_ssm_sessions_on_several_instances
            Map.entry(
                    "aws.exfiltration.ec2-security-group-open-port-22-ingress",
                    Set.of("aa5a9f1b-247b-44bd-8ce7-7abff66eb547")), // aws_ec2_security_group_open_to_internet
            Map.entry(
                    "aws.exfiltration.ec2-share-ami",
                    Set.of("b64de636-8737-4768-9a86-c1729dd6900c")), // aws_ec2_ami_shared
            Map.entry("aws.exfiltration.ec2-share-ebs-snapshot", Set.of("AWS.CloudTrail.SnapshotMadePublic")),
            Map.entry("aws.exfiltration.rds-share-snapshot", Set.of("AWS.RDS.SnapshotShared")),
            Map.entry(
                    "aws.impact.bedrock-invoke-model",
                    Set.of("9b368d89-a664-4c83-9283-79fa48cd3092")), // aws_bedrock_model_access_enabled
            Map.entry(
                    "aws.initial-access.console-login-without-mfa",
                    Set.of("d0a369e5-6563-4427-8c6c-67d978e9c869")), // aws_console_login_without_mfa
            Map.entry(
                    "aws.lateral-movement.ec2-instance-connect",
                    Set.of("0d68547c-2811-4c61-8b91-3d3e2166c473")), // aws_ec2_instance_connect_ssh_key
            Map.entry(
                    "aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
                    Set.of("cd95f839-1eb2-4ddb-838c-a1faf205d60b")), // aws_ec2_serial_console_access
            Map.entry(
                    "aws.persistence.iam-backdoor-role",
                    Set.of("d760d334-a66f-4269-bd55-3a77350b7422")), // aws_iam_role_trusts_another_account
            Map.entry("aws.persistence.iam-backdoor-user", Set.of("AWS.IAM.Backdoor.User.Keys")),
            Map.entry(
                    "aws.persistence.iam-create-admin-user",
                    Set.of("8b14fabf-9158-4b5e-9921-df9e96b02427")), // aws_iam_admin_policy_attached
            Map.entry(
                    "aws.persistence.iam-create-backdoor-role",
                    Set.of("8b14fabf-9158-4b5e-9921-df9e96b02427", "d760d334-a66f-4269-bd55-3a77350b7422")),
            Map.entry(
                    "aws.persistence.iam-create-user-login-profile",
                    Set.of("AWS.CloudTrail.LoginProfileCreatedOrModified")),
            Map.entry(
                    "aws.persistence.lambda-backdoor-function",
                    Set.of("1387a2a8-919a-4a0c-a563-ea1f5fd86225")), // aws_lambda_function_made_public
            Map.entry("aws.persistence.lambda-layer-extension", Set.of("AWS.Lambda.UpdateFunctionConfiguration")),
            Map.entry("aws.persistence.lambda-overwrite-code", Set.of("AWS.Lambda.UpdateFunctionCode")),
            Map.entry(
                    "aws.persistence.rolesanywhere-create-trust-anchor",
                    Set.of("739b7809-1393-4286-bac8-0c752de3db6f")), // aws_rolesanywhere_trust_anchor_created
            Map.entry(
                    "aws.persistence.sts-federation-token",
                    Set.of("5a7f9ccf-12fe-475a-8112-5f740a4d8bba")), // aws_sts_federation_token_by_user
            Map.entry(
                    "aws.privilege-escalation.iam-update-user-login-profile",
                    Set.of("AWS.User.Login.Profile.Modified", "AWS.CloudTrail.LoginProfileCreatedOrModified"))));

    static final Set<String> LOW_OR_ABOVE = Set.of("low", "medium", "high", "critical");

    /** Technique to the account its detonation ran in (each log file holds one account). */
    static final Map<String, String> accounts = new TreeMap<>();

    static List<JsonNode> alerts;

    @TempDir
    static Path dir;

    @BeforeAll
    static void huntTheDetonations() throws Exception {
        try (Stream<Path> files = Files.list(LOGS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                Set<String> inFile = new TreeSet<>();
                JSON.readTree(f.toFile())
                        .forEach(r -> inFile.add(r.path("recipientAccountId").asText()));
                assertThat(inFile).as(f.toString()).hasSize(1);
                String technique = f.getFileName().toString().replaceFirst("\\.json$", "");
                accounts.put(technique, inFile.iterator().next());
            }
        }
        Path out = dir.resolve("alerts.jsonl");
        HuntCommandTest.Result r = HuntCommandTest.main(
                "hunt", "--rules", "rules", "--progress", "none", "-o", out.toString(), LOGS.toString());
        assertThat(r.code()).as(r.err()).isZero();
        alerts = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            alerts.add(JSON.readTree(line));
        }
    }

    @Test
    void everyDetonationLogHasTheRulesThatNameItsBehaviour() {
        assertThat(NAMING_RULES.keySet()).isEqualTo(accounts.keySet());
    }

    @Test
    void atMostTwoTechniquesGoWithoutAnAlertByARuleNamingTheirBehaviour() {
        Map<String, String> missed = new TreeMap<>();
        for (Map.Entry<String, String> e : accounts.entrySet()) {
            Set<String> naming = NAMING_RULES.get(e.getKey());
            Set<String> fired = new TreeSet<>();
            for (JsonNode a : alerts) {
                if (a.path("group").path("account").asText().equals(e.getValue())
                        && LOW_OR_ABOVE.contains(a.path("rule").path("level").asText())) {
                    fired.add(a.path("rule").path("id").asText());
                }
            }
            if (fired.stream().noneMatch(naming::contains)) {
                missed.put(e.getKey(), "fired only " + fired);
            }
        }
        assertThat(missed)
                .as("%d of %d techniques detected", accounts.size() - missed.size(), accounts.size())
                .hasSizeLessThanOrEqualTo(ALLOWED_MISSES);
    }
}
