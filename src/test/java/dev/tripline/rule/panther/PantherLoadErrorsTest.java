package dev.tripline.rule.panther;

import static dev.tripline.rule.panther.PantherTestSupport.load;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleLoader;
import org.junit.jupiter.api.Test;

/** Load errors carry file:line:col of the offending node and name the problem; nothing is thrown. */
class PantherLoadErrorsTest {
    private static final String HEAD =
            "AnalysisType: rule\nRuleID: Test.Rule\nSeverity: Low\nLogTypes: [AWS.CloudTrail]\n";

    private static LoadError onlyError(String yaml) {
        RuleLoader.Result r = load(yaml);
        assertThat(r.ruleSet().rules()).isEmpty();
        assertThat(r.errors()).hasSize(1);
        return r.errors().get(0);
    }

    @Test
    void unknownConditionIsReportedAtTheConditionValue() {
        LoadError e = onlyError(HEAD + "Detection:\n  - Key: eventName\n    Condition: Equal\n    Value: x\n");
        assertThat(e.location().toString()).isEqualTo("r.yml:7:16");
        assertThat(e.message()).contains("unknown condition 'Equal'").contains("did you mean Equals?");
    }

    @Test
    void orEqualSpellingSuggestsTheValidatedOne() {
        LoadError e = onlyError(HEAD + "Detection:\n  - {Key: n, Condition: IsGreaterThanOrEqual, Value: 1}\n");
        assertThat(e.message()).contains("IsGreaterThanOrEquals");
    }

    @Test
    void badShapes() {
        LoadError notAList = onlyError(HEAD + "Detection:\n  Key: a\n");
        assertThat(notAList.location().toString()).isEqualTo("r.yml:6:3");
        assertThat(notAList.message()).contains("Detection must be a list");

        LoadError valuesForEquals =
                onlyError(HEAD + "Detection:\n  - Key: a\n    Condition: Equals\n    Values: [x]\n");
        assertThat(valuesForEquals.location().toString()).isEqualTo("r.yml:8:5");
        assertThat(valuesForEquals.message()).contains("Equals").contains("IsIn");

        LoadError missingValue = onlyError(HEAD + "Detection:\n  - Key: a\n    Condition: StartsWith\n");
        assertThat(missingValue.location().toString()).isEqualTo("r.yml:7:16");
        assertThat(missingValue.message()).contains("StartsWith needs a Value");

        LoadError mapValue = onlyError(HEAD + "Detection:\n  - Key: a\n    Condition: Equals\n    Value: {x: 1}\n");
        assertThat(mapValue.location().toString()).isEqualTo("r.yml:8:12");

        LoadError notNumber = onlyError(HEAD + "Detection:\n  - {Key: a, Condition: IsLessThan, Value: ten}\n");
        assertThat(notNumber.message()).contains("IsLessThan needs a number");

        LoadError twoKeys = onlyError(HEAD + "Detection:\n  - {Key: a, KeyPath: b, Condition: Exists}\n");
        assertThat(twoKeys.message()).contains("only one of Key, DeepKey and KeyPath");

        LoadError combinatorWithSibling = onlyError(HEAD + "Detection:\n  - Any: []\n    Key: a\n");
        assertThat(combinatorWithSibling.location().toString()).isEqualTo("r.yml:7:5");

        LoadError extraKey = onlyError(HEAD + "Detection:\n  - {Key: a, Condition: Exists, Value: 1}\n");
        assertThat(extraKey.message()).contains("'Value' is not allowed with Exists");

        LoadError badCidr =
                onlyError(HEAD + "Detection:\n  - {Key: a, Condition: IsIPAddressInCIDR, Value: 10.0.0.0/40}\n");
        assertThat(badCidr.message()).contains("prefix length");

        LoadError elementsWithoutExpressions = onlyError(HEAD + "Detection:\n  - {Key: a, Condition: AnyElement}\n");
        assertThat(elementsWithoutExpressions.message()).contains("needs Expressions");

        LoadError badKeyPath = onlyError(HEAD + "Detection:\n  - {KeyPath: 'a[x].b', Condition: Exists}\n");
        assertThat(badKeyPath.message()).contains("list index");

        LoadError threeKeys =
                onlyError(HEAD + "Detection:\n  - {Condition: Equals, Values: [{Key: a}, {Key: b}, {Key: c}]}\n");
        assertThat(threeKeys.message()).contains("exactly two");

        LoadError enrichment = onlyError(HEAD + "Detection:\n  - {Enrichment: {Table: t}, Condition: Exists}\n");
        assertThat(enrichment.message()).contains("enrichment");

        LoadError badGlob = onlyError(HEAD + "Detection:\n  - {Key: a, Condition: Matches, Value: 'a[bc]'}\n");
        assertThat(badGlob.message()).contains("character classes");
    }

