package dev.tripline.rule.elastic;

import static dev.tripline.rule.elastic.ElasticRules.cloudTrail;
import static dev.tripline.rule.elastic.ElasticRules.fires;
import static dev.tripline.rule.elastic.ElasticRules.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.Rule;
import org.junit.jupiter.api.Test;

/**
 * KQL and EQL constructs on real CloudTrail shapes, each with an event that must match and one that must not;
 * every check also compares the reference evaluator with the compiled matcher.
 */
class ElasticQueryTest {
    static final String STOP_LOGGING = cloudTrail(
            "cloudtrail.amazonaws.com",
            "StopLogging",
            "\"requestParameters\": {\"name\": \"arn:aws:cloudtrail:us-east-1:123456789012:trail/management\"}");
    static final String DELETE_TRAIL =
            cloudTrail("cloudtrail.amazonaws.com", "DeleteTrail", "\"requestParameters\": {\"name\": \"management\"}");
    static final String FAILED_STOP = cloudTrail(
            "cloudtrail.amazonaws.com",
            "StopLogging",
            "\"errorCode\": \"AccessDenied\", \"errorMessage\": \"not authorized\"");
    static final String GET_OBJECT = cloudTrail(
            "s3.amazonaws.com",
            "GetObject",
            "\"requestParameters\": {\"bucketName\": \"ops\", \"key\": \"home/bob/.aws/credentials\"}, \"resources\": [{\"type\": \"AWS::S3::Object\", \"ARN\": \"arn:aws:s3:::ops/home/bob/.aws/credentials\"}, {\"accountId\": \"123456789012\", \"type\": \"AWS::S3::Bucket\", \"ARN\": \"arn:aws:s3:::ops\"}]");
    static final String SERVICE_GET_OBJECT = GET_OBJECT.replace("\"type\": \"IAMUser\"", "\"type\": \"AWSService\"");

    // ---- KQL ----

    @Test
    void kqlFieldValueAndOrNot() {
        Rule r = single(
                "kuery",
                "data_stream.dataset: \"aws.cloudtrail\" and event.provider: cloudtrail.amazonaws.com "
                        + "and event.action: (StopLogging or DeleteTrail) and not event.outcome: failure");
        assertThat(fires(r, STOP_LOGGING)).isTrue();
        assertThat(fires(r, DELETE_TRAIL)).isTrue();
        assertThat(fires(r, FAILED_STOP)).isFalse();
        assertThat(fires(r, GET_OBJECT)).isFalse();
    }

    @Test
    void kqlValuesAreCaseSensitive() {
        Rule r = single("kuery", "event.action: stoplogging");
        assertThat(fires(r, STOP_LOGGING)).isFalse();
        assertThat(fires(single("kuery", "event.action: StopLogging"), STOP_LOGGING))
                .isTrue();
    }

    @Test
    void kqlWildcardsOnlyUnquoted() {
        Rule wild = single("kuery", "aws.cloudtrail.flattened.request_parameters.key: (*/.aws/credentials or *.pem)");
        assertThat(fires(wild, GET_OBJECT)).isTrue();
        assertThat(fires(wild, STOP_LOGGING)).isFalse();
        Rule quoted = single("kuery", "aws.cloudtrail.flattened.request_parameters.key: \"*/.aws/credentials\"");
        assertThat(fires(quoted, GET_OBJECT)).isFalse();
        Rule escaped = single("kuery", "event.action: Stop\\*");
        assertThat(fires(escaped, STOP_LOGGING)).isFalse();
    }

    @Test
    void kqlExistsAndMissingFields() {
        Rule exists = single("kuery", "aws.cloudtrail.error_code: *");
        assertThat(fires(exists, FAILED_STOP)).isTrue();
        assertThat(fires(exists, STOP_LOGGING)).isFalse();
        // not on a missing field holds, as in Elasticsearch
        Rule notError = single("kuery", "not aws.cloudtrail.error_code: AccessDenied");
        assertThat(fires(notError, STOP_LOGGING)).isTrue();
        assertThat(fires(notError, FAILED_STOP)).isFalse();
    }

    @Test
    void kqlValueListWithNotInside() {
        Rule r = single("kuery", "event.action: (* and not GetObject)");
        assertThat(fires(r, STOP_LOGGING)).isTrue();
        assertThat(fires(r, GET_OBJECT)).isFalse();
    }

