package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A {@link FieldPath} keeps the alias it was matched to per log type, and reads that the event's key filter
 * answers: one path instance read on records of both types, a path read back from a stream, and keys that are
 * absent, present in another case or held whole with a dot.
 */
class FieldPathAliasTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String CLOUDTRAIL = "{\"eventTime\":\"2024-03-05T10:00:00Z\",\"eventName\":\"CreateUser\","
            + "\"eventSource\":\"iam.amazonaws.com\",\"recipientAccountId\":\"123456789012\","
            + "\"ErrorCode\":\"AccessDenied\",\"a.b\":\"dotted\",\"a\":{\"b\":\"nested\"}}";
    private static final String AZURE = "{\"eventTimestamp\":\"2024-03-05T10:05:00Z\","
            + "\"subscriptionId\":\"11111111-2222-3333-4444-555555555555\","
            + "\"operationName\":{\"value\":\"Microsoft.Compute/virtualMachines/write\"},"
            + "\"category\":{\"value\":\"Administrative\"}}";

    private static Event event(LogType type, String json) throws Exception {
        return new Event(type, (ObjectNode) JSON.readTree(json));
    }

    private static List<String> strings(Event e, FieldPath path) {
        return e.values(path).stream().map(Event::stringForm).collect(Collectors.toList());
    }

    @Test
    void onePathReadsEachLogTypesAlias() throws Exception {
        Event cloudTrail = event(LogType.CLOUDTRAIL, CLOUDTRAIL);
        Event azure = event(LogType.AZURE_ACTIVITY, AZURE);

        FieldPath action = FieldPath.of("event.action"); // CloudTrail renames it, Azure computes it
        assertThat(strings(cloudTrail, action)).containsExactly("CreateUser");
        assertThat(strings(azure, action)).containsExactly("MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE");
        assertThat(strings(cloudTrail, action)).containsExactly("CreateUser");

        FieldPath operation = FieldPath.of("operationName"); // an Azure bridge, no CloudTrail alias
        assertThat(strings(azure, operation)).containsExactly("Microsoft.Compute/virtualMachines/write");
        assertThat(strings(cloudTrail, operation)).isEmpty();
        assertThat(EcsAliases.isAlias(LogType.AZURE_ACTIVITY, operation)).isTrue();
        assertThat(EcsAliases.isAlias(LogType.CLOUDTRAIL, operation)).isFalse();
    }

    @Test
    void aPathReadBackFromAStreamMatchesItsAliasAgain() throws Exception {
        FieldPath account = FieldPath.of("cloud.account.id");
        Event cloudTrail = event(LogType.CLOUDTRAIL, CLOUDTRAIL);
        assertThat(strings(cloudTrail, account)).isEmpty(); // userIdentity.accountId is not in the record

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(account);
        }
        FieldPath copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (FieldPath) in.readObject();
        }
        assertThat(copy).isEqualTo(account);
        assertThat(strings(event(LogType.AZURE_ACTIVITY, AZURE), copy))
                .containsExactly("11111111-2222-3333-4444-555555555555");
        assertThat(strings(cloudTrail, copy)).isEmpty();
    }

    @Test
    void keyFilterAnswersAbsentKeysInEveryCase() throws Exception {
        Event e = event(LogType.CLOUDTRAIL, CLOUDTRAIL);
        assertThat(strings(e, FieldPath.of("errorCode"))).isEmpty(); // only ErrorCode is there
        assertThat(strings(e, FieldPath.caseInsensitive("errorCode"))).containsExactly("AccessDenied");
        assertThat(strings(e, FieldPath.of("ErrorCode"))).containsExactly("AccessDenied");
        assertThat(strings(e, FieldPath.of("errorMessage"))).isEmpty();
        assertThat(strings(e, FieldPath.caseInsensitive("ERRORMESSAGE"))).isEmpty();
        assertThat(strings(e, FieldPath.of("a.b"))).containsExactly("dotted"); // the whole dotted key wins
        assertThat(strings(e, FieldPath.ofSegments(new String[] {"A", "b"}, true)))
                .containsExactly("nested");
        assertThat(e.certainlyAbsent(FieldPath.of("errorMessage"))).isTrue();
        assertThat(e.certainlyAbsent(FieldPath.of("errorCode"))).isFalse(); // ErrorCode folds to it
        assertThat(e.certainlyAbsent(FieldPath.of("a.c"))).isFalse(); // key a is there
    }
}
