package dev.tripline.rule.panther;

import static dev.tripline.rule.panther.PantherTestSupport.matches;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every condition, on events that must and must not match, including missing and null fields. */
class DetectionConditionsTest {

    private static Arguments row(String detection, String event, boolean expected) {
        return Arguments.of(detection, event, expected);
    }

    private static String cond(String key, String condition, String value) {
        return "Detection:\n  - KeyPath: " + key + "\n    Condition: " + condition
                + (value == null ? "" : "\n    Value: " + value) + "\n";
    }

    static Stream<Arguments> cases() {
        String ev = "{\"eventName\":\"CreateTrail\",\"n\":5,\"s\":\"5\",\"ip\":\"10.1.2.3\",\"pub\":\"8.8.8.8\","
                + "\"v6\":\"2001:db8::1\",\"nul\":null,\"empty\":\"\",\"list\":[\"a\",\"bb\"],\"obj\":{}}";
        return Stream.of(
                // equality, case-sensitive and not
                row(cond("eventName", "Equals", "CreateTrail"), ev, true),
                row(cond("eventName", "Equals", "createtrail"), ev, false),
                row(cond("EVENTNAME", "Equals", "CreateTrail"), ev, true), // keys are case-insensitive
                row(cond("eventName", "IEquals", "createtrail"), ev, true),
                row(cond("eventName", "IEquals", "other"), ev, false),
                row(cond("eventName", "DoesNotEqual", "CreateTrail"), ev, false),
                row(cond("eventName", "DoesNotEqual", "Other"), ev, true),
                row(cond("eventName", "IDoesNotEqual", "createTRAIL"), ev, false),
                row(cond("eventName", "IDoesNotEqual", "x"), ev, true),
                row(cond("n", "Equals", "5"), ev, true),
                row(cond("n", "Equals", "5.0"), ev, true), // numbers compare numerically
                // strings
                row(cond("eventName", "StartsWith", "Create"), ev, true),
                row(cond("eventName", "StartsWith", "create"), ev, false),
                row(cond("eventName", "IStartsWith", "create"), ev, true),
                row(cond("eventName", "DoesNotStartWith", "Create"), ev, false),
                row(cond("eventName", "DoesNotStartWith", "Delete"), ev, true),
                row(cond("eventName", "EndsWith", "Trail"), ev, true),
                row(cond("eventName", "EndsWith", "trail"), ev, false),
                row(cond("eventName", "IEndsWith", "TRAIL"), ev, true),
                row(cond("eventName", "DoesNotEndWith", "Trail"), ev, false),
                row(cond("eventName", "DoesNotEndWith", "X"), ev, true),
                row(cond("eventName", "Contains", "teTr"), ev, true),
                row(cond("eventName", "Contains", "tetr"), ev, false),
                row(cond("eventName", "IContains", "TETR"), ev, true),
                row(cond("eventName", "DoesNotContain", "teTr"), ev, false),
                row(cond("eventName", "DoesNotContain", "zz"), ev, true),
                row(cond("eventName", "IDoesNotContain", "TETR"), ev, false),
                row(cond("eventName", "IDoesNotContain", "zz"), ev, true),
                row(cond("list", "Has", "bb"), ev, true),
                row(cond("list", "Has", "c"), ev, false),
                row(cond("eventName", "Has", "Trail"), ev, true),
                row(cond("list", "DoesNotHave", "a"), ev, false),
                row(cond("list", "DoesNotHave", "z"), ev, true),
                // numbers
                row(cond("n", "IsGreaterThan", "4"), ev, true),
                row(cond("n", "IsGreaterThan", "5"), ev, false),
                row(cond("n", "IsGreaterThanOrEquals", "5"), ev, true),
                row(cond("n", "IsGreaterThanOrEquals", "6"), ev, false),
                row(cond("n", "IsLessThan", "6"), ev, true),
                row(cond("n", "IsLessThan", "5"), ev, false),
                row(cond("s", "IsLessThanOrEquals", "5"), ev, true), // numeric strings count as numbers
                row(cond("n", "IsLessThanOrEquals", "4.5"), ev, false),
                row(cond("missing", "IsGreaterThan", "0"), ev, false),
                // sets
                row("Detection:\n  - Key: eventName\n    Condition: IsIn\n    Values: [A, CreateTrail]\n", ev, true),
                row("Detection:\n  - Key: eventName\n    Condition: IsIn\n    Values: [A, createtrail]\n", ev, false),
                row(
                        "Detection:\n  - Key: eventName\n    Condition: IsNotIn\n    Values: [A, CreateTrail]\n",
                        ev,
                        false),
                row("Detection:\n  - Key: eventName\n    Condition: IsNotIn\n    Values: [A, B]\n", ev, true),
                row("Detection:\n  - Key: n\n    Condition: IsIn\n    Values: [4, 5]\n", ev, true),
                // existence and null
                row(cond("eventName", "Exists", null), ev, true),
                row(cond("missing", "Exists", null), ev, false),
                row(cond("nul", "Exists", null), ev, false), // null counts as missing
                row(cond("missing", "DoesNotExist", null), ev, true),
                row(cond("eventName", "DoesNotExist", null), ev, false),
                row(cond("nul", "IsNull", null), ev, true),
                row(cond("missing", "IsNull", null), ev, true),
                row(cond("eventName", "IsNull", null), ev, false),
                row(cond("eventName", "IsNotNull", null), ev, true),
                row(cond("nul", "IsNotNull", null), ev, false),
                row(cond("empty", "IsNullOrEmpty", null), ev, true),
                row(cond("obj", "IsNullOrEmpty", null), ev, true),
                row(cond("eventName", "IsNullOrEmpty", null), ev, false),
                row(cond("eventName", "IsNotNullOrEmpty", null), ev, true),
                row(cond("empty", "IsNotNullOrEmpty", null), ev, false),
                // IP addresses
                row(cond("ip", "IsIPAddress", null), ev, true),
                row(cond("eventName", "IsIPAddress", null), ev, false),
                row(cond("ip", "IsIPv4Address", null), ev, true),
                row(cond("v6", "IsIPv4Address", null), ev, false),
                row(cond("v6", "IsIPv6Address", null), ev, true),
                row(cond("ip", "IsIPv6Address", null), ev, false),
                row(cond("pub", "IsIPAddressPublic", null), ev, true),
                row(cond("ip", "IsIPAddressPublic", null), ev, false),
                row(cond("ip", "IsIPAddressPrivate", null), ev, true),
                row(cond("pub", "IsIPAddressPrivate", null), ev, false),
                row(cond("ip", "IsIPAddressPrivate", "false"), ev, false),
                row(cond("ip", "IsIPAddressInCIDR", "10.0.0.0/8"), ev, true),
                row(cond("pub", "IsIPAddressInCIDR", "10.0.0.0/8"), ev, false),
                row(
                        "Detection:\n  - Key: pub\n    Condition: IsIPAddressInCIDR\n    Values: [10.0.0.0/8, 8.8.0.0/16]\n",
                        ev,
                        true),
                // globs (Tripline extension for pattern_match)
                row(cond("eventName", "Matches", "Create*"), ev, true),
                row(cond("eventName", "Matches", "create*"), ev, false),
                row(cond("eventName", "IMatches", "create?rail"), ev, true),
                row(cond("eventName", "DoesNotMatch", "Create*"), ev, false),
                // absolute
                row("Detection:\n  - Condition: AlwaysTrue\n", ev, true),
                row("Detection:\n  - Condition: AlwaysFalse\n", ev, false));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2}")
    @MethodSource("cases")
    void condition(String detection, String event, boolean expected) {
        assertThat(matches(detection, event)).isEqualTo(expected);
    }

