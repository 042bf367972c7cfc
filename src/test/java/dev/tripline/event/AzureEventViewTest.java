package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Azure Activity Log records in both shapes: recognition, envelopes, derived fields, ECS names, shape bridges. */
class AzureEventViewTest {
    static final String SUB = "11111111-2222-3333-4444-555555555555";
    static final String DIAG =
            "{\"time\":\"2024-03-05T10:00:00.1234567Z\",\"resourceId\":\"/SUBSCRIPTIONS/" + SUB.toUpperCase()
                    + "/RESOURCEGROUPS/UNUSEDREGIONGROUP\",\"operationName\":\"MICROSOFT.RESOURCES/RESOURCEGROUPS/WRITE\","
                    + "\"category\":\"Administrative\",\"resultType\":\"Success\",\"callerIpAddress\":\"198.51.100.7\","
                    + "\"identity\":{\"claims\":{\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\":"
                    + "\"mallory@contoso.example\",\"appid\":\"app-1\",\"name\":\"Mallory\"}},\"location\":\"global\","
                    + "\"properties\":{\"requestbody\":\"{\\\"location\\\":\\\"japaneast\\\",\\\"tags\\\":{}}\"}}";
    static final String REST = "{\"eventTimestamp\":\"2024-03-05T10:05:00Z\",\"subscriptionId\":\"" + SUB + "\","
            + "\"resourceGroupName\":\"UnusedRegionGroup\",\"resourceId\":\"/subscriptions/" + SUB
            + "/resourceGroups/UnusedRegionGroup/providers/Microsoft.Compute/virtualMachines/vm1\","
            + "\"operationName\":{\"value\":\"Microsoft.Compute/virtualMachines/write\",\"localizedValue\":\"x\"},"
            + "\"category\":{\"value\":\"Administrative\"},\"status\":{\"value\":\"Succeeded\"},"
            + "\"caller\":\"mallory@contoso.example\",\"eventDataId\":\"ev-1\","
            + "\"httpRequest\":{\"clientIpAddress\":\"198.51.100.7\"},"
            + "\"properties\":{\"responseBody\":\"{\\\"name\\\":\\\"vm1\\\",\\\"location\\\":\\\"Japan East\\\"}\"}}";

    static List<Event> parse(String text) {
        ParseResult r = new EventParser(ParseLimits.defaults(), true).parse(text.getBytes(StandardCharsets.UTF_8));
        assertThat(r.failures()).isEmpty();
        return r.events();
    }

    static String value(Event e, String path) {
        List<JsonNode> v = e.values(FieldPath.of(path));
        return v.isEmpty() ? null : Event.stringForm(v.get(0));
    }

    @Test
    void diagnosticShapeDerivesAccountPrincipalRegionAndEcsNames() {
        Event e = parse(DIAG).get(0);
        assertThat(e.logType()).isEqualTo(LogType.AZURE_ACTIVITY);
        assertThat(e.eventTimeMillis())
                .isEqualTo(java.time.Instant.parse("2024-03-05T10:00:00.123Z").toEpochMilli());
        assertThat(e.account()).isEqualTo(SUB);
        assertThat(e.principal()).isEqualTo("mallory@contoso.example");
        assertThat(value(e, "cloud.region")).isEqualTo("japaneast");
        assertThat(value(e, "event.dataset")).isEqualTo("azure.activitylogs");
        assertThat(value(e, "event.action")).isEqualTo("MICROSOFT.RESOURCES/RESOURCEGROUPS/WRITE");
        assertThat(value(e, "event.outcome")).isEqualTo("success");
        assertThat(value(e, "cloud.provider")).isEqualTo("azure");
        assertThat(value(e, "source.ip")).isEqualTo("198.51.100.7");
        assertThat(value(e, "user.name")).isEqualTo("Mallory");
        assertThat(value(e, "azure.resource.group")).isEqualTo("UNUSEDREGIONGROUP");
        assertThat(value(
                        e,
                        "azure.activitylogs.identity.claims.http://schemas_xmlsoap_org/ws/2005/05/identity/claims/upn"))
                .isEqualTo("mallory@contoso.example");
        assertThat(e.values(FieldPath.of("azure.activitylogs.identity.claims"))
                        .get(0)
                        .has("http://schemas_xmlsoap_org/ws/2005/05/identity/claims/upn"))
                .isTrue();
        // REST names on a diagnostic record
        assertThat(value(e, "operationName.value")).isEqualTo("MICROSOFT.RESOURCES/RESOURCEGROUPS/WRITE");
        assertThat(value(e, "status.value")).isEqualTo("Success");
        assertThat(value(e, "caller")).isEqualTo("mallory@contoso.example");
        assertThat(value(e, "subscriptionId")).isEqualTo(SUB);
        assertThat(value(e, "claims.appid")).isEqualTo("app-1");
        assertThat(value(e, "eventTimestamp")).isEqualTo("2024-03-05T10:00:00.1234567Z");
        // raw fields still win where they hold a value
        assertThat(value(e, "location")).isEqualTo("global");
        assertThat(value(e, "operationName")).isEqualTo("MICROSOFT.RESOURCES/RESOURCEGROUPS/WRITE");
    }

