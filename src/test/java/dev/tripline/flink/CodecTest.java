package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.Signal;
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
    void signalRoundTripsWithNullsAndUnicode() {
        Signal s = new Signal(1, "r1", 42L, List.of("123", "arn:aws:iam::1:user/ü|x"), null, List.of(EV));
        assertThat(Codec.signal(Codec.signal(s))).isEqualTo(s);
        Signal v = new Signal(0, "r2", -5L, List.of(), "a\u0000b", List.of());
        assertThat(Codec.signal(Codec.signal(v))).isEqualTo(v);
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
        byte[] good = Codec.signal(new Signal(0, "r", 1L, List.of("g"), null, List.of(EV)));
        assertThatThrownBy(() -> Codec.signal(Arrays.copyOf(good, good.length - 3)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> Codec.signal(longer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trailing");
        byte[] wrongFormat = good.clone();
        wrongFormat[0] = 9;
        assertThatThrownBy(() -> Codec.signal(wrongFormat)).hasMessageContaining("format 9");
    }

    @Test
    void stateKeysCannotCollideAcrossGroupValues() {
        assertThat(SignalRecord.key("p", "f", List.of("a|1:b", "c")))
                .isNotEqualTo(SignalRecord.key("p", "f", List.of("a", "b|1:c")));
        String key = SignalRecord.key("plan:with|odd@x", "0123456789abcdef", List.of("x|1:y", "", "z"));
        assertThat(SignalRecord.planIdOf(key)).isEqualTo("plan:with|odd@x");
        assertThat(SignalRecord.fingerprintOf(key)).isEqualTo("0123456789abcdef");
        assertThat(SignalRecord.groupOf(key)).containsExactly("x|1:y", "", "z");
        assertThat(SignalRecord.groupOf(SignalRecord.key("p", "f", List.of()))).isEmpty();
        assertThat(SignalRecord.fingerprintOf(SignalRecord.key("p", "f", List.of())))
                .isEqualTo("f");
    }
}
