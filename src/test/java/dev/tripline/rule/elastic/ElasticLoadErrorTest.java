package dev.tripline.rule.elastic;

import static dev.tripline.rule.elastic.ElasticRules.load;
import static dev.tripline.rule.elastic.ElasticRules.toml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleLoader;
import org.junit.jupiter.api.Test;

/** Bad Elastic rules are refused with file:line:col and the reason; nothing else in the load is lost. */
class ElasticLoadErrorTest {

    private static String only(RuleLoader.Result r) {
        assertThat(r.errors()).hasSize(1);
        return r.errors().get(0).toString();
    }

    @Test
    void kqlSyntaxErrorPointsInsideTheQueryString() {
        String text = """
                [rule]
                rule_id = "x"
                name = "x"
                severity = "low"
                type = "query"
                language = "kuery"
                index = ["logs-aws.cloudtrail-*"]
                query = '''
                event.provider: iam.amazonaws.com and
                    event.action: (CreateUser or
                '''
                """;
        // line 10 of the file, after the open parenthesis group: the query ends where a value was expected
        assertThat(only(load("bad.toml", text)))
                .startsWith("bad.toml:11:1: KQL syntax error: unexpected the end of the query");
        String oneLine = text.replace(
                "'''\nevent.provider: iam.amazonaws.com and\n    event.action: (CreateUser or\n'''",
                "\"event.action: : x\"");
        assertThat(only(load("bad.toml", oneLine))).startsWith("bad.toml:8:24: KQL syntax error: unexpected ':'");
    }

    @Test
    void eqlSyntaxErrorSaysWhatWasExpected() {
        String text = toml("eql", "eql", "any where event.action ==", "");
        String error = only(load("bad.toml", text));
        assertThat(error).startsWith("bad.toml:17:1: EQL syntax error: unexpected the end of the query");
        assertThat(error).contains("expected");
        String second = toml("eql", "eql", "any where\n  event.action = \"x\"", "");
        assertThat(only(load("bad.toml", second))).startsWith("bad.toml:17:16: EQL syntax error: unexpected '='");
    }

    @Test
    void unsupportedTypesAreNamedPerFile() {
        String esql = toml("esql", "esql", "from logs-aws.cloudtrail-* | stats count(*)", "");
        assertThat(only(load("esql.toml", esql))).startsWith("esql.toml:13:1: ES|QL rule 'Test rule' is not supported");
        String ml =
                toml("machine_learning", "eql", "any where true", "machine_learning_job_id = [\"rare_error_code\"]");
        assertThat(only(load("ml.toml", ml)))
                .contains("machine-learning rule 'Test rule' is not supported")
                .contains("rare_error_code");
    }

    @Test
    void newTermsNeedFieldsAndAHistoryWindow() {
        String noTerms = toml("new_terms", "kuery", "event.action: GetObject", "");
        assertThat(only(load("nt.toml", noTerms))).contains("new_terms.field must be \"new_terms_fields\"");
        String terms = "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"user.name\"]\n";
        String noWindow = toml("new_terms", "kuery", "event.action: GetObject", "") + terms;
        assertThat(only(load("nt.toml", noWindow))).contains("new_terms needs history_window_start");
        String window = "[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = ";
        assertThat(only(load("nt.toml", noWindow + window + "\"now-7x\"\n")))
                .contains("history_window_start must look like now-6m");
        assertThat(only(load("nt.toml", noWindow + window + "\"now-91d\"\n"))).contains("longer than 90 days");
        String twice = noWindow.replace("[\"user.name\"]", "[\"user.name\", \"user.name\"]");
        assertThat(only(load("nt.toml", twice + window + "\"now-7d\"\n"))).contains("lists a field twice");
        RuleLoader.Result ok = load("nt.toml", noWindow + window + "\"now-7d\"\n");
        assertThat(ok.errors()).isEmpty();
        assertThat(ok.ruleSet().correlations().get(0).type()).isEqualTo(CorrelationRule.Type.NEW_TERMS);
        assertThat(ok.ruleSet().correlations().get(0).timespan()).isEqualTo(java.time.Duration.ofDays(7));
    }