    @Test
    void kqlNestedFieldGroupTestsOneElement() {
        Rule r =
                single("kuery", "aws.cloudtrail.resources: { type: \"AWS::S3::Bucket\" and account_id: 123456789012 }");
        assertThat(fires(r, GET_OBJECT)).isTrue();
        Rule mixed =
                single("kuery", "aws.cloudtrail.resources: { type: \"AWS::S3::Object\" and account_id: 123456789012 }");
        assertThat(fires(mixed, GET_OBJECT)).isFalse();
    }

    @Test
    void kqlRanges() {
        String big = cloudTrail("ec2.amazonaws.com", "RunInstances", "\"requestParameters\": {\"maxCount\": 8}");
        assertThat(fires(single("kuery", "aws.cloudtrail.flattened.request_parameters.maxCount >= 8"), big))
                .isTrue();
        assertThat(fires(single("kuery", "aws.cloudtrail.flattened.request_parameters.maxCount > 8"), big))
                .isFalse();
        assertThat(fires(single("kuery", "aws.cloudtrail.flattened.request_parameters.maxCount < 10"), big))
                .isTrue();
    }

    @Test
    void kqlBareValueSearchesEveryField() {
        Rule r = single("kuery", "\"AccessDenied\"");
        assertThat(fires(r, FAILED_STOP)).isTrue();
        assertThat(fires(r, STOP_LOGGING)).isFalse();
    }

    // ---- EQL ----

    @Test
    void eqlEqualityIsCaseSensitiveAndColonIsNot() {
        assertThat(fires(single("eql", "any where event.action == \"stoplogging\""), STOP_LOGGING))
                .isFalse();
        assertThat(fires(single("eql", "any where event.action : \"stoplogging\""), STOP_LOGGING))
                .isTrue();
        assertThat(fires(single("eql", "any where event.action : (\"delete*\", \"stop?ogging\")"), STOP_LOGGING))
                .isTrue();
    }

    @Test
    void eqlInAndInTilde() {
        assertThat(fires(single("eql", "any where event.action in (\"StopLogging\", \"DeleteTrail\")"), DELETE_TRAIL))
                .isTrue();
        assertThat(fires(single("eql", "any where event.action in (\"deletetrail\")"), DELETE_TRAIL))
                .isFalse();
        assertThat(fires(single("eql", "any where event.action in~ (\"deletetrail\")"), DELETE_TRAIL))
                .isTrue();
        assertThat(fires(single("eql", "any where event.action not in (\"DeleteTrail\")"), DELETE_TRAIL))
                .isFalse();
        assertThat(fires(single("eql", "any where not event.action in (\"DeleteTrail\")"), STOP_LOGGING))
                .isTrue();
    }

    @Test
    void eqlLikeAndRegex() {
        assertThat(fires(
                        single("eql", "any where aws.cloudtrail.user_identity.access_key_id like \"AKIA*\""),
                        STOP_LOGGING))
                .isTrue();
        assertThat(fires(
                        single("eql", "any where aws.cloudtrail.user_identity.access_key_id like \"akia*\""),
                        STOP_LOGGING))
                .isFalse();
        assertThat(fires(
                        single("eql", "any where aws.cloudtrail.user_identity.access_key_id like~ \"akia*\""),
                        STOP_LOGGING))
                .isTrue();
        // regex matches the whole value
        assertThat(fires(single("eql", "any where event.action regex \"Stop\""), STOP_LOGGING))
                .isFalse();
        assertThat(fires(single("eql", "any where event.action regex \"Stop.*\""), STOP_LOGGING))
                .isTrue();
        assertThat(fires(single("eql", "any where event.action regex~ \"stop[a-z]+\""), STOP_LOGGING))
                .isTrue();
    }

