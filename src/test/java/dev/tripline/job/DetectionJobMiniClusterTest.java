package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.alert.Alert;
import dev.tripline.flink.AlertRecord;
import dev.tripline.io.DeadLetter;
import dev.tripline.io.RawRecord;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole {@link DetectionJob} on a MiniCluster at parallelism 2 with generic types off, over the project's
 * rules: the flagship composite alert comes out once for a repeated follow-up, non-signal rules alert on their
 * own (deduplicated), and bad lines come out as dead letters.
 */
class DetectionJobMiniClusterTest {
    static final String REGION_PLAN = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a10";
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final String A1 = "111111111111";

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    static String event(String id, String name, String source, String region, int minutes, String user,
                        String extra) {
        return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::" + A1
                + ":user/" + user + "\",\"accountId\":\"" + A1 + "\"},\"eventTime\":\"" + T0.plusSeconds(minutes * 60L)
                + "\",\"eventSource\":\"" + source + "\",\"eventName\":\"" + name + "\",\"awsRegion\":\"" + region
                + "\",\"eventID\":\"" + id + "\",\"recipientAccountId\":\"" + A1 + "\""
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static String enable(String id, String region, int minutes, String user) {
        return event(id, "EnableRegion", "account.amazonaws.com", "us-east-1", minutes, user,
                "\"requestParameters\":{\"RegionName\":\"" + region + "\"}");
    }

    static String run(String id, String region, int minutes, String user) {
        return event(id, "RunInstances", "ec2.amazonaws.com", region, minutes, user, "");
    }

    static RuleSet rules() {
        RuleLoader.Result loaded = RuleLoader.standard(RuleLoadOptions.defaults()
                        .withPlaceholders(TriplineConfig.defaults().rulePlaceholders()))
                .load(List.of(Path.of("rules")));
        assertThat(loaded.errors()).isEmpty();
        return loaded.ruleSet();
    }

    @Test
    void flagshipOnceSinglesDedupedDeadLettersAccounted() throws Exception {
        List<String> lines = List.of(
                event("n1", "DescribeInstances", "ec2.amazonaws.com", "eu-west-1", 0, "alice", ""),
                enable("m-enable", "ap-southeast-1", 1, "mallory"),
                "{\"eventVersion\":\"1.08\",\"eventName\":",                     // line 3: malformed
                run("m-run-1", "ap-southeast-1", 10, "mallory"),
                run("m-run-2", "ap-southeast-1", 12, "mallory"),                 // repeated follow-up
                "\u0000\u0001garbage\u0000",                                       // line 6: binary
                run("m-run-3", "ap-southeast-1", 20, "mallory"),
                enable("a-enable", "eu-west-1", 3, "alice"),                     // approved region
                run("a-run", "eu-west-1", 11, "alice"),
                "[1, 2]",                                                          // line 10: not objects
                event("n2", "DescribeInstances", "ec2.amazonaws.com", "eu-west-1", 130, "alice", ""));
        List<RawRecord> input = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            input.add(new RawRecord("scenario.jsonl", i + 1, lines.get(i).getBytes(StandardCharsets.UTF_8)));
        }

        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        env.setParallelism(2);

        DetectionJob.Outputs out = new DetectionJob(rules(), DetectionJob.Options.defaults())
                .build(env.fromData(input).rebalance());
        DataStream<String> all = out.alerts().map(DetectionJobMiniClusterTest::describe).returns(Types.STRING)
                .union(out.deadLetters().map(DetectionJobMiniClusterTest::describe).returns(Types.STRING));
        List<String> results = new ArrayList<>();
        try (CloseableIterator<String> it = all.executeAndCollect("detection-job-test")) {
            it.forEachRemaining(results::add);
        }

        assertThat(results.stream().filter(s -> s.startsWith("DEAD ")).toList()).containsExactlyInAnyOrder(
                "DEAD 3 MALFORMED_JSON", "DEAD 6 BINARY_INPUT", "DEAD 10 NOT_AN_OBJECT", "DEAD 10 NOT_AN_OBJECT");
        // Exactly one composite alert for three follow-ups; which follow-up completes the sequence depends on the
        // arrival order the rebalance gives, so any of them may be the evidence.
        assertThat(results.stream().filter(s -> s.startsWith("correlation ")).toList()).singleElement()
                .satisfies(s -> assertThat(s).matches("correlation " + REGION_PLAN + " arn:aws:iam::" + A1
                        + ":user/mallory ap-southeast-1 \\[m-enable, m-run-[123]\\]"));
        List<String> singles = results.stream().filter(s -> s.startsWith("single ")).toList();
        // Non-signal rules alert on their own; the three RunInstances of one period fold into one alert.
        assertThat(singles).contains(
                "single d511abe4-e9cb-42e5-a68c-1b0a6f84e451 arn:aws:iam::" + A1 + ":user/mallory",
                "single d511abe4-e9cb-42e5-a68c-1b0a6f84e451 arn:aws:iam::" + A1 + ":user/alice");
        assertThat(singles.stream().filter(s -> s.startsWith("single c488ddab-892c-4aa0-9d39-11ccb735c106 ")))
                .containsExactly("single c488ddab-892c-4aa0-9d39-11ccb735c106 arn:aws:iam::" + A1 + ":user/mallory");
        assertThat(singles).doesNotHaveDuplicates();
        // The flagship's building blocks are signal-only: none of them alerts on its own.
        assertThat(singles).noneMatch(s -> s.contains("5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a0"));
    }

    static String describe(AlertRecord r) {
        Alert a = r.alert();
        if (a.kind() == Alert.Kind.CORRELATION) {
            return "correlation " + a.rule().id() + " " + a.principal() + " " + a.group().get("region") + " "
                    + a.evidence().stream().map(e -> e.eventId()).toList();
        }
        return "single " + a.rule().id() + " " + a.principal();
    }

    static String describe(DeadLetter d) {
        return "DEAD " + d.position + " " + d.reason;
    }
}
