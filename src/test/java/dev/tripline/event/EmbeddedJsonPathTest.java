package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tripline.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code [json]} path step on real CloudTrail records from ../shared/data. */
class EmbeddedJsonPathTest {
    private static final String INVICTUS = "data/invictus-aws-stratus/218007301253_CloudTrail_us-east-1_";

    /** One record of a real CloudTrail log file, by eventID. */
    static ObjectNode record(String file, String eventId) {
        for (JsonNode r : SharedData.readTree(SharedData.path(INVICTUS + file)).get("Records")) {
            if (r.path("eventID").asText().equals(eventId)) {
                return (ObjectNode) r.deepCopy();
            }
        }
        throw new IllegalArgumentException("no event " + eventId + " in " + file);
    }

    /** PutRolePolicy with a compact one-line policy document. */
    static ObjectNode putRolePolicy() {
        return record("20230710T1205Z_zs3JGxETHr59VpkX.json", "42ee083a-7081-4c13-a7b8-6553a966588a");
    }

    private static List<String> texts(Event e, FieldPath path) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : e.values(path)) {
            out.add(Event.stringForm(v));
        }
        return out;
    }

    @Test
    void everyParserSplitsTheJsonStepOff() {
        FieldPath sigma = FieldPath.of("requestParameters.policyDocument[json].Statement.Action");
        assertThat(sigma.length()).isEqualTo(5);
        assertThat(sigma.segment(2)).isEqualTo(FieldPath.JSON_STEP);
        FieldPath keyPath = FieldPath.keyPath("requestParameters.policyDocument[json].Statement[*].Action", true);
        assertThat(keyPath)
                .isEqualTo(FieldPath.ofSegments(
                        new String[] {"requestParameters", "policyDocument", "[json]", "Statement", "Action"}, true));
        // The index spells a path by its text; the text of a KeyPath-built path parses back to the same steps.
        assertThat(FieldPath.caseInsensitive(keyPath.text())).isEqualTo(keyPath);
        assertThat(FieldPath.of("a.[json].b")).isEqualTo(FieldPath.of("a[json].b"));
        FieldPath twice = FieldPath.of("a[json][json].b");
        assertThat(twice.length()).isEqualTo(4);
        assertThat(twice.segment(1)).isEqualTo(FieldPath.JSON_STEP);
        assertThat(twice.segment(2)).isEqualTo(FieldPath.JSON_STEP);
        assertThatThrownBy(() -> FieldPath.keyPath("a[jsn].b", true)).hasMessageContaining("list index, * or json");
    }

    @Test
    void aPolicyDocumentIsReadInsideItsString() {
        Event e = new Event(LogType.CLOUDTRAIL, putRolePolicy());
        assertThat(texts(e, FieldPath.of("requestParameters.policyDocument[json].Statement.Action")))
                .containsExactly("ec2:DescribeInstances");
        assertThat(texts(e, FieldPath.of("requestParameters.policyDocument[json].Version")))
                .containsExactly("2012-10-17");
        // Panther paths ignore key case inside the document too.
        assertThat(texts(e, FieldPath.keyPath("requestParameters.policyDocument[json].statement[0].effect", true)))
                .containsExactly("Allow");
        assertThat(e.unreadableEmbeddedJson()).isZero();
    }

    @Test
    void aPrettyPrintedPolicyWithAStringActionIsRead() {
        Event e = new Event(
                LogType.CLOUDTRAIL,
                record("20230710T1200Z_x9kHmzMa7cx6l9wM.json", "a092fecb-2cb1-4c68-809d-1edf688badef"));
        assertThat(texts(e, FieldPath.of("requestParameters.policyDocument[json].Statement.Action")))
                .containsExactly("ec2:Describe*");
    }

    @Test
    void aUrlEncodedPolicyIsPercentDecodedFirst() {
        // CreateRole's response holds the trust policy URL-encoded, as IAM returns it.
        Event e = new Event(
                LogType.CLOUDTRAIL,
                record("20230710T1205Z_zs3JGxETHr59VpkX.json", "b0c1a980-ad28-4be5-baf2-6cfee896dfbf"));
        assertThat(e.root()
                        .at("/responseElements/role/assumeRolePolicyDocument")
                        .textValue())
                .startsWith("%7B");
        FieldPath actions = FieldPath.of("responseElements.role.assumeRolePolicyDocument[json].Statement.Action");
        assertThat(texts(e, actions)).containsExactly("sts:AssumeRole", "sts:SetSourceIdentity");
        assertThat(texts(
                        e,
                        FieldPath.of("responseElements.role.assumeRolePolicyDocument[json].Statement.Principal.AWS")))
                .containsExactly("123837392027");
    }

    @Test
    void aDocumentAlreadyHeldAsJsonIsWalkedAsIs() {
        ObjectNode r = putRolePolicy();
        ObjectNode params = (ObjectNode) r.get("requestParameters");
        params.set(
                "policyDocument", SharedData.parse(params.get("policyDocument").textValue()));
        Event e = new Event(LogType.CLOUDTRAIL, r);
        assertThat(texts(e, FieldPath.of("requestParameters.policyDocument[json].Statement.Action")))
                .containsExactly("ec2:DescribeInstances");
    }

    @Test
    void unreadableTextIsAMissingFieldCountedOnceAndNotReparsed() {
        ObjectNode r = putRolePolicy();
        ((ObjectNode) r.get("requestParameters")).put("policyDocument", "{\"Statement\":[{\"Action\":\"*\"");
        Event e = new Event(LogType.CLOUDTRAIL, r);
        FieldPath action = FieldPath.of("requestParameters.policyDocument[json].Statement.Action");
        assertThat(e.exists(action)).isFalse();
        assertThat(e.exists(FieldPath.keyPath("requestParameters.policyDocument[json].Version", true)))
                .isFalse();
        assertThat(e.unreadableEmbeddedJson()).isEqualTo(1);
        // The record itself is untouched: the string is still there for every other test.
        assertThat(texts(e, FieldPath.of("requestParameters.policyDocument"))).hasSize(1);
        assertThat(texts(e, FieldPath.of("eventName"))).containsExactly("PutRolePolicy");
    }

    @Test
    void hostileOrEmptyTextHoldsNoDocument() {
        String deep = "[".repeat(ParseLimits.DEFAULT_MAX_DEPTH + 1) + "]".repeat(ParseLimits.DEFAULT_MAX_DEPTH + 1);
        for (String text : List.of(deep, "{} trailing", "invalid-json-policy", "%7B%2", "%ZZ")) {
            ObjectNode r = putRolePolicy();
            ((ObjectNode) r.get("requestParameters")).put("policyDocument", text);
            Event e = new Event(LogType.CLOUDTRAIL, r);
            assertThat(e.exists(FieldPath.of("requestParameters.policyDocument[json]")))
                    .as(text)
                    .isFalse();
            assertThat(e.unreadableEmbeddedJson()).as(text).isEqualTo(1);
        }
        ObjectNode empty = putRolePolicy();
        ((ObjectNode) empty.get("requestParameters")).put("policyDocument", "");
        Event e = new Event(LogType.CLOUDTRAIL, empty);
        assertThat(e.exists(FieldPath.of("requestParameters.policyDocument[json]")))
                .isFalse();
        assertThat(e.unreadableEmbeddedJson())
                .as("an empty policy is not a broken one")
                .isZero();
    }

    @Test
    void theDocumentIsDecodedOncePerEvent() {
        Event e = new Event(LogType.CLOUDTRAIL, putRolePolicy());
        List<JsonNode> first = e.values(FieldPath.of("requestParameters.policyDocument[json].Statement"));
        List<JsonNode> again = e.values(FieldPath.keyPath("requestParameters.policyDocument[json].Statement", true));
        assertThat(first).hasSize(1);
        assertThat(again.get(0)).isSameAs(first.get(0));
        JsonNode scope = first.get(0);
        List<JsonNode> viaScope = new ArrayList<>();
        e.anyValueIn(e.root(), FieldPath.of("requestParameters.policyDocument[json].Statement"), v -> viaScope.add(v));
        assertThat(viaScope.get(0)).isSameAs(scope);
    }

    @Test
    void jsonHeldInJsonIsDecodedStepByStep() {
        ObjectNode r = putRolePolicy();
        r.put("wrapped", "\"{\\\"a\\\":[1,2]}\"");
        Event e = new Event(LogType.CLOUDTRAIL, r);
        assertThat(texts(e, FieldPath.of("wrapped[json][json].a"))).containsExactly("1", "2");
    }

    @Test
    void aListOfJsonStringsIsDecodedElementByElement() {
        ObjectNode r = putRolePolicy();
        r.putArray("docs").add(TextNode.valueOf("{\"a\":1}")).add(TextNode.valueOf("{\"a\":2}"));
        Event e = new Event(LogType.CLOUDTRAIL, r);
        assertThat(texts(e, FieldPath.of("docs[json].a"))).containsExactly("1", "2");
        assertThat(Event.anyValue(r, FieldPath.of("docs[json].a"), v -> v.asInt() == 2))
                .isTrue();
    }
}
