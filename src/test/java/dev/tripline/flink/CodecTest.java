package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.correlate.CorrelationState;
import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecTest {
    static final Evidence EV = new Evidence(
            "r1",
            null,
            1_700_000_000_000L,
            "RunInstances",
            "ec2.amazonaws.com",
            null,
            Map.of("userIdentity.arn", "arn:aws:iam::1:user/a"));

    @Test
    void groupKeysRoundTripAndCannotCollideAcrossGroupValues() throws Exception {
        assertThat(new GroupKey("p", "f", List.of("a", "bc"))).isNotEqualTo(new GroupKey("p", "f", List.of("ab", "c")));
        GroupKey key = new GroupKey("plan:with|odd@x", "0123456789abcdef", List.of("x|1:y", "", "ü"));
        org.apache.flink.core.memory.DataOutputSerializer out =
                new org.apache.flink.core.memory.DataOutputSerializer(64);
        GroupKey.Serializer.INSTANCE.serialize(key, out);
        GroupKey back = GroupKey.Serializer.INSTANCE.deserialize(
                new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).isEqualTo(key).hasSameHashCodeAs(key);
        assertThat(back.group()).containsExactly("x|1:y", "", "ü");
        // The key group follows the hash, so the hash must not depend on the JVM: it is built from String hashes.
        assertThat(new GroupKey("p", "f", List.of("g")).hashCode())
                .isEqualTo((("p".hashCode() * 31 + "f".hashCode()) * 31) + "g".hashCode());
    }

    @Test
    void groupKeysAreWrittenInTheLayoutSavepointsHoldWhateverTheirCharacters() throws Exception {
        String longValue = "arn:aws:iam::123456789012:role/" + "x".repeat(200);
        List<String> group = List.of("123456789012", longValue, "", "ü", "€漢", "\u007f\u0080\u07ff\u0800\uffff");
        GroupKey key = new GroupKey("p", "0123456789abcdef", group);
        org.apache.flink.core.memory.DataOutputSerializer out =
                new org.apache.flink.core.memory.DataOutputSerializer(64);
        GroupKey.Serializer.INSTANCE.serialize(key, out);
        // The layout written before the values were kept as bytes: hash, id, fingerprint, count, each value.
        org.apache.flink.core.memory.DataOutputSerializer expected =
                new org.apache.flink.core.memory.DataOutputSerializer(64);
        int hash = "p".hashCode() * 31 + "0123456789abcdef".hashCode();
        for (String g : group) {
            hash = hash * 31 + g.hashCode();
        }
        expected.writeInt(hash);
        org.apache.flink.types.StringValue.writeString("p", expected);
        org.apache.flink.types.StringValue.writeString("0123456789abcdef", expected);
        expected.writeInt(group.size());
        for (String g : group) {
            org.apache.flink.types.StringValue.writeString(g, expected);
        }
        assertThat(out.getCopyOfBuffer()).isEqualTo(expected.getCopyOfBuffer());
        assertThat(key.hashCode()).isEqualTo(hash);
        assertThat(key.group()).isEqualTo(group);
        GroupKey back = GroupKey.Serializer.INSTANCE.deserialize(
                new org.apache.flink.core.memory.DataInputDeserializer(expected.getCopyOfBuffer()));
        assertThat(back).isEqualTo(key).hasSameHashCodeAs(key);
        assertThat(back.group()).isEqualTo(group);
        assertThat(new GroupKey("p", "0123456789abcdef", List.of("123456789012", longValue)))
                .isNotEqualTo(key);
    }

    @Test
    void groupKeysLeadWithTheirHashAndStateOfTheOlderLayoutIsRefused() throws Exception {
        GroupKey key = new GroupKey("p", "f", List.of("g"));
        org.apache.flink.core.memory.DataOutputSerializer out =
                new org.apache.flink.core.memory.DataOutputSerializer(64);
        GroupKey.Serializer.INSTANCE.serialize(key, out);
        // BATCH mode sorts keyed input on these bytes and compares their first ones before the rest.
        assertThat(new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()).readInt())
                .isEqualTo(key.hashCode());
        byte[] bytes = out.getCopyOfBuffer();
        bytes[0] ^= 1;
        assertThatThrownBy(() -> GroupKey.Serializer.INSTANCE.deserialize(
                        new org.apache.flink.core.memory.DataInputDeserializer(bytes)))
                .hasMessageContaining("corrupt correlation key");
        var current = GroupKey.Serializer.INSTANCE.snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(new GroupKey.Snapshot()).isIncompatible())
                .isTrue();
        assertThat(current.resolveSchemaCompatibility(GroupKey.Serializer.INSTANCE.snapshotConfiguration())
                        .isCompatibleAsIs())
                .isTrue();
    }

    @Test
    void slotKeysKeepTheTextSavepointsHoldThem() {
        // Rule index and time in base 36, then the value: the map keys of slot evidence in existing state.
        for (long time : new long[] {0, 35, 36, 1_709_597_024_000L, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
            for (int rule : new int[] {0, 1, 15, 35, 36, 1000}) {
                for (String value : new String[] {null, "", "a.b", "ü€"}) {
                    String head = Integer.toString(rule, 36) + '.' + Long.toString(time, 36);
                    assertThat(CorrelationState.slotKey(rule, time, value))
                            .isEqualTo(value == null ? head : head + '.' + value);
                }
            }
        }
    }

    @Test
    void slotIndexesCarryTheTimerAndStateOfTheLayoutWithoutItIsRefused() throws Exception {
        CorrelationState index = new CorrelationState();
        index.timer(123_456_789L);
        CorrelationState back = CorrelationState.fromBytes(index.toBytes());
        assertThat(back.timer()).isEqualTo(123_456_789L);
        assertThat(CorrelationState.fromBytes(new CorrelationState().toBytes()).timer())
                .as("no timer")
                .isEqualTo(Long.MAX_VALUE);
        // Format 2: format byte, flags, no slots; its timer lived in a state of its own.
        assertThatThrownBy(() -> CorrelationState.fromBytes(new byte[] {2, 0, 0}))
                .hasMessageContaining("before the group's timer was kept in its slot index");
        var current = CorrelationStateSerializer.INSTANCE.snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(new CorrelationStateSerializer.Snapshot())
                        .isIncompatible())
                .isTrue();
        assertThat(current.resolveSchemaCompatibility(CorrelationStateSerializer.INSTANCE.snapshotConfiguration())
                        .isCompatibleAsIs())
                .isTrue();
    }

    @Test
    void firedRoundTripsIncludingNullGroupValuesAndValue() {
        Map<String, String> group = new LinkedHashMap<>();
        group.put("account", "123");
        group.put("region", null);
        Fired f = new Fired(
                "c1",
                "title",
                Level.HIGH,
                CorrelationRule.Type.VALUE_SUM,
                group,
                1,
                2,
                3,
                new BigDecimal("12.50"),
                List.of(EV, EV),
                true);
        Fired back = Codec.fired(Codec.fired(f));
        assertThat(back).isEqualTo(f);
        assertThat(back.group().keySet()).containsExactly("account", "region");
        Fired noValue = new Fired(
                "c1", "t", Level.LOW, CorrelationRule.Type.TEMPORAL, Map.of(), 1, 1, 1, null, List.of(), false);
        assertThat(Codec.fired(Codec.fired(noValue))).isEqualTo(noValue);
    }

    @Test
    void corruptBytesAreRejectedNotMisread() {
        Fired f = new Fired(
                "c1", "t", Level.LOW, CorrelationRule.Type.TEMPORAL, Map.of(), 1, 1, 1, null, List.of(EV), true);
        byte[] good = Codec.fired(f);
        assertThatThrownBy(() -> Codec.fired(Arrays.copyOf(good, good.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> Codec.fired(longer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trailing");
        byte[] wrongFormat = good.clone();
        wrongFormat[0] = 9;
        assertThatThrownBy(() -> Codec.fired(wrongFormat)).hasMessageContaining("format 9");
    }

    @Test
    void signalRecordsRoundTripThroughTheirOwnSerializer() throws Exception {
        assertThat(org.apache.flink.api.common.typeinfo.TypeInformation.of(SignalRecord.class))
                .as("Flink picks the record's own type, not its POJO serializer")
                .isSameAs(SignalRecord.TYPE);
        SignalRecord r = new SignalRecord();
        r.planId = "plan";
        r.fingerprint = "f00";
        r.group = new String[] {"123", "", "ü"};
        r.stage = 2;
        r.ruleIndex = 1;
        r.ruleId = "rule";
        r.time = 1_700_000_000_123L;
        r.value = null;
        r.evidence = new byte[] {1, 2, 3};
        for (byte[] evidence : java.util.Arrays.asList(new byte[] {1, 2, 3}, null)) {
            r.evidence = evidence;
            var out = new org.apache.flink.core.memory.DataOutputSerializer(64);
            SignalRecord.Serializer.INSTANCE.serialize(r, out);
            SignalRecord back = SignalRecord.Serializer.INSTANCE.deserialize(
                    new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));
            assertThat(back).usingRecursiveComparison().isEqualTo(r);
            assertThat(back.key()).isEqualTo(r.key());
        }
        var corrupt = new org.apache.flink.core.memory.DataOutputSerializer(16);
        org.apache.flink.types.StringValue.writeString("p", corrupt);
        org.apache.flink.types.StringValue.writeString("f", corrupt);
        corrupt.writeInt(-5);
        assertThatThrownBy(() -> SignalRecord.Serializer.INSTANCE.deserialize(
                        new org.apache.flink.core.memory.DataInputDeserializer(corrupt.getCopyOfBuffer())))
                .hasMessageContaining("-5 group values");
    }

    @Test
    void signalRecordStringsAreWrittenAndReadAsFlinkStringsWhateverTheirCharacters() throws Exception {
        var known = new SignalRecord.Serializer.KnownIds();
        byte[] scratch = "plan-a and more".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        String first = known.text(scratch, 6);
        scratch[0] = 'x'; // the table keeps its own copy
        assertThat(known.text("plan-a".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 6))
                .isSameAs(first)
                .isEqualTo("plan-a");
        assertThat(known.text(scratch, 6)).isEqualTo("xlan-a");
        String[] texts = {
            null,
            "",
            "a",
            "x".repeat(127),
            "y".repeat(128),
            "z".repeat(20_000),
            "ü",
            "aü",
            "€漢x",
            "\u007f\u0080\u07ff\u0800\uffff",
            "abc" + "é".repeat(300) + "def"
        };
        for (String text : texts) {
            var ours = new org.apache.flink.core.memory.DataOutputSerializer(16);
            SignalRecord.Serializer.writeString(text, ours);
            ours.writeInt(42); // what follows the string stays where it was
            var flinks = new org.apache.flink.core.memory.DataOutputSerializer(16);
            org.apache.flink.types.StringValue.writeString(text, flinks);
            flinks.writeInt(42);
            assertThat(ours.getCopyOfBuffer()).isEqualTo(flinks.getCopyOfBuffer());
            for (var ids : java.util.Arrays.asList(null, new SignalRecord.Serializer.KnownIds())) {
                for (int twice = 0; twice < 2; twice++) {
                    var in = new org.apache.flink.core.memory.DataInputDeserializer(flinks.getCopyOfBuffer());
                    assertThat(SignalRecord.Serializer.readString(in, ids)).isEqualTo(text);
                    assertThat(in.readInt()).isEqualTo(42);
                }
            }
        }
    }
}
