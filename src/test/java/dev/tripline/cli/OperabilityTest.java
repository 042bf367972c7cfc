package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags, paths and exit statuses an operator relies on: each refused early, with one line and its own status. */
class OperabilityTest {
    static final String SAMPLE = RunCommandTest.SAMPLE;

    @TempDir
    Path dir;

    /** One command line's exit status and streams. */
    record Result(int code, String out, String err) {}

    static Result tripline(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(
                new java.io.ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void anOutputThatIsAnInputIsRefusedAndTheInputKept() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.copy(Path.of(SAMPLE), events);
        long size = Files.size(events);

        Result r = tripline("run", "--output", events.toString(), events.toString());

        assertThat(r.code).as(r.err).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(r.err).contains("--output " + events + " is also read by this run");
        assertThat(Files.size(events)).isEqualTo(size);
    }

    @Test
    void anOutputReachedThroughASymlinkOrDotsIsTheSameFile() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.copy(Path.of(SAMPLE), events);
        Files.createDirectory(dir.resolve("sub"));
        Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), events);
        long size = Files.size(events);

        assertThat(tripline("run", "--dead-letters", link.toString(), events.toString()).code)
                .isEqualTo(JobOptions.BAD_USAGE);
        assertThat(tripline("run", "-o", dir.resolve("sub/../events.jsonl").toString(), dir.toString()).code)
                .isEqualTo(JobOptions.BAD_USAGE);
        assertThat(Files.size(events)).isEqualTo(size);
    }

    @Test
    void anOutputOverARuleOrTheConfigIsRefused() throws Exception {
        Path config = dir.resolve("tripline.yml");
        Files.writeString(config, "regions:\n  approved: [us-east-1]\n");
        Result r = tripline("run", "--config", config.toString(), "--late-records", config.toString(), SAMPLE);
        assertThat(r.code).as(r.err).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(Files.readString(config)).contains("approved");

        Path rules = Files.createDirectory(dir.resolve("rules"));
        Path rule =
                Files.copy(Path.of("rules/aws/cloudtrail/aws_cloudtrail_created.yml"), rules.resolve("created.yml"));
        String text = Files.readString(rule);
        Result overRule = tripline("run", "--rules", rules.toString(), "--dead-letters", rule.toString(), SAMPLE);
        assertThat(overRule.code).as(overRule.err).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(Files.readString(rule)).isEqualTo(text);
    }

    @Test
    void twoOutputsOnOneFileOrBothOnStdoutAreRefused() {
        Path same = dir.resolve("out.jsonl");
        Result r = tripline("run", "-o", same.toString(), "--dead-letters", same.toString(), SAMPLE);
        assertThat(r.code).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(r.err).contains("--output and --dead-letters name the same file");
        assertThat(same).doesNotExist();

        Result both = tripline("run", "--dead-letters", "-", SAMPLE);
        assertThat(both.code).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(both.err).contains("--output and --dead-letters both write to stdout");
    }

    @Test
    void deadLettersToDashGoToStdoutNotAFileNamedDash() throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "[1]\n");
        Path alerts = dir.resolve("alerts.jsonl");
        Result r = tripline("run", "-o", alerts.toString(), "--dead-letters", "-", bad.toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("\"reason\":\"NOT_AN_OBJECT\"");
        assertThat(Path.of("-")).doesNotExist();
    }

    @Test
    void theSummaryListsDeadLettersByReasonInReasonOrder() throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "[1]\n{\"eventVersion\":\n\"text\"\n{\"a\":1}\n");
        Result r = tripline("run", "--parallelism", "2", bad.toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.err).contains("  dead letters by reason: MALFORMED_JSON 1 NOT_AN_OBJECT 2 NOT_CLOUDTRAIL 1\n");
    }

    @Test
    void parallelismBelowOneIsAUsageError() {
        for (String n : List.of("0", "-1")) {
            Result r = tripline("run", "--parallelism", n, SAMPLE);
            assertThat(r.code).as(n).isEqualTo(JobOptions.BAD_USAGE);
            assertThat(r.err).contains("--parallelism must be at least 1, got " + n);
        }
    }

    @Test
    void aConfigThatIsAFifoIsRefusedInsteadOfBlocking() throws Exception {
        Path fifo = dir.resolve("config.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        CompletableFuture<Result> r =
                CompletableFuture.supplyAsync(() -> tripline("run", "--config", fifo.toString(), SAMPLE));
        Result done = r.get(30, TimeUnit.SECONDS);
        assertThat(done.code).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(done.err).contains("not a regular file");
    }

    @Test
    void aMissingRulesDirectoryIsAUsageError() {
        Result r = tripline("run", "--rules", dir.resolve("nope").toString(), SAMPLE);
        assertThat(r.code).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(r.err).contains("no such rule file or directory");
    }

    @Test
    void aTakenWebPortIsOneLineAndItsOwnStatus() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Result r = tripline("run", "--web", "--web-port", String.valueOf(port), SAMPLE);
            assertThat(r.code).isEqualTo(JobOptions.WEB_PORT_TAKEN);
            assertThat(r.err.lines().filter(l -> l.contains("--web-port " + port + " is in use")))
                    .hasSize(1);
            assertThat(r.err).doesNotContain("Exception").doesNotContain("web UI at");
        }
    }

    @Test
    void anUnreachableKafkaBrokerIsReportedWithinThirtySeconds() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path config = dir.resolve("kafka.yml");
        Files.writeString(config, """
                source:
                  kind: kafka
                  kafka: {bootstrap-servers: '127.0.0.1:%d', topics: [ct], group-id: g, start: earliest}
                """.formatted(port));
        long started = System.nanoTime();
        Result r = CompletableFuture.supplyAsync(() -> tripline("run", "--config", config.toString()))
                .get(60, TimeUnit.SECONDS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertThat(r.code).as(r.err).isEqualTo(JobOptions.SOURCE_UNREACHABLE);
        assertThat(seconds).isLessThan(30);
        assertThat(r.err.lines().filter(l -> l.contains("does not answer (attempt ")))
                .hasSize(RunCommand.SOURCE_ATTEMPTS);
        assertThat(r.out).isEmpty();
    }

    @Test
    void aCorrelationLongerThanTheStateTtlIsARuleError() throws Exception {
        Path rules = Files.createDirectory(dir.resolve("rules"));
        Files.writeString(rules.resolve("logins.yml"), """
                title: Console login
                id: 6f0c1d7e-0000-4000-8000-000000000001
                name: console_login
                logsource: {product: aws, service: cloudtrail}
                detection:
                  sel: {eventName: ConsoleLogin}
                  condition: sel
                level: low
                ---
                title: Many console logins
                id: 6f0c1d7e-0000-4000-8000-000000000002
                correlation:
                  type: event_count
                  rules: [console_login]
                  group-by: [userIdentity.arn]
                  timespan: 2h
                  condition: {gte: 3}
                level: medium
                """);
        Path shortTtl = dir.resolve("short-ttl.yml");
        Files.writeString(shortTtl, "correlation:\n  state-ttl: 1h\n");

        Result ok = tripline("rules", "validate", rules.toString());
        assertThat(ok.code).as(ok.err).isZero();
        Result tooLong = tripline("rules", "validate", "--config", shortTtl.toString(), rules.toString());
        assertThat(tooLong.code).isEqualTo(JobOptions.RULES_FAILED);
        assertThat(tooLong.err).contains("logins.yml:").contains("is longer than the correlation state TTL PT1H");
        Result run = tripline("run", "--config", shortTtl.toString(), "--rules", rules.toString(), SAMPLE);
        assertThat(run.code).isEqualTo(JobOptions.RULES_FAILED);
    }

    @Test
    void versionNamesTheCommitAndFlink() throws Exception {
        Result r = tripline("--version");
        assertThat(r.code).isZero();
        String commit = new String(
                        new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD")
                                .start()
                                .getInputStream()
                                .readAllBytes(),
                        StandardCharsets.UTF_8)
                .trim();
        assertThat(r.out).contains("tripline 0.").contains("commit " + commit).contains("Flink 1.20");
    }

    @Test
    void quietSilencesRuleWarningsNotErrors() throws Exception {
        Path rules = Files.createDirectory(dir.resolve("rules"));
        Files.writeString(rules.resolve("no-id.yml"), """
                title: Console login without an id
                logsource:
                  product: aws
                  service: cloudtrail
                detection:
                  sel:
                    eventName: ConsoleLogin
                  condition: sel
                level: low
                """);
        Result loud = tripline("run", "--rules", rules.toString(), SAMPLE);
        assertThat(loud.code).as(loud.err).isZero();
        assertThat(loud.err).contains("rule warnings");
        Result quiet = tripline("run", "--quiet", "--rules", rules.toString(), SAMPLE);
        assertThat(quiet.code).isZero();
        assertThat(quiet.err).doesNotContain("warning");
        assertThat(quiet.out).isEqualTo(loud.out);
    }

    @Test
    void exitStatusesAreDistinctAndListedInHelp() {
        List<Integer> codes = List.of(
                JobOptions.OK,
                JobOptions.RULES_FAILED,
                JobOptions.BAD_USAGE,
                JobOptions.JOB_FAILED,
                JobOptions.JOB_ERROR,
                JobOptions.WEB_PORT_TAKEN,
                JobOptions.SOURCE_UNREACHABLE,
                JobOptions.INTERRUPTED,
                JobOptions.TERMINATED);
        assertThat(codes).doesNotHaveDuplicates();
        String help = tripline("--help").out;
        for (int c : codes) {
            assertThat(help).containsPattern("(?m)^\\s+" + c + "\\s+\\S");
        }
    }
}
