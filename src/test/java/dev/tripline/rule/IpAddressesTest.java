package dev.tripline.rule;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The resolver-free IPv4 path of {@code IpAddresses.parse} against the general parse it shortcuts. */
class IpAddressesTest {

    @Test
    void plainDottedQuadsReadAsTheGeneralParseReadsThem() {
        for (String s : samples()) {
            long v4 = ValuePredicate.IpAddresses.plainIpv4(s);
            byte[] parsed = ValuePredicate.IpAddresses.parseByResolver(s);
            assertThat(ValuePredicate.IpAddresses.parse(s)).as(s).isEqualTo(parsed);
            if (v4 >= 0) {
                assertThat(parsed).as(s).isNotNull().hasSize(4);
                long fromBytes = 0;
                for (byte b : parsed) {
                    fromBytes = (fromBytes << 8) | (b & 0xFF);
                }
                assertThat(v4).as(s).isEqualTo(fromBytes);
            }
        }
        assertThat(ValuePredicate.IpAddresses.plainIpv4("10.0.0.1")).isEqualTo(0x0A000001L);
        assertThat(ValuePredicate.IpAddresses.plainIpv4("255.255.255.255")).isEqualTo(0xFFFFFFFFL);
        assertThat(ValuePredicate.IpAddresses.plainIpv4("0.0.0.0")).isZero();
        for (String notPlain : List.of(
                "010.0.0.1",
                "1.2.3.04",
                "1.2.3",
                "1.2.3.4.",
                ".1.2.3.4",
                "1.2.3.4.5",
                "256.1.1.1",
                "1.2.3.1000",
                "1..2.3",
                "1.2.3.4:80",
                "١.٢.٣.٤",
                "::ffff:1.2.3.4",
                "1.2.3.a",
                "")) {
            assertThat(ValuePredicate.IpAddresses.plainIpv4(notPlain))
                    .as(notPlain)
                    .isEqualTo(-1);
        }
    }

    /** Network and kind tests answer as on the general parse, for every network of either family and prefix. */
    @Test
    void networkAndKindTestsAgreeWithTheByteForm() {
        List<ValuePredicate.Cidr> networks = new ArrayList<>();
        for (String n : List.of(
                "10.0.0.0/8",
                "172.16.0.0/12",
                "192.168.1.0/24",
                "192.168.1.7",
                "0.0.0.0/0",
                "203.0.113.128/25",
                "100.64.0.0/10",
                "::/0",
                "fe80::/10",
                "2001:db8::/32")) {
            networks.add(ValuePredicate.Cidr.parse(n));
        }
        for (int prefix = 0; prefix <= 32; prefix++) {
            networks.add(ValuePredicate.Cidr.parse("172.31.255.254/" + prefix));
        }
        for (String s : samples()) {
            byte[] ip = ValuePredicate.IpAddresses.parseByResolver(s);
            for (ValuePredicate.Cidr c : networks) {
                boolean expected =
                        ip != null && ValuePredicate.IpAddresses.inNetwork(ip, c.address(), c.prefixLength());
                assertThat(c.test(TextNode.valueOf(s)))
                        .as(s + " in " + c.network())
                        .isEqualTo(expected);
            }
            for (ValuePredicate.IpKind kind : ValuePredicate.IpKind.values()) {
                boolean expected = ip != null
                        && switch (kind) {
                            case ANY -> true;
                            case V4 -> ip.length == 4;
                            case V6 -> ip.length == 16;
                            case PRIVATE -> ValuePredicate.IpAddresses.isPrivate(ip);
                            case PUBLIC -> !ValuePredicate.IpAddresses.isPrivate(ip);
                        };
                assertThat(new ValuePredicate.IpAddress(kind).test(TextNode.valueOf(s)))
                        .as(s + " " + kind)
                        .isEqualTo(expected);
            }
        }
    }

    private static List<String> samples() {
        List<String> out = new ArrayList<>(List.of(
                "10.1.2.3",
                "172.16.0.1",
                "172.32.0.1",
                "192.168.1.7",
                "192.168.1.8",
                "127.0.0.1",
                "169.254.1.1",
                "100.64.0.1",
                "100.128.0.1",
                "0.0.0.0",
                "8.8.8.8",
                "255.255.255.255",
                "203.0.113.200",
                "010.1.2.3",
                "1.2.3.04",
                "::1",
                "::ffff:10.0.0.1",
                "fe80::1%eth0",
                "2001:db8::1",
                "1.2.3",
                "ec2.amazonaws.com",
                "AWS Internal",
                "",
                "1.2.3.4:443",
                "256.0.0.1"));
        Random random = new Random(14);
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            int parts = 3 + random.nextInt(3);
            for (int p = 0; p < parts; p++) {
                if (p > 0) {
                    sb.append('.');
                }
                int kind = random.nextInt(10);
                sb.append(kind == 0 ? "0" + random.nextInt(100) : kind == 1 ? "" : String.valueOf(random.nextInt(300)));
            }
            out.add(sb.toString());
        }
        return out;
    }
}