    @Test
    void restShapeReadsUnderTheDiagnosticNamesToo() {
        Event e = parse(REST).get(0);
        assertThat(e.logType()).isEqualTo(LogType.AZURE_ACTIVITY);
        assertThat(e.account()).isEqualTo(SUB);
        assertThat(e.principal()).isEqualTo("mallory@contoso.example");
        assertThat(value(e, "cloud.region")).isEqualTo("japaneast");
        assertThat(value(e, "operationName")).isEqualTo("Microsoft.Compute/virtualMachines/write");
        assertThat(e.values(FieldPath.caseInsensitive("operationName")))
                .extracting(Event::stringForm)
                .containsExactly("Microsoft.Compute/virtualMachines/write");
        assertThat(value(e, "operationName.value")).isEqualTo("Microsoft.Compute/virtualMachines/write");
        assertThat(value(e, "event.action")).isEqualTo("MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE");
        assertThat(value(e, "event.outcome")).isEqualTo("success");
        assertThat(value(e, "resultType")).isEqualTo("Succeeded");
        assertThat(value(e, "category")).isEqualTo("Administrative");
        assertThat(value(e, "callerIpAddress")).isEqualTo("198.51.100.7");
        assertThat(value(e, "time")).isEqualTo("2024-03-05T10:05:00Z");
        assertThat(value(e, "azure.resource.provider")).isEqualTo("MICROSOFT.COMPUTE");
    }

    @Test
    void batchedEnvelopesMixShapesAndLogTypesPerRecord() {
        String ct = "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Root\",\"arn\":\"arn:aws:iam::1:root\"},"
                + "\"eventTime\":\"2024-03-05T10:00:00Z\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\","
                + "\"awsRegion\":\"ap-east-1\",\"recipientAccountId\":\"123456789012\"}";
        assertThat(parse("{\"records\":[" + DIAG + "," + REST + "]}"))
                .extracting(Event::logType)
                .containsExactly(LogType.AZURE_ACTIVITY, LogType.AZURE_ACTIVITY);
        assertThat(parse("{\"value\":[" + REST + "],\"nextLink\":null}")).hasSize(1);
        assertThat(parse(DIAG + "\n" + ct + "\n" + REST + "\n"))
                .extracting(Event::logType)
                .containsExactly(LogType.AZURE_ACTIVITY, LogType.CLOUDTRAIL, LogType.AZURE_ACTIVITY);
        // CloudTrail names do not leak into Azure records, nor Azure names into CloudTrail ones
        List<Event> both = parse(DIAG + "\n" + ct);
        assertThat(value(both.get(0), "eventName")).isNull();
        assertThat(value(both.get(1), "cloud.region")).isEqualTo("ap-east-1");
        assertThat(value(both.get(1), "operationName")).isNull();
    }

