package dev.tripline.match;

import static dev.tripline.match.TestRules.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldReaderTest {
    private static List<String> read(FieldReader reader, Event e) {
        List<String> out = new ArrayList<>();
        reader.anyValue(e, v -> {
            out.add(v.toString());
            return false;
        });
        return out;
    }

    private static List<String> reference(FieldPath path, Event e) {
        return e.values(path).stream().map(JsonNode::toString).toList();
    }

    @Test
    void takesTheShortcutOnlyForAScalarUnderExactKeys() {
        FieldReader arn = new FieldReader(FieldPath.of("userIdentity.arn"));
        assertThat(arn.exactScalar(event("{\"userIdentity\":{\"arn\":\"a\"}}")).textValue())
                .isEqualTo("a");
        assertThat(arn.exactScalar(event("{\"userIdentity\":{\"arn\":null}}")).isNull())
                .isTrue();
        // A list on the way or at the end, a key in another case, a missing key: the full lookup decides.
        assertThat(arn.exactScalar(event("{\"userIdentity\":[{\"arn\":\"a\"}]}")))
                .isNull();
        assertThat(arn.exactScalar(event("{\"userIdentity\":{\"arn\":[\"a\",\"b\"]}}")))
                .isNull();
        assertThat(arn.exactScalar(event("{\"userIdentity\":{\"ARN\":\"a\"}}"))).isNull();
        assertThat(arn.exactScalar(event("{\"userIdentity\":{}}"))).isNull();
        // A key holding the whole dotted path wins over the nested one.
        assertThat(arn.exactScalar(event("{\"userIdentity.arn\":\"x\",\"userIdentity\":{\"arn\":\"a\"}}")))
                .isNull();
        assertThat(new FieldReader(FieldPath.of("requestParameters.policy[json].Version"))
                        .exactScalar(event("{\"requestParameters\":{\"policy\":{\"Version\":\"1\"}}}")))
                .isNull();
    }

    @Test
    void callsAFieldMissingWithoutTheFullLookupOnlyWhenNothingElseCouldAnswer() {
        Event e = event("{\"eventName\":\"X\",\"ErrorCode\":\"E\",\"recipientAccountId\":\"111\"}");
        assertThat(new FieldReader(FieldPath.of("errorCode")).certainlyMissing(e))
                .isTrue();
        assertThat(new FieldReader(FieldPath.of("errorMessage")).certainlyMissing(e))
                .isTrue();
        // Another case of the key may answer a case-insensitive path; a derived field or alias may answer.
        assertThat(new FieldReader(FieldPath.caseInsensitive("errorCode")).certainlyMissing(e))
                .isFalse();
        assertThat(new FieldReader(FieldPath.of("account")).certainlyMissing(e)).isFalse();
        assertThat(new FieldReader(FieldPath.of("event.action")).certainlyMissing(e))
                .isFalse();
        assertThat(new FieldReader(FieldPath.of("eventName")).certainlyMissing(e))
                .isFalse();
        Event dotted = event("{\"userIdentity.arn\":\"x\"}");
        assertThat(new FieldReader(FieldPath.of("userIdentity.arn")).certainlyMissing(dotted))
                .isFalse();
    }

    @Test
    void callsACaseInsensitiveFieldMissingWhenNoSpellingOfItsFirstKeyIsThere() {
        Event e = event("{\"eventName\":\"X\",\"ErrorCode\":\"E\",\"userIdentity.arn\":\"x\"}");
        assertThat(new FieldReader(FieldPath.caseInsensitive("errorMessage")).certainlyMissing(e))
                .isTrue();
        assertThat(new FieldReader(FieldPath.caseInsensitive("userIdentity.type")).certainlyMissing(e))
                .isTrue();
        // Some spelling of the first key, or the whole dotted path as one key, may answer.
        assertThat(new FieldReader(FieldPath.caseInsensitive("errorCode")).certainlyMissing(e))
                .isFalse();
        assertThat(new FieldReader(FieldPath.caseInsensitive("ERRORCODE.detail")).certainlyMissing(e))
                .isFalse();
        assertThat(new FieldReader(FieldPath.caseInsensitive("userIdentity.arn")).certainlyMissing(e))
                .isFalse();
        assertThat(new FieldReader(FieldPath.caseInsensitive("event.action")).certainlyMissing(e))
                .isFalse();
        assertThat(read(new FieldReader(FieldPath.caseInsensitive("errorcode")), e))
                .containsExactly("\"E\"");
    }

    @Test
    void readsWhatTheEventsLookupReads() {
        List<String> records = List.of(
                "{\"userIdentity\":{\"arn\":\"a\"}}",
                "{\"userIdentity\":{\"arn\":null}}",
                "{\"userIdentity\":[{\"arn\":\"a\"},{\"arn\":\"b\"}]}",
                "{\"userIdentity\":{\"arn\":[\"a\",\"b\"]}}",
                "{\"userIdentity\":{\"ARN\":\"a\"}}",
                "{\"userIdentity.arn\":\"x\",\"userIdentity\":{\"arn\":\"a\"}}",
                "{\"userIdentity\":{\"arn\":7}}",
                "{\"eventName\":\"CreateUser\",\"recipientAccountId\":\"111\"}",
                "{\"account\":\"raw\",\"recipientAccountId\":\"111\"}",
                "{\"ErrorCode\":\"E\"}",
                "{}");
        List<FieldPath> paths = List.of(
                FieldPath.of("userIdentity.arn"),
                FieldPath.caseInsensitive("userIdentity.arn"),
                FieldPath.of("event.action"),
                FieldPath.of("account"),
                FieldPath.caseInsensitive("EVENTNAME"),
                FieldPath.of("errorCode"),
                FieldPath.caseInsensitive("errorCode"));
        for (String json : records) {
            Event e = event(json);
            for (FieldPath path : paths) {
                assertThat(read(new FieldReader(path), e))
                        .as(path + " in " + json)
                        .isEqualTo(reference(path, e));
            }
        }
    }

    @Test
    void aDeserialisedReaderHasInternedKeysAgain() throws Exception {
        FieldReader reader = new FieldReader(FieldPath.of("userIdentity.arn"));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(reader);
        }
        FieldReader copy;
        try (java.io.ObjectInputStream in =
                new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (FieldReader) in.readObject();
        }
        java.lang.reflect.Field keys = FieldReader.class.getDeclaredField("keys");
        keys.setAccessible(true);
        String first = ((String[]) keys.get(copy))[0];
        // The same instance as the interned literal, which is what Jackson's interned keys are compared with.
        assertThat(first == "userIdentity").isTrue();
        assertThat(copy.exactScalar(event("{\"userIdentity\":{\"arn\":\"a\"}}")).textValue())
                .isEqualTo("a");
    }
}
