package dev.tripline.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.Level;
import dev.tripline.rule.Rule;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

public class AlertCodecTest {
    public static Alert alert() {
        Map<String, String> group = new LinkedHashMap<>();
        group.put("account", "123456789012");
        group.put("principal", null);
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        fields.put("requestParameters.regionName", JsonNodeFactory.instance.textNode("af-south-1 ü"));
        fields.put("missing", JsonNodeFactory.instance.nullNode());
        fields.put("many", JsonNodeFactory.instance.arrayNode().add(1).add("two"));
        Map<String, JsonNode> context = Map.of("ip", JsonNodeFactory.instance.textNode("203.0.113.9"));
        RuleRef rule = new RuleRef(
                "r1", "Region enabled", Level.HIGH, List.of("attack.t1535"), List.of("a", "b"), "why it matters");
        return new Alert(
                Alert.Kind.CORRELATION,
                rule,
                Level.HIGH,
                "title",
                group,
                1,
                2,
                List.of(new Evidence("e1", 1, "EnableRegion", null, "us-east-1", fields)),
                3,
                "r1|123456789012",
                "id-1",
                context,
                2,
                5,
                1);
    }

    @Test
    void anAlertRoundTripsWithNullsJsonValuesAndItsCounts() {
        Alert a = alert();
        Alert back = AlertCodec.decode(AlertCodec.encode(a));
        assertThat(back).isEqualTo(a);
        assertThat(back.group().keySet()).containsExactly("account", "principal");
        assertThat(back.evidence().get(0).fields().keySet())
                .containsExactly("requestParameters.regionName", "missing", "many");
        assertThat(AlertCodec.decodeRule(AlertCodec.encode(a.rule()))).isEqualTo(a.rule());
    }

    @Test
    void alertsOfTheFormerFormatStillDecode() {
        // Format 1 differs only in how the values of evidence fields and context are written; without any, the
        // bytes are the same but for the format byte. Dedup state of a running job may hold such alerts.
        Alert a = alert();
        Alert bare = withEvidenceAndContext(
                a, List.of(new Evidence("e1", 1, "EnableRegion", null, "us-east-1", Map.of())), Map.of());
        byte[] former = AlertCodec.encode(bare);
        former[0] = 1;
        assertThat(AlertCodec.decode(former)).isEqualTo(bare);
    }