    @Test
    void anAzureRecordWithoutACallerReachesRulesWithNoPrincipal() {
        EventParser job = EventParser.forDetection();
        for (String identity : new String[] {"", ",\"identity\":{}", ",\"claims\":{},\"caller\":\"\""}) {
            String noCaller = "{\"time\":\"2024-03-05T10:00:00Z\",\"resourceId\":\"/subscriptions/" + SUB
                    + "\",\"operationName\":\"Microsoft.ResourceHealth/healthevent/Activated/action\","
                    + "\"resultType\":\"Active\"" + identity + "}";
            ParseResult r = job.parse(noCaller.getBytes(StandardCharsets.UTF_8));
            assertThat(r.failures()).as(identity).isEmpty();
            assertThat(r.events()).singleElement().satisfies(e -> {
                assertThat(e.logType()).isEqualTo(LogType.AZURE_ACTIVITY);
                assertThat(e.principal()).isNull();
                assertThat(e.values(FieldPath.of("principal"))).isEmpty();
                assertThat(e.account()).isEqualTo(SUB);
            });
        }
    }

    @Test
    void storageResourceLogsAreAzureActivityEvenWithoutAResourceId() {
        // The shape of Panther's storage labelled events: a data-plane read by a SAS token, no caller identity.
        String read = "{\"time\":\"2025-01-28T15:30:00.0000000Z\",\"category\":\"StorageRead\",\"operationName\":"
                + "\"GetBlob\",\"callerIpAddress\":\"8.8.8.8:45123\",\"statusCode\":200,\"properties\":{"
                + "\"accountName\":\"criticaldata001\",\"metricResponseType\":\"Success\"}}";
        Event e = parse(read).get(0);
        assertThat(e.logType()).isEqualTo(LogType.AZURE_ACTIVITY);
        assertThat(value(e, "operationName")).isEqualTo("GetBlob");
        assertThat(value(e, "source.address")).isEqualTo("8.8.8.8:45123");
        assertThat(e.principal()).isNull();
        // An OAuth request names its requester.
        Event oauth = parse(read.replace(
                        "\"statusCode\"",
                        "\"identity\":{\"type\":\"OAuth\",\"requester\":{"
                                + "\"objectId\":\"0b1c2d3e\",\"upn\":\"bob@contoso.example\"}},\"statusCode\""))
                .get(0);
        assertThat(oauth.principal()).isEqualTo("bob@contoso.example");
        // Another category without a resource id is still not Azure Activity.
        String other = read.replace("StorageRead", "Administrative");
        assertThat(EventParser.forDetection()
                        .parse(other.getBytes(StandardCharsets.UTF_8))
                        .failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.NOT_CLOUDTRAIL);
    }

    /** Panther's labelled Azure events: every one is a record the job reads (most name no caller). */
    @Test
    void everyPantherAzureLabelledEventIsReadByTheJobsParser() throws Exception {
        java.nio.file.Path file = java.nio.file.Path.of(
                "../shared/data/panther-analysis-test-events/azure_monitor_activity_rule_tests.jsonl.gz");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        EventParser job = EventParser.forDetection();
        int read = 0;
        int withoutPrincipal = 0;
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(
                new java.util.zip.GZIPInputStream(java.nio.file.Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode labelled = json.readTree(line);
                ParseResult r = job.parse(json.writeValueAsBytes(labelled.get("event")));
                assertThat(r.failures())
                        .as(labelled.get("rule_id") + " / " + labelled.get("test_name"))
                        .isEmpty();
                assertThat(r.events())
                        .singleElement()
                        .satisfies(e -> assertThat(e.logType()).isEqualTo(LogType.AZURE_ACTIVITY));
                read++;
                withoutPrincipal += r.events().get(0).principal() == null ? 1 : 0;
            }
        }
        assertThat(read).isEqualTo(214);
        // 10 carry a UPN or an application id; the others are platform records, shared-key or SAS storage
        // requests, or fixtures naming only a display name (the name claim, which identifies no one).
        assertThat(withoutPrincipal).isEqualTo(204);
    }