    @Test
    void unknownTopLevelKeyIsAnError() {
        LoadError e = onlyError(HEAD + "Detection:\n  - {Condition: AlwaysTrue}\nDedupPeriodMinute: 60\n");
        assertThat(e.location().toString()).isEqualTo("r.yml:7:1");
        assertThat(e.message()).contains("unknown key 'DedupPeriodMinute'");
    }

    @Test
    void pythonOnlyRuleExplainsHowToWriteADetection() {
        LoadError e = onlyError(HEAD + "Filename: my_rule.py\n");
        assertThat(e.location().toString()).isEqualTo("r.yml:5:1");
        assertThat(e.message())
                .contains("Python detections are not supported")
                .contains("Detection:")
                .contains("Condition:");
    }

    @Test
    void otherAnalysisTypesAreRefused() {
        LoadError e = onlyError("AnalysisType: correlation_rule\nRuleID: C\nSeverity: High\n");
        assertThat(e.location().toString())
                .as("correlation rules load; this one lacks Detection")
                .isEqualTo("r.yml:1:1");
        assertThat(e.message()).contains("missing required key 'Detection'");
        assertThat(onlyError("AnalysisType: policy\nRuleID: P\n").message()).contains("not supported");
        assertThat(onlyError("AnalysisType: scheduled_rule\nRuleID: S\n").message())
                .contains("not supported");
    }

    @Test
    void listErrors() {
        LoadError unknownList = onlyError(HEAD + "Lists:\n  A: []\nDetection:\n  - None:\n      - List: B\n");
        assertThat(unknownList.location().toString()).isEqualTo("r.yml:9:15");
        assertThat(unknownList.message()).contains("unknown list 'B'").contains("A");

        LoadError unknownMock = onlyError(HEAD + "Lists:\n  A: []\nDetection:\n  - None:\n      - List: A\n"
                + "Tests:\n  - Name: t\n    ExpectedResult: true\n    Mocks:\n      - {objectName: is_cloudtrail_bucket, returnValue: 'true'}\n"
                + "    Log: {}\n");
        assertThat(unknownMock.location().toString()).isEqualTo("r.yml:14:22");
        assertThat(unknownMock.message()).contains("'is_cloudtrail_bucket'").contains("not one of the rule's Lists");

        LoadError scalarInObjectList = onlyError(HEAD + "Lists:\n  A: [x]\nDetection:\n  - None:\n      - List: A\n");
        assertThat(scalarInObjectList.message()).contains("must be objects");

        LoadError badMockJson = onlyError(HEAD + "Lists:\n  A: []\nDetection:\n  - None:\n      - List: A\n"
                + "Tests:\n  - Name: t\n    ExpectedResult: true\n    Mocks:\n      - {objectName: A, returnValue: '[{oops'}\n"
                + "    Log: {}\n");
        assertThat(badMockJson.message()).contains("does not parse");
    }

