package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * What BATCH mode's sorter needs from a numbered sort key: equal keys write equal bytes, different keys different
 * bytes that are not a prefix of one another, most numbered keys in two bytes (so that the sorter's eight index
 * bytes also hold most of the time), and keys past the limit still apart from each other and from every number.
 */
class NumberedSortKeysTest {

    @Test
    void equalKeysWriteEqualTwoBytesAndDifferentKeysDifferentOnes() throws Exception {
        TypeSerializer<String> s = new NumberedSortKeys<>(Types.STRING).createSerializer(new SerializerConfigImpl());
        byte[] a = bytes(s, "rule-a|111122223333|arn:aws:iam::111122223333:user/alice");
        byte[] b = bytes(s, "rule-a|111122223333|arn:aws:iam::111122223333:user/bob");
        byte[] a2 = bytes(s, new String("rule-a|111122223333|arn:aws:iam::111122223333:user/alice"));
        assertThat(a).hasSize(2).isEqualTo(a2);
        assertThat(b).hasSize(2).isNotEqualTo(a);
        assertThat(Arrays.compareUnsigned(a, b))
                .as("numbered in order of first sighting")
                .isNegative();
    }

    @Test
    void keysPastTheLimitAreWrittenWholeAfterAMarker() throws Exception {
        TypeSerializer<String> s = new NumberedSortKeys<>(Types.STRING, 2).createSerializer(new SerializerConfigImpl());
        byte[] first = bytes(s, "k1");
        byte[] second = bytes(s, "k2");
        byte[] third = bytes(s, "k3");
        byte[] fourth = bytes(s, "k4");
        assertThat(first).hasSize(2);
        assertThat(second).hasSize(2);
        assertThat(third[0]).isEqualTo((byte) 0xFF);
        assertThat(first[0]).isZero();
        assertThat(third).isNotEqualTo(fourth).isEqualTo(bytes(s, "k3"));
        DataInputDeserializer in = new DataInputDeserializer(third, 1, third.length - 1);
        assertThat(Types.STRING.createSerializer(new SerializerConfigImpl()).deserialize(in))
                .isEqualTo("k3");
        assertThat(bytes(s, "k1")).as("a numbered key keeps its number").isEqualTo(first);
    }

    @Test
    void numbersPastTwoBytesTakeThreeAndNoKeyIsAPrefixOfAnother() throws Exception {
        int n = NumberedSortKeys.SHORT_NUMBERS + 3;
        TypeSerializer<String> s = new NumberedSortKeys<>(Types.STRING, n).createSerializer(new SerializerConfigImpl());
        List<byte[]> written = new ArrayList<>();
        for (int i = 0; i < n + 2; i++) {
            byte[] b = bytes(s, "key-" + i);
            if (i < NumberedSortKeys.SHORT_NUMBERS) {
                assertThat(b).hasSize(2);
                assertThat(b[0] & 0x80).isZero();
            } else if (i < n) {
                assertThat(b).hasSize(3);
                assertThat(b[0] & 0xC0).isEqualTo(0x80);
            } else {
                assertThat(b[0]).isEqualTo((byte) 0xFF);
            }
            written.add(b);
        }
        assertThat(written.get(NumberedSortKeys.SHORT_NUMBERS)).containsExactly(0x80, 0x80, 0); // 1 << 15 in 22 bits
        assertThat(written.get(NumberedSortKeys.SHORT_NUMBERS - 1)).containsExactly(0x7F, 0xFF);
        // The last short numbers, every long one and the whole keys: none starts another.
        List<byte[]> edge = written.subList(NumberedSortKeys.SHORT_NUMBERS - 2, written.size());
        for (byte[] x : edge) {
            for (byte[] y : edge) {
                if (x != y && x.length <= y.length) {
                    assertThat(Arrays.equals(x, 0, x.length, y, 0, x.length))
                            .as("%s starts %s", Arrays.toString(x), Arrays.toString(y))
                            .isFalse();
                }
            }
        }
        assertThatThrownBy(() -> new NumberedSortKeys<>(Types.STRING, NumberedSortKeys.MAX_NUMBERS + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDuplicateStartsWithNoNumbers() throws Exception {
        TypeSerializer<String> s = new NumberedSortKeys<>(Types.STRING).createSerializer(new SerializerConfigImpl());
        bytes(s, "x");
        byte[] y = bytes(s, "y");
        TypeSerializer<String> d = s.duplicate();
        assertThat(bytes(d, "y")).isNotEqualTo(y).isEqualTo(bytes(s, "x"));
        assertThat(((NumberedSortKeys.Serializer<String>) s).numbered()).isEqualTo(2);
    }

    @Test
    void itIsNeverReadBack() {
        TypeSerializer<String> s = new NumberedSortKeys<>(Types.STRING).createSerializer(new SerializerConfigImpl());
        assertThatThrownBy(() -> s.deserialize(new DataInputDeserializer(new byte[8])))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    private static byte[] bytes(TypeSerializer<String> s, String key) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(32);
        s.serialize(key, out);
        return out.getCopyOfBuffer();
    }
}
