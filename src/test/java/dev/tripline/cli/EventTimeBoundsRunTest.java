package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.testing.AlertLines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One record with a time nobody should believe, among forty good ones, changes nothing but the dead letters:
 * the same alerts, the same dedup (an access-key rule deduplicated over an hour) and the same threshold decision
 * (five bucket listings within a quarter of an hour), whether the time is decades ahead, in 1970, or a year ahead
 * of the rest of its file. Each bad record is a dead letter with its own reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventTimeBoundsRunTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant START = Instant.parse("2024-05-01T10:00:00Z");

    @TempDir
    static Path dir;

    Path rules;
    /** The run over the forty good records, which every other run is compared with. */
    Run clean;

    @BeforeAll
    void rulesAndCleanRun() throws Exception {
        rules = dir.resolve("rules");
        Files.createDirectories(rules);
        Files.writeString(rules.resolve("access_key.yml"), """
                AnalysisType: rule
                RuleID: "Test.AccessKeyCreated"
                DisplayName: "Access key created"
                Enabled: true
                LogTypes: [AWS.CloudTrail]
                Severity: Medium
                DedupPeriodMinutes: 60
                Detection:
                  - KeyPath: eventName
                    Condition: Equals
                    Value: CreateAccessKey
                """);
        Files.writeString(rules.resolve("bucket_listing.yml"), """
                AnalysisType: rule
                RuleID: "Test.BucketListingBurst"
                DisplayName: "Many bucket listings"
                Enabled: true
                LogTypes: [AWS.CloudTrail]
                Severity: Low
                DedupPeriodMinutes: 15
                Threshold: 5
                Detection:
                  - KeyPath: eventName
                    Condition: Equals
                    Value: ListBuckets
                """);
        clean = run("clean", clean());
    }

    /** A CloudTrail record of alice in account 111122223333. */
    static String record(String eventName, Instant time, int n) {
        ObjectNode r = JSON.createObjectNode();
        r.put("eventVersion", "1.08");
        ObjectNode id = r.putObject("userIdentity");
        id.put("type", "IAMUser");
        id.put("principalId", "AIDAEXAMPLEALICE");
        id.put("arn", "arn:aws:iam::111122223333:user/alice");
        id.put("accountId", "111122223333");
        id.put("userName", "alice");
        r.put("eventTime", time.toString());
        r.put("eventSource", eventName.equals("ListBuckets") ? "s3.amazonaws.com" : "iam.amazonaws.com");
        r.put("eventName", eventName);
        r.put("awsRegion", "us-east-1");
        r.put("sourceIPAddress", "198.51.100.7");
        r.put("userAgent", "aws-cli/2.15.0");
        r.put("eventID", "00000000-0000-0000-0000-" + String.format("%012d", n));
        r.put("eventType", "AwsApiCall");
        r.put("recipientAccountId", "111122223333");
        return r.toString();
    }

    /**
     * Forty records over three hours: an access key created every ten minutes (dedup keeps one alert an hour),
     * a burst of six bucket listings at 11:00 (the threshold fires) and fourteen more, one every ten minutes
     * (never five in a quarter of an hour).
     */
    static List<String> clean() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            lines.add(record("CreateAccessKey", START.plusSeconds(600L * i), i));
        }
        for (int i = 0; i < 6; i++) {
            lines.add(record("ListBuckets", START.plusSeconds(3600 + 60L * i), 100 + i));
        }
        for (int i = 0; i < 14; i++) {
            lines.add(record("ListBuckets", START.plusSeconds(4 * 3600 + 600L * i), 200 + i));
        }
        lines.sort((a, b) -> time(a).compareTo(time(b)));
        return lines;
    }

    static String time(String line) {
        try {
            return JSON.readTree(line).path("eventTime").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    record Run(List<String> alerts, List<String> deadLetters, String err) {}

    Run run(String name, List<String> lines) throws Exception {
        Path logs = dir.resolve(name);
        Files.createDirectories(logs);
        Files.write(logs.resolve("events.jsonl"), lines, StandardCharsets.UTF_8);
        Path alerts = dir.resolve(name + "-alerts.jsonl");
        Path dead = dir.resolve(name + "-dead.jsonl");
        HuntCommandTest.Result r = HuntCommandTest.main(
                "run",
                "--rules",
                rules.toString(),
                "--parallelism",
                "1",
                "-o",
                alerts.toString(),
                "--dead-letters",
                dead.toString(),
                logs.toString());
        assertThat(r.code()).as(r.err()).isZero();
        return new Run(
                AlertLines.lastOfEachAlert(Files.readAllLines(alerts)),
                Files.exists(dead) ? Files.readAllLines(dead) : List.of(),
                r.err());
    }

    /** The clean records with {@code extra} third in the file, so that every later record comes after it. */
    static List<String> withThird(String extra) {
        List<String> lines = new ArrayList<>(clean());
        lines.add(2, extra);
        return lines;
    }

    @Test
    void cleanRunFiresTheDedupAndThresholdRules() {
        assertThat(clean.deadLetters()).isEmpty();
        assertThat(clean.alerts())
                .filteredOn(a -> a.contains("Test.AccessKeyCreated"))
                .hasSizeBetween(3, 4);
        assertThat(clean.alerts())
                .filteredOn(a -> a.contains("Test.BucketListingBurst"))
                .hasSize(1);
    }

    @Test
    void aRecordDecadesAheadIsADeadLetterAndChangesNoAlert() throws Exception {
        Run bad = run("future", withThird(record("CreateAccessKey", Instant.parse("2090-01-01T00:00:00Z"), 900)));
        assertThat(bad.alerts()).isEqualTo(clean.alerts());
        assertThat(bad.deadLetters())
                .singleElement()
                .satisfies(d -> assertThat(d).contains("EVENT_TIME_OUT_OF_BOUNDS", "2090-01-01T00:00:00Z"));
    }

    @Test
    void aRecordFrom1970IsADeadLetterAndChangesNoAlert() throws Exception {
        Run bad = run("epoch", withThird(record("CreateAccessKey", Instant.EPOCH, 901)));
        assertThat(bad.alerts()).isEqualTo(clean.alerts());
        assertThat(bad.deadLetters())
                .singleElement()
                .satisfies(d -> assertThat(d).contains("EVENT_TIME_OUT_OF_BOUNDS", "1970-01-01T00:00:00Z"));
    }

    @Test
    void aRecordAYearAheadOfItsFileIsAnOutlierAndChangesNoAlert() throws Exception {
        // Within the archive bounds (in the past, less than ten years old), but far ahead of its neighbours.
        Run bad = run("outlier", withThird(record("CreateAccessKey", START.plusSeconds(366L * 86400), 902)));
        assertThat(bad.alerts()).isEqualTo(clean.alerts());
        assertThat(bad.deadLetters())
                .singleElement()
                .satisfies(d -> assertThat(d).contains("EVENT_TIME_OUTLIER"));
    }
}
