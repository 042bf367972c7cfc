package dev.tripline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Three versions of a small rule set for the live-update tests, as texts (file name to YAML): v1 is the flagship
 * file and one single-event rule; v2 retitles that rule, adds another and retimes the access-key correlation (a
 * semantic change) while the region correlation stays as it was; v3 is v2 with a broken file.
 */
public final class LiveRuleSets {
    public static final String FLAGSHIP_FILE = "aws/aws_unused_region_then_activity.yml";
    public static final String STOP_FILE = "aws/trail_stopped.yml";
    public static final String DELETE_FILE = "aws/trail_deleted.yml";
    public static final String BROKEN_FILE = "aws/broken.yml";
    public static final String STOP_RULE = "7f1d0c1e-0000-4000-8000-000000000001";
    public static final String DELETE_RULE = "7f1d0c1e-0000-4000-8000-000000000002";
    public static final String MALLORY = "arn:aws:iam::123456789012:user/mallory";

    private LiveRuleSets() {}

    public static String flagship() {
        try {
            return Files.readString(Path.of(Flagship.FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String single(String id, String title, String eventName) {
        return """
                title: %s
                id: %s
                status: test
                description: A live-update test rule.
                author: Tripline tests
                date: 2024-03-05
                logsource:
                    product: aws
                    service: cloudtrail
                detection:
                    selection:
                        eventSource: cloudtrail.amazonaws.com
                        eventName: %s
                    condition: selection
                level: high
                """.formatted(title, id, eventName);
    }

    public static Map<String, String> v1() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(FLAGSHIP_FILE, flagship());
        files.put(STOP_FILE, single(STOP_RULE, "Trail Stopped v1", "StopLogging"));
        return files;
    }

    public static Map<String, String> v2() {
        Map<String, String> files = new LinkedHashMap<>();
        String f = flagship();
        int last = f.lastIndexOf("timespan: 60m");
        files.put(FLAGSHIP_FILE, f.substring(0, last) + "timespan: 30m" + f.substring(last + "timespan: 60m".length()));
        files.put(STOP_FILE, single(STOP_RULE, "Trail Stopped v2", "StopLogging"));
        files.put(DELETE_FILE, single(DELETE_RULE, "Trail Deleted v2", "DeleteTrail"));
        return files;
    }

    /** v2 plus a file whose detection has no condition (line 4 holds the error's key). */
    public static Map<String, String> v3() {
        Map<String, String> files = new LinkedHashMap<>(v2());
        files.put(BROKEN_FILE, """
                title: Broken
                id: 7f1d0c1e-0000-4000-8000-000000000003
                logsource: {product: aws, service: cloudtrail}
                detection:
                    selection:
                        eventName: [unclosed
                """);
        return files;
    }

    /** One CloudTrail record by Mallory, as a JSON line. */
    public static String event(String source, String name, String region, Instant time, String id, String extra) {
        return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"" + MALLORY
                + "\",\"accountId\":\"123456789012\"},\"eventTime\":\"" + time + "\",\"eventSource\":\"" + source
                + "\",\"eventName\":\"" + name + "\",\"awsRegion\":\"" + region + "\",\"eventID\":\"" + id
                + "\",\"recipientAccountId\":\"123456789012\"" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    public static String enableRegion(String region, Instant time, String id) {
        return event(
                "account.amazonaws.com",
                "EnableRegion",
                "us-east-1",
                time,
                id,
                "\"requestParameters\":{\"RegionName\":\"" + region + "\"}");
    }

    public static String runInstances(String region, Instant time, String id) {
        return event("ec2.amazonaws.com", "RunInstances", region, time, id, "");
    }

    public static String createAccessKey(Instant time, String id) {
        return event("iam.amazonaws.com", "CreateAccessKey", "us-east-1", time, id, "");
    }

    public static String trail(String name, Instant time, String id) {
        return event("cloudtrail.amazonaws.com", name, "us-east-1", time, id, "");
    }
}
