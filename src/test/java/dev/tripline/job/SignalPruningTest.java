package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.AnchorFilter;
import dev.tripline.flink.RawRecord;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.Corpus;
import dev.tripline.testing.Flagship;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A BATCH job prunes the signals no alert can need ({@code AnchorPruning}) and raises exactly the alerts of the
 * same job without pruning: follow-ups whose sequence never starts in their group are dropped and counted, those
 * whose first step comes later in the input (but earlier in event time) are kept, for a sequence fed by detection
 * rules (the flagship) and for one fed by a quiet value_count in a second correlate stage (an access key created,
 * then used from two addresses).
 */
class SignalPruningTest {
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final String ACCOUNT = "111111111111";

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    static String event(
            String id, String name, String source, String region, int minutes, String user, String ip, String extra) {
        return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::" + ACCOUNT
                + ":user/" + user + "\",\"accountId\":\"" + ACCOUNT + "\",\"userName\":\"" + user + "\"" + extra
                + "},\"eventTime\":\"" + T0.plusSeconds(minutes * 60L) + "\",\"eventSource\":\"" + source
                + "\",\"eventName\":\"" + name + "\",\"awsRegion\":\"" + region + "\",\"eventID\":\"" + id
                + "\",\"sourceIPAddress\":\"" + ip + "\",\"recipientAccountId\":\"" + ACCOUNT + "\"}";
    }

    static String enable(String id, String region, int minutes, String user) {
        return event(id, "EnableRegion", "account.amazonaws.com", "us-east-1", minutes, user, "198.51.100.1", "")
                .replace(
                        "\"recipientAccountId\"",
                        "\"requestParameters\":{\"RegionName\":\"" + region + "\"}," + "\"recipientAccountId\"");
    }

    static String run(String id, String region, int minutes, String user) {
        return event(id, "RunInstances", "ec2.amazonaws.com", region, minutes, user, "198.51.100.1", "");
    }

    static String createKey(String id, String key, int minutes, String user, String ip) {
        return event(id, "CreateAccessKey", "iam.amazonaws.com", "us-east-1", minutes, user, ip, "")
                .replace(
                        "\"recipientAccountId\"",
                        "\"responseElements\":{\"accessKey\":{\"accessKeyId\":\"" + key
                                + "\"}},\"recipientAccountId\"");
    }

    static String useKey(String id, String key, int minutes, String user, String ip) {
        return event(
                id,
                "ListBuckets",
                "s3.amazonaws.com",
                "us-east-1",
                minutes,
                user,
                ip,
                ",\"accessKeyId\":\"" + key + "\"");
    }

    /** In file order; the anchors of mallory's region and of key 1 come after the signals that need them. */
    static final List<String> LINES = List.of(
            run("m-run", "ap-southeast-1", 10, "mallory"), // needs m-enable, which comes later in the file
            run("a-run", "eu-south-2", 12, "alice"), // no region enabled for alice: pruned
            createKey(
                    "b-key", "AKIAB0000000000000B1", 14, "bob", "198.51.100.7"), // no enable for bob: pruned (flagship)
            useKey("k1-use-1", "AKIAK1000000000000K1", 20, "ci", "203.0.113.10"),
            useKey("k1-use-2", "AKIAK1000000000000K1", 25, "ci", "203.0.113.11"),
            useKey("k2-use-1", "AKIAK2000000000000K2", 21, "ci", "203.0.113.10"), // key 2 never created: pruned
            useKey("k2-use-2", "AKIAK2000000000000K2", 26, "ci", "203.0.113.12"),
            enable("m-enable", "ap-southeast-1", 1, "mallory"),
            createKey("k1-create", "AKIAK1000000000000K1", 5, "admin", "198.51.100.9"));

    @Test
    void prunedAndUnprunedBatchJobsRaiseTheSameAlerts() throws Exception {
        RuleLoader.Result loaded = Corpus.defaultLoader()
                .load(List.of(
                        Path.of(Flagship.FILE),
                        Path.of("rules/aws/cloudtrail/aws_access_key_created_then_used_elsewhere.yml")));
        assertThat(loaded.errors()).isEmpty();
        RuleProgram program = RuleProgram.of(loaded.ruleSet());

        Run pruned = run(program, true);
        Run unpruned = run(program, false);

        assertThat(pruned.alerts).isEqualTo(unpruned.alerts);
        assertThat(pruned.described)
                .as("both sequences whose first step comes later in the file still fire")
                .contains(
                        "correlation " + Flagship.REGION_PLAN + " [m-enable, m-run]",
                        "correlation ac58bbc8-16c7-4104-9428-20d924357e7f [k1-create, k1-create, k1-use-1]");
        // Flagship follow-ups of principals that enabled no region: a-run (resources), b-key and k1-create (each a
        // resource and an access key); and the two uses of key 2, which was never created (the value_count that
        // feeds the key's sequence). Every other signal is an anchor or has one.
        assertThat(pruned.pruned).isEqualTo(7);
        assertThat(unpruned.pruned).isZero();
    }

    record Run(List<String> alerts, List<String> described, long pruned) {}

    static Run run(RuleProgram program, boolean prune) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(2);
        List<RawRecord> records = new ArrayList<>();
        for (int i = 0; i < LINES.size(); i++) {
            records.add(new RawRecord("pruning.jsonl", i + 1, LINES.get(i).getBytes(StandardCharsets.UTF_8)));
        }
        DetectionJob.Outputs out = new DetectionJob(program, DetectionJob.Options.defaults())
                .pruneSignals(prune)
                .build(env.fromData(records));
        List<String> alerts = new ArrayList<>();
        List<String> described = new ArrayList<>();
        JobExecutionResult result;
        try (CloseableIterator<AlertRecord> it = out.alerts().collectAsync()) {
            JobClient client = env.executeAsync("signal pruning, prune=" + prune);
            it.forEachRemaining(a -> {
                alerts.add(Base64.getEncoder().encodeToString(a.alertBytes()));
                described.add(a.kind + " " + a.ruleId + " "
                        + a.alert().evidence().stream()
                                .map(e -> e.eventId())
                                .sorted()
                                .toList());
            });
            result = client.getJobExecutionResult().get();
        }
        alerts.sort(null);
        Long pruned = result.getAccumulatorResult(AnchorFilter.ACC_PRUNED);
        return new Run(alerts, described, pruned == null ? 0 : pruned);
    }
}
