package dev.tripline.rule.sigma;

import static dev.tripline.rule.sigma.SigmaTesting.matches;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.LogType;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The public SigmaHQ rules for AWS CloudTrail and Azure Activity, loaded through {@link RuleLoader}. */
class SigmaCorpusTest {
    static final Path SHARED = dev.tripline.testing.SharedData.root();
    static final Path AWS = SHARED.resolve("corpus/sigmahq-aws");
    static final Map<String, List<String>> PLACEHOLDERS = Map.of(
            "Legitimate_Countries", List.of("US", "DE"),
            "Legitimate_IP_Ranges", List.of("203.0.113.*", "198.51.100.7"));

    private static RuleLoader.Result aws;

    static RuleLoader loader(Map<String, List<String>> placeholders) {
        return new RuleLoader(RuleLoadOptions.defaults().withPlaceholders(placeholders), List.of(new SigmaLoader()));
    }

    @BeforeAll
    static void loadAws() {
        aws = loader(PLACEHOLDERS).load(List.of(AWS.resolve("rules"), AWS.resolve("rules-placeholder")));
    }

    @Test
    void all58ActiveAwsRulesLoadWithoutErrors() {
        assertThat(aws.errors()).isEmpty();
        assertThat(aws.ruleSet().rules()).hasSize(58);
        assertThat(aws.ruleSet().rules()).allSatisfy(r -> {
            assertThat(r.logTypes()).containsExactly(LogType.CLOUDTRAIL);
            assertThat(r.enabled()).isTrue();
            assertThat(r.authors()).isNotEmpty();
        });
        assertThat(aws.warnings()).isEmpty();
    }