    static Stream<Arguments> nullSemantics() {
        // Negated conditions hold on a missing or null field (Python: deep_get(...) != x); positive ones fail.
        String[] negated = {
            "DoesNotEqual",
            "IDoesNotEqual",
            "DoesNotContain",
            "IDoesNotContain",
            "DoesNotStartWith",
            "DoesNotEndWith",
            "DoesNotHave",
            "DoesNotMatch"
        };
        String[] positive = {
            "Equals",
            "IEquals",
            "Contains",
            "IContains",
            "StartsWith",
            "IStartsWith",
            "EndsWith",
            "IEndsWith",
            "Has",
            "Matches"
        };
        Stream.Builder<Arguments> b = Stream.builder();
        for (String event : new String[] {"{}", "{\"f\":null}"}) {
            for (String c : negated) {
                b.add(row(cond("f", c, "x"), event, true));
            }
            for (String c : positive) {
                b.add(row(cond("f", c, "x"), event, false));
            }
            b.add(row("Detection:\n  - Key: f\n    Condition: IsNotIn\n    Values: [x]\n", event, true));
            b.add(row("Detection:\n  - Key: f\n    Condition: IsIn\n    Values: [x]\n", event, false));
        }
        return b.build();
    }

    @ParameterizedTest(name = "[{index}] {1}: {0} -> {2}")
    @MethodSource("nullSemantics")
    void missingAndNullFields(String detection, String event, boolean expected) {
        assertThat(matches(detection, event)).isEqualTo(expected);
    }
}
