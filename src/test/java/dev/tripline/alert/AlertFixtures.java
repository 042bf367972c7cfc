package dev.tripline.alert;

import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.ParseResult;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.Corpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The project's real rules and CloudTrail records written for these tests, parsed by the real parser. */
final class AlertFixtures {
    static final String PANTHER_ENABLE_REGION = "AWS.CloudTrail.EnableRegion";
    static final String SIGMA_ENABLE_REGION = "d511abe4-e9cb-42e5-a68c-1b0a6f84e451";
    static final String SIGNAL_ONLY = "Role.Assumed.by.User";

    private static final Map<String, Rule> RULES = load();

    private AlertFixtures() {}

    private static Map<String, Rule> load() {
        RuleLoader loader = Corpus.defaultLoader();
        RuleLoader.Result result = loader.load(List.of(Path.of("rules")));
        if (!result.errors().isEmpty()) {
            throw new IllegalStateException("rules/ does not load: " + result.errors());
        }
        return Map.of(
                PANTHER_ENABLE_REGION,
                        result.ruleSet().rule(PANTHER_ENABLE_REGION).orElseThrow(),
                SIGMA_ENABLE_REGION, result.ruleSet().rule(SIGMA_ENABLE_REGION).orElseThrow(),
                SIGNAL_ONLY, result.ruleSet().rule(SIGNAL_ONLY).orElseThrow());
    }

    static Rule rule(String id) {
        return RULES.get(id);
    }

    /** An EnableRegion call by IAM user {@code user} of account 123456789012 at {@code time}. */
    static Event enableRegion(String eventId, String time, String user, String region) {
        return parse("""
                {"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE",
                 "arn":"arn:aws:iam::123456789012:user/%s","accountId":"123456789012","userName":"%s"},
                 "eventTime":"%s","eventSource":"account.amazonaws.com","eventName":"EnableRegion",
                 "awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0",
                 "requestParameters":{"RegionName":"%s"},"responseElements":null,
                 "requestID":"req-1","eventID":"%s","readOnly":false,"eventType":"AwsApiCall",
                 "managementEvent":true,"recipientAccountId":"123456789012"}
                """.formatted(user, user, time, region, eventId));
    }

    static Event parse(String json) {
        ParseResult r = new EventParser().parse(json.replace("\n", "").getBytes(StandardCharsets.UTF_8));
        if (!r.ok() || r.events().size() != 1) {
            throw new IllegalArgumentException("test record does not parse: " + r.failures());
        }
        return r.events().get(0);
    }
}
