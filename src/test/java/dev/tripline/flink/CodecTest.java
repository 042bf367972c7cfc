package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.correlate.CorrelationState;
import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
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
        GroupKey ids = new GroupKey(
                "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a11", "0123456789abcdef", List.of("123456789012", "\ud800"));
        out.clear();
        GroupKey.Serializer.INSTANCE.serialize(ids, out);
        assertThat(out.length())
                .as("hash, UUID, hex fingerprint, count, hex account, lone surrogate")
                .isEqualTo(42);
        assertThat(GroupKey.Serializer.INSTANCE.deserialize(
                        new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer())))
                .as("read back equal, so its hash matches")
                .isEqualTo(ids);
        // The key group follows the hash, so the hash must not depend on the JVM: it is built from String hashes
        // and the hash of the values' written bytes (header 2 << 2 | LATIN1 plus one, then the one char).
        assertThat(new GroupKey("p", "f", List.of("g")).hashCode())
                .isEqualTo((("p".hashCode() * 31 + "f".hashCode()) * 31)
                        + java.util.Arrays.hashCode(new byte[] {(byte) ((1 << 2) + 1), 'g'}));
    }

    @Test
    void aKeysValueHashIsArraysHashCodeForEveryLengthAndByte() {
        // The key group follows it: eight bytes per step must give exactly the JDK's one-byte-at-a-time value.
        java.util.Random random = new java.util.Random(12);
        for (int length = 0; length <= 100; length++) {
            for (int trial = 0; trial < 50; trial++) {
                byte[] values = new byte[length];
                random.nextBytes(values);
                assertThat(GroupKey.hashOf(values)).as("length %d", length).isEqualTo(Arrays.hashCode(values));
            }
        }
        byte[] extremes = new byte[64];
        Arrays.fill(extremes, Byte.MIN_VALUE);
        assertThat(GroupKey.hashOf(extremes)).isEqualTo(Arrays.hashCode(extremes));
        Arrays.fill(extremes, Byte.MAX_VALUE);
        assertThat(GroupKey.hashOf(extremes)).isEqualTo(Arrays.hashCode(extremes));
    }

    @Test
    void batchSortKeysNameTheJobsPlansByPlaceAndStillTellEveryKeyApart() throws Exception {
        String plan = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a11";
        String other = "2de62527-97ce-48fd-ae9e-8560d218a096";
        var sorting =
                new GroupKey.SortSerializer(new String[] {other, plan}, new String[] {"00ff", "0123456789abcdef"});
        List<GroupKey> keys = List.of(
                new GroupKey(plan, "0123456789abcdef", List.of("123456789012", "AKIAIOSFODNN7EXAMPLE")),
                new GroupKey(plan, "0123456789abcdef", List.of("123456789012", "AKIAIOSFODNN7EXAMPLF")),
                new GroupKey(other, "00ff", List.of("123456789012", "AKIAIOSFODNN7EXAMPLE")),
                // Same id, another fingerprint (a changed correlation a live update brought): not the table's.
                new GroupKey(plan, "fedcba9876543210", List.of("123456789012", "AKIAIOSFODNN7EXAMPLE")),
                new GroupKey("not-in-the-table", "00ff", List.of("123456789012", "AKIAIOSFODNN7EXAMPLE")),
                new GroupKey(plan, "0123456789abcdef", List.of()));
        java.util.Set<String> written = new java.util.HashSet<>();
        for (GroupKey k : keys) {
            var out = new org.apache.flink.core.memory.DataOutputSerializer(64);
            sorting.serialize(k, out);
            byte[] bytes = out.getCopyOfBuffer();
            assertThat(written.add(Arrays.toString(bytes)))
                    .as("%s writes bytes of its own", k)
                    .isTrue();
            GroupKey back = sorting.deserialize(new org.apache.flink.core.memory.DataInputDeserializer(bytes));
            assertThat(back).isEqualTo(k).hasSameHashCodeAs(k);
            assertThat(back.planId()).isEqualTo(k.planId());
            assertThat(back.fingerprint()).isEqualTo(k.fingerprint());
        }
        var stored = new org.apache.flink.core.memory.DataOutputSerializer(64);
        GroupKey.Serializer.INSTANCE.serialize(keys.get(0), stored);
        var sorted = new org.apache.flink.core.memory.DataOutputSerializer(64);
        sorting.serialize(keys.get(0), sorted);
        assertThat(sorted.length())
                .as("a plan of the table takes two bytes instead of its id and fingerprint")
                .isEqualTo(stored.length() - 17 - 9 + 2);
        assertThatThrownBy(() -> sorting.deserialize(
                        new org.apache.flink.core.memory.DataInputDeserializer(new byte[] {0, 0, 0, 0, 0, 3, 0, 0})))
                .hasMessageContaining("plan 3 of 2");
        var snapshot = sorting.snapshotConfiguration();
        var written2 = new org.apache.flink.core.memory.DataOutputSerializer(64);
        snapshot.writeSnapshot(written2);
        var read = new GroupKey.SortSnapshot();
        read.readSnapshot(1, new org.apache.flink.core.memory.DataInputDeserializer(written2.getCopyOfBuffer()), null);
        assertThat(read.restoreSerializer()).isEqualTo(sorting);
        assertThat(snapshot.resolveSchemaCompatibility(read).isCompatibleAsIs()).isTrue();
        assertThat(new GroupKey.SortSnapshot(new String[] {plan}, new String[] {"0123456789abcdef"})
                        .resolveSchemaCompatibility(read)
                        .isIncompatible())
                .as("another table reads keys differently")
                .isTrue();
    }

    @Test
    void groupKeysKeepTheirValuesAsWrittenWhateverTheirCharacters() throws Exception {
        String longValue = "arn:aws:iam::123456789012:role/" + "x".repeat(200);
        List<String> group = List.of("123456789012", longValue, "", "ü", "€漢", "\u007f\u0080\u07ff\u0800\uffff");
        GroupKey key = new GroupKey("p", "0123456789abcdef", group);
        org.apache.flink.core.memory.DataOutputSerializer out =
                new org.apache.flink.core.memory.DataOutputSerializer(64);
        GroupKey.Serializer.INSTANCE.serialize(key, out);
        // hash, id, fingerprint, count, each value in CompactText's form
        org.apache.flink.core.memory.DataOutputSerializer values =
                new org.apache.flink.core.memory.DataOutputSerializer(64);
        for (String g : group) {
            CompactText.write(g, values);
        }
        org.apache.flink.core.memory.DataOutputSerializer expected =
                new org.apache.flink.core.memory.DataOutputSerializer(64);
        int hash = ("p".hashCode() * 31 + "0123456789abcdef".hashCode()) * 31
                + java.util.Arrays.hashCode(values.getCopyOfBuffer());
        expected.writeInt(hash);
        CompactText.write("p", expected);
        CompactText.write("0123456789abcdef", expected);
        expected.writeShort(group.size());
        expected.write(values.getCopyOfBuffer());
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
        assertThat(current.resolveSchemaCompatibility(new GroupKey.HashFirstSnapshot())
                        .isIncompatible())
                .as("hash first, strings in Flink's string form")
                .isTrue();
        assertThat(current.resolveSchemaCompatibility(GroupKey.Serializer.INSTANCE.snapshotConfiguration())
                        .isCompatibleAsIs())
                .isTrue();
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
        // Format 3: format byte, flags, no slots; its slots' evidence was keyed by text.
        assertThatThrownBy(() -> CorrelationState.fromBytes(new byte[] {3, 0, 0}))
                .hasMessageContaining("slot evidence was keyed by text");
        var current = CorrelationStateSerializer.INSTANCE.snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(new CorrelationStateSerializer.Snapshot())
                        .isIncompatible())
                .isTrue();
        assertThat(current.resolveSchemaCompatibility(new CorrelationStateSerializer.TimerInIndexSnapshot())
                        .isIncompatible())
                .as("slot evidence keyed by text")
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
        // Evidence is packed against the firing's group and last_seen: values that are group values, a time at
        // last_seen and one before it, a field key that is a group value's text, and text beyond Latin-1.
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("recipientAccountId", "123");
        fields.put("123", "ü €");
        Evidence atLast = new Evidence("r2", "e1", 2, "ConsoleLogin", "signin.amazonaws.com", "eu-west-1", fields);
        Fired packed = new Fired(
                "c1",
                "title",
                Level.HIGH,
                CorrelationRule.Type.TEMPORAL_ORDERED,
                group,
                1,
                2,
                2,
                null,
                List.of(EV, atLast),
                true);
        assertThat(Codec.fired(Codec.fired(packed))).isEqualTo(packed);
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
    void rawRecordsRoundTripThroughTheirOwnSerializerAndAreHandedOnUncopied() throws Exception {
        assertThat(org.apache.flink.api.common.typeinfo.TypeInformation.of(RawRecord.class))
                .as("Flink picks the record's own type, not Kryo or a POJO serializer")
                .isSameAs(RawRecord.TYPE);
        RawRecord.Serializer serializer = RawRecord.Serializer.INSTANCE;
        for (RawRecord r : List.of(
                new RawRecord("s3://b/AWSLogs/1/x.json.gz", 7, "{\"a\":\"ü\"}".getBytes(StandardCharsets.UTF_8)),
                new RawRecord(null, -1, new byte[0]),
                RawRecord.refused("f.jsonl", 3, "RECORD_TOO_LARGE", "line 3: 2 MB, more than 1 MB"))) {
            var out = new org.apache.flink.core.memory.DataOutputSerializer(64);
            serializer.serialize(r, out);
            var copied = new org.apache.flink.core.memory.DataOutputSerializer(64);
            serializer.copy(new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()), copied);
            assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
            RawRecord back = serializer.deserialize(
                    new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));
            assertThat(back).isEqualTo(r);
            assertThat(back.refusedMessage).isEqualTo(r.refusedMessage);
            assertThat(serializer.copy(r)).isSameAs(r);
        }
        var corrupt = new org.apache.flink.core.memory.DataOutputSerializer(16);
        org.apache.flink.types.StringValue.writeString("f", corrupt);
        corrupt.writeLong(1);
        corrupt.writeInt(-5);
        assertThatThrownBy(() -> serializer.deserialize(
                        new org.apache.flink.core.memory.DataInputDeserializer(corrupt.getCopyOfBuffer())))
                .hasMessageContaining("payload of -5 bytes");
    }

    @Test
    void signalRecordsRoundTripThroughTheirOwnSerializer() throws Exception {
        assertThat(org.apache.flink.api.common.typeinfo.TypeInformation.of(SignalRecord.class))
                .as("Flink picks the record's own type, not its POJO serializer")
                .isSameAs(SignalRecord.TYPE);
        SignalRecord r = new SignalRecord();
        r.planId = "plan";
        r.fingerprint = "f00";
        r.group(new String[] {"123", "", "ü"});
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
            // A record read back holds its group as its key's bytes until asked for it.
            assertThat(back)
                    .usingRecursiveComparison()
                    .ignoringFields("key", "group")
                    .isEqualTo(r);
            assertThat(back.group()).containsExactly(r.group());
            assertThat(back.key()).isEqualTo(r.key()).hasSameHashCodeAs(r.key());
            assertThat(back.key().group()).containsExactly("123", "", "ü");
        }
        var corrupt = new org.apache.flink.core.memory.DataOutputSerializer(16);
        CompactText.write("p", corrupt);
        CompactText.write("f", corrupt);
        corrupt.writeInt(0); // the key's hash
        corrupt.writeInt(-5);
        assertThatThrownBy(() -> SignalRecord.Serializer.INSTANCE.deserialize(
                        new org.apache.flink.core.memory.DataInputDeserializer(corrupt.getCopyOfBuffer())))
                .hasMessageContaining("-5 group values");
        var current = SignalRecord.Serializer.INSTANCE.snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(new SignalRecord.Snapshot())
                        .isIncompatible())
                .as("held signals with strings in Flink's string form")
                .isTrue();
        assertThat(current.resolveSchemaCompatibility(SignalRecord.Serializer.INSTANCE.snapshotConfiguration())
                        .isCompatibleAsIs())
                .isTrue();
        var beforeKeyHash = SignalRecord.Serializer.WITHOUT_KEY_HASH.snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(beforeKeyHash).isCompatibleAfterMigration())
                .as("held signals written before records carried their key's hash")
                .isTrue();
        assertThat(beforeKeyHash.restoreSerializer()).isSameAs(SignalRecord.Serializer.WITHOUT_KEY_HASH);
        // That layout, as the release before wrote it, read by the serializer its snapshot restores.
        var old = new org.apache.flink.core.memory.DataOutputSerializer(64);
        r.evidence = new byte[] {1, 2, 3};
        SignalRecord.Serializer.WITHOUT_KEY_HASH.serialize(r, old);
        var current2 = new org.apache.flink.core.memory.DataOutputSerializer(64);
        SignalRecord.Serializer.INSTANCE.serialize(r, current2);
        assertThat(current2.length()).as("four bytes of hash more").isEqualTo(old.length() + 4);
        SignalRecord migrated = SignalRecord.Serializer.WITHOUT_KEY_HASH.deserialize(
                new org.apache.flink.core.memory.DataInputDeserializer(old.getCopyOfBuffer()));
        assertThat(migrated.key()).isEqualTo(r.key()).hasSameHashCodeAs(r.key());
        assertThat(migrated.evidence).containsExactly(1, 2, 3);
    }

    @Test
    void aSignalRecordMakesItsKeyOnceAndReadsItsKeyFromTheValuesAsWritten() throws Exception {
        SignalRecord r = new SignalRecord();
        r.planId = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a11";
        r.fingerprint = "0123456789abcdef";
        r.group(new String[] {"123456789012", "arn:aws:iam::123456789012:user/ü", "\ud800", "€漢"});
        r.ruleId = "AWS.CloudTrail.UserAccessKeyAuth";
        r.evidence = new byte[] {4, 5};
        assertThat(r.key()).as("asked again, the same key").isSameAs(r.key());
        assertThat(SignalRecord.Serializer.INSTANCE.copy(r).key())
                .as("a copy keeps it")
                .isSameAs(r.key());
        var out = new org.apache.flink.core.memory.DataOutputSerializer(64);
        SignalRecord.Serializer.INSTANCE.serialize(r, out);
        SignalRecord.Serializer.INSTANCE.serialize(r, out);
        var in = new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer());
        SignalRecord first = SignalRecord.Serializer.INSTANCE.deserialize(in);
        SignalRecord second = SignalRecord.Serializer.INSTANCE.deserialize(in);
        GroupKey fromFields = new GroupKey(r.planId, r.fingerprint, r.group());
        assertThat(first.key()).isEqualTo(fromFields).hasSameHashCodeAs(fromFields);
        assertThat(first.key().group()).containsExactly(r.group());
        assertThat(first.group()).containsExactly(r.group());
        assertThat(second.planId)
                .as("ids read back are shared, not built again")
                .isSameAs(first.planId)
                .isEqualTo(r.planId);
        assertThat(second.ruleId).isSameAs(first.ruleId).isEqualTo(r.ruleId);
        // A new record: a copy carries the key made from the original's group, which a record never changes.
        SignalRecord nullValue = new SignalRecord();
        nullValue.planId = r.planId;
        nullValue.fingerprint = r.fingerprint;
        nullValue.ruleId = r.ruleId;
        nullValue.evidence = r.evidence;
        nullValue.group(new String[] {"a", null});
        out.clear();
        SignalRecord.Serializer.INSTANCE.serialize(nullValue, out);
        SignalRecord withNull = SignalRecord.Serializer.INSTANCE.deserialize(
                new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(withNull.group()).containsExactly("a", null);
        assertThatThrownBy(withNull::key)
                .as("a null group value makes no key, read back or not")
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void anAlertRecordMadeFromAnAlertGivesThatAlertBackWithoutDecodingIt() throws Exception {
        dev.tripline.alert.Alert a = dev.tripline.alert.AlertCodecTest.alert();
        AlertRecord r = AlertRecord.of(a);
        assertThat(r.alert()).isSameAs(a);
        assertThat(AlertRecord.Serializer.INSTANCE.copy(r).alert()).isSameAs(a);
        var out = new org.apache.flink.core.memory.DataOutputSerializer(256);
        AlertRecord.Serializer.INSTANCE.serialize(r, out);
        AlertRecord back = AlertRecord.Serializer.INSTANCE.deserialize(
                new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back.alert()).as("decoded from its bytes").isNotSameAs(a).isEqualTo(a);
        assertThat(back.ruleId).isEqualTo(a.rule().id());
    }

    @Test
    void anAlertRecordMadeFromAnAlertEncodesItOnlyWhenItsBytesAreAskedFor() {
        dev.tripline.alert.Alert a = dev.tripline.alert.AlertCodecTest.alert();
        AlertRecord r = AlertRecord.of(a);
        AlertRecord copy = AlertRecord.Serializer.INSTANCE.copy(r);
        assertThat(r.alert).as("not encoded for the chained encoder").isNull();
        byte[] bytes = r.alertBytes();
        assertThat(bytes).isEqualTo(dev.tripline.alert.AlertCodec.encode(a));
        assertThat(r.alertBytes()).as("encoded once").isSameAs(bytes);
        assertThat(copy.alertBytes()).as("a copy made before encodes the same").isEqualTo(bytes);
        assertThat(new AlertRecord().alertBytes()).as("no alert, no bytes").isNull();
    }

    @Test
    void signalRecordsCopyFromBytesToBytesAsTheyAreWritten() throws Exception {
        SignalRecord r = new SignalRecord();
        r.planId = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a11";
        r.fingerprint = "0123456789abcdef";
        r.group(new String[] {"123456789012", "arn:aws:iam::123456789012:user/ü", "\ud800"});
        r.stage = 1;
        r.ruleIndex = 0;
        r.ruleId = "AWS.CloudTrail.UserAccessKeyAuth";
        r.time = 1_700_000_000_123L;
        r.value = "10.0.0.1";
        r.evidence = new byte[] {4, 5};
        var out = new org.apache.flink.core.memory.DataOutputSerializer(64);
        SignalRecord.Serializer.INSTANCE.serialize(r, out);
        SignalRecord.Serializer.INSTANCE.serialize(r, out);
        byte[] written = out.getCopyOfBuffer();
        var in = new org.apache.flink.core.memory.DataInputDeserializer(written);
        var copied = new org.apache.flink.core.memory.DataOutputSerializer(64);
        SignalRecord.Serializer.INSTANCE.copy(in, copied);
        SignalRecord.Serializer.INSTANCE.copy(in, copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(written);
        assertThat(in.available()).isZero();
    }

    @Test
    void compactTextReadsBackEveryStringItWrites() throws Exception {
        String uuid = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a11";
        List<String> texts = Arrays.asList(
                null,
                "",
                "a",
                "123456789012",
                "0123456789abcdef",
                "abc",
                "ABCDEF",
                uuid,
                uuid.toUpperCase(java.util.Locale.ROOT),
                uuid.replace('-', 'x'),
                "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a1g",
                "ü and ÿ",
                "żółw",
                "\ud800 alone",
                "x".repeat(70_000));
        for (String t : texts) {
            var out = new org.apache.flink.core.memory.DataOutputSerializer(64);
            CompactText.write(t, out);
            byte[] bytes = out.getCopyOfBuffer();
            var in = new org.apache.flink.core.memory.DataInputDeserializer(bytes);
            assertThat(CompactText.read(in)).as("%s", t).isEqualTo(t);
            assertThat(in.available()).isZero();
            var copied = new org.apache.flink.core.memory.DataOutputSerializer(64);
            CompactText.copy(new org.apache.flink.core.memory.DataInputDeserializer(bytes), copied);
            assertThat(copied.getCopyOfBuffer()).isEqualTo(bytes);
            for (int i = 0; i < 2; i++) {
                var id = new org.apache.flink.core.memory.DataOutputSerializer(64);
                CompactText.writeId(t, id);
                assertThat(id.getCopyOfBuffer()).as("as an id, written %s", i).isEqualTo(bytes);
            }
            String once = CompactText.readId(new org.apache.flink.core.memory.DataInputDeserializer(bytes));
            var again = new org.apache.flink.core.memory.DataInputDeserializer(bytes);
            assertThat(once).as("read as an id: %s", t).isEqualTo(t);
            assertThat(CompactText.readId(again)).as("the same instance again").isSameAs(once);
            assertThat(again.available()).isZero();
        }
        assertThat(bytesOf(uuid)).as("a UUID takes its 16 bytes and a header").isEqualTo(17);
        assertThat(bytesOf("0123456789abcdef"))
                .as("lowercase hex: a byte per two digits")
                .isEqualTo(9);
        assertThat(bytesOf("0123456789abcdeF")).as("not lowercase hex: Latin-1").isEqualTo(17);
        assertThat(bytesOf("ü and ÿ")).as("Latin-1: a byte per character").isEqualTo(8);
        assertThat(bytesOf("żółw")).as("wider: two bytes per character").isEqualTo(9);
        assertThat(bytesOf("123456789012")).as("an account id takes half").isEqualTo(7);
        assertThat(bytesOf("AKIAIOSFODNN7EXAMPLE")).isEqualTo(21);
        // A header of 7 hex digits: an odd count is not a hex form.
        assertThatThrownBy(() -> CompactText.read(
                        new org.apache.flink.core.memory.DataInputDeserializer(new byte[] {(7 << 2 | 3) + 1, 0, 0, 0})))
                .hasMessageContaining("7 hex digits");
        assertThatThrownBy(() -> CompactText.readId(
                        new org.apache.flink.core.memory.DataInputDeserializer(new byte[] {(7 << 2 | 3) + 1, 0, 0, 0})))
                .hasMessageContaining("7 hex digits");
        assertThatThrownBy(() -> CompactText.readId(
                        new org.apache.flink.core.memory.DataInputDeserializer(new byte[] {(1 << 2 | 2) + 1, 0})))
                .hasMessageContaining("a UUID header with a length");
    }

    @Test
    void idsOfOneLengthReadBackRightWhenMoreOfThemRecurThanAThreadKeepsAtHand() throws Exception {
        // Same header (length and form), different bytes: a thread's recent ids must be told apart by their bytes,
        // and more of them than it keeps must come back right, in turn and again.
        var out = new org.apache.flink.core.memory.DataOutputSerializer(256);
        List<String> ids = new java.util.ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 20; i++) {
                String id = String.format("rule-%02d", round == 1 ? 19 - i : i);
                CompactText.writeId(id, out);
                ids.add(id);
            }
        }
        var in = new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer());
        for (String id : ids) {
            assertThat(CompactText.readId(in)).isEqualTo(id);
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void alertRecordsAndSingleMatchesRoundTripAndCopyThroughTheirOwnSerializers() throws Exception {
        assertThat(org.apache.flink.api.common.typeinfo.TypeInformation.of(AlertRecord.class))
                .isSameAs(AlertRecord.TYPE);
        assertThat(org.apache.flink.api.common.typeinfo.TypeInformation.of(SingleMatch.class))
                .isSameAs(SingleMatch.TYPE);
        AlertRecord a = new AlertRecord();
        a.ruleId = "AWS.S3.BucketDeleted";
        a.kind = "single";
        a.dedupKey = "AWS.S3.BucketDeleted|123456789012|arn:aws:iam::123456789012:user/ü";
        a.eventTime = 1_700_000_000_123L;
        a.alert = new byte[] {7, 8, 9};
        a.alertId = "8f0c7a0e-4b7e-8c1e-9a57-2f3c8f1e6a11";
        a.firstSeen = 1_700_000_000_000L;
        a.count = 3;
        a.occurrences = 4;
        a.dedupPeriodMillis = 3_600_000L;
        a.dedupThreshold = 2;
        AlertRecord noAlert = new AlertRecord();
        noAlert.kind = "correlation";
        for (AlertRecord r : List.of(a, noAlert)) {
            assertThat(roundTrip(AlertRecord.Serializer.INSTANCE, r))
                    .usingRecursiveComparison()
                    .isEqualTo(r);
        }
        SingleMatch m = new SingleMatch();
        m.ruleId = a.ruleId;
        m.dedupKey = a.dedupKey;
        m.eventTime = a.eventTime;
        m.alert = a.alert;
        m.alertId = a.alertId;
        m.dedupPeriodMillis = a.dedupPeriodMillis;
        m.dedupThreshold = a.dedupThreshold;
        for (SingleMatch r : List.of(m, new SingleMatch())) {
            assertThat(roundTrip(SingleMatch.Serializer.INSTANCE, r))
                    .usingRecursiveComparison()
                    .isEqualTo(r);
        }
    }

    /** {@code r} written, copied from bytes to bytes, and read back; the copy must equal what was written. */
    private static <T> T roundTrip(org.apache.flink.api.common.typeutils.TypeSerializer<T> serializer, T r)
            throws Exception {
        var out = new org.apache.flink.core.memory.DataOutputSerializer(64);
        serializer.serialize(r, out);
        byte[] written = out.getCopyOfBuffer();
        var copied = new org.apache.flink.core.memory.DataOutputSerializer(64);
        serializer.copy(new org.apache.flink.core.memory.DataInputDeserializer(written), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(written);
        assertThat(serializer.copy(r)).usingRecursiveComparison().isEqualTo(r);
        return serializer.deserialize(new org.apache.flink.core.memory.DataInputDeserializer(written));
    }

    private static int bytesOf(String text) throws Exception {
        var out = new org.apache.flink.core.memory.DataOutputSerializer(64);
        CompactText.write(text, out);
        return out.length();
    }
}
