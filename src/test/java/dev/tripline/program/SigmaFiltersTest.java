package dev.tripline.program;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sigma filters applied when a rule set is compiled: to named rules, to every rule of the logsource
 * ({@code rules: any}), to the rules a named correlation reads; which rules each touches; bad filters rejected
 * at the place in the file. The events are real Stratus Red Team records.
 */
class SigmaFiltersTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final RuleLoadOptions LOAD = RuleLoadOptions.defaults();
    static final String ADMIN_RULE = "8b14fabf-9158-4b5e-9921-df9e96b02427";

    static String adminRule;
    static String azureRule;
    static ObjectNode attachAdmin;

    @BeforeAll
    static void read() throws Exception {
        adminRule = Files.readString(Path.of("rules/aws/cloudtrail/aws_iam_admin_policy_attached.yml"));
        azureRule = """
                title: a Key Vault written
                id: azure-keyvault-write
                logsource: {product: azure, service: activitylogs}
                detection:
                    sel: {operationName: MICROSOFT.KEYVAULT/VAULTS/WRITE}
                    condition: sel
                """;
        Path log = SharedData.path("data/stratus-red-team-detonation-logs/aws.persistence.iam-create-admin-user.json");
        for (JsonNode r : JSON.readTree(log.toFile())) {
            if (r.path("eventName").asText().equals("AttachUserPolicy")) {
                attachAdmin = (ObjectNode) r;
            }
        }
        assertThat(attachAdmin.at("/userIdentity/arn").asText()).endsWith(":user/christophe");
    }

    static Event event(ObjectNode record) throws Exception {
        List<Event> events =
                new EventParser().parse(JSON.writeValueAsBytes(record)).events();
        assertThat(events).hasSize(1);
        return events.get(0);
    }

    static List<String> firing(RuleProgram p, ObjectNode record) throws Exception {
        List<String> ids = new ArrayList<>();
        p.matcher().match(event(record), r -> ids.add(r.id()));
        return ids;
    }

    static ObjectNode byUser(String user) {
        ObjectNode r = attachAdmin.deepCopy();
        ((ObjectNode) r.get("userIdentity")).put("arn", "arn:aws:iam::229654561268:user/" + user);
        return r;
    }

    static final String FILTER_CHRISTOPHE = """
            title: christophe may attach admin policies
            id: f-christophe
            logsource:
                product: aws
                service: cloudtrail
            filter:
                rules:
                    - aws_iam_admin_policy_attached
                selection:
                    userIdentity.arn|endswith: ':user/christophe'
                condition: not selection
            """;

    @Test
    void aFilterOnANamedRuleDropsTheEventsItExcludesAndOnlyThose() throws Exception {
        RuleProgram unfiltered = RuleProgram.compile("v", Map.of("admin.yml", adminRule), LOAD);
        assertThat(firing(unfiltered, attachAdmin)).containsExactly(ADMIN_RULE);

        RuleProgram p = RuleProgram.compile("v", Map.of("admin.yml", adminRule, "tuning.yml", FILTER_CHRISTOPHE), LOAD);
        assertThat(p.errors()).isEmpty();
        assertThat(firing(p, attachAdmin)).isEmpty();
        assertThat(firing(p, byUser("mallory"))).containsExactly(ADMIN_RULE);
        assertThat(p.filterTargets()).isEqualTo(Map.of("f-christophe", List.of(ADMIN_RULE)));
        assertThat(p.filters())
                .singleElement()
                .satisfies(f -> assertThat(f.title()).isEqualTo("christophe may attach admin policies"));
    }

    @Test
    void anyFilterAppliesToEveryRuleOfItsLogsourceAndNoOther() throws Exception {
        String any = """
                title: not the lab account
                id: f-lab
                logsource:
                    product: aws
                filter:
                    rules: any
                    lab:
                        recipientAccountId: '229654561268'
                    condition: not lab
                """;
        RuleProgram p =
                RuleProgram.compile("v", Map.of("admin.yml", adminRule, "azure.yml", azureRule, "lab.yml", any), LOAD);
        assertThat(p.errors()).isEmpty();
        assertThat(p.filterTargets().get("f-lab")).containsExactly(ADMIN_RULE);
        assertThat(firing(p, attachAdmin)).isEmpty();
        ObjectNode otherAccount = attachAdmin.deepCopy();
        otherAccount.put("recipientAccountId", "111122223333");
        assertThat(firing(p, otherAccount)).containsExactly(ADMIN_RULE);
        Rule azure = p.rules().rule("azure-keyvault-write").orElseThrow();
        assertThat(azure.detection().toString()).doesNotContain("f-lab");
    }

    @Test
    void aFilterOnACorrelationIsAppliedToTheRulesItReads() throws Exception {
        String reads = Files.readString(Path.of("rules/aws/cloudtrail/aws_secretsmanager_bulk_secret_reads.yml"));
        String filter = """
                title: the vault sync job reads many secrets
                id: f-vault
                logsource:
                    product: aws
                    service: cloudtrail
                filter:
                    rules:
                        - aws_secretsmanager_bulk_secret_reads
                    sync:
                        userAgent|contains: vault-sync
                    condition: not sync
                """;
        RuleProgram p = RuleProgram.compile("v", Map.of("reads.yml", reads, "vault.yml", filter), LOAD);
        assertThat(p.errors()).isEmpty();
        String signalRule =
                p.rules().rule("aws_secretsmanager_secret_read").orElseThrow().id();
        assertThat(p.filterTargets().get("f-vault")).containsExactly(signalRule);

        Path log = SharedData.path(
                "data/stratus-red-team-detonation-logs/aws.credential-access.secretsmanager-retrieve-secrets.json");
        ObjectNode read = null;
        for (JsonNode r : JSON.readTree(log.toFile())) {
            if (r.path("eventName").asText().equals("GetSecretValue")) {
                read = (ObjectNode) r;
            }
        }
        assertThat(firing(p, read)).containsExactly(signalRule);
        ObjectNode bySync = read.deepCopy();
        bySync.put("userAgent", "vault-sync/2.1 aws-sdk-go-v2");
        assertThat(firing(p, bySync))
                .as("no signal, so the correlation never counts it")
                .isEmpty();
    }

    static List<String> errorsOf(String filterText) {
        RuleProgram p = RuleProgram.compile(
                "v", Map.of("admin.yml", adminRule, "azure.yml", azureRule, "f.yml", filterText), LOAD);
        assertThat(p.ok()).isFalse();
        return p.errors().stream().map(LoadError::toString).toList();
    }

    @Test
    void anUnknownTargetIsAnErrorAtTheTarget() {
        assertThat(errorsOf("""
                        title: t
                        id: f1
                        logsource: {product: aws}
                        filter:
                            rules:
                                - aws_iam_admin_policy_attached
                                - no_such_rule
                            sel: {eventName: X}
                            condition: not sel
                        """))
                .containsExactly("f.yml:7:11: filter 'f1' names 'no_such_rule', which is not a loaded rule or "
                        + "correlation (id or name)");
    }

    @Test
    void aTargetOfAnotherLogsourceIsAnErrorAtTheTarget() {
        assertThat(errorsOf("""
                        title: t
                        id: f2
                        logsource: {product: aws}
                        filter:
                            rules: [azure-keyvault-write]
                            sel: {eventName: X}
                            condition: not sel
                        """))
                .singleElement()
                .asString()
                .startsWith("f.yml:5:13: filter 'f2' reads [CLOUDTRAIL] but rule '")
                .endsWith("the filter's logsource must cover the rule's");
    }

    @Test
    void rulesMustBeAListOrAnyAndArePresent() {
        assertThat(errorsOf("""
                        title: t
                        id: f3
                        logsource: {product: aws}
                        filter:
                            rules: aws_iam_admin_policy_attached
                            sel: {eventName: X}
                            condition: not sel
                        """))
                .containsExactly("f.yml:5:12: filter 'rules' must be a list of rule ids or names, or 'any'; "
                        + "found 'aws_iam_admin_policy_attached'");
        assertThat(errorsOf("""
                        title: t
                        id: f4
                        logsource: {product: aws}
                        filter:
                            sel: {eventName: X}
                            condition: not sel
                        """)).singleElement().asString().startsWith("f.yml:5:5: filter has no 'rules'");
    }

    @Test
    void aBadConditionIsAnErrorInTheCondition() {
        assertThat(errorsOf("""
                        title: t
                        id: f5
                        logsource: {product: aws}
                        filter:
                            rules: any
                            sel: {eventName: X}
                            condition: not sell
                        """))
                .singleElement()
                .asString()
                .startsWith("f.yml:7:")
                .contains("sell");
    }
}
