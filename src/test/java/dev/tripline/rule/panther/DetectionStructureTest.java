package dev.tripline.rule.panther;

import static dev.tripline.rule.panther.PantherTestSupport.event;
import static dev.tripline.rule.panther.PantherTestSupport.matches;
import static dev.tripline.rule.panther.PantherTestSupport.rule;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.Rule;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Combinators, key specifiers, list comprehensions, two-key comparisons and named lists. */
class DetectionStructureTest {
    private static final String A = "  - {Key: a, Condition: Equals, Value: x}\n";
    private static final String B = "  - {Key: b, Condition: Equals, Value: y}\n";

    private static String block(String combinator) {
        return "Detection:\n  - " + combinator + ":\n    "
                + A.replace("\n", "\n    ").trim() + "\n    " + B.trim() + "\n";
    }

    @Test
    void topLevelItemsAreAnded() {
        assertThat(matches("Detection:\n" + A + B, "{\"a\":\"x\",\"b\":\"y\"}")).isTrue();
        assertThat(matches("Detection:\n" + A + B, "{\"a\":\"x\",\"b\":\"n\"}")).isFalse();
    }

    @Test
    void combinators() {
        String both = "{\"a\":\"x\",\"b\":\"y\"}", one = "{\"a\":\"x\",\"b\":\"n\"}", none = "{\"a\":\"n\"}";
        assertThat(matches(block("All"), both)).isTrue();
        assertThat(matches(block("All"), one)).isFalse();
        assertThat(matches(block("Any"), one)).isTrue();
        assertThat(matches(block("Any"), none)).isFalse();
        assertThat(matches(block("OnlyOne"), one)).isTrue();
        assertThat(matches(block("OnlyOne"), both)).isFalse();
        assertThat(matches(block("OnlyOne"), none)).isFalse();
        assertThat(matches(block("None"), none)).isTrue();
        assertThat(matches(block("None"), one)).isFalse();
    }

    @Test
    void inlineFiltersAreAndedInFront() {
        String body = "InlineFilters:\n  - {Key: a, Condition: Equals, Value: x}\nDetection:\n" + B;
        assertThat(matches(body, "{\"a\":\"x\",\"b\":\"y\"}")).isTrue();
        assertThat(matches(body, "{\"a\":\"z\",\"b\":\"y\"}")).isFalse();
    }

    @Test
    void keySpecifiers() {
        String ev = "{\"a.b\":\"dotted\",\"a\":{\"b\":\"nested\",\"l\":[{\"n\":\"first\"},{\"n\":\"second\"}]}}";
        assertThat(matches("Detection:\n  - {Key: a.b, Condition: Equals, Value: dotted}\n", ev))
                .isTrue();
        // Key names one top-level key even with dots; a dotted path never reaches a literal "a.b" key's sibling.
        assertThat(matches("Detection:\n  - {Key: a.b, Condition: Equals, Value: nested}\n", ev))
                .isFalse();
        assertThat(matches(
                        "Detection:\n  - {DeepKey: [a, b], Condition: Equals, Value: nested}\n",
                        "{\"a\":{\"b\":\"nested\"}}"))
                .isTrue();
        assertThat(matches("Detection:\n  - {DeepKey: [A, L, 1, N], Condition: Equals, Value: second}\n", ev))
                .isTrue();
        assertThat(matches("Detection:\n  - {DeepKey: [a, l, 0, n], Condition: Equals, Value: second}\n", ev))
                .isFalse();
        assertThat(matches("Detection:\n  - {KeyPath: 'a.l[1].n', Condition: Equals, Value: second}\n", ev))
                .isTrue();
        assertThat(matches("Detection:\n  - {KeyPath: 'a.l[0].n', Condition: Equals, Value: second}\n", ev))
                .isFalse();
        assertThat(matches("Detection:\n  - {KeyPath: 'a.l[5].n', Condition: Exists}\n", ev))
                .isFalse();
        assertThat(matches("Detection:\n  - {KeyPath: 'a.l[*].n', Condition: Equals, Value: second}\n", ev))
                .isTrue();
    }