    @Test
    void anAzureRecordWithoutTimeIsADeadLetterAndEntraLogsAreNotActivity() {
        EventParser job = EventParser.forDetection();
        String noTime =
                "{\"resourceId\":\"/subscriptions/" + SUB + "\",\"operationName\":\"x/write\",\"caller\":\"a\"}";
        assertThat(job.parse(noTime.getBytes(StandardCharsets.UTF_8)).failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.MISSING_EVENT_TIME);
        String signIn = "{\"time\":\"2024-03-05T10:00:00Z\",\"resourceId\":\"/tenants/t/providers/Microsoft.aadiam\","
                + "\"operationName\":\"Sign-in activity\",\"category\":\"SignInLogs\",\"identity\":\"Mallory\"}";
        assertThat(job.parse(signIn.getBytes(StandardCharsets.UTF_8)).failures())
                .extracting(ParseFailure::reason)
                .containsExactly(ParseFailure.Reason.NOT_CLOUDTRAIL);
    }

    @Test
    void regionFallsBackThroughLocationPropertiesAndBodies() {
        assertThat(AzureFields.normaliseRegion("Japan East")).isEqualTo("japaneast");
        assertThat(AzureFields.normaliseRegion("not a region!")).isNull();
        String truncatedBody = "{\"time\":\"2024-03-05T10:00:00Z\",\"resourceId\":\"/subscriptions/" + SUB
                + "/resourceGroups/rg\",\"operationName\":\"MICROSOFT.KEYVAULT/VAULTS/WRITE\",\"caller\":\"a\","
                + "\"properties\":{\"requestbody\":\"{\\\"properties\\\":{},\\\"location\\\":\\\"koreacentral\\\",\\\"tags\\\":{\\\"a\\\"\"}}";
        assertThat(value(parse(truncatedBody).get(0), "cloud.region")).isEqualTo("koreacentral");
        String none = "{\"time\":\"2024-03-05T10:00:00Z\",\"resourceId\":\"/subscriptions/" + SUB
                + "\",\"operationName\":\"x/write\",\"caller\":\"a\",\"location\":\"global\"}";
        assertThat(parse(none).get(0).values(FieldPath.of("cloud.region"))).isEmpty();
    }
    /** Panther's labelled storage resource-log record: the caller is written as ip:port. */
    static String storageRecord(String caller) {
        return "{\"time\":\"2025-01-28T16:30:00.0000000Z\",\"category\":\"StorageWrite\","
                + "\"operationName\":\"PutBlob\",\"callerIpAddress\":\"" + caller + "\",\"statusCode\":201,"
                + "\"uri\":\"https://internaldata.blob.core.windows.net/logs/app.log?sv=2021-12-02&sp=w&sig=S\","
                + "\"properties\":{\"accountName\":\"internaldata\",\"objectKey\":\"/internaldata/logs/app.log\","
                + "\"userAgentHeader\":\"Azure-Storage/1.0\",\"metricResponseType\":\"Success\"},"
                + "\"p_log_type\":\"Azure.MonitorActivity\"}";
    }

    @Test
    void sourceIpIsTheCallerWithoutItsPort() {
        Event e = parse(storageRecord("10.158.74.16:36683")).get(0);
        assertThat(value(e, "source.ip")).isEqualTo("10.158.74.16");
        assertThat(value(e, "source.address")).isEqualTo("10.158.74.16:36683");
        assertThat(value(e, "callerIpAddress")).isEqualTo("10.158.74.16:36683");
        assertThat(value(parse(storageRecord("[2001:db8::7]:443")).get(0), "source.ip"))
                .isEqualTo("2001:db8::7");
        // a bare IPv6 address keeps its last group: it is not a port
        assertThat(value(parse(storageRecord("2001:db8::7:443")).get(0), "source.ip"))
                .isEqualTo("2001:db8::7:443");
        assertThat(value(parse(storageRecord("198.51.100.7")).get(0), "source.ip"))
                .isEqualTo("198.51.100.7");
        for (String notAnAddress : new String[] {
            "10.158.74.16:", "10.158.74.16:70000", "10.158.74.16:1:2", "[10.0.0.1]:80", "[2001:db8::7]", "host:80"
        }) {
            assertThat(parse(storageRecord(notAnAddress)).get(0).values(FieldPath.of("source.ip")))
                    .as(notAnAddress)
                    .isEmpty();
        }
    }
}