    @Test
    void jsonValuesAreWrittenAsTheMapperWritesThemEveryTime() throws Exception {
        // One generator per thread writes every value: nothing may carry over from one value or alert to the next.
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        JsonNode nested = mapper.readTree("{\"a\":[1,2.5,true,null,\"x\\u2028\"],\"b\":{\"c\":-7}}");
        Alert a = alert();
        Map<String, JsonNode> context = new LinkedHashMap<>();
        context.put("nested", nested);
        context.put("number", JsonNodeFactory.instance.numberNode(3));
        Alert withJson = withEvidenceAndContext(a, a.evidence(), context);
        byte[] first = AlertCodec.encode(withJson);
        assertThat(AlertCodec.encode(withJson)).as("encoded again").isEqualTo(first);
        for (JsonNode v : List.of(
                nested,
                JsonNodeFactory.instance.numberNode(3),
                a.evidence().get(0).fields().get("many"))) {
            byte[] text = mapper.writeValueAsString(v).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] written = java.nio.ByteBuffer.allocate(4 + text.length)
                    .putInt(text.length)
                    .put(text)
                    .array();
            assertThat(indexOf(first, written))
                    .as("the mapper's text of %s, length first", v)
                    .isNotNegative();
        }
        assertThat(AlertCodec.decode(first)).isEqualTo(withJson);
    }

    @Test
    void jsonTextsAreTheMappersBytesForEveryKindOfValueAnEventHolds() throws Exception {
        // Written straight into UTF-8, not by Jackson: every escape, number and character must come out as the
        // mapper writes it and String.getBytes encodes it.
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        JsonNodeFactory f = JsonNodeFactory.instance;
        StringBuilder every = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            every.append(c);
        }
        every.append("é ü ß € \u2028 \uFFFF 😀 \uD83D lone \uDE00 low \uD83D");
        List<JsonNode> values = List.of(
                f.objectNode()
                        .put(every.toString(), every.toString())
                        .put("int", -2147483648)
                        .put("long", 9007199254740993L)
                        .put("big", new java.math.BigInteger("123456789012345678901234567890"))
                        .put("doubles", 0.1)
                        .put("t", true)
                        .put("f", false)
                        .putNull("n"),
                f.arrayNode()
                        .add(1.0E10)
                        .add(-0.0)
                        .add(1e-7)
                        .add(123.456)
                        .add(Double.MIN_VALUE)
                        .add(f.objectNode())
                        .add(f.arrayNode()),
                f.numberNode(Double.NaN),
                f.numberNode(new java.math.BigDecimal("2.50")),
                f.arrayNode().add(f.numberNode(Float.valueOf(1.5f))).add("after a node the mapper writes"),
                f.objectNode()
                        .set(
                                "nested",
                                f.objectNode().set("deeper", f.arrayNode().add("\"q\" \\ /"))),
                f.numberNode(7),
                f.booleanNode(true),
                f.nullNode());
        Map<String, JsonNode> context = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) {
            context.put("v" + i, values.get(i));
        }
        Alert a = alert();
        byte[] block = AlertCodec.encode(withEvidenceAndContext(a, a.evidence(), context));
        for (JsonNode v : values) {
            byte[] text = mapper.writeValueAsString(v).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] written = java.nio.ByteBuffer.allocate(5 + text.length)
                    .put((byte) 0)
                    .putInt(text.length)
                    .put(text)
                    .array();
            assertThat(indexOf(block, written))
                    .as("the mapper's text of %s, kind and length first", v)
                    .isNotNegative();
        }
    }

    @Test
    void containersWrittenLatelyAreNotTakenForOthers() throws Exception {
        // The texts of containers are kept by node identity in a table of 1024 slots: one node shared by the
        // evidence and the context (as the alerts of one event, and of events whose member bytes recur, share it)
        // is written once, and more containers than there are slots (so that many share a slot and replace one
        // another), equal or not, each come back as themselves.
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        JsonNode shared = mapper.readTree("{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/a\"}");
        Alert a = alert();
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        fields.put("userIdentity", shared);
        Map<String, JsonNode> context = new LinkedHashMap<>();
        context.put("userIdentity", shared);
        for (int i = 0; i < 3000; i++) {
            context.put("other" + i, mapper.readTree("{\"n\":" + (i % 3) + ",\"list\":[" + i % 700 + "]}"));
        }
        context.put("again", mapper.readTree("{\"n\":0,\"list\":[0]}"));
        context.put("userIdentity again", shared);
        Alert withShared = withEvidenceAndContext(
                a, List.of(new Evidence("e1", 1, "EnableRegion", null, "us-east-1", fields)), context);
        for (int round = 0; round < 2; round++) {
            assertThat(AlertCodec.decode(AlertCodec.encode(withShared))).isEqualTo(withShared);
        }
    }

    /** {@code a} with other evidence and context, everything else the same. */
    private static Alert withEvidenceAndContext(Alert a, List<Evidence> evidence, Map<String, JsonNode> context) {
        return new Alert(
                a.kind(),
                a.rule(),
                a.severity(),
                a.title(),
                a.group(),
                a.firstSeenMillis(),
                a.lastSeenMillis(),
                evidence,
                a.count(),
                a.dedupKey(),
                a.alertId(),
                context,
                a.revision(),
                a.occurrences(),
                a.evidenceOmitted());
    }

    private static int indexOf(byte[] in, byte[] part) {
        for (int i = 0; i + part.length <= in.length; i++) {
            if (Arrays.equals(in, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void corruptBlocksAreRejectedNotMisread() {
        byte[] good = AlertCodec.encode(alert());
        assertThatThrownBy(() -> AlertCodec.decode(Arrays.copyOf(good, good.length - 5)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AlertCodec.decode(Arrays.copyOf(good, good.length + 1)))
                .hasMessageContaining("trailing");
        byte[] other = good.clone();
        other[0] = 7;
        assertThatThrownBy(() -> AlertCodec.decode(other)).hasMessageContaining("format 7");
    }

    @Test
    void anAlertReadToBeWrittenWritesWhatItsTreesWrite() throws Exception {
        // Containers stay their stored text, so they must come out as the parsed trees would be written: nested
        // objects and arrays, doubles, big integers, escapes and non-ASCII; a number on its own is still parsed
        // (a BigDecimal's "2.50" is written "2.5" once parsed, and must stay so).
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        fields.put(
                "userIdentity",
                mapper.readTree("{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/\u00e4\\\"q\\u2028\","
                        + "\"n\":[1,-2.5E-7,1.0E10,123456789012345678901234567890,true,null,{}],\"e\":[]}"));
        fields.put("plain", JsonNodeFactory.instance.textNode("x"));
        fields.put("number", JsonNodeFactory.instance.numberNode(7));
        Map<String, JsonNode> context = new LinkedHashMap<>();
        context.put("aggregate", JsonNodeFactory.instance.numberNode(new java.math.BigDecimal("2.50")));
        context.put(
                "evidence_rules", JsonNodeFactory.instance.arrayNode().add("r1").add("r2"));
        Alert a = alert();
        Alert withJson = withEvidenceAndContext(
                a,
                List.of(
                        new Evidence("e1", 1, "EnableRegion", null, "us-east-1", fields),
                        new Evidence("e2", 2, "EnableRegion", "s", "us-east-1", Map.of())),
                context);
        byte[] block = AlertCodec.encode(withJson);
        Alert trees = AlertCodec.decode(block);
        Alert forWriting = AlertCodec.decodeForWriting(block);
        for (AlertFormat format : AlertFormat.values()) {
            assertThat(format.encode(forWriting)).as(format.name()).isEqualTo(format.encode(trees));
        }
        assertThat(forWriting.evidence().get(0).fields().get("userIdentity").isObject())
                .as("kept as text, not parsed")
                .isFalse();
        assertThat(AlertCodec.encode(forWriting)).as("encoded again").isEqualTo(AlertCodec.encode(trees));
        assertThat(AlertCodec.decodeEvidenceForWriting(block)).isEqualTo(forWriting.evidence());
    }

    @Test
    void theEvidenceAloneIsReadPastEveryOtherField() {
        byte[] good = AlertCodec.encode(alert());
        assertThat(AlertCodec.decodeEvidenceForWriting(good))
                .isEqualTo(AlertCodec.decodeForWriting(good).evidence());
        assertThatThrownBy(() -> AlertCodec.decodeEvidenceForWriting(Arrays.copyOf(good, 40)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scalarsAreReadAsTheMapperReadsThem() throws Exception {
        // null and short ints skip the parser: they must come back as the nodes readTree gives, the rest parsed.
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, JsonNode> context = new LinkedHashMap<>();
        String[] texts = {
            "null",
            "true",
            "false",
            "0",
            "7",
            "-7",
            "123456789",
            "-123456789",
            "1234567890",
            "-2147483648",
            "12345678901234567890",
            "2.5",
            "-0.0",
            "1.0E10",
            "2147483647"
        };
        for (String t : texts) {
            context.put(t, mapper.readTree(t));
        }
        Alert a = alert();
        Alert withScalars = withEvidenceAndContext(a, a.evidence(), context);
        for (Alert back : List.of(
                AlertCodec.decode(AlertCodec.encode(withScalars)),
                AlertCodec.decodeForWriting(AlertCodec.encode(withScalars)))) {
            for (String t : texts) {
                JsonNode v = back.context().get(t);
                assertThat(v).as(t).isEqualTo(mapper.readTree(t));
                assertThat(v.getClass()).as(t).isEqualTo(mapper.readTree(t).getClass());
            }
        }
    }

    /**
     * A rule like {@code base} showing these output fields, context and GroupBy (account is both a group-by field
     * and a name the group always has; the output field is listed twice).
     */
    private static Rule showing(Rule base, List<String> output, Map<String, String> context, List<String> groupBy) {
        Map<String, FieldPath> ctx = new LinkedHashMap<>();
        context.forEach((k, v) -> ctx.put(k, FieldPath.of(v)));
        return new Rule(
                base.id(),
                base.name(),
                base.title(),
                base.description(),
                base.format(),
                base.level(),
                base.tags(),
                base.authors(),
                base.references(),
                base.runbook(),
                base.logTypes(),
                base.detection(),
                base.enabled(),
                false,
                base.dedupPeriodMinutes(),
                base.threshold(),
                output.stream().map(FieldPath::of).toList(),
                base.alertTitle(),
                ctx,
                groupBy.stream().map(FieldPath::of).toList(),
                base.tests(),
                base.location());
    }

    @Test
    void aSingleAlertWrittenFromItsEventIsTheEncodingOfTheAlertItReadsBackAs() throws Exception {
        Rule panther = AlertFixtures.rule(AlertFixtures.PANTHER_ENABLE_REGION);
        Rule sigma = AlertFixtures.rule(AlertFixtures.SIGMA_ENABLE_REGION);
        Rule wide = showing(
                sigma,
                List.of("userIdentity", "requestParameters.RegionName", "userIdentity", "no.such.field", "readOnly"),
                Map.of("who", "userIdentity.arn"),
                List.of("recipientAccountId", "account", "requestParameters.RegionName", "no.such.field"));
        Event withId = AlertFixtures.enableRegion("ev-1", "2024-03-01T10:00:00Z", "al|ice,\\\\x", "ap-east-1");
        // No eventID: the alert id is made of what the evidence shows, its fields' text included.
        Event withoutId = AlertFixtures.enableRegion("", "2024-03-01T10:00:00Z", "bob", "eu-south-1");
        for (Rule rule : List.of(panther, sigma, wide)) {
            SingleAlertTemplate t = SingleAlertTemplate.of(rule);
            for (Event e : List.of(withId, withoutId)) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                SingleAlertTemplate.Written w;
                try (DataOutputStream out = new DataOutputStream(bytes)) {
                    w = t.encode(e, out);
                }
                byte[] written = bytes.toByteArray();
                Alert a = AlertCodec.decode(written);
                assertThat(AlertCodec.encode(a)).as(rule.id() + " " + e).isEqualTo(written);
                assertThat(a.dedupKey()).isEqualTo(w.dedupKey()).isEqualTo(DedupKeys.single(rule, e));
                assertThat(a.alertId())
                        .isEqualTo(w.alertId())
                        .isEqualTo(Alerts.alertId(Alert.Kind.SINGLE, rule.id(), a.dedupKey(), a.evidence()));
                assertThat(a.account()).isEqualTo("123456789012");
                assertThat(a.count()).isEqualTo(1);
                assertThat(a.firstSeenMillis()).isEqualTo(e.eventTimeMillis()).isEqualTo(a.lastSeenMillis());
            }
        }
        Alert wideAlert = Alerts.single(wide, withoutId);
        assertThat(wideAlert.group().keySet())
                .containsExactly(
                        "account", "principal", "recipientAccountId", "requestParameters.RegionName", "no.such.field");
        assertThat(wideAlert.group().get("requestParameters.RegionName")).isEqualTo("eu-south-1");
        assertThat(wideAlert.group().get("no.such.field")).isNull();
        assertThat(wideAlert.dedupKey())
                .isEqualTo(rule(wide) + "|123456789012|123456789012|eu-south-1|" + DedupKeys.MISSING);
        Evidence ev = wideAlert.evidence().get(0);
        assertThat(ev.eventId()).isEmpty();
        assertThat(ev.fields().keySet())
                .containsExactly("userIdentity", "requestParameters.RegionName", "no.such.field", "readOnly");
        assertThat(ev.fields().get("userIdentity").get("userName").textValue()).isEqualTo("bob");
        assertThat(ev.fields().get("no.such.field").isNull()).isTrue();
        assertThat(ev.fields().get("readOnly").booleanValue()).isFalse();
        assertThat(wideAlert.context().get("who").textValue()).isEqualTo("arn:aws:iam::123456789012:user/bob");
        assertThat(Alerts.single(wide, withId).dedupKey())
                .as("escaped key parts")
                .isEqualTo(rule(wide) + "|123456789012|123456789012|ap-east-1|" + DedupKeys.MISSING);
        assertThat(Alerts.single(sigma, withId).dedupKey())
                .isEqualTo(rule(sigma) + "|123456789012|arn:aws:iam::123456789012:user/al\\|ice\\,\\\\x");
    }

    @Test
    void aSingleAlertsContainersAreKeptOrCutExactlyAsLimitsDecides() {
        // The candidate writes a container's text at once when its bytes are within the limit, and asks Limits
        // otherwise: ASCII and two-byte characters on both sides of the limit must come out as Limits.value has it.
        Rule shows = showing(
                AlertFixtures.rule(AlertFixtures.SIGMA_ENABLE_REGION),
                List.of("requestParameters"),
                Map.of(),
                List.of());
        for (String filler : List.of("a", "é")) {
            for (int n : List.of(9_000, 16_330, 16_345, 16_350, 16_355, 16_370)) {
                Event e = AlertFixtures.parse("""
                        {"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/a"},\
                        "eventTime":"2024-03-01T10:00:00Z","eventSource":"account.amazonaws.com","eventName":"EnableRegion",\
                        "awsRegion":"us-east-1","requestParameters":{"RegionName":"ap-east-1","pad":"%s"},"eventID":"e1",\
                        "recipientAccountId":"123456789012"}""".formatted(filler.repeat(n)));
                JsonNode original = e.values(FieldPath.of("requestParameters")).get(0);
                JsonNode expected = Limits.value(original);
                assertThat(Alerts.single(shows, e).evidence().get(0).fields().get("requestParameters"))
                        .as("%d of %s: %s", n, filler, expected.isTextual() ? "cut" : "kept")
                        .isEqualTo(expected);
            }
        }
    }

    private static String rule(Rule r) {
        return r.id();
    }
}
