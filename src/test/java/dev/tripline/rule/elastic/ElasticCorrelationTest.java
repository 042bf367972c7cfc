package dev.tripline.rule.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.MapCorrelator;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.SourceFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Elastic threshold and EQL sequence rules of the corpus, run on the Flink-free correlation engine in event time
 * with CloudTrail records: they fire when the events prove the condition within the window, and not otherwise.
 */
class ElasticCorrelationTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final Path AWS = ElasticCorpusTest.CORPUS.resolve("aws");

    final List<Fired> fired = new ArrayList<>();
    CompiledMatcher matcher;
    MapCorrelator correlator;
    RuleSet rules;

    void load(RuleLoader.Result r) {
        assertThat(r.errors()).isEmpty();
        rules = r.ruleSet();
        matcher = CompiledMatcher.compile(rules.rules());
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        assertThat(engine.errors()).isEmpty();
        correlator = new MapCorrelator(engine);
    }

    void load(String file) {
        load(RuleLoader.standard(RuleLoadOptions.defaults()).load(List.of(AWS.resolve(file))));
    }

    void event(long seconds, String json) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(json);
            root.put("eventTime", T0.plusSeconds(seconds).toString());
            Event e = new Event(LogType.CLOUDTRAIL, root);
            matcher.match(e, rule -> fired.addAll(correlator.onMatch(rule, e)));
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }

    void closeAll() {
        fired.addAll(correlator.advanceWatermark(Long.MAX_VALUE / 2));
    }

    // ---- threshold: root console brute force, count >= 10 per cloud.account.id over the 6-minute look-back ----

    static String rootLoginFailure(String account) {
        return ElasticRules.cloudTrail(
                        "signin.amazonaws.com", "ConsoleLogin", "\"responseElements\": {\"ConsoleLogin\": \"Failure\"}")
                .replace("\"type\": \"IAMUser\"", "\"type\": \"Root\"")
                .replace("123456789012", account);
    }

    @Test
    void thresholdLoadsAsEventCountPerGroup() {
        load("credential_access_root_console_failure_brute_force.toml");
        CorrelationRule c = rules.correlations().get(0);
        assertThat(c.type()).isEqualTo(CorrelationRule.Type.EVENT_COUNT);
        assertThat(c.groupBy()).containsExactly("cloud.account.id");
        assertThat(c.timespan()).isEqualTo(Duration.ofMinutes(6));
        assertThat(rules.rules()).allMatch(r -> r.signalOnly());
    }

    @Test
    void thresholdFiresOnTheTenthFailureWithinTheLookBack() {
        load("credential_access_root_console_failure_brute_force.toml");
        for (int i = 0; i < 9; i++) {
            event(i * 30L, rootLoginFailure("111111111111"));
            event(i * 30L, rootLoginFailure("222222222222"));
        }
        assertThat(fired).isEmpty();
        event(290, rootLoginFailure("111111111111"));
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).group()).containsEntry("cloud.account.id", "111111111111");
        closeAll();
        assertThat(fired).hasSize(1);
    }

    @Test
    void thresholdStaysQuietWhenTheFailuresAreSpreadWiderThanTheLookBack() {
        load("credential_access_root_console_failure_brute_force.toml");
        for (int i = 0; i < 10; i++) {
            event(i * 60L, rootLoginFailure("111111111111")); // ten failures over nine minutes
        }
        closeAll();
        assertThat(fired).isEmpty();
    }

    // ---- threshold with cardinality: 20 distinct request parameters per user.id ----

    static String getSecret(String secret) {
        return ElasticRules.cloudTrail(
                "secretsmanager.amazonaws.com",
                "GetSecretValue",
                "\"requestParameters\": {\"secretId\": \"" + secret + "\"}");
    }

    @Test
    void cardinalityCountsDistinctValues() {
        load("credential_access_rapid_secret_retrieval_attempts_from_secretsmanager.toml");
        assertThat(rules.correlations().get(0).type()).isEqualTo(CorrelationRule.Type.VALUE_COUNT);
        for (int i = 0; i < 30; i++) {
            event(i, getSecret("prod/db"));
        }
        assertThat(fired).as("one secret read thirty times").isEmpty();
        for (int i = 0; i < 20; i++) {
            event(1000 + i, getSecret("prod/secret-" + i));
        }
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).group()).containsEntry("user.id", "AIDAEXAMPLE");
        closeAll();
        assertThat(fired).hasSize(1);
    }

    // ---- sequence: Bedrock ListFoundationModels with a long-term key, then an invocation, by key within 15m ----

    static String bedrock(String action, String key) {
        return ElasticRules.cloudTrail("bedrock.amazonaws.com", action, "").replace("AKIAEXAMPLEKEY", key);
    }

    @Test
    void sequenceLoadsAsTemporalOrderedOverMaxspan() {
        load("discovery_bedrock_model_recon_and_invocation_via_long_term_key.toml");
        CorrelationRule c = rules.correlations().get(0);
        assertThat(c.type()).isEqualTo(CorrelationRule.Type.TEMPORAL_ORDERED);
        assertThat(c.rules()).hasSize(2);
        assertThat(c.groupBy()).containsExactly("aws.cloudtrail.user_identity.access_key_id");
        assertThat(c.timespan()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void sequenceFiresWhenTheStepsComeInOrderWithinMaxspan() {
        load("discovery_bedrock_model_recon_and_invocation_via_long_term_key.toml");
        event(0, bedrock("ListFoundationModels", "AKIAONE"));
        event(60, bedrock("InvokeModel", "AKIATWO")); // another key
        assertThat(fired).isEmpty();
        event(600, bedrock("Converse", "AKIAONE"));
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).group()).containsEntry("aws.cloudtrail.user_identity.access_key_id", "AKIAONE");
    }

    @Test
    void sequenceStaysQuietOutOfOrderOrAfterMaxspanOrWithTemporaryKeys() {
        load("discovery_bedrock_model_recon_and_invocation_via_long_term_key.toml");
        event(0, bedrock("InvokeModel", "AKIAONE"));
        event(60, bedrock("ListFoundationModels", "AKIAONE"));
        event(60 + 16 * 60, bedrock("InvokeModel", "AKIAONE")); // 16 minutes after the listing
        event(3000, bedrock("ListFoundationModels", "ASIATEMP")); // a session key, not long-term
        event(3010, bedrock("InvokeModel", "ASIATEMP"));
        closeAll();
        assertThat(fired).isEmpty();
    }

    @Test
    void perStepKeysJoinDifferentlyNamedFields() {
        String q = "sequence with maxspan=1h\n"
                + "  [any where event.action == \"CreateUser\"] by user.target.name\n"
                + "  [any where event.action == \"ConsoleLogin\"] by user.name";
        load(RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("seq.toml", null, ElasticRules.toml("eql", "eql", q, "")))));
        CorrelationRule c = rules.correlations().get(0);
        assertThat(c.groupBy()).containsExactly("join1");
        event(
                0,
                ElasticRules.cloudTrail(
                        "iam.amazonaws.com", "CreateUser", "\"requestParameters\": {\"userName\": \"backdoor\"}"));
        event(
                60,
                ElasticRules.cloudTrail("signin.amazonaws.com", "ConsoleLogin", "")
                        .replace("\"userName\": \"mallory\"", "\"userName\": \"someone\""));
        assertThat(fired).isEmpty();
        event(
                120,
                ElasticRules.cloudTrail("signin.amazonaws.com", "ConsoleLogin", "")
                        .replace("\"userName\": \"mallory\"", "\"userName\": \"backdoor\""));
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).group()).containsEntry("join1", "backdoor");
    }

    // ---- new_terms: first GetCallerIdentity by an identity (aws.cloudtrail.user_identity.arn) in 10 days ----

    static String getCallerIdentity(String user) {
        return ElasticRules.cloudTrail("sts.amazonaws.com", "GetCallerIdentity", "")
                .replace("user/mallory", "user/" + user);
    }

    @Test
    void newTermsLoadAsANewTermsCorrelationOverTheHistoryWindow() {
        load("discovery_new_terms_sts_getcalleridentity.toml");
        CorrelationRule c = rules.correlations().get(0);
        assertThat(c.type()).isEqualTo(CorrelationRule.Type.NEW_TERMS);
        assertThat(c.groupBy()).containsExactly("aws.cloudtrail.user_identity.arn");
        assertThat(c.timespan()).isEqualTo(Duration.ofDays(10));
        assertThat(rules.rules())
                .singleElement()
                .satisfies(r -> assertThat(r.signalOnly()).isTrue());
    }

    @Test
    void newTermsFireOnAnIdentitysFirstCallAndAgainOnlyAfterTenDaysOfSilence() {
        load("discovery_new_terms_sts_getcalleridentity.toml");
        long day = 86_400;
        event(0, getCallerIdentity("mallory"));
        event(60, getCallerIdentity("mallory"));
        event(120, getCallerIdentity("trent"));
        event(9 * day, getCallerIdentity("mallory")); // within ten days of the last call: known
        event(9 * day + 10, getCallerIdentity("victor").replace("\"type\": \"IAMUser\"", "\"type\": \"AssumedRole\""));
        assertThat(fired).as("never on arrival").isEmpty();
        fired.addAll(correlator.advanceWatermark(T0.plusSeconds(9 * day + 60).toEpochMilli()));
        assertThat(fired)
                .extracting(f -> f.group().get("aws.cloudtrail.user_identity.arn"))
                .containsExactlyInAnyOrder(
                        "arn:aws:iam::123456789012:user/mallory", "arn:aws:iam::123456789012:user/trent");
        event(20 * day, getCallerIdentity("mallory")); // eleven days after its last call: new again
        closeAll();
        assertThat(fired).hasSize(3);
        assertThat(fired.get(2).firstSeen()).isEqualTo(T0.plusSeconds(20 * day).toEpochMilli());
        assertThat(correlator.openStates()).isZero();
    }

    // ---- sequences with a missing-event step and with until, watermarks given explicitly ----

    void loadQuery(String eql) {
        load(RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("seq.toml", null, ElasticRules.toml("eql", "eql", eql, "")))));
    }

    void watermark(long seconds) {
        fired.addAll(correlator.advanceWatermark(T0.plusSeconds(seconds).toEpochMilli()));
    }

    static String call(String action) {
        return ElasticRules.cloudTrail("iam.amazonaws.com", action, "");
    }

    static final String NOT_FOLLOWED = "sequence by user.name with maxspan=10m\n"
            + "  [any where event.action == \"CreateAccessKey\"]\n"
            + "  ![any where event.action == \"TagUser\"]";

    @Test
    void aMissingEventStepLoadsAsAnAbsentRule() {
        loadQuery(NOT_FOLLOWED);
        CorrelationRule c = rules.correlations().get(0);
        assertThat(c.type()).isEqualTo(CorrelationRule.Type.TEMPORAL_ORDERED);
        assertThat(c.rules()).containsExactly("test-rule:step1", "test-rule:step2");
        assertThat(c.absent()).containsExactly("test-rule:step2");
    }

    @Test
    void aMissingEventStepFiresOnlyWhenTheWatermarkPassesMaxspanNeverBefore() {
        loadQuery(NOT_FOLLOWED);
        event(0, call("CreateAccessKey"));
        assertThat(fired).as("never on arrival").isEmpty();
        watermark(599);
        assertThat(fired).as("a TagUser may still come within maxspan").isEmpty();
        watermark(600);
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).group()).containsEntry("user.name", "mallory");
        assertThat(correlator.openStates()).isZero();
    }

    @Test
    void aMissingEventStepIsVetoedByTheEventWithinMaxspanInAnyArrivalOrder() {
        loadQuery(NOT_FOLLOWED);
        event(0, call("CreateAccessKey"));
        event(300, call("TagUser"));
        closeAll();
        assertThat(fired).isEmpty();
        // The TagUser arriving first: the same answer.
        loadQuery(NOT_FOLLOWED);
        event(1300, call("TagUser"));
        event(1000, call("CreateAccessKey"));
        closeAll();
        assertThat(fired).isEmpty();
        // A TagUser after maxspan does not veto.
        loadQuery(NOT_FOLLOWED);
        event(2000, call("CreateAccessKey"));
        event(2000 + 601, call("TagUser"));
        closeAll();
        assertThat(fired).hasSize(1);
    }

    @Test
    void aMissingEventStepBetweenTwoStepsMeansNoSuchEventBetweenThem() {
        loadQuery("sequence by user.name with maxspan=10m\n"
                + "  [any where event.action == \"CreateUser\"]\n"
                + "  ![any where event.action == \"AttachUserPolicy\"]\n"
                + "  [any where event.action == \"CreateLoginProfile\"]");
        event(0, call("CreateUser"));
        event(60, call("CreateLoginProfile"));
        watermark(599);
        assertThat(fired).isEmpty();
        watermark(600);
        assertThat(fired).hasSize(1);
        fired.clear();
        loadQuery("sequence by user.name with maxspan=10m\n"
                + "  [any where event.action == \"CreateUser\"]\n"
                + "  ![any where event.action == \"AttachUserPolicy\"]\n"
                + "  [any where event.action == \"CreateLoginProfile\"]");
        event(0, call("CreateUser"));
        event(60, call("CreateLoginProfile"));
        event(30, call("AttachUserPolicy")); // late arrival, between the two
        closeAll();
        assertThat(fired).isEmpty();
    }

    static final String UNTIL = "sequence by user.name with maxspan=10m\n"
            + "  [any where event.action == \"CreateUser\"]\n"
            + "  [any where event.action == \"CreateAccessKey\"]\n"
            + "  [any where event.action == \"CreateLoginProfile\"]\n"
            + "until [any where event.action == \"DeleteUser\"]";

    @Test
    void untilLoadsAsAnAbsentCopyBetweenEveryTwoSteps() {
        loadQuery(UNTIL);
        CorrelationRule c = rules.correlations().get(0);
        assertThat(c.rules())
                .containsExactly(
                        "test-rule:step1",
                        "test-rule:until1",
                        "test-rule:step2",
                        "test-rule:until2",
                        "test-rule:step3");
        assertThat(c.absent()).containsExactlyInAnyOrder("test-rule:until1", "test-rule:until2");
    }

    @Test
    void untilEndsTheSequenceWhenItsEventFallsBetweenTheFirstAndTheLastStep() {
        loadQuery(UNTIL);
        event(0, call("CreateUser"));
        event(60, call("CreateAccessKey"));
        event(90, call("DeleteUser")); // between step 2 and 3
        event(120, call("CreateLoginProfile"));
        closeAll();
        assertThat(fired).isEmpty();

        loadQuery(UNTIL);
        event(0, call("CreateUser"));
        event(30, call("DeleteUser")); // between step 1 and 2
        event(60, call("CreateAccessKey"));
        event(120, call("CreateLoginProfile"));
        closeAll();
        assertThat(fired).isEmpty();
    }

    @Test
    void untilBeforeTheFirstOrAfterTheLastStepChangesNothing() {
        loadQuery(UNTIL);
        event(-30, call("DeleteUser"));
        event(0, call("CreateUser"));
        event(60, call("CreateAccessKey"));
        event(120, call("CreateLoginProfile"));
        event(180, call("DeleteUser"));
        watermark(599);
        assertThat(fired)
                .as("decided when maxspan has passed: an until may still come")
                .isEmpty();
        watermark(600);
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).evidence()).hasSize(3);
    }

    @Test
    void untilOfAnotherGroupDoesNotEndTheSequence() {
        loadQuery(UNTIL);
        event(0, call("CreateUser"));
        event(30, call("DeleteUser").replace("\"userName\": \"mallory\"", "\"userName\": \"trent\""));
        event(60, call("CreateAccessKey"));
        event(120, call("CreateLoginProfile"));
        closeAll();
        assertThat(fired).hasSize(1);
    }

    @Test
    void runsOfOneStepCountDistinctEventsWithinMaxspan() {
        String q =
                "sequence by cloud.account.id with maxspan=10m [any where event.action == \"StopLogging\"] with runs=3";
        load(RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("runs.toml", null, ElasticRules.toml("eql", "eql", q, "")))));
        assertThat(rules.correlations().get(0).type()).isEqualTo(CorrelationRule.Type.EVENT_COUNT);
        event(0, ElasticRules.cloudTrail("cloudtrail.amazonaws.com", "StopLogging", ""));
        event(10, ElasticRules.cloudTrail("cloudtrail.amazonaws.com", "StopLogging", ""));
        assertThat(fired).as("one event is one run, never three").isEmpty();
        event(20, ElasticRules.cloudTrail("cloudtrail.amazonaws.com", "StopLogging", ""));
        assertThat(fired).hasSize(1);
    }
}
