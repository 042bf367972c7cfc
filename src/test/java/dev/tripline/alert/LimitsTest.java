package dev.tripline.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LimitsTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void lengthBoundIsNeverBelowTheCompactJson() {
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            JsonNode v = randomNode(random, 0);
            assertThat(Limits.jsonLengthBound(v, Long.MAX_VALUE))
                    .as("%s", v)
                    .isGreaterThanOrEqualTo(v.toString().length());
        }
    }

    @Test
    void containersAreKeptOrCutExactlyWhereTheirCompactJsonCrossesTheLimit() {
        Random random = new Random(11);
        for (int i = 0; i < 100; i++) {
            // Values that end just below or just above the limit, with strings full of characters JSON escapes.
            ObjectNode v = F.objectNode();
            int target = Limits.MAX_VALUE_JSON - 300 + random.nextInt(600);
            while (v.toString().length() < target) {
                StringBuilder s = new StringBuilder();
                for (int n = 1 + random.nextInt(300); n > 0; n--) {
                    s.append(random.nextBoolean() ? '\u0001' : (char) ('a' + random.nextInt(26)));
                }
                v.put("k" + v.size(), s.toString());
            }
            JsonNode kept = Limits.value(v);
            if (v.toString().length() <= Limits.MAX_VALUE_JSON) {
                assertThat(kept).isSameAs(v);
            } else {
                assertThat(kept.isTextual()).isTrue();
                assertThat(kept.textValue()).startsWith(v.toString().substring(0, 100));
            }
        }
    }

    private static JsonNode randomNode(Random random, int depth) {
        int kind = depth > 3 ? random.nextInt(6) : random.nextInt(8);
        return switch (kind) {
            case 0 -> F.textNode(randomText(random));
            case 1 -> F.numberNode(random.nextLong());
            case 2 -> F.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
            case 3 -> F.numberNode(new BigInteger(200, random));
            case 4 -> F.numberNode(new BigDecimal(new BigInteger(120, random), random.nextInt(60) - 30));
            case 5 -> random.nextBoolean() ? F.booleanNode(random.nextBoolean()) : F.nullNode();
            case 6 -> {
                ObjectNode o = F.objectNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    o.set(randomText(random), randomNode(random, depth + 1));
                }
                yield o;
            }
            default -> {
                ArrayNode a = F.arrayNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    a.add(randomNode(random, depth + 1));
                }
                yield a;
            }
        };
    }

    private static String randomText(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            s.append(
                    switch (random.nextInt(5)) {
                        case 0 -> (char) random.nextInt(32); // escaped as \\uXXXX or \\n
                        case 1 -> '"';
                        case 2 -> '\\';
                        case 3 -> "\uD83D\uDE00"; // a surrogate pair
                        default -> (char) ('a' + random.nextInt(26));
                    });
        }
        return s.toString();
    }
}
