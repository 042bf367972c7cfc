package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * What BATCH mode's sorter needs from a numbered sort key: equal keys write equal bytes, different keys different
 * bytes, numbered keys in eight bytes (so that the sorter decides on them), and keys past the limit still apart
 * from each other and from every number.
 */
class NumberedSortKeysTest {

    @Test
    void equalKeysWriteEqualEightBytesAndDifferentKeysDifferentOnes() throws Exception {
        TypeSerializer<String> s = new NumberedSortKeys<>(Types.STRING).createSerializer(new SerializerConfigImpl());
        byte[] a = bytes(s, "rule-a|111122223333|arn:aws:iam::111122223333:user/alice");
        byte[] b = bytes(s, "rule-a|111122223333|arn:aws:iam::111122223333:user/bob");
        byte[] a2 = bytes(s, new String("rule-a|111122223333|arn:aws:iam::111122223333:user/alice"));
        assertThat(a).hasSize(8).isEqualTo(a2);
        assertThat(b).hasSize(8).isNotEqualTo(a);
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
        assertThat(first).hasSize(8);
        assertThat(second).hasSize(8);
        assertThat(third[0]).isEqualTo((byte) 1);
        assertThat(first[0]).isZero();
        assertThat(third).isNotEqualTo(fourth).isEqualTo(bytes(s, "k3"));
        DataInputDeserializer in = new DataInputDeserializer(third, 1, third.length - 1);
        assertThat(Types.STRING.createSerializer(new SerializerConfigImpl()).deserialize(in))
                .isEqualTo("k3");
        assertThat(bytes(s, "k1")).as("a numbered key keeps its number").isEqualTo(first);
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