    @Test
    void placeholderRuleNeedsItsValues() {
        RuleLoader.Result r = loader(Map.of()).load(List.of(AWS.resolve("rules-placeholder")));
        assertThat(r.errors())
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.message()).contains("unresolved placeholder"));
        assertThat(r.errors()).extracting(e -> e.location().line()).containsExactly(25, 27);
    }

    static Stream<Path> unsupported() throws IOException {
        return Files.list(AWS.resolve("unsupported/cloud"))
                .filter(p -> p.toString().endsWith(".yml"))
                .sorted();
    }

    @Test
    void thereAreEightUnsupportedRules() throws IOException {
        assertThat(unsupported().count()).isEqualTo(8);
    }

    @ParameterizedTest
    @MethodSource("unsupported")
    void legacyRulesAreRejectedNamingTheOldSyntax(Path file) {
        RuleLoader.Result r = loader(Map.of()).load(List.of(file));
        assertThat(r.ruleSet().rules()).isEmpty();
        assertThat(r.errors()).isNotEmpty().allSatisfy(e -> {
            assertThat(e.message()).containsAnyOf("legacy aggregation", "legacy 'near'", "legacy 'timeframe'");
            assertThat(e.message()).contains("correlation");
            assertThat(e.location().file()).isEqualTo(file.toString());
        });
    }

    @Test
    void all35AzureActivityRulesLoad() {
        RuleLoader.Result r = loader(Map.of()).load(List.of(SHARED.resolve("corpus/sigmahq-azure-activity/rules")));
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().rules())
                .hasSize(35)
                .allSatisfy(rule -> assertThat(rule.logTypes()).containsExactly(LogType.AZURE_ACTIVITY));
        Rule keywords = byFile(r, "azure_granting_permission_detection.yml");
        assertThat(matches(
                        keywords,
                        LogType.AZURE_ACTIVITY,
                        "{\"operationName\":{\"value\":" + "\"Microsoft.Authorization/roleAssignments/write\"}}"))
                .isTrue();
        assertThat(matches(
                        keywords,
                        LogType.AZURE_ACTIVITY,
                        "{\"operationName\":{\"value\":" + "\"Microsoft.Compute/virtualMachines/write\"}}"))
                .isFalse();
        assertThat(matches(
                        keywords,
                        LogType.CLOUDTRAIL,
                        "{\"operationName\":{\"value\":" + "\"Microsoft.Authorization/roleAssignments/write\"}}"))
                .as("other log type")
                .isFalse();
    }

    static Rule byFile(RuleLoader.Result r, String fileName) {
        return r.ruleSet().rules().stream()
                .filter(x -> x.location().file().endsWith("/" + fileName))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no rule from " + fileName));
    }

    private static Rule aws(String fileName) {
        return byFile(aws, fileName);
    }

    // ---- hand-written CloudTrail events ----

    @Test
    void guardDutyDetectorDisabled() {
        Rule r = aws("aws_cloudtrail_guardduty_detector_deleted_or_updated.yml");
        String update = "{\"eventSource\":\"guardduty.amazonaws.com\",\"eventName\":\"UpdateDetector\","
                + "\"requestParameters\":{\"detectorId\":\"abc\",\"enable\":false}";
        assertThat(matches(r, update + "}"))
                .as("JSON boolean false equals 'false'; absent errorCode")
                .isTrue();
        assertThat(matches(r, update + ",\"errorCode\":\"AccessDenied\"}")).isFalse();
        assertThat(matches(
                        r,
                        "{\"eventSource\":\"guardduty.amazonaws.com\",\"eventName\":\"UpdateDetector\","
                                + "\"requestParameters\":{\"enable\":true}}"))
                .isFalse();
        assertThat(matches(r, "{\"eventSource\":\"guardduty.amazonaws.com\",\"eventName\":\"DeleteDetector\"}"))
                .isTrue();
    }

    @Test
    void bucketVersioningSuspendedMatchesInsideTheObject() {
        Rule r = aws("aws_disable_bucket_versioning.yml");
        String base = "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutBucketVersioning\","
                + "\"requestParameters\":{\"bucketName\":\"b\",\"VersioningConfiguration\":{\"Status\":\"%s\"}}}";
        assertThat(matches(r, base.formatted("Suspended"))).isTrue();
        assertThat(matches(r, base.formatted("Enabled"))).isFalse();
    }

    @Test
    void rootAccountUsage() {
        Rule r = aws("aws_root_account_usage.yml");
        assertThat(matches(r, "{\"userIdentity\":{\"type\":\"Root\"},\"eventType\":\"AwsApiCall\"}"))
                .isTrue();
        assertThat(matches(r, "{\"userIdentity\":{\"type\":\"Root\"},\"eventType\":\"AwsServiceEvent\"}"))
                .isFalse();
        assertThat(matches(r, "{\"userIdentity\":{\"type\":\"IAMUser\"},\"eventType\":\"AwsApiCall\"}"))
                .isFalse();
    }

    @Test
    void lambdaLayerAttachedFansOutOverTheLayerArray() {
        Rule r = aws("aws_new_lambda_layer_attached.yml");
        assertThat(matches(
                        r,
                        "{\"eventSource\":\"lambda.amazonaws.com\",\"eventName\":"
                                + "\"UpdateFunctionConfiguration20150331v2\",\"requestParameters\":{\"layers\":"
                                + "[\"arn:aws:lambda:us-east-1:1:layer:x:1\"]}}"))
                .isTrue();
        assertThat(
                        matches(
                                r,
                                "{\"eventSource\":\"lambda.amazonaws.com\",\"eventName\":"
                                        + "\"UpdateFunctionConfiguration20150331v2\",\"requestParameters\":{\"functionName\":\"f\"}}"))
                .isFalse();
    }

    @Test
    void imdsMaliciousUsageRegexAndFilter() {
        Rule r = aws("aws_cloudtrail_imds_malicious_usage.yml");
        String arn = "\"userIdentity\":{\"arn\":\"arn:aws:sts::1:assumed-role/aws:ec2-instance/i-0abc\"}";
        assertThat(matches(
                        r,
                        "{" + arn + ",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"ListBuckets\","
                                + "\"sourceIPAddress\":\"198.51.100.1\"}"))
                .isTrue();
        assertThat(matches(r, "{" + arn + ",\"eventSource\":\"ssm.amazonaws.com\",\"eventName\":\"ListBuckets\"}"))
                .as("filtered by eventSource")
                .isFalse();
        assertThat(matches(r, "{\"userIdentity\":{\"arn\":\"arn:aws:iam::1:user/bob\"},\"eventName\":\"ListBuckets\"}"))
                .isFalse();
    }

    @Test
    void updateLoginProfileFieldref() {
        Rule r = aws("aws_update_login_profile.yml");
        assertThat(
                        matches(
                                r,
                                "{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"UpdateLoginProfile\","
                                        + "\"userIdentity\":{\"arn\":\"arn:aws:iam::1:user/admin\"},\"requestParameters\":{\"userName\":\"bob\"}}"))
                .isTrue();
        // Equality with a full ARN never holds on raw CloudTrail (research note §3.6), so only an equal value filters.
        assertThat(matches(
                        r,
                        "{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"UpdateLoginProfile\","
                                + "\"userIdentity\":{\"arn\":\"bob\"},\"requestParameters\":{\"userName\":\"bob\"}}"))
                .isFalse();
    }

    @Test
    void consoleLoginFromUnexpectedPlaceUsesPlaceholders() {
        Rule r = aws("aws_cloudtrail_console_login_success_from_susp_locations.yml");
        String login = "\"eventName\":\"ConsoleLogin\",\"responseElements\":{\"ConsoleLogin\":\"Success\"}";
        assertThat(matches(r, "{" + login + ",\"src_country\":\"FR\",\"src_ip\":\"192.0.2.1\"}"))
                .isTrue();
        assertThat(matches(r, "{" + login + ",\"src_country\":\"US\",\"src_ip\":\"192.0.2.1\"}"))
                .isFalse();
        assertThat(matches(r, "{" + login + ",\"src_country\":\"FR\",\"src_ip\":\"203.0.113.9\"}"))
                .isFalse();
        assertThat(matches(r, "{" + login + ",\"src_country\":\"FR\",\"src_ip\":\"198.51.100.7\"}"))
                .isFalse();
    }

    @Test
    void consoleLoginWithoutMfa() {
        Rule r = aws("aws_cloudtrail_console_login_success_without_mfa.yml");
        assertThat(matches(
                        r,
                        "{\"eventName\":\"ConsoleLogin\",\"additionalEventData\":{\"MFAUsed\":\"No\"},"
                                + "\"responseElements\":{\"ConsoleLogin\":\"Success\"}}"))
                .isTrue();
        assertThat(matches(
                        r,
                        "{\"eventName\":\"ConsoleLogin\",\"additionalEventData\":{\"MFAUsed\":\"Yes\"},"
                                + "\"responseElements\":{\"ConsoleLogin\":\"Success\"}}"))
                .isFalse();
    }
}
