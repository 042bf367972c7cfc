package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rules test} and {@code rules explain} on correlations. */
class CorrelationRulesCommandTest {
    private static final Path FLAGSHIP = Path.of("rules/aws/cloudtrail/aws_unused_region_then_activity.yml");
    private static final String ENABLE = "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\","
            + "\"arn\":\"arn:aws:iam::123456789012:user/mallory\",\"accountId\":\"123456789012\"},"
            + "\"eventTime\":\"2024-03-05T10:00:00Z\",\"eventSource\":\"account.amazonaws.com\","
            + "\"eventName\":\"EnableRegion\",\"awsRegion\":\"us-east-1\",\"eventID\":\"ev-enable\","
            + "\"recipientAccountId\":\"123456789012\",\"requestParameters\":{\"RegionName\":\"ap-southeast-1\"}}";
    private static final String RUN = "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\","
            + "\"arn\":\"arn:aws:iam::123456789012:user/mallory\",\"accountId\":\"123456789012\"},"
            + "\"eventTime\":\"%s\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\","
            + "\"awsRegion\":\"ap-southeast-1\",\"eventID\":\"%s\",\"recipientAccountId\":\"123456789012\"}";

    private record Result(int exit, String out) {}

    private static Result run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(bytes, true));
        cli.setErr(new PrintWriter(new ByteArrayOutputStream(), true));
        int exit = cli.execute(args);
        return new Result(exit, bytes.toString(StandardCharsets.UTF_8));
    }

    /** The flagship rule file with the given sidecar, in a directory of its own. */
    private static Path flagshipWith(Path dir, String sidecar) throws Exception {
        Files.copy(FLAGSHIP, dir.resolve("flagship.yml"));
        Files.writeString(dir.resolve("flagship.tests.yml"), sidecar);
        return dir;
    }

    @Test
    void correlationTestsAreCountedAndAFailingOneExitsNonZeroWithTheReason(@TempDir Path tmp) throws Exception {
        String test = "tests:\n  - name: region then instance\n    rule: aws_unused_region_enabled_then_resources\n"
                + "    events:\n      - " + ENABLE + "\n      - " + RUN.formatted("2024-03-05T10:12:00Z", "ev-run")
                + "\n    fires:\n      - group: {region: ap-southeast-1}\n        count: %d\n";
        Path good = flagshipWith(Files.createDirectory(tmp.resolve("good")), test.formatted(2));
        Result ok = run("rules", "test", good.toString());
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("1 passed, 0 failed").contains("1 correlations with tests of 2 loaded");

        Path bad = flagshipWith(Files.createDirectory(tmp.resolve("bad")), test.formatted(3));
        Path xml = tmp.resolve("junit.xml");
        Result failed = run("rules", "test", bad.toString(), "--junit-xml", xml.toString());
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.out())
                .contains("FAIL ")
                .contains("region then instance")
                .contains("with count 3, not seen")
                .contains("(count 2, value 2,");
        assertThat(Files.readString(xml))
                .contains("name=\"region then instance\"")
                .contains("<failure");
    }

    @Test
    void explainShowsSignalsFiringsAndWhyAGroupDidNot(@TempDir Path tmp) throws Exception {
        Path events = tmp.resolve("e.jsonl");
        Files.writeString(
                events,
                RUN.formatted("2024-03-05T09:50:00Z", "ev-before") + "\n" + ENABLE + "\n"
                        + RUN.formatted("2024-03-05T11:30:00Z", "ev-too-late") + "\n");
        Result quiet =
                run("rules", "explain", "aws_unused_region_enabled_then_resources", "--events", events.toString());
        assertThat(quiet.exit()).isEqualTo(1);
        assertThat(quiet.out())
                .contains("event ev-before")
                .contains("event ev-enable")
                .contains("NOT FIRED")
                .contains("windows considered")
                .contains("not in the order")
                .contains("missing step 5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a02");

        Files.writeString(events, ENABLE + "\n" + RUN.formatted("2024-03-05T10:12:00Z", "ev-run") + "\n");
        Result fired =
                run("rules", "explain", "aws_unused_region_enabled_then_resources", "--events", events.toString());
        assertThat(fired.exit()).isZero();
        assertThat(fired.out())
                .contains("FIRED: 5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a10")
                .contains(
                        "evidence ev-enable at 2024-03-05T10:00:00Z matched rule 5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a01")
                .contains("evidence ev-run at 2024-03-05T10:12:00Z matched rule 5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a02");
    }
}
