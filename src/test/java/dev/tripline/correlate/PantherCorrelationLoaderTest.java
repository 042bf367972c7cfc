package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.match.RuleTestRunner.Status;
import dev.tripline.match.RuleTestRunner.TestResult;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Panther correlation rules: what each construct becomes, how their Tests run, and where errors point. */
class PantherCorrelationLoaderTest {
    /** Two member rules that name the shared user differently: one through AlertContext, one by event path. */
    private static final String MEMBERS = """
            AnalysisType: rule
            RuleID: Test.CreateUser
            Enabled: true
            LogTypes: [AWS.CloudTrail]
            Severity: Info
            CreateAlert: false
            Detection:
              - KeyPath: eventName
                Condition: Equals
                Value: CreateUser
            AlertContext:
              - {KeyName: request_username, KeyValue: {KeyPath: requestParameters.userName}}
            ---
            AnalysisType: rule
            RuleID: Test.Login
            Enabled: true
            LogTypes: [AWS.CloudTrail]
            Severity: Info
            CreateAlert: false
            Detection:
              - KeyPath: eventName
                Condition: Equals
                Value: ConsoleLogin
            ---
            AnalysisType: rule
            RuleID: Test.DeleteUser
            Enabled: true
            LogTypes: [AWS.CloudTrail]
            Severity: Info
            CreateAlert: false
            Detection:
              - KeyPath: eventName
                Condition: Equals
                Value: DeleteUser
            AlertContext:
              - {KeyName: request_username, KeyValue: {KeyPath: requestParameters.userName}}
            """;