    @Test
    void eqlStringFunctions() {
        assertThat(fires(
                        single(
                                "eql",
                                "any where stringContains(aws.cloudtrail.request_parameters, \"trail/management\")"),
                        STOP_LOGGING))
                .isTrue();
        assertThat(fires(single("eql", "any where stringContains(event.action, \"logging\")"), STOP_LOGGING))
                .isFalse();
        assertThat(fires(single("eql", "any where stringContains~(event.action, \"logging\")"), STOP_LOGGING))
                .isTrue();
        assertThat(fires(single("eql", "any where startsWith(event.action, \"Stop\")"), STOP_LOGGING))
                .isTrue();
        assertThat(fires(single("eql", "any where endsWith(event.action, \"Stop\")"), STOP_LOGGING))
                .isFalse();
        // a field inside another field
        assertThat(fires(
                        single("eql", "any where stringContains(aws.cloudtrail.user_identity.arn, cloud.account.id)"),
                        STOP_LOGGING))
                .isTrue();
        assertThat(fires(single("eql", "any where stringContains(event.action, cloud.account.id)"), STOP_LOGGING))
                .isFalse();
    }

    @Test
    void eqlCidrMatchAndLength() {
        assertThat(fires(
                        single("eql", "any where cidrMatch(source.ip, \"10.0.0.0/8\", \"198.51.100.0/24\")"),
                        STOP_LOGGING))
                .isTrue();
        assertThat(fires(single("eql", "any where cidrMatch(source.ip, \"10.0.0.0/8\")"), STOP_LOGGING))
                .isFalse();
        assertThat(fires(single("eql", "any where length(event.action) == 11"), STOP_LOGGING))
                .isTrue();
        assertThat(fires(single("eql", "any where length(event.action) > 11"), STOP_LOGGING))
                .isFalse();
        assertThat(fires(single("eql", "any where length(event.action) < 12"), STOP_LOGGING))
                .isTrue();
    }

    @Test
    void eqlNullChecksAndInequality() {
        assertThat(fires(single("eql", "any where aws.cloudtrail.error_code == null"), STOP_LOGGING))
                .isTrue();
        assertThat(fires(single("eql", "any where aws.cloudtrail.error_code != null"), STOP_LOGGING))
                .isFalse();
        assertThat(fires(single("eql", "any where aws.cloudtrail.error_code != null"), FAILED_STOP))
                .isTrue();
        assertThat(fires(single("eql", "any where aws.cloudtrail.user_identity.type != \"AWSService\""), GET_OBJECT))
                .isTrue();
        assertThat(fires(
                        single("eql", "any where aws.cloudtrail.user_identity.type != \"AWSService\""),
                        SERVICE_GET_OBJECT))
                .isFalse();
    }

    @Test
    void eqlNotAndOrPrecedence() {
        // not binds tighter than and, and tighter than or
        Rule r = single(
                "eql",
                "any where not event.action == \"GetObject\" and event.provider == \"cloudtrail.amazonaws.com\" "
                        + "or event.action == \"GetObject\" and aws.cloudtrail.user_identity.type == \"AWSService\"");
        assertThat(fires(r, STOP_LOGGING)).isTrue();
        assertThat(fires(r, GET_OBJECT)).isFalse();
        assertThat(fires(r, SERVICE_GET_OBJECT)).isTrue();
    }

    @Test
    void eqlCategoryTestsEventCategory() {
        String login = cloudTrail(
                "signin.amazonaws.com", "ConsoleLogin", "\"responseElements\": {\"ConsoleLogin\": \"Success\"}");
        Rule r = single("eql", "authentication where event.outcome == \"success\"");
        assertThat(fires(r, login)).isTrue();
        assertThat(fires(r, STOP_LOGGING)).isFalse();
    }

    @Test
    void eqlNumbersAndBackquotedFields() {
        String big = cloudTrail(
                "ec2.amazonaws.com",
                "RunInstances",
                "\"requestParameters\": {\"maxCount\": 8, \"tags\": [\"a\", \"b\"]}");
        assertThat(fires(single("eql", "any where aws.cloudtrail.flattened.request_parameters.maxCount >= 8"), big))
                .isTrue();
        assertThat(fires(single("eql", "any where 8 < aws.cloudtrail.flattened.request_parameters.maxCount"), big))
                .isFalse();
        assertThat(fires(single("eql", "any where aws.cloudtrail.flattened.request_parameters.maxCount == 8"), big))
                .isTrue();
        assertThat(fires(single("eql", "any where aws.cloudtrail.flattened.request_parameters.tags.`1` == \"b\""), big))
                .isTrue();
    }
}
