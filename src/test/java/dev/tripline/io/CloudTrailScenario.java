package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.job.TriplineConfig;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.testing.Flagship;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** CloudTrail records for the connector tests: the flagship sequence (enable a region, then use it) per user. */
public final class CloudTrailScenario {
    /** The flagship composite: a newly enabled, unapproved region used soon after. */
    public static final String REGION_PLAN = Flagship.REGION_PLAN;

    public static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    public static final String ACCOUNT = "111111111111";

    private CloudTrailScenario() {}

    public static String event(
            String id, String name, String source, String region, int minutes, String user, String extra) {
        return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"" + arn(user)
                + "\",\"accountId\":\"" + ACCOUNT + "\"},\"eventTime\":\"" + T0.plusSeconds(minutes * 60L)
                + "\",\"eventSource\":\"" + source + "\",\"eventName\":\"" + name + "\",\"awsRegion\":\"" + region
                + "\",\"eventID\":\"" + id + "\",\"recipientAccountId\":\"" + ACCOUNT + "\""
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    public static String arn(String user) {
        return "arn:aws:iam::" + ACCOUNT + ":user/" + user;
    }

    public static String enable(String id, String region, int minutes, String user) {
        return event(
                id,
                "EnableRegion",
                "account.amazonaws.com",
                "us-east-1",
                minutes,
                user,
                "\"requestParameters\":{\"RegionName\":\"" + region + "\"}");
    }

    public static String run(String id, String region, int minutes, String user) {
        return event(id, "RunInstances", "ec2.amazonaws.com", region, minutes, user, "");
    }

    public static String describe(String id, int minutes, String user) {
        return event(id, "DescribeInstances", "ec2.amazonaws.com", "eu-west-1", minutes, user, "");
    }

    public static RuleSet rules() {
        RuleLoader.Result loaded =
                RuleLoader.standard(TriplineConfig.defaults().ruleLoadOptions()).load(List.of(Path.of("rules")));
        assertThat(loaded.errors()).isEmpty();
        return loaded.ruleSet();
    }
}
