package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The name table of the fast path: the text and the field set's answers of every name, whatever its length. */
class MemberNamesTest {

    private static final FieldSet FIELDS = FieldSet.builder()
            .add(FieldPath.of("eventName"))
            .add(FieldPath.of("responseElements.user.userId"))
            .add(FieldPath.caseInsensitive("requestParameters"))
            .build();

    /** Looks {@code name} up as the pass would: the quoted name inside a record, with more record after it. */
    private static MemberNames.Name lookUp(MemberNames names, String quotedName, String before, String after) {
        byte[] b = (before + quotedName + after).getBytes(StandardCharsets.UTF_8);
        int quote = before.getBytes(StandardCharsets.UTF_8).length;
        return names.of(b, quote, quote + quotedName.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void answersAsTheFieldSetAndTheEnvelopeKeysDo() {
        MemberNames names = new MemberNames(FIELDS.root());
        for (int pass = 0; pass < 2; pass++) { // first sight, then from the table
            MemberNames.Name eventName = lookUp(names, "\"eventName\"", "{", ":1}");
            assertThat(eventName.text()).isSameAs("eventName");
            assertThat(eventName.child()).isSameAs(FIELDS.root().child("eventName"));
            assertThat(eventName.below()).isNull(); // kept whole
            assertThat(eventName.envelope()).isFalse();

            MemberNames.Name response = lookUp(names, "\"responseElements\"", "{", ":{}}");
            assertThat(response.child()).isNotNull();
            assertThat(response.below()).isSameAs(response.child()); // only user.userId below it

            assertThat(lookUp(names, "\"REQUESTPARAMETERS\"", "{", ":1}").child())
                    .isNotNull();
            assertThat(lookUp(names, "\"skipped\"", "{", ":1}").child()).isNull();
            for (String envelope : List.of("Records", "records", "value", "detail-type", "messageType")) {
                assertThat(lookUp(names, "\"" + envelope + "\"", "{", ":1}").envelope())
                        .as(envelope)
                        .isTrue();
            }
        }
    }

    /**
     * Names of every length up to past the table's limit, escaped names and names at the very end of the array
     * decode to their interned text, and names differing in one byte anywhere are never taken for each other,
     * even with the table full of colliding slots.
     */
    @Test
    void decodesEveryNameAndNeverConfusesTwo() {
        MemberNames names = new MemberNames(FIELDS.root());
        Random random = new Random(5);
        List<String> texts = new ArrayList<>();
        for (int length = 1; length <= 80; length++) {
            StringBuilder base = new StringBuilder();
            for (int k = 0; k < length; k++) {
                base.append((char) ('a' + random.nextInt(3)));
            }
            texts.add(base.toString());
            for (int at = 0; at < length; at++) { // the same name with one byte changed at each place
                char[] c = base.toString().toCharArray();
                c[at] = 'z';
                texts.add(new String(c));
            }
        }
        texts.addAll(List.of("é", "ab€cd", "x\ud83d\ude00y"));
        for (int round = 0; round < 3; round++) {
            for (String text : texts) {
                MemberNames.Name name = lookUp(names, "\"" + text + "\"", "{", ":1}");
                assertThat(name.text()).isEqualTo(text).isSameAs(text.intern());
                assertThat(name.hash()).isEqualTo(text.hashCode());
                // At the array's end: fewer than eight bytes after the name's start.
                assertThat(lookUp(names, "\"" + text + "\"", "", "").text()).isEqualTo(text);
            }
        }
        // An escaped name has other bytes than its plain form, and the same text.
        assertThat(lookUp(names, "\"event\\u004eame\"", "{", ":1}").text()).isSameAs("eventName");
        assertThat(lookUp(names, "\"a\\\"b\"", "{", ":1}").text()).isEqualTo("a\"b");
        assertThat(lookUp(names, "\"eventName\"", "{", ":1}").text()).isSameAs("eventName");
    }

    /** The shape of {@code record} as the fast path finds it: the pass's member index, then the shape table. */
    private static MemberNames.Shape shapeOf(MemberNames names, String record) {
        byte[] b = record.getBytes(StandardCharsets.UTF_8);
        int[] index = new int[1 + StrictJsonPass.MEMBER_INTS * 16];
        assertThat(StrictJsonPass.firstError(b, 0, b.length, 64, 1000, index, true))
                .isEqualTo(-1);
        return names.shape(b, index);
    }

    private static List<String> texts(MemberNames.Name[] names) {
        return java.util.Arrays.stream(names).map(MemberNames.Name::text).toList();
    }

    /**
     * Records with as many names of the same total length share a slot of the shape table, and one differing in a
     * single byte of one name (or in their order) never takes the other's shape; a repeated key takes its first
     * place, skipped names none, and an envelope's key marks the shape.
     */
    @Test
    void aRecordTakesACachedShapeOnlyWhenEveryNameIsTheSame() {
        MemberNames names = new MemberNames(FIELDS.root());
        for (int round = 0; round < 2; round++) { // first sight, then from the table
            MemberNames.Shape a = shapeOf(names, "{\"eventName\":1,\"skipped\":2,\"requestParameters\":3}");
            assertThat(texts(a.all)).containsExactly("eventName", "skipped", "requestParameters");
            assertThat(texts(a.kept)).containsExactly("eventName", "requestParameters");
            assertThat(a.place).containsExactly(0, -1, 1);
            assertThat(a.envelope).isFalse();

            MemberNames.Shape b = shapeOf(names, "{\"eventName\":1,\"skipped\":2,\"requestParameterz\":3}");
            assertThat(texts(b.all)).containsExactly("eventName", "skipped", "requestParameterz");
            assertThat(texts(b.kept)).containsExactly("eventName");

            MemberNames.Shape c = shapeOf(names, "{\"skipped\":2,\"eventName\":1,\"requestParameters\":3}");
            assertThat(texts(c.kept)).containsExactly("eventName", "requestParameters");
            assertThat(c.place).containsExactly(-1, 0, 1);

            MemberNames.Shape repeated = shapeOf(names, "{\"eventName\":1,\"skipped\":2,\"eventName\":3}");
            assertThat(texts(repeated.kept)).containsExactly("eventName");
            assertThat(repeated.place).containsExactly(0, -1, 0);

            MemberNames.Shape envelope = shapeOf(names, "{\"eventName\":1,\"Records\":[]}");
            assertThat(envelope.envelope).isTrue();
        }
        // Names of more than 24 bytes differing only past the compared words, and long names looked up afresh.
        String long1 = "a".repeat(30);
        String long2 = "a".repeat(20) + "b" + "a".repeat(9);
        String huge1 = "c".repeat(70);
        String huge2 = "c".repeat(35) + "d" + "c".repeat(34);
        for (int round = 0; round < 2; round++) {
            assertThat(texts(shapeOf(names, "{\"" + long1 + "\":1}").all)).containsExactly(long1);
            assertThat(texts(shapeOf(names, "{\"" + long2 + "\":1}").all)).containsExactly(long2);
            assertThat(texts(shapeOf(names, "{\"" + huge1 + "\":1}").all)).containsExactly(huge1);
            assertThat(texts(shapeOf(names, "{\"" + huge2 + "\":1}").all)).containsExactly(huge2);
        }
    }
}
