package dev.tripline.match;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.ParseLimits;
import dev.tripline.event.ParseResult;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.Corpus;
import dev.tripline.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * rules/aws/cloudtrail/aws_iam_policy_grants_all_actions.yml on real CloudTrail records from ../shared/data,
 * read by the job's own parser and matched by the job's compiled matcher (the reference evaluator must agree).
 * Positive cases change nothing but the policy document of a real record.
 */
class PolicyGrantsAllActionsRuleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RULE_ID = "AWS.IAM.PolicyGrantsAllActions";
    private static final String INVICTUS = "data/invictus-aws-stratus/218007301253_CloudTrail_us-east-1_";
    private static final Set<String> POLICY_WRITES =
            Set.of("PutUserPolicy", "PutRolePolicy", "PutGroupPolicy", "CreatePolicy", "CreatePolicyVersion");

    private static Rule rule;
    private static CompiledMatcher matcher;
    private final EventParser parser = new EventParser(ParseLimits.defaults(), true);

    @BeforeAll
    static void load() {
        RuleLoader.Result loaded = Corpus.defaultLoader().load(List.of(Path.of("rules")));
        assertThat(loaded.errors()).isEmpty();
        rule = loaded.ruleSet().rule(RULE_ID).orElseThrow();
        matcher = CompiledMatcher.compile(loaded.ruleSet().rules());
    }

    private static ObjectNode invictus(String file, String eventId) {
        for (JsonNode r : SharedData.readTree(SharedData.path(INVICTUS + file)).get("Records")) {
            if (r.path("eventID").asText().equals(eventId)) {
                return (ObjectNode) r.deepCopy();
            }
        }
        throw new IllegalArgumentException("no event " + eventId + " in " + file);
    }

    private static ObjectNode withPolicy(ObjectNode record, String policy) {
        ((ObjectNode) record.get("requestParameters")).put("policyDocument", policy);
        return record;
    }

    /** The record as the job sees it: serialized, parsed by the job's parser, one event. */
    private Event parse(ObjectNode record) throws Exception {
        ParseResult r = parser.parse(JSON.writeValueAsBytes(record));
        assertThat(r.failures()).isEmpty();
        assertThat(r.events()).hasSize(1);
        return r.events().get(0);
    }

    /** Whether the rule fires; the compiled matcher and the reference evaluator must agree. */
    private static boolean fires(Event event) {
        List<String> fired = new ArrayList<>();
        matcher.match(event, r -> fired.add(r.id()));
        boolean compiled = fired.contains(RULE_ID);
        assertThat(ReferenceEvaluator.matches(rule, event))
                .as("reference evaluator")
                .isEqualTo(compiled);
        return compiled;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "20230710T1205Z_zs3JGxETHr59VpkX.json, 42ee083a-7081-4c13-a7b8-6553a966588a",
        "20230710T1200Z_x9kHmzMa7cx6l9wM.json, a092fecb-2cb1-4c68-809d-1edf688badef",
        "20230710T1205Z_UljXNp9xLp8nsAGc.json, 39b115ed-5806-43b7-abd5-c4e078b1528a",
        "20230710T1205Z_dOIWyEekdNWhkpqY.json, 671c39f7-9e56-4acf-a92a-ea4a77f2f76a",
        "20230710T1200Z_iLj9fb7yyUG9X4Bf.json, 6c1eed73-00ee-4810-8009-c9ce5990c100",
        "20230710T1215Z_YMDRJwtmC82bUwAo.json, b44730f6-d93e-4a7d-80af-eed1c7a54b90",
        "20230710T1210Z_6CICdbJQM3beT7n3.json, 19373fa4-d15d-4c49-9e19-f19faa16e2ca",
    })
    void aRealPolicyWriteFiresOnlyWhenAStatementAllowsEveryAction(String file, String eventId) throws Exception {
        assertThat(fires(parse(invictus(file, eventId))))
                .as("as recorded: narrow actions")
                .isFalse();

        String allowAll = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                + "\"Resource\":\"*\"}]}";
        assertThat(fires(parse(withPolicy(invictus(file, eventId), allowAll))))
                .as("Action \"*\"")
                .isTrue();
        String inList = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Describe*\"],\"Resource\":\"*\"},"
                + "{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"*\"],\"Resource\":\"arn:aws:s3:::b/*\"}]}";
        assertThat(fires(parse(withPolicy(invictus(file, eventId), inList))))
                .as("\"*\" in a list")
                .isTrue();
        String oneObject = "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}";
        assertThat(fires(parse(withPolicy(invictus(file, eventId), oneObject))))
                .as("Statement object")
                .isTrue();

        String denyAll = allowAll.replace("Allow", "Deny");
        assertThat(fires(parse(withPolicy(invictus(file, eventId), denyAll))))
                .as("Deny *")
                .isFalse();
        String split = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeInstances\",\"Resource\":\"*\"},"
                + "{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}";
        assertThat(fires(parse(withPolicy(invictus(file, eventId), split))))
                .as("Allow and * in different statements")
                .isFalse();
        String serviceWide = allowAll.replace("\"*\",\"Resource", "\"iam:*\",\"Resource");
        assertThat(fires(parse(withPolicy(invictus(file, eventId), serviceWide))))
                .as("iam:*")
                .isFalse();
    }

    @Test
    void aFailedCallDoesNotCount() throws Exception {
        ObjectNode r = withPolicy(
                invictus("20230710T1205Z_zs3JGxETHr59VpkX.json", "42ee083a-7081-4c13-a7b8-6553a966588a"),
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"}]}");
        assertThat(fires(parse(r))).isTrue();
        r.put("errorCode", "AccessDenied");
        r.put("errorMessage", "User is not authorized to perform: iam:PutRolePolicy");
        assertThat(fires(parse(r))).isFalse();
    }

    @Test
    void anUnreadablePolicyMatchesNothingAndIsCountedWhileTheEventGoesOn() throws Exception {
        ObjectNode r = withPolicy(
                invictus("20230710T1205Z_zs3JGxETHr59VpkX.json", "42ee083a-7081-4c13-a7b8-6553a966588a"),
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"");
        Event event = parse(r);
        assertThat(fires(event)).isFalse();
        assertThat(event.unreadableEmbeddedJson()).isEqualTo(1);
        // Other rules still see the event: the pinned eventName is readable as ever.
        assertThat(event.values(dev.tripline.event.FieldPath.of("eventName"))
                        .get(0)
                        .asText())
                .isEqualTo("PutRolePolicy");
    }

    @Test
    void noRealRecordInTheDatasetsGrantsAllActions() throws Exception {
        int policyWrites = 0;
        for (ObjectNode record : SharedData.allCloudTrailRecords()) {
            ParseResult parsed = new EventParser().parse(JSON.writeValueAsBytes(record));
            for (Event e : parsed.events()) {
                if (POLICY_WRITES.contains(e.root().path("eventName").asText())) {
                    policyWrites++;
                }
                assertThat(fires(e)).as(e.root().path("eventID").asText()).isFalse();
                assertThat(e.unreadableEmbeddedJson())
                        .as(e.root().path("eventID").asText())
                        .isZero();
            }
        }
        // Seven Stratus PutRolePolicy/CreatePolicy records and Panther's two PutUserPolicy events, at least.
        assertThat(policyWrites).isGreaterThanOrEqualTo(9);
    }
}