    @Test
    void metadataErrors() {
        assertThat(onlyError(HEAD.replace("Low", "Severe") + "Detection:\n  - {Condition: AlwaysTrue}\n")
                        .message())
                .contains("Severity 'Severe'");
        assertThat(onlyError(HEAD + "DedupPeriodMinutes: 2\nDetection:\n  - {Condition: AlwaysTrue}\n")
                        .message())
                .contains("between 5 and 1440");
        assertThat(onlyError(HEAD + "Threshold: 0\nDetection:\n  - {Condition: AlwaysTrue}\n")
                        .message())
                .contains("Threshold");
        assertThat(onlyError(HEAD + "AlertTitle: 'x {bad field}'\nDetection:\n  - {Condition: AlwaysTrue}\n")
                        .message())
                .contains("placeholder {bad field}");
        assertThat(onlyError(HEAD + "AlertTitle: 'x {a'\nDetection:\n  - {Condition: AlwaysTrue}\n")
                        .message())
                .contains("never closed");
        assertThat(onlyError(HEAD + "Reports: {MITRE ATT&CK: [bogus]}\nDetection:\n  - {Condition: AlwaysTrue}\n")
                        .message())
                .contains("MITRE");
        assertThat(onlyError(
                                HEAD
                                        + "DynamicSeverities:\n  - {ChangeTo: Huge, Conditions: []}\nDetection:\n  - {Condition: AlwaysTrue}\n")
                        .message())
                .contains("ChangeTo 'Huge'");
        assertThat(onlyError(HEAD
                                + "DynamicSeverities:\n  - {ChangeTo: High, Conditions: [{Key: a, Condition: Nope}]}\n"
                                + "Detection:\n  - {Condition: AlwaysTrue}\n")
                        .message())
                .contains("unknown condition 'Nope'");
        assertThat(onlyError(
                                HEAD
                                        + "Detection:\n  - {Condition: AlwaysTrue}\nTests:\n  - {Name: t, ExpectedResult: maybe, Log: {}}\n")
                        .message())
                .contains("ExpectedResult");
        assertThat(onlyError(
                                HEAD
                                        + "Detection:\n  - {Condition: AlwaysTrue}\nTests:\n  - {Name: t, ExpectedResult: true, Log: {}, Resource: {}}\n")
                        .message())
                .contains("unknown key 'Resource'");
        assertThat(onlyError(HEAD + "Detection: []\n").message()).contains("Detection is empty");
    }

    @Test
    void malformedYamlIsReportedWithPosition() {
        RuleLoader.Result r = load(HEAD + "Detection:\n  - {Key: a, Condition: Exists\n");
        assertThat(r.errors()).isNotEmpty();
        assertThat(r.errors().get(0).message()).startsWith("YAML syntax");
        assertThat(r.errors().get(0).location().line()).isGreaterThanOrEqualTo(6);
        LoadError dup = onlyError(HEAD + "RuleID: again\nDetection:\n  - {Condition: AlwaysTrue}\n");
        assertThat(dup.message()).contains("duplicate key 'RuleID'");
        assertThat(dup.location().toString()).isEqualTo("r.yml:5:1");
    }

    @Test
    void oneBadRuleDoesNotHideTheNext() {
        RuleLoader loader =
                new RuleLoader(dev.tripline.rule.RuleLoadOptions.defaults(), java.util.List.of(new PantherLoader()));
        RuleLoader.Result r = loader.loadFiles(java.util.List.of(
                new dev.tripline.rule.SourceFile("a.yml", null, HEAD + "Detection:\n  - {Key: a, Condition: Bad}\n"),
                new dev.tripline.rule.SourceFile(
                        "b.yml",
                        null,
                        HEAD.replace("Test.Rule", "Other") + "Detection:\n  - {Condition: AlwaysTrue}\n")));
        assertThat(r.errors()).hasSize(1);
        assertThat(r.ruleSet().rules()).extracting(x -> x.id()).containsExactly("Other");
    }
}