    @Test
    void listComprehensions() {
        String ev = "{\"items\":[{\"k\":\"a\",\"v\":1},{\"k\":\"b\",\"v\":2}],\"tags\":[\"x\",\"y\"]}";
        String tmpl = "Detection:\n  - Key: items\n    Condition: %s\n    Expressions:\n"
                + "      - {Key: v, Condition: IsGreaterThan, Value: %s}\n";
        assertThat(matches(String.format(tmpl, "AnyElement", 1), ev)).isTrue();
        assertThat(matches(String.format(tmpl, "AnyElement", 2), ev)).isFalse();
        assertThat(matches(String.format(tmpl, "AllElements", 0), ev)).isTrue();
        assertThat(matches(String.format(tmpl, "AllElements", 1), ev)).isFalse();
        assertThat(matches(String.format(tmpl, "NoElement", 2), ev)).isTrue();
        assertThat(matches(String.format(tmpl, "NoElement", 1), ev)).isFalse();
        assertThat(matches(String.format(tmpl, "OnlyOneElement", 1), ev)).isTrue();
        assertThat(matches(String.format(tmpl, "OnlyOneElement", 0), ev)).isFalse();
        // Scalar elements: an expression without a key tests the element itself.
        String scalars = "Detection:\n  - Key: tags\n    Condition: AnyElement\n    Expressions:\n"
                + "      - {Condition: Equals, Value: %s}\n";
        assertThat(matches(String.format(scalars, "y"), ev)).isTrue();
        assertThat(matches(String.format(scalars, "z"), ev)).isFalse();
        // A missing list has no elements.
        assertThat(matches(String.format(tmpl, "AnyElement", 0).replace("Key: items", "Key: nope"), ev))
                .isFalse();
    }

    @Test
    void twoKeyComparisons() {
        String same = "{\"u\":\"Alice\",\"t\":\"alice\",\"w\":\"Alice\"}";
        assertThat(matches("Detection:\n  - {Condition: Equals, Values: [{Key: u}, {Key: w}]}\n", same))
                .isTrue();
        assertThat(matches("Detection:\n  - {Condition: Equals, Values: [{Key: u}, {Key: t}]}\n", same))
                .isFalse();
        assertThat(matches("Detection:\n  - {Condition: IEquals, Values: [{Key: u}, {Key: t}]}\n", same))
                .isTrue();
        assertThat(matches("Detection:\n  - {Condition: DoesNotEqual, Values: [{Key: u}, {Key: t}]}\n", same))
                .isTrue();
        assertThat(matches("Detection:\n  - {Condition: DoesNotEqual, Values: [{Key: u}, {Key: w}]}\n", same))
                .isFalse();
        // Python: None != None is False; None != "Alice" is True.
        assertThat(matches("Detection:\n  - {Condition: DoesNotEqual, Values: [{Key: p}, {Key: q}]}\n", same))
                .isFalse();
        assertThat(matches("Detection:\n  - {Condition: DoesNotEqual, Values: [{Key: p}, {Key: u}]}\n", same))
                .isTrue();
        assertThat(matches("Detection:\n  - {Condition: Equals, Values: [{Key: p}, {Key: q}]}\n", same))
                .isFalse();
    }

    private static final String LISTS = "Lists:\n  ALLOW:\n    Default: [{user: bob, eventName: Delete}]\n"
            + "    Fields:\n      user: [userIdentity.userName, userIdentity.sessionContext.sessionIssuer.userName]\n"
            + "  NAMES: [Delete, Stop]\n";

    @Test
    void namedObjectListsMatchEveryKeyOfAnEntry() {
        String body = LISTS + "Detection:\n  - {Key: eventName, Condition: Exists}\n  - None:\n      - List: ALLOW\n";
        assertThat(matches(body, "{\"eventName\":\"Delete\",\"userIdentity\":{\"userName\":\"BOB\"}}"))
                .isFalse();
        assertThat(matches(
                        body,
                        "{\"eventName\":\"delete\",\"userIdentity\":{\"sessionContext\":"
                                + "{\"sessionIssuer\":{\"userName\":\"bob\"}}}}"))
                .isFalse();
        assertThat(matches(body, "{\"eventName\":\"Delete\",\"userIdentity\":{\"userName\":\"eve\"}}"))
                .isTrue();
        assertThat(matches(body, "{\"eventName\":\"Stop\",\"userIdentity\":{\"userName\":\"bob\"}}"))
                .isTrue();
    }

    @Test
    void namedScalarListsWithIsInList() {
        String body = LISTS + "Detection:\n  - {Key: eventName, Condition: IsInList, List: NAMES}\n";
        assertThat(matches(body, "{\"eventName\":\"stop\"}")).isTrue();
        assertThat(matches(body, "{\"eventName\":\"Start\"}")).isFalse();
    }

