package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.match.RuleTestRunner;
import dev.tripline.rule.Level;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import dev.tripline.testing.Flagship;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The flagship rule file loaded from rules/ and driven end to end: CloudTrail events through the compiled
 * matcher, matches through the correlation engine, watermarks advanced explicitly.
 */
class FlagshipRuleTest {
    static final String REGION_CORRELATION = Flagship.REGION_PLAN;
    static final String KEY_CORRELATION = Flagship.KEY_PLAN;
    static final ObjectMapper JSON = new ObjectMapper();
    static final long MIN = 60_000;
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");

    static RuleSet rules;
    static CompiledMatcher matcher;
    static CorrelationEngine engine;

    @BeforeAll
    static void load() {
        rules = Flagship.rules();
        matcher = CompiledMatcher.compile(rules.rules());
        engine = CorrelationEngine.compile(rules);
        assertThat(engine.errors()).isEmpty();
    }

    /** Drives matcher and engine over events; collects every correlation fired. */
    static final class Run {
        final MapCorrelator correlator = new MapCorrelator(engine);
        final List<Fired> fired = new ArrayList<>();
        int seq;

        Run event(String name, String source, String region, double minutes, String arn, String... extra) {
            StringBuilder json = new StringBuilder();
            String account = arn.split(":")[4];
            json.append("{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"")
                    .append(arn.contains(":assumed-role/") ? "AssumedRole" : "IAMUser")
                    .append("\",\"arn\":\"")
                    .append(arn)
                    .append("\",\"accountId\":\"")
                    .append(account)
                    .append("\"},\"eventTime\":\"")
                    .append(T0.plusMillis((long) (minutes * MIN)))
                    .append("\",\"eventSource\":\"")
                    .append(source)
                    .append("\",\"eventName\":\"")
                    .append(name)
                    .append("\",\"awsRegion\":\"")
                    .append(region)
                    .append("\",\"eventID\":\"ev-")
                    .append(seq++)
                    .append("\",\"recipientAccountId\":\"")
                    .append(account)
                    .append("\"");
            for (String e : extra) {
                json.append(',').append(e);
            }
            json.append('}');
            try {
                Event ev = new Event(LogType.CLOUDTRAIL, (ObjectNode) JSON.readTree(json.toString()));
                matcher.match(ev, rule -> fired.addAll(correlator.onMatch(rule, ev)));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            return this;
        }

        Run enable(String region, double minutes, String arn, String... extra) {
            String[] all = new String[extra.length + 1];
            all[0] = "\"requestParameters\":{\"RegionName\":\"" + region + "\"}";
            System.arraycopy(extra, 0, all, 1, extra.length);
            return event("EnableRegion", "account.amazonaws.com", "us-east-1", minutes, arn, all);
        }

        Run watermark(double minutes) {
            fired.addAll(correlator.advanceWatermark(T0.toEpochMilli() + (long) (minutes * MIN)));
            return this;
        }

        Run end() {
            return watermark(100_000);
        }

        List<Fired> alerts(String correlation) {
            return fired.stream()
                    .filter(f -> f.correlationId().equals(correlation))
                    .toList();
        }
    }

    static final String MALLORY = "arn:aws:iam::123456789012:user/mallory";
    static final String ALICE = "arn:aws:iam::123456789012:user/alice";

    @Test
    void ruleFileLoadsWithItsTestsAndSignalOnlyBuildingBlocks() {
        assertThat(rules.correlations()).extracting(c -> c.id()).containsExactly(REGION_CORRELATION, KEY_CORRELATION);
        assertThat(rules.correlations()).allSatisfy(c -> {
            assertThat(c.level()).isEqualTo(Level.HIGH);
            assertThat(c.timespan()).hasMinutes(60);
            assertThat(c.title()).containsIgnoringCase("unused aws region");
        });
        assertThat(rules.rules()).allSatisfy(r -> assertThat(r.signalOnly()).isTrue());
        assertThat(rules.rules()).allSatisfy(r -> assertThat(r.tests()).isNotEmpty());
        RuleTestRunner.Report report = RuleTestRunner.run(rules, RuleTestRunner.loadExternal(List.of(), rules));
        assertThat(report.failed()).isZero();
        assertThat(report.passed())
                .isEqualTo(
                        rules.rules().stream().mapToInt(r -> r.tests().size()).sum());
    }

    @Test
    void sidecarCorrelationTestsCoverBothCorrelationsAndPass() {
        assertThat(rules.correlations()).allSatisfy(c -> assertThat(c.tests()).isNotEmpty());
        List<RuleTestRunner.TestResult> results = CorrelationTestRunner.run(rules);
        assertThat(results)
                .hasSize(13)
                .allSatisfy(r -> assertThat(r.status())
                        .as(r.testName() + ": " + r.reason())
                        .isEqualTo(RuleTestRunner.Status.PASSED));
        assertThat(results)
                .filteredOn(r -> !r.expected())
                .as("'no firing' cases")
                .hasSizeGreaterThan(5);
    }

    @Test
    void firesForEnableRegionThenRunInstancesInThatRegion() {
        Run run = new Run()
                .enable("ap-southeast-1", 0, MALLORY)
                .event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", 12, MALLORY);
        List<Fired> alerts = run.alerts(REGION_CORRELATION);
        assertThat(alerts).as("fires on arrival, before any watermark").hasSize(1);
        Fired f = alerts.get(0);
        assertThat(f.alert()).isTrue();
        assertThat(f.group())
                .containsEntry("account", "123456789012")
                .containsEntry("principal", MALLORY)
                .containsEntry("region", "ap-southeast-1");
        assertThat(f.evidence()).extracting(Evidence::eventName).containsExactly("EnableRegion", "RunInstances");
        assertThat(f.evidence().get(0).fields()).containsEntry("requestParameters.RegionName", "ap-southeast-1");
        assertThat(f.lastSeen() - f.firstSeen()).isEqualTo(12 * MIN);
        run.end();
        assertThat(run.correlator.openStates()).isZero();
        assertThat(run.correlator.pendingTimers()).isZero();
    }

    @Test
    void firesForEnableRegionThenCreateAccessKeyLoggedInUsEast1() {
        Run run = new Run()
                .enable("ap-southeast-1", 0, MALLORY)
                .event(
                        "CreateAccessKey",
                        "iam.amazonaws.com",
                        "us-east-1",
                        30,
                        MALLORY,
                        "\"requestParameters\":{\"userName\":\"backdoor\"}");
        assertThat(run.alerts(KEY_CORRELATION)).hasSize(1);
        assertThat(run.alerts(REGION_CORRELATION))
                .as("us-east-1 is not the enabled region")
                .isEmpty();
        run.end();
        assertThat(run.correlator.openStates()).isZero();
    }

    @Test
    void firesForOutOfOrderArrival() {
        Run run = new Run()
                .event("CreateDBInstance", "rds.amazonaws.com", "me-south-1", 40, MALLORY)
                .enable("me-south-1", 5, MALLORY);
        assertThat(run.alerts(REGION_CORRELATION)).hasSize(1);
    }

    @Test
    void firesForAnAssumedRoleSessionAndKeepsAccountsApart() {
        String role = "arn:aws:sts::123456789012:assumed-role/ops/mallory";
        String otherAccount = "arn:aws:iam::210987654321:user/mallory";
        Run run = new Run()
                .enable("ap-southeast-1", 0, role)
                .event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", 5, otherAccount)
                .event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", 6, role);
        assertThat(run.alerts(REGION_CORRELATION)).hasSize(1);
        assertThat(run.alerts(REGION_CORRELATION).get(0).group()).containsEntry("principal", role);
        Run second = new Run()
                .enable("ap-southeast-1", 0, otherAccount)
                .event("CreateAccessKey", "iam.amazonaws.com", "us-east-1", 5, MALLORY);
        assertThat(second.fired).as("same user name, different account").isEmpty();
    }

    @Test
    void quietForAnApprovedRegion() {
        Run run = new Run()
                .enable("eu-west-1", 0, MALLORY)
                .event("RunInstances", "ec2.amazonaws.com", "eu-west-1", 5, MALLORY)
                .event("CreateAccessKey", "iam.amazonaws.com", "us-east-1", 6, MALLORY)
                .end();
        assertThat(run.fired).isEmpty();
        assertThat(run.correlator.openStates()).isZero();
    }

    @Test
    void quietForAnotherPrincipalOrAnotherRegion() {
        Run run = new Run()
                .enable("ap-southeast-1", 0, MALLORY)
                .event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", 5, ALICE)
                .event("CreateAccessKey", "iam.amazonaws.com", "us-east-1", 6, ALICE)
                .event("RunInstances", "ec2.amazonaws.com", "ap-northeast-3", 7, MALLORY)
                .end();
        assertThat(run.fired).isEmpty();
        assertThat(run.correlator.openStates()).isZero();
    }

    @Test
    void quietOutsideTheWindowAndInReverseOrder() {
        Run late = new Run()
                .enable("ap-southeast-1", 0, MALLORY)
                .event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", 61, MALLORY)
                .event("CreateAccessKey", "iam.amazonaws.com", "us-east-1", 75, MALLORY)
                .end();
        assertThat(late.fired).isEmpty();
        Run reverse = new Run()
                .event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", 0, MALLORY)
                .event("CreateAccessKey", "iam.amazonaws.com", "us-east-1", 1, MALLORY)
                .enable("ap-southeast-1", 10, MALLORY)
                .end();
        assertThat(reverse.fired).isEmpty();
        assertThat(reverse.correlator.openStates()).isZero();
    }

    @Test
    void quietForFailedCalls() {
        Run run = new Run()
                .enable("ap-southeast-1", 0, MALLORY, "\"errorCode\":\"AccessDenied\"")
                .event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", 5, MALLORY)
                .enable("ap-southeast-2", 10, MALLORY)
                .event(
                        "RunInstances",
                        "ec2.amazonaws.com",
                        "ap-southeast-2",
                        15,
                        MALLORY,
                        "\"errorCode\":\"Client.VcpuLimitExceeded\"",
                        "\"errorMessage\":\"limit\"")
                .event("CreateAccessKey", "iam.amazonaws.com", "us-east-1", 75, MALLORY, "\"errorMessage\":\"denied\"")
                .end();
        assertThat(run.fired).isEmpty();
    }

    @Test
    void repeatedFollowUpsGiveOneCompositePerGroup() {
        Run run = new Run().enable("ap-southeast-1", 0, MALLORY);
        for (int i = 1; i <= 5; i++) {
            run.event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", i, MALLORY);
            run.event("CreateVolume", "ec2.amazonaws.com", "ap-southeast-1", i + 0.5, MALLORY);
        }
        run.watermark(30).end();
        assertThat(run.alerts(REGION_CORRELATION)).hasSize(1);
        assertThat(run.correlator.openStates()).isZero();
    }

    @Test
    void stateBytesPerOpenPartialMatch() {
        Run run = new Run()
                .enable(
                        "ap-southeast-1",
                        0,
                        "arn:aws:sts::123456789012:assumed-role/OrganizationAccountAccessRole/mallory-session",
                        "\"sourceIPAddress\":\"198.51.100.7\"",
                        "\"userAgent\":\"aws-cli/2.15.0 Python/3.11.6 Linux/6.5 exe/x86_64.ubuntu.22\"");
        assertThat(run.correlator.openStates())
                .as("one partial per correlation")
                .isEqualTo(2);
        long bytes = run.correlator.stateBytes();
        System.out.println("correlation state: " + bytes + " bytes for 2 open partial matches (" + bytes / 2
                + " bytes each: slot index, slot key and packed evidence; the group is the state key)");
        assertThat(bytes / 2).isBetween(100L, 256L);
        run.end();
        assertThat(run.correlator.stateBytes()).isZero();
    }

    @Test
    void matchesOfRulesNoCorrelationUsesAreIgnored() {
        Rule other = rules.rules().get(0).withSignalOnly(false);
        assertThat(engine.isInput("no-such-rule")).isFalse();
        assertThat(engine.consumersOf(other.id())).hasSize(2);
    }
}
