package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Members of equal bytes share one tree across events, and only when that gives each event exactly the tree the
 * Jackson path builds: same name (so the same cut of the field set), same bytes.
 */
class RecentValuesTest {
    private static final FieldSet FIELDS = FieldSet.builder()
            .add(FieldPath.of("userIdentity.arn"))
            .add(FieldPath.of("userIdentity.type"))
            .add(FieldPath.of("requestParameters.bucketName"))
            .add(FieldPath.of("responseElements"))
            .build();

    private final EventParser parser = new EventParser(ParseLimits.defaults(), true, FIELDS);

    private static String record(String eventName, String identity, String request, String response) {
        return "{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-01-02T03:04:05Z\",\"eventSource\":\"s3.amazonaws.com\","
                + "\"eventName\":\"" + eventName + "\",\"userIdentity\":" + identity + ",\"requestParameters\":"
                + request + ",\"responseElements\":" + response + "}";
    }

    private Event fast(String record) {
        Event e = parser.parse(record.getBytes(StandardCharsets.UTF_8)).events().get(0);
        assertThat(e.decodesOnRead()).isTrue();
        return e;
    }

    private JsonNode jackson(String record, String member) {
        return parser.withoutFastPath()
                .parse(record.getBytes(StandardCharsets.UTF_8))
                .events()
                .get(0)
                .member(member);
    }

    @Test
    void equalBytesShareOneTreeAndOtherBytesDoNot() {
        String alice =
                "{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/alice\",\"accountId\":\"1\",\"sessionContext\":"
                        + "{\"attributes\":{\"mfaAuthenticated\":\"false\"}}}";
        String bob = alice.replace("alice", "bob");
        String request = "{\"bucketName\":\"b\",\"key\":\"k\"}";
        String a = record("GetObject", alice, request, "null");
        String b = record("PutObject", alice, request, "null");
        String c = record("GetObject", bob, request, "null");

        Event first = fast(a);
        Event second = fast(b);
        Event other = fast(c);
        assertThat(second.member("userIdentity")).isSameAs(first.member("userIdentity"));
        assertThat(other.member("userIdentity")).isNotSameAs(first.member("userIdentity"));
        for (String[] recordAndEvent : new String[][] {{a, "first"}, {b, "second"}, {c, "other"}}) {
            Event e = recordAndEvent[1].equals("first") ? first : recordAndEvent[1].equals("second") ? second : other;
            // Each event's tree is the Jackson path's, cut the same way.
            assertThat(e.member("userIdentity")).isEqualTo(jackson(recordAndEvent[0], "userIdentity"));
            assertThat(e.member("requestParameters")).isEqualTo(jackson(recordAndEvent[0], "requestParameters"));
        }
        assertThat(other.member("userIdentity").get("arn").textValue()).isEqualTo("arn:aws:iam::1:user/bob");
        assertThat(first.member("requestParameters").has("key")).isFalse(); // cut as the field set says
        // Building one event's whole root does not change the tree the other event reads.
        assertThat(first.root().get("userIdentity")).isSameAs(second.member("userIdentity"));
        assertThat(second.member("userIdentity")).isEqualTo(jackson(b, "userIdentity"));
    }

    @Test
    void theSameBytesUnderAnotherNameAreDecodedForThatName() {
        // requestParameters keeps only bucketName; responseElements keeps everything: equal bytes, other trees.
        String value = "{\"bucketName\":\"b\",\"key\":\"k\"}";
        String r = record("GetObject", "{\"type\":\"Root\"}", value, value);
        Event e = fast(r);
        assertThat(e.member("requestParameters")).isEqualTo(jackson(r, "requestParameters"));
        assertThat(e.member("requestParameters").has("key")).isFalse();
        assertThat(e.member("responseElements")).isEqualTo(jackson(r, "responseElements"));
        assertThat(e.member("responseElements").has("key")).isTrue();
    }

    @Test
    void longValuesAreDecodedEachTime() {
        String big = "{\"bucketName\":\"" + "x".repeat(RecentValues.MAX_BYTES) + "\"}";
        String r = record("GetObject", "{\"type\":\"Root\"}", big, "null");
        Event first = fast(r);
        Event second = fast(r);
        assertThat(second.member("requestParameters"))
                .isNotSameAs(first.member("requestParameters"))
                .isEqualTo(first.member("requestParameters"))
                .isEqualTo(jackson(r, "requestParameters"));
    }

    @Test
    void aStreamOfManyIdentitiesKeepsSharingTheirTrees() {
        // 1500 distinct identities, each seen twice, a whole round apart: the second sight of most finds its tree
        // (1234 of them; 884 when the hash left the last bytes out of the slot).
        int identities = 1500;
        JsonNode[] firstSight = new JsonNode[identities];
        for (int round = 0; round < 2; round++) {
            int shared = 0;
            for (int i = 0; i < identities; i++) {
                String identity = "{\"type\":\"AssumedRole\",\"arn\":\"arn:aws:sts::1:assumed-role/r/session-" + i
                        + "\",\"accountId\":\"1\"}";
                JsonNode tree =
                        fast(record("GetObject", identity, "null", "null")).member("userIdentity");
                if (round == 0) {
                    firstSight[i] = tree;
                } else if (tree == firstSight[i]) {
                    shared++;
                }
            }
            if (round == 1) {
                assertThat(shared).isGreaterThan(identities * 2 / 3);
            }
        }
    }
}