    @Test
    void mocksReplaceListsForOneTest() {
        String body = LISTS + "Detection:\n  - None:\n      - List: ALLOW\n"
                + "Tests:\n  - Name: mocked\n    ExpectedResult: false\n"
                + "    Mocks:\n      - {objectName: ALLOW, returnValue: '[{\"user\": \"eve\", \"eventName\": \"Stop\"}]'}\n"
                + "    Log: {eventName: Stop, userIdentity: {userName: eve}}\n";
        Rule r = rule(body);
        Map<String, JsonNode> mocks = r.tests().get(0).mocks();
        assertThat(mocks).containsKey("ALLOW");
        var ev = event("{\"eventName\":\"Stop\",\"userIdentity\":{\"userName\":\"eve\"}}");
        assertThat(ReferenceEvaluator.matches(r, ev)).isTrue(); // default list does not cover eve
        assertThat(ReferenceEvaluator.matches(r.withLists(mocks), ev)).isFalse();
    }

    @Test
    void metadataIsRead() {
        Rule r = PantherTestSupport.load("AnalysisType: rule\nRuleID: X.Y\nDisplayName: Nice\nEnabled: false\n"
                        + "Severity: Info\nLogTypes: [AWS.CloudTrail]\nDedupPeriodMinutes: 15\nThreshold: 5\nCreateAlert: false\n"
                        + "Tags: [AWS]\nReports: {MITRE ATT&CK: ['TA0005:T1535', T1078.004], CIS: [3.5]}\nStatus: Experimental\n"
                        + "Reference: https://x\nRunbook: do\nDescription: d\nSummaryAttributes: [eventName]\n"
                        + "AlertTitle: 'User {userIdentity.userName} did {eventName} {{literal}}'\n"
                        + "AlertContext:\n  - {KeyName: ip, KeyValue: {Key: sourceIPAddress}}\n"
                        + "GroupBy:\n  - {KeyPath: recipientAccountId}\n"
                        + "Detection:\n  - {Condition: AlwaysTrue}\n")
                .ruleSet()
                .rules()
                .get(0);
        assertThat(r.id()).isEqualTo("X.Y");
        assertThat(r.title()).isEqualTo("Nice");
        assertThat(r.enabled()).isFalse();
        assertThat(r.level()).isEqualTo(dev.tripline.rule.Level.INFORMATIONAL);
        assertThat(r.dedupPeriodMinutes()).isEqualTo(15);
        assertThat(r.threshold()).isEqualTo(5);
        assertThat(r.signalOnly()).isTrue();
        assertThat(r.tags())
                .containsExactly(
                        "AWS", "attack.t1535", "attack.ta0005", "attack.t1078.004", "CIS:3.5", "Status:Experimental");
        assertThat(r.references()).containsExactly("https://x");
        assertThat(r.runbook()).isEqualTo("do");
        assertThat(r.outputFields()).extracting(Object::toString).containsExactly("eventName");
        assertThat(r.outputFields().get(0).caseInsensitiveKeys()).isTrue();
        assertThat(r.alertTitle()).isEqualTo("User {userIdentity.userName} did {eventName} {{literal}}");
        assertThat(r.alertContext()).containsOnlyKeys("ip");
        assertThat(r.groupBy()).extracting(Object::toString).containsExactly("recipientAccountId");
        assertThat(r.logTypes()).containsExactly(dev.tripline.event.LogType.CLOUDTRAIL);
        assertThat(r.format()).isEqualTo(dev.tripline.rule.RuleFormat.PANTHER);
    }

    @Test
    void defaultsAndUnsupportedLogTypes() {
        var result = PantherTestSupport.load("AnalysisType: rule\nRuleID: X.Y\nSeverity: High\n"
                + "LogTypes: [Okta.SystemLog]\nDetection:\n  - {Condition: AlwaysTrue}\n");
        assertThat(result.errors()).isEmpty();
        assertThat(result.warnings())
                .singleElement()
                .asString()
                .contains("Okta.SystemLog")
                .contains("no events");
        Rule r = result.ruleSet().rules().get(0);
        assertThat(r.title()).isEqualTo("X.Y");
        assertThat(r.enabled()).isTrue();
        assertThat(r.dedupPeriodMinutes()).isNull();
        assertThat(r.threshold()).isEqualTo(1);
        assertThat(r.logTypes()).isEmpty();
        assertThat(ReferenceEvaluator.matches(r, event("{}"))).isFalse();
    }

    @Test
    void dynamicSeveritiesAreValidatedAndWarned() {
        var result = PantherTestSupport.load(
                PantherTestSupport.ruleText(
                        "Detection:\n  - {Condition: AlwaysTrue}\n"
                                + "DynamicSeverities:\n  - ChangeTo: High\n    Conditions:\n      - {Key: a, Condition: Equals, Value: b}\n"));
        assertThat(result.errors()).isEmpty();
        assertThat(result.warnings()).singleElement().asString().contains("not applied yet");
    }
}