    @Test
    void unsupportedDatasetIsNamed() {
        String signin = toml("query", "kuery", "event.action: x", "")
                .replace(
                        "index = [\"logs-aws.cloudtrail-*\", \"logs-azure.activitylogs-*\"]",
                        "index = [\"filebeat-*\", \"logs-azure.signinlogs-*\"]");
        assertThat(only(load("signin.toml", signin)))
                .startsWith("signin.toml:7:1: rule reads azure.signinlogs, which Tripline does not ingest");
        String mixed = toml("query", "kuery", "event.action: x", "")
                .replace("\"logs-azure.activitylogs-*\"", "\"logs-azure.signinlogs-*\"");
        RuleLoader.Result r = load("mixed.toml", mixed);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings())
                .extracting(LoadError::message)
                .anyMatch(m -> m.contains("also reads azure.signinlogs"));
    }

    @Test
    void aSequenceOfMissingEventsOnlyIsRefusedAtTheSequence() {
        String q = "sequence by cloud.account.id with maxspan=10m\n  ![any where event.action == \"StartLogging\"]";
        assertThat(only(load("seq.toml", toml("eql", "eql", q, ""))))
                .startsWith("seq.toml:16:1: EQL sequence has only missing-event steps");
    }

    @Test
    void untilNeedsTwoStepsAndTheSameJoinKeysAsTheSteps() {
        String one = "sequence by cloud.account.id with maxspan=10m\n  [any where event.action == \"StopLogging\"]\n"
                + "  ![any where event.action == \"DeleteTrail\"]\nuntil [any where event.action == \"StartLogging\"]";
        assertThat(only(load("until.toml", toml("eql", "eql", one, ""))))
                .startsWith("until.toml:19:7: EQL 'until' needs two steps that occur");
        String keys = "sequence with maxspan=10m\n  [any where event.action == \"StopLogging\"] by user.name\n"
                + "  [any where event.action == \"DeleteTrail\"] by user.name\n"
                + "until [any where event.action == \"StartLogging\"]";
        assertThat(only(load("until.toml", toml("eql", "eql", keys, ""))))
                .startsWith("until.toml:19:7: EQL sequence step joins on 0 keys but the first step on 1");
    }

    @Test
    void sequenceWithoutMaxspanIsRefused() {
        String q =
                "sequence by cloud.account.id\n  [any where event.action == \"StopLogging\"]\n  [any where event.action == \"DeleteTrail\"]";
        assertThat(only(load("seq.toml", toml("eql", "eql", q, "")))).contains("without 'with maxspan=...'");
    }

    @Test
    void unknownFunctionAndInvalidRegex() {
        assertThat(only(load("f.toml", toml("eql", "eql", "any where wildcard(event.action, \"x*\")", ""))))
                .startsWith("f.toml:16:11: EQL function wildcard is not supported");
        assertThat(only(load("r.toml", toml("eql", "eql", "any where event.action regex \"(\"", ""))))
                .startsWith("r.toml:16:30: EQL regex '(' is not valid");
    }

    @Test
    void unknownFieldIsAWarningNamingIt() {
        RuleLoader.Result r = load("w.toml", toml("query", "kuery", "event.action: x and okta.target.id: y", ""));
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).extracting(LoadError::message).anyMatch(m -> m.startsWith("field 'okta.target.id'"));
        assertThat(r.warnings()).extracting(LoadError::message).noneMatch(m -> m.contains("'event.action'"));
    }

    @Test
    void invalidTomlHasItsPosition() {
        String error = only(load("t.toml", "[rule]\nrule_id = \"x\"\nname = \n"));
        assertThat(error).startsWith("t.toml:3:").contains("not valid TOML");
    }

    @Test
    void oneBadFileDoesNotHideTheOthers() {
        RuleLoader.Result r = RuleLoader.standard(dev.tripline.rule.RuleLoadOptions.defaults())
                .loadFiles(java.util.List.of(
                        new dev.tripline.rule.SourceFile("bad.toml", null, toml("eql", "eql", "any where (", "")),
                        new dev.tripline.rule.SourceFile(
                                "good.toml",
                                null,
                                toml("query", "kuery", "event.action: x", "").replace("test-rule", "good"))));
        assertThat(r.errors()).hasSize(1);
        assertThat(r.ruleSet().rules()).extracting(dev.tripline.rule.Rule::id).containsExactly("good");
    }
}
