package dev.tripline.match;

import static dev.tripline.match.TestRules.event;
import static dev.tripline.match.TestRules.rule;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Rule;
import dev.tripline.rule.ValuePredicate;
import dev.tripline.rule.ValuePredicate.Mode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CompiledMatcherTest {

    private static Expr eq(String field, String value) {
        return new Expr.Match(FieldPath.of(field), new ValuePredicate.Text(Mode.EQUALS, value, false));
    }

    private static Expr sel(String name, Expr body) {
        return new Expr.Selection(name, body);
    }

    /** The ids of the rules {@code m} fires on {@code e}, in the order it fires them. */
    private static List<String> compiledIds(CompiledMatcher m, Event e) {
        List<String> ids = new ArrayList<>();
        m.match(e, r -> ids.add(r.id()));
        return ids;
    }

    /** The ids of {@code rules} the reference evaluator matches on {@code e}, in the rules' order. */
    private static List<String> referenceIds(List<Rule> rules, Event e) {
        return rules.stream()
                .filter(r -> ReferenceEvaluator.matches(r, e))
                .map(Rule::id)
                .toList();
    }

    private final Rule enableRegion = rule(
            "enable-region",
            new Expr.And(List.of(sel(
                    "selection",
                    new Expr.And(
                            List.of(eq("eventName", "EnableRegion"), eq("eventSource", "account.amazonaws.com")))))));
    private final Rule iamCreate = rule(
            "iam-create",
            new Expr.And(List.of(
                    sel("sel_source", eq("eventSource", "iam.amazonaws.com")),
                    new Expr.Not(sel(
                            "filter",
                            new Expr.Match(
                                    FieldPath.of("eventName"), new ValuePredicate.Text(Mode.PREFIX, "Get", false)))))));
    private final Rule rootUsage = rule("root", sel("selection", eq("userIdentity.type", "Root")));
    private final Rule runOrCreateKey = rule(
            "run-or-key",
            new Expr.Or(List.of(
                    sel("run", eq("eventName", "RunInstances")), sel("key", eq("eventName", "CreateAccessKey")))));

    private final List<Rule> all = List.of(enableRegion, iamCreate, rootUsage, runOrCreateKey);

    @Test
    void indexesByEventNameThenSourceThenAlways() {
        CompiledMatcher m = CompiledMatcher.compile(all);
        Event enable = event("{\"eventName\":\"EnableRegion\",\"eventSource\":\"account.amazonaws.com\"}");
        // Only enable-region, filed under its event name, is visited.
        assertThat(m.candidateCount(enable)).isEqualTo(1);
        Event createUser = event("{\"eventName\":\"CreateUser\",\"eventSource\":\"iam.amazonaws.com\"}");
        assertThat(m.candidateCount(createUser)).isEqualTo(1);
        Event runInstances = event("{\"eventName\":\"RunInstances\",\"eventSource\":\"ec2.amazonaws.com\"}");
        assertThat(m.candidateCount(runInstances)).isEqualTo(1);
        // The root rule pins no event name or source, so it is filed under the field it does pin.
        Event root = event("{\"eventName\":\"RunInstances\",\"userIdentity\":{\"type\":\"ROOT\"}}");
        assertThat(m.candidateCount(root)).isEqualTo(2);
        Event rootInArray = event("{\"eventName\":\"X\",\"userIdentity\":[{\"type\":\"Root\"},{\"type\":\"root\"}]}");
        assertThat(m.candidateCount(rootInArray))
                .as("de-duplicated across array values")
                .isEqualTo(1);
        assertThat(m.describeIndex())
                .isEqualTo("CLOUDTRAIL: eventName (2 rules, 3 values) eventSource (1 rule, 2 values) "
                        + "userIdentity.type (1 rule, 1 values); 0 rules checked on every event[]\n");
    }

    @Test
    void filesPrefixRulesAndEcsRenamesUnderTheRawField() {
        Rule deletes = rule(
                "deletes",
                new Expr.Or(List.of(
                        new Expr.Match(
                                FieldPath.caseInsensitive("eventName"),
                                new ValuePredicate.Text(Mode.PREFIX, "DeleteBucket", true)),
                        new Expr.Match(
                                FieldPath.of("eventName"), new ValuePredicate.Text(Mode.PREFIX, "Delete", false)))));
        Rule ecs = rule(
                "ecs",
                new Expr.Match(
                        FieldPath.of("event.action"), new ValuePredicate.Text(Mode.EQUALS, "RunInstances", false)));
        Rule glob = rule(
                "glob",
                new Expr.Match(
                        FieldPath.of("userIdentity.arn"),
                        new ValuePredicate.Glob(
                                List.of(
                                        ValuePredicate.GlobPart.ANY_RUN,
                                        ValuePredicate.GlobPart.literal(":assumed-role/"),
                                        ValuePredicate.GlobPart.ANY_RUN),
                                false)));
        CompiledMatcher m = CompiledMatcher.compile(List.of(deletes, ecs, glob));
        // The glob is filed under its literal on the raw field, not checked on every event.
        assertThat(m.describeIndex())
                .isEqualTo(
                        "CLOUDTRAIL: eventName (2 rules, 1 values, 2 literals) userIdentity.arn (1 rule, 1 literals);"
                                + " 0 rules checked on every event[]\n");
        for (String json : List.of(
                "{\"eventName\":\"DeleteBucketPolicy\"}",
                "{\"eventName\":\"deletetrail\"}",
                "{\"eventName\":\"runinstances\"}",
                "{\"eventName\":\"ListBuckets\"}",
                "{\"eventName\":\"X\",\"userIdentity\":{\"arn\":\"arn:aws:sts::1:ASSUMED-ROLE/r/s\"}}",
                "{\"eventname\":\"DeleteUser\"}")) {
            Event e = event(json);
            List<String> compiled = compiledIds(m, e);
            List<String> reference = referenceIds(List.of(deletes, ecs, glob), e);
            assertThat(compiled).as(json).containsExactlyElementsOf(reference);
        }
        // The prefix rule is visited once even though both of its prefixes match.
        assertThat(m.candidateCount(event("{\"eventName\":\"DeleteBucket\"}"))).isEqualTo(1);
        assertThat(m.candidateCount(event("{\"eventName\":\"ListBuckets\"}"))).isZero();
        assertThat(m.candidateCount(event("{\"eventName\":\"X\",\"userIdentity\":{\"arn\":\"a:Assumed-Role/r\"}}")))
                .isEqualTo(1);
    }

    @Test
    void aRuleRunsOnlyOnEventsCarryingEveryValueItPins() {
        Rule failedKeyCreation = rule(
                "failed-key",
                new Expr.And(List.of(
                        eq("eventName", "CreateAccessKey"),
                        eq("eventSource", "iam.amazonaws.com"),
                        new Expr.Not(new Expr.IsNull(FieldPath.of("errorCode"), false)))));
        Rule consoleFromScript = rule(
                "console-script",
                new Expr.And(List.of(
                        new Expr.Or(List.of(
                                new Expr.Match(
                                        FieldPath.of("userAgent"),
                                        new ValuePredicate.Text(Mode.CONTAINS, "python", false)),
                                new Expr.Match(
                                        FieldPath.of("userAgent"),
                                        new ValuePredicate.Text(Mode.SUFFIX, "CURL", true)))),
                        new Expr.Not(eq("eventSource", "s3.amazonaws.com")))));
        CompiledMatcher m = CompiledMatcher.compile(List.of(failedKeyCreation, consoleFromScript));
        // eventName and eventSource both pinned, and an error required: only the event carrying all three runs it.
        assertThat(
                        m.candidateCount(
                                event(
                                        "{\"eventName\":\"CreateAccessKey\",\"eventSource\":\"iam.amazonaws.com\",\"errorCode\":\"X\"}")))
                .isEqualTo(1);
        assertThat(m.candidateCount(event("{\"eventName\":\"CreateAccessKey\",\"eventSource\":\"iam.amazonaws.com\"}")))
                .isZero();
        assertThat(
                        m.candidateCount(
                                event(
                                        "{\"eventName\":\"CreateAccessKey\",\"eventSource\":\"sts.amazonaws.com\",\"errorCode\":\"X\"}")))
                .isZero();
        // The literal rule is filed under its userAgent literals: found anywhere for contains, only at the end
        // for endswith, in any case.
        assertThat(m.candidateCount(event("{\"userAgent\":\"Boto3/1.0 Python/3.11\"}")))
                .isEqualTo(1);
        assertThat(m.candidateCount(event("{\"userAgent\":\"x/curl\"}"))).isEqualTo(1);
        assertThat(m.candidateCount(event("{\"userAgent\":\"curl/8.0\"}"))).isZero();
        assertThat(m.candidateCount(event("{\"userAgent\":\"console\"}"))).isZero();
        assertThat(m.describeIndex())
                .isEqualTo("CLOUDTRAIL: eventName (1 rule, 1 values) userAgent (1 rule, 2 literals); "
                        + "0 rules checked on every event[]\n");
        for (String json : List.of(
                "{\"eventName\":\"CreateAccessKey\",\"eventSource\":\"IAM.amazonaws.com\",\"errorCode\":\"X\"}",
                "{\"eventName\":\"CreateAccessKey\",\"eventSource\":\"iam.amazonaws.com\",\"errorCode\":null}",
                "{\"userAgent\":[\"a\",\"PYTHON\"],\"eventSource\":\"ec2.amazonaws.com\"}",
                "{\"userAgent\":\"x/curl\",\"eventSource\":\"s3.amazonaws.com\"}",
                "{\"userAgent\":\"x/CURL\"}")) {
            Event e = event(json);
            List<String> compiled = compiledIds(m, e);
            List<String> reference = referenceIds(List.of(failedKeyCreation, consoleFromScript), e);
            assertThat(compiled).as(json).containsExactlyElementsOf(reference);
        }
    }

    @Test
    void anEqualityJoinedToAPrefixByOrIsLookedForAsTheWholeValue() {
        Rule sources = rule(
                "sources",
                new Expr.Or(List.of(
                        eq("eventSource", "a.amazonaws.com"),
                        new Expr.Match(
                                FieldPath.of("eventSource"), new ValuePredicate.Text(Mode.PREFIX, "ec2", false)))));
        CompiledMatcher m = CompiledMatcher.compile(List.of(sources));
        assertThat(m.describeIndex()).startsWith("CLOUDTRAIL: eventSource (1 rule, 2 literals)");
        assertThat(m.candidateCount(event("{\"eventSource\":\"A.amazonaws.com\"}")))
                .isEqualTo(1);
        assertThat(m.candidateCount(event("{\"eventSource\":\"a.amazonaws.com.x\"}")))
                .isZero();
        assertThat(m.candidateCount(event("{\"eventSource\":\"x.a.amazonaws.com\"}")))
                .isZero();
        assertThat(m.candidateCount(event("{\"eventSource\":\"EC2.amazonaws.com\"}")))
                .isEqualTo(1);
        assertThat(m.candidateCount(event("{\"eventSource\":\"ec\"}"))).isZero();
    }

    @Test
    void aRuleIsFiledUnderAFieldOtherRulesNeedReadAnyway() {
        Rule deletes = rule(
                "deletes",
                new Expr.Match(FieldPath.of("eventName"), new ValuePredicate.Text(Mode.PREFIX, "Delete", false)));
        Rule iamCreates = rule(
                "iam-creates",
                new Expr.And(List.of(
                        eq("eventSource", "iam.amazonaws.com"),
                        new Expr.Match(
                                FieldPath.of("eventName"), new ValuePredicate.Text(Mode.PREFIX, "Create", false)))));
        CompiledMatcher m = CompiledMatcher.compile(List.of(iamCreates, deletes));
        // eventName's prefixes are read on every event for the first rule, so the second is filed under its
        // eventName prefix too, not under eventSource: eventSource is read only when an event's name starts so.
        assertThat(m.describeIndex())
                .isEqualTo("CLOUDTRAIL: eventName (2 rules, 2 literals); 0 rules checked on every event[]\n");
        assertThat(m.indexFieldsRead(event("{\"eventName\":\"ListUsers\",\"eventSource\":\"iam.amazonaws.com\"}")))
                .isEqualTo(1);
        assertThat(m.indexFieldsRead(event("{\"eventName\":\"CreateUser\",\"eventSource\":\"iam.amazonaws.com\"}")))
                .isEqualTo(2);
        for (String json : List.of(
                "{\"eventName\":\"CreateUser\",\"eventSource\":\"IAM.amazonaws.com\"}",
                "{\"eventName\":\"CreateUser\",\"eventSource\":\"ec2.amazonaws.com\"}",
                "{\"eventName\":\"DeleteUser\",\"eventSource\":\"iam.amazonaws.com\"}",
                "{\"eventSource\":\"iam.amazonaws.com\"}")) {
            Event e = event(json);
            List<String> compiled = compiledIds(m, e);
            List<String> reference = referenceIds(List.of(iamCreates, deletes), e);
            assertThat(compiled).as(json).containsExactlyElementsOf(reference);
        }
        // Alone, the same rule is filed under its eventSource equality, the more selective condition.
        assertThat(CompiledMatcher.compile(List.of(iamCreates)).describeIndex())
                .startsWith("CLOUDTRAIL: eventSource (1 rule, 1 values)");
    }

    @Test
    void anEqualityAcceptingMostOfItsFieldsNamedValuesIsFiledAfterALiteral() {
        Rule root = rule("root", eq("userIdentity.type", "Root"));
        Rule deletes = rule(
                "deletes",
                new Expr.Match(FieldPath.of("eventName"), new ValuePredicate.Text(Mode.PREFIX, "Delete", false)));
        Rule humansUpdatingCode = rule(
                "humans-updating-code",
                new Expr.And(List.of(
                        new Expr.Match(
                                FieldPath.of("userIdentity.type"),
                                new ValuePredicate.OneOf(Set.of("IAMUser", "FederatedUser", "AssumedRole"), false)),
                        new Expr.Match(
                                FieldPath.of("eventName"),
                                new ValuePredicate.Text(Mode.PREFIX, "UpdateFunctionCode", false)))));
        Rule rootDeletes = rule(
                "root-deletes",
                new Expr.And(List.of(
                        eq("userIdentity.type", "Root"),
                        new Expr.Match(
                                FieldPath.of("eventName"), new ValuePredicate.Text(Mode.PREFIX, "Delete", false)))));
        List<Rule> rules = List.of(root, deletes, humansUpdatingCode, rootDeletes);
        CompiledMatcher m = CompiledMatcher.compile(rules);
        // The rules name four identity types; three of them let most events through, so that rule is filed under
        // its eventName prefix. One type (Root) is the better key of the last rule.
        assertThat(m.describeIndex())
                .isEqualTo("CLOUDTRAIL: userIdentity.type (2 rules, 4 values) eventName (2 rules, 2 literals);"
                        + " 0 rules checked on every event[]\n");
        for (String json : List.of(
                "{\"eventName\":\"UpdateFunctionCode20150331v2\",\"userIdentity\":{\"type\":\"IAMUser\"}}",
                "{\"eventName\":\"UpdateFunctionCode20150331v2\",\"userIdentity\":{\"type\":\"Root\"}}",
                "{\"eventName\":\"ListUsers\",\"userIdentity\":{\"type\":\"assumedrole\"}}",
                "{\"eventName\":\"DeleteUser\",\"userIdentity\":{\"type\":\"Root\"}}",
                "{\"eventName\":\"updatefunctioncode\",\"userIdentity\":{\"type\":\"federateduser\"}}")) {
            Event e = event(json);
            List<String> compiled = compiledIds(m, e);
            List<String> reference = referenceIds(rules, e);
            assertThat(compiled).as(json).containsExactlyInAnyOrderElementsOf(reference);
        }
        assertThat(m.candidateCount(
                        event("{\"eventName\":\"UpdateFunctionCode\",\"userIdentity\":{\"type\":\"IAMUser\"}}")))
                .isEqualTo(1);
    }

    @Test
    void aConditionOnAFieldHoldingAnObjectLetsTheRuleThroughToItsDetection() {
        Rule policy = rule(
                "policy",
                new Expr.And(List.of(
                        eq("eventName", "PutBucketPolicy"),
                        new Expr.Match(
                                FieldPath.of("requestParameters"),
                                new ValuePredicate.Text(Mode.CONTAINS, "\"Principal\":\"*\"", false)))));
        CompiledMatcher m = CompiledMatcher.compile(List.of(policy));
        Event open = event("{\"eventName\":\"PutBucketPolicy\",\"requestParameters\":{\"Principal\":\"*\"}}");
        Event closed = event("{\"eventName\":\"PutBucketPolicy\",\"requestParameters\":{\"Principal\":\"me\"}}");
        Event text = event("{\"eventName\":\"PutBucketPolicy\",\"requestParameters\":\"Principal=me\"}");
        // The object is not written out as JSON to look for the literal: the detection does that once.
        assertThat(m.candidateCount(open)).isEqualTo(1);
        assertThat(m.candidateCount(closed)).isEqualTo(1);
        assertThat(m.candidateCount(text)).as("a text value is still scanned").isZero();
        for (Event e : List.of(open, closed, text)) {
            assertThat(m.matches(e).size()).isEqualTo(ReferenceEvaluator.matches(policy, e) ? 1 : 0);
        }
        assertThat(m.matches(open)).hasSize(1);
    }

    @Test
    void aCandidateIsPassedOverOnlyWhenItsFirstOtherConditionIsDecidedUnmet() {
        // Four rules filed under one eventName value, visited in this order, each with another condition on
        // eventSource: a prefix, a prefix or a suffix (two probes), and two equalities.
        Expr named = eq("eventName", "PutThing");
        Rule ec2Prefix = rule(
                "ec2-prefix",
                new Expr.And(List.of(
                        named,
                        new Expr.Match(
                                FieldPath.of("eventSource"), new ValuePredicate.Text(Mode.PREFIX, "ec2", false)))));
        Rule iamOrDotCom = rule(
                "iam-or-dot-com",
                new Expr.And(List.of(
                        named,
                        new Expr.Or(List.of(
                                new Expr.Match(
                                        FieldPath.of("eventSource"),
                                        new ValuePredicate.Text(Mode.PREFIX, "iam", false)),
                                new Expr.Match(
                                        FieldPath.of("eventSource"),
                                        new ValuePredicate.Text(Mode.SUFFIX, ".com", false)))))));
        Rule sourceA = rule("source-a", new Expr.And(List.of(named, eq("eventSource", "a.example"))));
        Rule sourceB = rule("source-b", new Expr.And(List.of(named, eq("eventSource", "b.example"))));
        List<Rule> rules = List.of(ec2Prefix, iamOrDotCom, sourceA, sourceB);
        CompiledMatcher m = CompiledMatcher.compile(rules);
        assertThat(m.describeIndex()).startsWith("CLOUDTRAIL: eventName (4 rules, 1 values);");
        Map<String, List<String>> expected = Map.of(
                // The prefix probe has run (for ec2-prefix) when iam-or-dot-com is visited, but the suffix probe
                // has not: its condition is not decided yet, and the suffix meets it.
                "{\"eventName\":\"PutThing\",\"eventSource\":\"s3.amazonaws.com\"}", List.of("iam-or-dot-com"),
                // source-a runs the equality probe and fails; source-b's condition is decided, and met.
                "{\"eventName\":\"PutThing\",\"eventSource\":\"B.example\"}", List.of("source-b"),
                "{\"eventName\":\"PutThing\",\"eventSource\":\"a.example\"}", List.of("source-a"),
                "{\"eventName\":\"PutThing\",\"eventSource\":\"ec2.amazonaws.com\"}",
                        List.of("ec2-prefix", "iam-or-dot-com"),
                "{\"eventName\":\"PutThing\",\"eventSource\":[\"a.example\",\"b.example\"]}",
                        List.of("source-a", "source-b"));
        expected.forEach((json, ids) -> {
            Event e = event(json);
            List<String> compiled = compiledIds(m, e);
            List<String> reference = referenceIds(rules, e);
            assertThat(compiled).as(json).containsExactlyElementsOf(ids).containsExactlyElementsOf(reference);
            assertThat(m.candidateCount(e)).as(json).isEqualTo(ids.size());
        });
    }

    @Test
    void rulesWithEqualDetectionsShareOneCandidateAndAllFire() {
        Rule copy = rule("root-copy", rootUsage.detection());
        CompiledMatcher m = CompiledMatcher.compile(List.of(rootUsage, iamCreate, copy));
        Event root = event("{\"eventName\":\"X\",\"userIdentity\":{\"type\":\"Root\"}}");
        List<String> hits = new ArrayList<>();
        m.match(root, r -> hits.add(r.id()));
        assertThat(hits).containsExactly("root", "root-copy");
        assertThat(m.candidateCount(root)).isEqualTo(2);
        assertThat(m.detectionCount(root)).isEqualTo(1);
        assertThat(m.describeIndex()).contains("userIdentity.type (2 rules, 1 values)");
    }

    @Test
    void agreesWithReferenceAndReportsSelections() {
        CompiledMatcher m = CompiledMatcher.compile(all);
        List<String> events = List.of(
                "{\"eventName\":\"EnableRegion\",\"eventSource\":\"account.amazonaws.com\"}",
                "{\"eventName\":\"enableregion\",\"eventSource\":\"ACCOUNT.amazonaws.com\"}",
                "{\"eventName\":\"GetUser\",\"eventSource\":\"iam.amazonaws.com\"}",
                "{\"eventName\":\"CreateUser\",\"eventSource\":\"iam.amazonaws.com\",\"userIdentity\":{\"type\":\"Root\"}}",
                "{\"eventName\":\"CreateAccessKey\",\"eventSource\":\"iam.amazonaws.com\"}",
                "{\"eventSource\":\"iam.amazonaws.com\"}",
                "{}");
        for (String json : events) {
            Event e = event(json);
            List<String> compiled = compiledIds(m, e);
            List<String> reference = referenceIds(all, e);
            assertThat(compiled).as(json).containsExactlyInAnyOrderElementsOf(reference);
        }
        List<RuleMatch> matches =
                m.matches(event("{\"eventName\":\"CreateAccessKey\",\"eventSource\":\"iam.amazonaws.com\"}"));
        assertThat(matches).extracting(x -> x.rule().id()).containsExactlyInAnyOrder("run-or-key", "iam-create");
        RuleMatch key = matches.stream()
                .filter(x -> x.rule().id().equals("run-or-key"))
                .findFirst()
                .orElseThrow();
        assertThat(key.selections()).containsExactly("key");
    }

    @Test
    void mergesEqualitiesIntoOneLookupAndFoldsConstants() {
        Expr or = new Expr.Or(List.of(
                eq("eventName", "A"),
                eq("eventName", "b"),
                new Expr.Const(false),
                new Expr.Match(FieldPath.of("eventName"), new ValuePredicate.OneOf(Set.of("C"), false))));
        CompiledExpr c = CompiledExpr.compile(or);
        assertThat(c).isInstanceOf(CompiledExpr.MatchValue.class);
        assertThat(c.test(event("{\"eventName\":\"c\"}"), null, null)).isTrue();
        assertThat(c.test(event("{\"eventName\":\"B\"}"), null, null)).isTrue();
        assertThat(c.test(event("{\"eventName\":\"D\"}"), null, null)).isFalse();
        assertThat(CompiledExpr.compile(new Expr.And(List.of(new Expr.Const(false), eq("x", "y")))))
                .isSameAs(CompiledExpr.FALSE);
    }

    @Test
    void skipsOtherLogTypesAndDisabledRules() {
        Rule disabled = new Rule(
                "off",
                null,
                "off",
                "",
                enableRegion.format(),
                enableRegion.level(),
                List.of(),
                List.of(),
                List.of(),
                null,
                Set.of(LogType.CLOUDTRAIL),
                enableRegion.detection(),
                false,
                false,
                null,
                1,
                List.of(),
                null,
                java.util.Map.of(),
                List.of(),
                List.of(),
                enableRegion.location());
        CompiledMatcher m = CompiledMatcher.compile(List.of(disabled));
        assertThat(m.rules()).isEmpty();
        Event azure = new Event(
                LogType.AZURE_ACTIVITY,
                event("{\"eventName\":\"EnableRegion\"}").root());
        List<String> hits = new ArrayList<>();
        CompiledMatcher.compile(all).match(azure, r -> hits.add(r.id()));
        assertThat(hits).isEmpty();
    }

    @Test
    void comparesAnObjectAsItsJsonTextOnlyWhereSomeValueCouldBeThatText() {
        FieldPath params = FieldPath.of("requestParameters");
        List<Rule> rules = List.of(
                rule("equals-text", new Expr.Match(params, new ValuePredicate.Text(Mode.EQUALS, "x", false))),
                rule("equals-json", new Expr.Match(params, new ValuePredicate.Text(Mode.EQUALS, "{\"a\":1}", true))),
                rule("one-of", new Expr.Match(params, new ValuePredicate.OneOf(Set.of("y", "{\"A\":1}"), false))),
                rule("prefix", new Expr.Match(params, new ValuePredicate.Text(Mode.PREFIX, "{\"a\"", false))),
                rule("list-prefix", new Expr.Match(params, new ValuePredicate.Text(Mode.PREFIX, "[", false))));
        CompiledMatcher m = CompiledMatcher.compile(rules);
        Event object = event("{\"eventName\":\"X\",\"requestParameters\":{\"a\":1}}");
        Event text = event("{\"eventName\":\"X\",\"requestParameters\":\"X\"}");
        for (Event e : List.of(object, text)) {
            List<String> hits = compiledIds(m, e);
            List<String> expected = referenceIds(rules, e);
            assertThat(hits).containsExactlyInAnyOrderElementsOf(expected);
        }
        List<String> onObject = new ArrayList<>();
        m.match(object, r -> onObject.add(r.id()));
        assertThat(onObject).containsExactlyInAnyOrder("equals-json", "one-of", "prefix");
        List<String> onText = new ArrayList<>();
        m.match(text, r -> onText.add(r.id()));
        assertThat(onText).containsExactly("equals-text");
    }

    /** A record root that counts the lookups of each of its keys. */
    private static final class CountingRoot extends ObjectNode {
        final Map<String, Integer> lookups = new HashMap<>();

        CountingRoot() {
            super(JsonNodeFactory.instance);
        }

        @Override
        public JsonNode get(String key) {
            lookups.merge(key, 1, Integer::sum);
            return super.get(key);
        }
    }

    @Test
    void readsEachFieldOncePerEventHoweverManyRulesTestIt() {
        // Three detections that each test eventSource and errorCode (missing), all run on a CreateUser event.
        List<Rule> rules = new ArrayList<>();
        for (String other : List.of("a", "b", "c")) {
            rules.add(rule(
                    "create-user-" + other,
                    new Expr.And(List.of(
                            eq("eventName", "CreateUser"),
                            eq("eventSource", "iam.amazonaws.com"),
                            new Expr.Not(eq("errorCode", other))))));
        }
        CompiledMatcher m = CompiledMatcher.compile(rules);
        CountingRoot root = new CountingRoot();
        root.put("eventName", "CreateUser");
        root.put("eventSource", "iam.amazonaws.com");
        List<String> hits = new ArrayList<>();
        m.match(new Event(LogType.CLOUDTRAIL, root), r -> hits.add(r.id()));
        assertThat(hits).containsExactlyInAnyOrder("create-user-a", "create-user-b", "create-user-c");
        // Once for the index and all three detections: the index's path ignores case and theirs does not, but
        // both walk the same key.
        assertThat(root.lookups.get("eventSource")).isEqualTo(1);
        // A missing field: the event's filter of its keys says no spelling of it is there, so it is not looked up
        // at all (once per event, not per detection, when the filter cannot tell).
        assertThat(root.lookups.getOrDefault("errorCode", 0)).isZero();
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        CompiledMatcher m = CompiledMatcher.compile(all);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(m);
        }
        CompiledMatcher copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (CompiledMatcher) in.readObject();
        }
        List<String> hits = new ArrayList<>();
        copy.match(
                event("{\"eventName\":\"EnableRegion\",\"eventSource\":\"account.amazonaws.com\"}"),
                r -> hits.add(r.id()));
        assertThat(hits).containsExactly("enable-region");
    }

    @Test
    void explainsSelectionBySelection() {
        Explanation x =
                Explanation.of(iamCreate, event("{\"eventName\":\"GetUser\",\"eventSource\":\"iam.amazonaws.com\"}"));
        assertThat(x.result()).isFalse();
        assertThat(x.render())
                .contains("[true]  selection sel_source")
                .contains("eventSource equals 'iam.amazonaws.com'  [seen: iam.amazonaws.com]")
                .contains("[true]  selection filter");
    }

    @Test
    void aSubstringScanRememberedForOneValueAnswersForThatValueOnlyAndForItsOwnMatcher() {
        // Each matcher has one substring scan, probe 0 of its own; the thread remembers what a scan found per value.
        Rule assumed = rule(
                "assumed",
                new Expr.Match(
                        FieldPath.of("userIdentity.arn"),
                        new ValuePredicate.Text(Mode.CONTAINS, ":assumed-role/", false)));
        Rule user = rule(
                "user",
                new Expr.Match(
                        FieldPath.of("userIdentity.arn"), new ValuePredicate.Text(Mode.CONTAINS, ":user/", false)));
        CompiledMatcher byRole = CompiledMatcher.compile(List.of(assumed));
        CompiledMatcher byUser = CompiledMatcher.compile(List.of(user));
        String role = "{\"userIdentity\":{\"arn\":\"arn:aws:sts::1:assumed-role/Admin/s\"}}";
        String person = "{\"userIdentity\":{\"arn\":\"arn:aws:iam::1:user/alice\"}}";
        for (int round = 0; round < 3; round++) {
            for (String json : List.of(role, person, role.replace("Admin", "ADMIN"), person)) {
                for (CompiledMatcher m : List.of(byRole, byUser)) {
                    Event e = event(json);
                    List<String> compiled = compiledIds(m, e);
                    List<String> reference = referenceIds(m.rules(), e);
                    assertThat(compiled).as(json).containsExactlyElementsOf(reference);
                }
            }
        }
        assertThat(byRole.candidateCount(event(role))).isEqualTo(1);
        assertThat(byUser.candidateCount(event(role))).isZero();
        assertThat(byUser.candidateCount(event(person))).isEqualTo(1);
    }
}
