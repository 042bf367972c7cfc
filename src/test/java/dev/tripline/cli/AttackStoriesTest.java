package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack stories shipped as Sigma correlations in rules/, run by {@code tripline run} and {@code tripline
 * hunt} with the whole rule directory. Where ../shared/data holds the story (logging disabled, then data shared
 * out, in the Invictus detonation) the real files are hunted. Otherwise the events are real Stratus Red Team and
 * Invictus records with only identity, account, time, ids or addresses changed to build each case; every case
 * lives in its own account, so one run covers them all and only the complete ones may fire.
 */
class AttackStoriesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NEW_ADMIN_USER_USED = "7f530b82-7817-45e2-9f7a-3b8a2ec1afa5";
    static final String NEW_ADMIN_ROLE_USED = "d0fe81cc-8402-4f39-ad7c-088cda54a00f";
    static final String KEY_USED_ELSEWHERE = "ac58bbc8-16c7-4104-9428-20d924357e7f";
    static final String DENIED_RECON = "2de62527-97ce-48fd-ae9e-8560d218a096";
    static final String LOGGING_THEN_SHARED = "5e2db947-4a4c-4d49-965a-86e78cb0b36c";

    static final Instant T0 = Instant.parse("2024-03-01T10:00:00Z");
    static final Path STRATUS = SharedData.path("data/stratus-red-team-detonation-logs");
    static final Path INVICTUS = SharedData.path("data/invictus-aws-stratus");

    static ObjectNode createUser;
    static ObjectNode attachUserPolicy;
    static ObjectNode createRole;
    static ObjectNode attachRolePolicy;
    static ObjectNode listSecrets;
    static ObjectNode createAccessKey;
    static ObjectNode userCall;
    static ObjectNode assumedRoleCall;
    static ObjectNode denied;

    /** Correlation alerts of the run over the built cases: rule id to the accounts it fired in. */
    static Map<String, TreeSet<String>> fired;

    @TempDir
    static Path dir;

    static ObjectNode stratus(String technique, String eventName) throws Exception {
        for (JsonNode r : JSON.readTree(STRATUS.resolve(technique + ".json").toFile())) {
            if (r.path("eventName").asText().equals(eventName)) {
                return (ObjectNode) r;
            }
        }
        throw new AssertionError(eventName + " not in " + technique);
    }

    static ObjectNode invictus(Predicate<JsonNode> which) throws Exception {
        try (var files = Files.list(INVICTUS)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (JsonNode r : JSON.readTree(f.toFile()).path("Records")) {
                    if (which.test(r)) {
                        return (ObjectNode) r;
                    }
                }
            }
        }
        throw new AssertionError("no such Invictus record");
    }

    @BeforeAll
    static void runTheCases() throws Exception {
        createUser = stratus("aws.persistence.iam-create-admin-user", "CreateUser");
        attachUserPolicy = stratus("aws.persistence.iam-create-admin-user", "AttachUserPolicy");
        createRole = stratus("aws.persistence.iam-create-backdoor-role", "CreateRole");
        attachRolePolicy = stratus("aws.persistence.iam-create-backdoor-role", "AttachRolePolicy");
        listSecrets = stratus("aws.credential-access.secretsmanager-retrieve-secrets", "ListSecrets");
        createAccessKey = invictus(r -> r.path("eventName").asText().equals("CreateAccessKey"));
        userCall = invictus(r -> r.path("eventName").asText().equals("DescribeInstances")
                && r.at("/userIdentity/type").asText().equals("IAMUser")
                && !r.has("errorCode"));
        assumedRoleCall = invictus(r -> r.at("/userIdentity/type").asText().equals("AssumedRole")
                && r.at("/userIdentity/sessionContext/sessionIssuer/userName").isTextual()
                && !r.has("errorCode"));
        denied = invictus(r -> r.path("eventName").asText().equals("GetCostForecast"));
        assertThat(attachUserPolicy.at("/requestParameters/userName").asText())
                .isEqualTo(createUser.at("/requestParameters/userName").asText());
        assertThat(attachRolePolicy.at("/requestParameters/roleName").asText())
                .isEqualTo(createRole.at("/requestParameters/roleName").asText());
        assertThat(denied.path("errorCode").asText()).isEqualTo("AccessDenied");

        List<String> lines = new ArrayList<>();
        newAdminUser(lines, "100000000001", true);
        newAdminUser(lines, "100000000002", false);
        newAdminRole(lines, "100000000003", true);
        newAdminRole(lines, "100000000004", false);
        accessKey(lines, "100000000005", "198.51.100.77");
        accessKey(lines, "100000000006", createAccessKey.path("sourceIPAddress").asText());
        deniedCalls(lines, "100000000007", 5);
        deniedCalls(lines, "100000000008", 4);
        Path input = dir.resolve("stories.jsonl");
        Files.write(input, lines, StandardCharsets.UTF_8);
        Path alerts = dir.resolve("alerts.jsonl");
        int code = Main.run(
                "run", "--rules", "rules", "--output", alerts.toString(), "--parallelism", "2", input.toString());
        assertThat(code).isZero();
        fired = new TreeMap<>();
        for (JsonNode a : RunCommandTest.lines(alerts)) {
            if (a.path("kind").asText().equals("correlation")) {
                fired.computeIfAbsent(a.path("rule").path("id").asText(), k -> new TreeSet<>())
                        .add(a.path("group").path("account").asText());
            }
        }
    }

    /** {@code r} moved to {@code account} at {@code time} with its own event id. */
    static ObjectNode at(ObjectNode r, String account, Instant time, String eventId) {
        ObjectNode c = r.deepCopy();
        c.put("recipientAccountId", account);
        c.put("eventTime", time.toString());
        c.put("eventID", eventId);
        ObjectNode id = (ObjectNode) c.get("userIdentity");
        String oldAccount = id.path("accountId").asText();
        id.put("accountId", account);
        if (id.has("arn")) {
            id.put("arn", id.get("arn").asText().replace(oldAccount, account));
        }
        return c;
    }

    /** {@code r} as a call by the IAM user {@code userName}. */
    static ObjectNode byUser(ObjectNode r, String account, String userName) {
        ObjectNode id = JSON.createObjectNode();
        id.put("type", "IAMUser");
        id.put("principalId", "AIDAEXAMPLENEWUSER01");
        id.put("arn", "arn:aws:iam::" + account + ":user/" + userName);
        id.put("accountId", account);
        id.put("accessKeyId", "AKIAEXAMPLENEWUSER01");
        id.put("userName", userName);
        r.set("userIdentity", id);
        return r;
    }

    static void newAdminUser(List<String> out, String account, boolean usedByTheNewUser) {
        String user = createUser.at("/requestParameters/userName").asText();
        out.add(at(createUser, account, T0, "cu-" + account).toString());
        out.add(at(attachUserPolicy, account, T0.plusSeconds(1), "au-" + account)
                .toString());
        ObjectNode use = at(listSecrets, account, T0.plusSeconds(600), "use-" + account);
        out.add(byUser(use, account, usedByTheNewUser ? user : "someone-else").toString());
    }

    static void newAdminRole(List<String> out, String account, boolean usedByTheNewRole) {
        String role = createRole.at("/requestParameters/roleName").asText();
        out.add(at(createRole, account, T0, "cr-" + account).toString());
        out.add(at(attachRolePolicy, account, T0.plusSeconds(2), "ar-" + account)
                .toString());
        ObjectNode use = at(assumedRoleCall, account, T0.plusSeconds(900), "ruse-" + account);
        ((ObjectNode) use.at("/userIdentity/sessionContext/sessionIssuer"))
                .put("userName", usedByTheNewRole ? role : "some-other-role");
        out.add(use.toString());
    }

    static void accessKey(List<String> out, String account, String useAddress) {
        String key =
                createAccessKey.at("/responseElements/accessKey/accessKeyId").asText();
        out.add(at(createAccessKey, account, T0, "ck-" + account).toString());
        ObjectNode use = at(userCall, account, T0.plusSeconds(3600), "kuse-" + account);
        ObjectNode id = (ObjectNode) use.get("userIdentity");
        id.put("accessKeyId", key);
        id.put("userName", createAccessKey.at("/requestParameters/userName").asText());
        id.put("arn", "arn:aws:iam::" + account + ":user/" + id.get("userName").asText());
        use.put("sourceIPAddress", useAddress);
        out.add(use.toString());
    }

    static void deniedCalls(List<String> out, String account, int distinctCalls) {
        String[] names = {"GetCostForecast", "ListUsers", "DescribeInstances", "ListBuckets", "GetAccountSummary"};
        for (int i = 0; i < distinctCalls; i++) {
            ObjectNode d = at(denied, account, T0.plusSeconds(60L * i), "d-" + account + "-" + i);
            d.put("eventName", names[i]);
            out.add(d.toString());
            // The same call retried is one distinct call, however often it is refused.
            out.add(at(d, account, T0.plusSeconds(60L * i + 5), "d-" + account + "-" + i + "-again")
                    .toString());
        }
    }

    @Test
    void aNewUserGivenAdministratorAccessFiresOnlyWhenTheNewUserIsUsed() {
        assertThat(fired.get(NEW_ADMIN_USER_USED)).containsExactly("100000000001");
    }

    @Test
    void aNewRoleGivenAdministratorAccessFiresOnlyWhenTheNewRoleIsUsed() {
        assertThat(fired.get(NEW_ADMIN_ROLE_USED)).containsExactly("100000000003");
    }

    @Test
    void aNewAccessKeyFiresOnlyWhenUsedFromAnotherAddressThanItsCreation() {
        assertThat(fired.get(KEY_USED_ELSEWHERE)).containsExactly("100000000005");
    }

    @Test
    void fiveDifferentDeniedCallsFireAndFourDoNotHoweverOftenRetried() {
        assertThat(fired.get(DENIED_RECON)).containsExactly("100000000007");
    }

    @Test
    void noOtherStoryFiresOnTheseCases() {
        assertThat(fired.keySet())
                .containsExactlyInAnyOrder(NEW_ADMIN_USER_USED, NEW_ADMIN_ROLE_USED, KEY_USED_ELSEWHERE, DENIED_RECON);
    }

    @Test
    void loggingDisabledThenAnAmiSharedFiresOnTheRealInvictusDetonation() throws Exception {
        Path alerts = dir.resolve("invictus.jsonl");
        HuntCommandTest.Result r = HuntCommandTest.main(
                "hunt", "--rules", "rules", "--progress", "none", "-o", alerts.toString(), INVICTUS.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> story = RunCommandTest.lines(alerts).stream()
                .filter(a -> a.path("rule").path("id").asText().equals(LOGGING_THEN_SHARED))
                .toList();
        assertThat(story).singleElement().satisfies(a -> {
            assertThat(a.path("group").path("account").asText()).isEqualTo("123837392027");
            List<String> events = new ArrayList<>();
            a.path("evidence").forEach(e -> events.add(e.path("eventName").asText()));
            assertThat(events).containsExactly("DeleteFlowLogs", "ModifyImageAttribute");
        });
    }
}
