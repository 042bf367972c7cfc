package dev.tripline.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tripline.event.Event;
import dev.tripline.rule.Level;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.Corpus;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OcsfEncodingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1709287200000L;

    private static JsonNode ocsf(Alert a) throws Exception {
        return JSON.readTree(AlertFormat.OCSF.encode(a));
    }

    @Test
    void anAzureFindingNamesAzureAsTheProvider() throws Exception {
        RuleLoader.Result loaded = Corpus.defaultLoader().load(List.of(Path.of("rules/azure/activitylogs")));
        Rule rule = loaded.ruleSet()
                .rule("azure_resource_created_in_unapproved_region")
                .orElseThrow();
        Event vm = AlertFixtures.parse("""
                {"time": "2024-03-05T10:02:00Z", "resourceId": "/subscriptions/11111111-2222-3333-4444-555555555555\
                /resourceGroups/UnusedRegionGroup/providers/Microsoft.Compute/virtualMachines/miner01",
                 "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "category": "Administrative",
                 "resultType": "Success", "callerIpAddress": "198.51.100.7", "identity": {"claims":
                 {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "mallory@contoso.example"}},
                 "location": "brazilsouth"}
                """);
        JsonNode n = ocsf(Alerts.single(rule, vm));
        assertThat(n.at("/cloud/provider").asText()).isEqualTo("Azure");
        assertThat(n.at("/cloud/account/uid").asText()).isEqualTo("11111111-2222-3333-4444-555555555555");
        assertThat(n.at("/cloud/region").asText()).isEqualTo("brazilsouth");
    }

    @Test
    void anAwsFindingNamesAwsAndItsEventsRegion() throws Exception {
        Event e = AlertFixtures.enableRegion("ev-1", "2024-03-01T10:00:00Z", "alice", "ap-east-1");
        JsonNode n = ocsf(Alerts.single(AlertFixtures.rule(AlertFixtures.SIGMA_ENABLE_REGION), e));
        assertThat(n.at("/cloud/provider").asText()).isEqualTo("AWS");
        // A single EnableRegion alert is about the call, which CloudTrail records in us-east-1.
        assertThat(n.at("/cloud/region").asText()).isEqualTo("us-east-1");
    }

    private static Evidence enableRegionEvidence(String named) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        fields.put("requestParameters.RegionName", TextNode.valueOf(named));
        return new Evidence("ev-1", T0, "EnableRegion", "account.amazonaws.com", "us-east-1", fields);
    }

    private static Evidence evidenceIn(String eventName, String region) {
        return new Evidence("ev-2", T0 + 60_000, eventName, "ec2.amazonaws.com", region, Map.of());
    }

    @Test
    void aCorrelationGroupedByRegionReportsTheGroupsRegion() throws Exception {
        Map<String, String> group = new LinkedHashMap<>();
        group.put("account", "123456789012");
        group.put("principal", "arn:aws:iam::123456789012:user/mallory");
        group.put("region", "ap-southeast-1");
        Alert a = Alerts.correlation(
                RuleRef.of("c1", "region then resources", Level.HIGH, List.of(), List.of()),
                group,
                List.of(enableRegionEvidence("ap-southeast-1"), evidenceIn("RunInstances", "ap-southeast-1")),
                2,
                null);
        JsonNode n = ocsf(a);
        assertThat(n.at("/cloud/region").asText()).isEqualTo("ap-southeast-1");
        assertThat(n.at("/cloud/provider").asText()).isEqualTo("AWS");
    }

    @Test
    void aCorrelationNotGroupedByRegionReportsTheRegionItsEventsName() throws Exception {
        Map<String, String> group = new LinkedHashMap<>();
        group.put("account", "123456789012");
        group.put("principal", "arn:aws:iam::123456789012:user/mallory");
        Alert a = Alerts.correlation(
                RuleRef.of("c2", "region then key", Level.HIGH, List.of(), List.of()),
                group,
                List.of(enableRegionEvidence("ap-east-1"), evidenceIn("CreateAccessKey", "us-east-1")),
                2,
                null);
        assertThat(ocsf(a).at("/cloud/region").asText()).isEqualTo("ap-east-1");
    }

    @Test
    void aCorrelationWithoutANamedRegionReportsItsFirstEventsRegion() throws Exception {
        Alert a = Alerts.correlation(
                RuleRef.of("c3", "two calls", Level.LOW, List.of(), List.of()),
                Map.of("account", "123456789012"),
                List.of(evidenceIn("RunInstances", "eu-west-1"), evidenceIn("RunInstances", "eu-west-2")),
                2,
                null);
        assertThat(ocsf(a).at("/cloud/region").asText()).isEqualTo("eu-west-1");
    }
}
