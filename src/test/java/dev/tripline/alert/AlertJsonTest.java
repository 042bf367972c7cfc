package dev.tripline.alert;

import static dev.tripline.alert.AlertFixtures.enableRegion;
import static dev.tripline.alert.AlertFixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.event.Event;
import dev.tripline.rule.Level;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Alert sigmaAlert() {
        Event e = enableRegion("ev-1", "2024-03-01T10:00:00Z", "alice", "ap-east-1");
        return Alerts.single(rule(AlertFixtures.SIGMA_ENABLE_REGION), e);
    }

    @Test
    void jsonLineOfASigmaAlertIsExactlyTheGolden() {
        Alert a = sigmaAlert();
        String golden = "{\"alert_id\":\"" + a.alertId() + "\",\"revision\":0,\"kind\":\"single\","
                + "\"title\":\"AWS EnableRegion Command Monitoring\",\"severity\":\"medium\","
                + "\"rule\":{\"id\":\"d511abe4-e9cb-42e5-a68c-1b0a6f84e451\","
                + "\"title\":\"AWS EnableRegion Command Monitoring\",\"level\":\"medium\","
                + "\"tags\":[\"attack.persistence\",\"attack.defense-evasion\",\"attack.t1535\"],"
                + "\"author\":\"Ivan Saakov, Sergey Zelenskiy (original rule); Tripline\"},"
                + "\"group\":{\"account\":\"123456789012\",\"principal\":\"arn:aws:iam::123456789012:user/alice\"},"
                + "\"dedup_key\":\"d511abe4-e9cb-42e5-a68c-1b0a6f84e451|123456789012|arn:aws:iam::123456789012:user/alice\","
                + "\"first_seen\":\"2024-03-01T10:00:00Z\",\"last_seen\":\"2024-03-01T10:00:00Z\",\"count\":1,"
                + "\"occurrences\":1,\"evidence_omitted\":0,"
                + "\"evidence\":[{\"eventID\":\"ev-1\",\"eventTime\":\"2024-03-01T10:00:00Z\","
                + "\"eventName\":\"EnableRegion\",\"eventSource\":\"account.amazonaws.com\",\"awsRegion\":\"us-east-1\","
                + "\"fields\":{\"requestParameters.RegionName\":\"ap-east-1\",\"awsRegion\":\"us-east-1\","
                + "\"recipientAccountId\":\"123456789012\",\"userIdentity.arn\":\"arn:aws:iam::123456789012:user/alice\","
                + "\"sourceIPAddress\":\"198.51.100.7\"}}],"
                + "\"context\":{}}";
        assertThat(AlertFormat.JSONL.encode(a)).isEqualTo(golden);
        assertThat(a.alertId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void pantherAlertCarriesRenderedTitleGroupByAndContext() throws Exception {
        Event e = enableRegion("ev-2", "2024-03-01T10:00:00.250Z", "bob", "me-south-1");
        Alert a = Alerts.single(rule(AlertFixtures.PANTHER_ENABLE_REGION), e);
        JsonNode n = JSON.readTree(AlertFormat.JSONL.encode(a));
        assertThat(n.get("title").asText())
                .isEqualTo("Region me-south-1 enabled by arn:aws:iam::123456789012:user/bob in account 123456789012");
        assertThat(n.get("group").toString())
                .isEqualTo("{\"account\":\"123456789012\","
                        + "\"principal\":\"arn:aws:iam::123456789012:user/bob\",\"recipientAccountId\":\"123456789012\","
                        + "\"requestParameters.RegionName\":\"me-south-1\"}");
        assertThat(n.get("dedup_key").asText()).isEqualTo("AWS.CloudTrail.EnableRegion|123456789012|me-south-1");
        assertThat(n.get("first_seen").asText()).isEqualTo("2024-03-01T10:00:00.250Z");
        assertThat(n.get("context").get("RegionName").asText()).isEqualTo("me-south-1");
        assertThat(n.get("context").get("userIdentity").get("userName").asText())
                .isEqualTo("bob");
        assertThat(n.get("rule").get("author").isNull()).isTrue();
        assertThat(n.get("rule").get("tags")).extracting(JsonNode::asText).contains("attack.t1535");
    }

    @Test
    void ocsfFindingHasTheRequiredFieldsAndClass2004() throws Exception {
        JsonNode n = JSON.readTree(AlertFormat.OCSF.encode(sigmaAlert()));
        for (String f : List.of(
                "class_uid",
                "category_uid",
                "activity_id",
                "type_uid",
                "severity_id",
                "time",
                "metadata",
                "finding_info")) {
            assertThat(n.has(f)).as(f).isTrue();
        }
        assertThat(n.get("class_uid").asInt()).isEqualTo(2004);
        assertThat(n.get("category_uid").asInt()).isEqualTo(2);
        assertThat(n.get("type_uid").asLong()).isEqualTo(200401);
        assertThat(n.get("severity_id").asInt()).isEqualTo(3);
        assertThat(n.get("time").asLong()).isEqualTo(1709287200000L);
        assertThat(n.at("/metadata/product/name").asText()).isEqualTo("Tripline");
        assertThat(n.at("/metadata/version").asText()).startsWith("1.");
        JsonNode info = n.get("finding_info");
        assertThat(info.get("uid").asText()).isEqualTo(sigmaAlert().alertId());
        assertThat(info.get("title").asText()).isEqualTo("AWS EnableRegion Command Monitoring");
        assertThat(info.get("desc").asText()).startsWith("An opt-in AWS region");
        assertThat(info.at("/analytic/uid").asText()).isEqualTo(AlertFixtures.SIGMA_ENABLE_REGION);
        assertThat(info.at("/analytic/type_id").asInt()).isEqualTo(1);
        assertThat(info.get("first_seen_time").asLong()).isEqualTo(1709287200000L);
        assertThat(n.at("/cloud/provider").asText()).isEqualTo("AWS");
        assertThat(n.at("/cloud/account/uid").asText()).isEqualTo("123456789012");
        assertThat(n.at("/cloud/region").asText()).isEqualTo("us-east-1");
        assertThat(n.at("/actor/user/uid").asText()).isEqualTo("arn:aws:iam::123456789012:user/alice");
        assertThat(n.at("/evidences/0/api/operation").asText()).isEqualTo("EnableRegion");
        assertThat(n.at("/evidences/0/api/service/name").asText()).isEqualTo("account.amazonaws.com");
        assertThat(n.at("/evidences/0/src_endpoint/ip").asText()).isEqualTo("198.51.100.7");
        assertThat(n.at("/evidences/0/data/eventID").asText()).isEqualTo("ev-1");
        assertThat(n.at("/observables/0/type_id").asInt()).isEqualTo(2);
        assertThat(n.at("/unmapped/rule_author").asText()).contains("Ivan Saakov");
    }

    @Test
    void ocsfSeverityFollowsTheLevel() {
        assertThat(List.of(Level.values())).extracting(OcsfEncoding::severityId).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void writerWritesOneCompactLinePerAlertInTheChosenFormat() throws Exception {
        Alert a = sigmaAlert();
        Alert b = Alerts.single(
                rule(AlertFixtures.SIGMA_ENABLE_REGION),
                enableRegion("ev-9", "2024-03-01T11:00:00Z", "carol", "af-south-1"));
        for (AlertFormat format : AlertFormat.values()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (AlertWriter w = new AlertWriter(out, format)) {
                w.write(a);
                w.write(b);
                assertThat(w.written()).isEqualTo(2);
            }
            String text = out.toString(StandardCharsets.UTF_8);
            assertThat(text).endsWith("\n");
            String[] lines = text.split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).isEqualTo(format.encode(a)).doesNotContain("\n", "  ");
            assertThat(JSON.readTree(lines[1]).toString()).contains("af-south-1");
        }
        assertThat(AlertFormat.parse("OCSF")).contains(AlertFormat.OCSF);
        assertThat(AlertFormat.parse("jsonl")).contains(AlertFormat.JSONL);
        assertThat(AlertFormat.parse("xml")).isEmpty();
    }

    @Test
    void correlationAlertPutsAccountAndPrincipalFirstAndSpansItsEvidence() throws Exception {
        Event first = enableRegion("ev-a", "2024-03-01T10:00:00Z", "alice", "ap-east-1");
        Event second = enableRegion("ev-b", "2024-03-01T10:20:00Z", "alice", "ap-east-1");
        Map<String, String> group = new LinkedHashMap<>();
        group.put("requestParameters.RegionName", "ap-east-1");
        group.put("principal", first.principal());
        group.put("account", first.account());
        Alert a = Alerts.correlation(
                RuleRef.of(
                        "corr-1",
                        "Unused region then activity",
                        Level.HIGH,
                        List.of("attack.t1535"),
                        List.of("Tripline")),
                group,
                List.of(Evidence.of(first, List.of()), Evidence.of(second, List.of())),
                2,
                "Region ap-east-1 enabled, then used");
        JsonNode n = JSON.readTree(AlertFormat.JSONL.encode(a));
        assertThat(n.get("kind").asText()).isEqualTo("correlation");
        assertThat(n.get("severity").asText()).isEqualTo("high");
        assertThat(n.get("title").asText()).isEqualTo("Region ap-east-1 enabled, then used");
        assertThat(List.of(n.get("group").fieldNames().next())).containsExactly("account");
        assertThat(n.get("group").toString())
                .isEqualTo(
                        "{\"account\":\"123456789012\","
                                + "\"principal\":\"arn:aws:iam::123456789012:user/alice\",\"requestParameters.RegionName\":\"ap-east-1\"}");
        assertThat(n.get("dedup_key").asText())
                .isEqualTo("corr-1|ap-east-1|arn:aws:iam::123456789012:user/alice|123456789012");
        assertThat(n.get("first_seen").asText()).isEqualTo("2024-03-01T10:00:00Z");
        assertThat(n.get("last_seen").asText()).isEqualTo("2024-03-01T10:20:00Z");
        assertThat(n.get("count").asInt()).isEqualTo(2);
        assertThat(n.get("evidence")).hasSize(2);
        assertThat(n.get("evidence").get(1).get("fields").size()).isZero();
        assertThat(n.at("/rule/author").asText()).isEqualTo("Tripline");
    }

    @Test
    void timesAreWrittenAsIsoInstantWritesThem() {
        long[] edges = {
            0,
            1,
            999,
            1000,
            1_709_287_200_000L,
            1_709_287_200_500L,
            951_782_400_000L,
            253_402_300_799_999L,
            253_402_300_800_000L,
            -1,
            -86_400_001L,
            Long.MAX_VALUE / 1000
        };
        java.util.Random random = new java.util.Random(7);
        List<Long> times = new java.util.ArrayList<>();
        for (long t : edges) {
            times.add(t);
        }
        for (int i = 0; i < 10_000; i++) {
            times.add(random.nextLong(-100_000_000_000_000L, 300_000_000_000_000L));
            times.add(random.nextLong(0, 4_102_444_800L) * 1000); // whole seconds up to 2100
        }
        for (long t : times) {
            assertThat(JsonLinesEncoding.time(t))
                    .as("%d", t)
                    .isEqualTo(
                            java.time.format.DateTimeFormatter.ISO_INSTANT.format(java.time.Instant.ofEpochMilli(t)));
        }
        assertThat(JsonLinesEncoding.time(Event.NO_TIME)).isNull();
    }

    @Test
    void valuesAreWrittenAsWriteTreeWritesThem() throws Exception {
        Map<String, JsonNode> values = new LinkedHashMap<>();
        values.put("s", JSON.getNodeFactory().textNode("a\"b\u0001\u00e9\ud83d\ude00"));
        values.put("o", JSON.readTree("{\"k\":[1,2.5,-3e300,null,true,{}],\"e\":[],\"n\":null}"));
        values.put("big", JSON.getNodeFactory().numberNode(new java.math.BigDecimal("1E+1")));
        values.put(
                "huge", JSON.getNodeFactory().numberNode(new java.math.BigInteger("123456789012345678901234567890")));
        values.put("l", JSON.getNodeFactory().numberNode(1L << 40));
        values.put("null", JSON.getNodeFactory().nullNode());
        values.put("f", JSON.getNodeFactory().booleanNode(false));
        java.io.StringWriter tree = new java.io.StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator g = AlertFormat.FACTORY.createGenerator(tree)) {
            g.writeStartObject();
            for (Map.Entry<String, JsonNode> e : values.entrySet()) {
                g.writeFieldName(e.getKey());
                g.writeTree(e.getValue());
            }
            g.writeEndObject();
        }
        java.io.StringWriter written = new java.io.StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator g = AlertFormat.FACTORY.createGenerator(written)) {
            g.writeStartObject();
            JsonLinesEncoding.writeValues(g, values);
            g.writeEndObject();
        }
        assertThat(written.toString()).isEqualTo(tree.toString());
    }
}