    private static RuleLoader.Result load(String correlation) {
        return RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(
                        new SourceFile("members.yml", null, MEMBERS), new SourceFile("c.yml", null, correlation)));
    }

    private static List<TestResult> testsOf(RuleLoader.Result r) {
        assertThat(r.errors()).isEmpty();
        return CorrelationTestRunner.run(r.ruleSet());
    }

    @Test
    void groupJoinsDifferentlyNamedFieldsAndRunsItsTests() {
        RuleLoader.Result r = load("""
                AnalysisType: correlation_rule
                RuleID: Test.NewUserLogsIn
                DisplayName: New user logs in
                Enabled: true
                Severity: High
                Detection:
                  - Group:
                      - ID: Create
                        RuleID: Test.CreateUser
                      - ID: Login
                        RuleID: Test.Login
                    MatchCriteria:
                      user:
                        - GroupID: Create
                          Match: p_alert_context.request_username
                        - GroupID: Login
                          Match: userIdentity.userName
                    LookbackWindowMinutes: 60
                    Schedule:
                      RateMinutes: 30
                      TimeoutMinutes: 5
                Tests:
                  - Name: created then logs in
                    ExpectedResult: true
                    RuleOutputs:
                      - ID: Login
                        Matches:
                          userIdentity.userName:
                            bob: ["2024-06-01T10:20:00Z"]
                      - ID: Create
                        Matches:
                          p_alert_context.request_username:
                            bob: ["2024-06-01T10:00:00Z"]
                  - Name: another user logs in
                    ExpectedResult: false
                    RuleOutputs:
                      - ID: Create
                        Matches:
                          p_alert_context.request_username:
                            bob: [0]
                      - ID: Login
                        Matches:
                          userIdentity.userName:
                            eve: [10]
                  - Name: logs in after the window
                    ExpectedResult: false
                    RuleOutputs:
                      - ID: Create
                        Matches:
                          p_alert_context.request_username:
                            bob: [0]
                      - ID: Login
                        Matches:
                          userIdentity.userName:
                            bob: [61]
                """);
        CorrelationRule c = r.ruleSet().correlation("Test.NewUserLogsIn").orElseThrow();
        assertThat(c.type()).isEqualTo(CorrelationRule.Type.TEMPORAL);
        assertThat(c.groupBy()).containsExactly("user");
        assertThat(c.aliases().get("user"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("Test.CreateUser", "requestParameters.userName", "Test.Login", "userIdentity.userName"));
        assertThat(c.timespan()).isEqualTo(Duration.ofMinutes(60));
        assertThat(r.warnings())
                .extracting(LoadError::message)
                .anySatisfy(m -> assertThat(m).contains("Schedule has no meaning in streaming"))
                .anySatisfy(m -> assertThat(m).contains("LookbackWindowMinutes"));
        assertThat(testsOf(r))
                .hasSize(3)
                .allSatisfy(t -> assertThat(t.status())
                        .as(t.testName() + ": " + t.reason())
                        .isEqualTo(Status.PASSED));
    }

    @Test
    void sequenceWithAbsenceAndAMinimumCount() {
        RuleLoader.Result r = load("""
                AnalysisType: correlation_rule
                RuleID: Test.CreatedNotDeleted
                Enabled: false
                Severity: Medium
                Detection:
                  - Sequence:
                      - ID: Create
                        RuleID: Test.CreateUser
                        MinMatchCount: 2
                      - ID: Delete
                        RuleID: Test.DeleteUser
                        Absence: true
                    Transitions:
                      - ID: Create NOT FOLLOWED BY Delete
                        From: Create
                        To: Delete
                        WithinTimeFrameMinutes: 30
                        Match:
                          - On: p_alert_context.request_username
                Tests:
                  - Name: created twice, never deleted
                    ExpectedResult: true
                    RuleOutputs:
                      - ID: Create
                        Matches:
                          p_alert_context.request_username:
                            bob: [0, 1]
                  - Name: created once
                    ExpectedResult: false
                    RuleOutputs:
                      - ID: Create
                        Matches:
                          p_alert_context.request_username:
                            bob: [0]
                  - Name: deleted within the window
                    ExpectedResult: false
                    RuleOutputs:
                      - ID: Create
                        Matches:
                          p_alert_context.request_username:
                            bob: [0, 1]
                      - ID: Delete
                        Matches:
                          p_alert_context.request_username:
                            bob: [20]
                  - Name: deleted before it was created does not count
                    ExpectedResult: true
                    RuleOutputs:
                      - ID: Delete
                        Matches:
                          p_alert_context.request_username:
                            bob: [0]
                      - ID: Create
                        Matches:
                          p_alert_context.request_username:
                            bob: [5, 6]
                """);
        CorrelationRule c = r.ruleSet().correlation("Test.CreatedNotDeleted").orElseThrow();
        assertThat(c.type()).isEqualTo(CorrelationRule.Type.TEMPORAL_ORDERED);
        assertThat(c.enabled()).isFalse();
        assertThat(c.absent()).containsExactly("Test.DeleteUser");
        assertThat(c.minCounts()).containsExactly(Map.entry("Test.CreateUser", 2));
        assertThat(c.timespan()).isEqualTo(Duration.ofMinutes(30));
        assertThat(CorrelationEngine.compile(r.ruleSet()).plan(c.id()))
                .as("a disabled correlation is not run")
                .isNull();
        assertThat(testsOf(r))
                .hasSize(4)
                .allSatisfy(t -> assertThat(t.status())
                        .as(t.testName() + ": " + t.reason())
                        .isEqualTo(Status.PASSED));
    }

    @Test
    void transitionsLinkingTheSameValueBecomeOneGroupByField() {
        RuleLoader.Result r = load("""
                AnalysisType: correlation_rule
                RuleID: Test.CreateLoginDelete
                Severity: Medium
                Detection:
                  - Sequence:
                      - ID: Create
                        RuleID: Test.CreateUser
                      - ID: Login
                        RuleID: Test.Login
                      - ID: Delete
                        RuleID: Test.DeleteUser
                    Transitions:
                      - ID: created then logs in
                        From: Create
                        To: Login
                        WithinTimeFrameMinutes: 10
                        Match:
                          - From: p_alert_context.request_username
                            To: userIdentity.userName
                      - ID: logs in then deleted
                        From: Login
                        To: Delete
                        WithinTimeFrameMinutes: 20
                        Match:
                          - From: userIdentity.userName
                            To: p_alert_context.request_username
                """);
        assertThat(r.errors()).isEmpty();
        CorrelationRule c = r.ruleSet().correlation("Test.CreateLoginDelete").orElseThrow();
        assertThat(c.groupBy()).hasSize(1);
        assertThat(c.aliases().get(c.groupBy().get(0)))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "Test.CreateUser", "requestParameters.userName",
                        "Test.Login", "userIdentity.userName",
                        "Test.DeleteUser", "requestParameters.userName"));
        assertThat(c.timespan()).isEqualTo(Duration.ofMinutes(30));
        assertThat(r.warnings())
                .extracting(LoadError::message)
                .anySatisfy(m -> assertThat(m).contains("summed into one window of 30 minutes"));
    }

    @Test
    void errorsPointAtTheirCause() {
        RuleLoader.Result missing = load("""
                AnalysisType: correlation_rule
                RuleID: Test.Missing
                Severity: High
                Detection:
                  - Group:
                      - ID: A
                        RuleID: Test.CreateUser
                      - ID: B
                        RuleID: No.Such.Rule
                """);
        assertThat(missing.errors()).hasSize(1);
        assertThat(missing.errors().get(0).location().toString()).isEqualTo("c.yml:9:17");
        assertThat(missing.errors().get(0).message()).contains("'No.Such.Rule'").contains("is not loaded");

        RuleLoader.Result noContext = load("""
                AnalysisType: correlation_rule
                RuleID: Test.NoContext
                Severity: High
                Detection:
                  - Group:
                      - ID: A
                        RuleID: Test.CreateUser
                      - ID: B
                        RuleID: Test.Login
                    MatchCriteria:
                      user:
                        - GroupID: A
                          Match: p_alert_context.request_username
                        - GroupID: B
                          Match: p_alert_context.actor
                """);
        assertThat(noContext.errors()).hasSize(1);
        assertThat(noContext.errors().get(0).location().toString()).isEqualTo("c.yml:15:11");
        assertThat(noContext.errors().get(0).message()).contains("no AlertContext key for 'p_alert_context.actor'");

        RuleLoader.Result max = load("""
                AnalysisType: correlation_rule
                RuleID: Test.Max
                Severity: High
                Detection:
                  - Group:
                      - ID: A
                        RuleID: Test.CreateUser
                        MaxMatchCount: 3
                """);
        assertThat(max.errors()).singleElement().satisfies(e -> {
            assertThat(e.location().toString()).isEqualTo("c.yml:8:9");
            assertThat(e.message()).contains("MaxMatchCount is not supported");
        });
    }
}
