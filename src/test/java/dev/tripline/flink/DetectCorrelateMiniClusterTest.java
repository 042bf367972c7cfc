package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.Signal;
import dev.tripline.job.DetectionJob;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.RuleSet;
import dev.tripline.testing.Flagship;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Detect and correlate on a MiniCluster at parallelism 2, generic (Kryo) types disabled: bad records interleaved
 * with CloudTrail traffic all end up as dead letters with their reason and line, every matching event yields its
 * signals, and the flagship correlations fire exactly where they should. Records are rebalanced over two detect
 * subtasks, so per-key arrival order is not file order.
 */
class DetectCorrelateMiniClusterTest {
    static final String REGION_PLAN = Flagship.REGION_PLAN;
    static final String KEY_PLAN = Flagship.KEY_PLAN;
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final String A1 = "111111111111";
    static final String A2 = "222222222222";

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    static String arn(String account, String user) {
        return "arn:aws:iam::" + account + ":user/" + user;
    }

    static String event(
            String id,
            String name,
            String source,
            String region,
            int minutes,
            String account,
            String user,
            String extra) {
        return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"" + arn(account, user)
                + "\",\"accountId\":\"" + account + "\"},\"eventTime\":\"" + T0.plusSeconds(minutes * 60L)
                + "\",\"eventSource\":\"" + source + "\",\"eventName\":\"" + name + "\",\"awsRegion\":\"" + region
                + "\",\"eventID\":\"" + id + "\",\"recipientAccountId\":\"" + account + "\""
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static String enable(String id, String region, int minutes, String account, String user) {
        return event(
                id,
                "EnableRegion",
                "account.amazonaws.com",
                "us-east-1",
                minutes,
                account,
                user,
                "\"requestParameters\":{\"RegionName\":\"" + region + "\"}");
    }

    static String run(String id, String region, int minutes, String account, String user, String extra) {
        return event(id, "RunInstances", "ec2.amazonaws.com", region, minutes, account, user, extra);
    }

    static String noise(String id, int minutes, String account, String user) {
        return event(id, "DescribeInstances", "ec2.amazonaws.com", "eu-west-1", minutes, account, user, "");
    }

    @Test
    void badRecordsAreAccountedForAndTheFlagshipFiresExactlyWhereItShould() throws Exception {
        RuleSet rules = Flagship.rules();
        CompiledMatcher matcher = CompiledMatcher.compile(rules.rules());
        CorrelationEngine engine = CorrelationEngine.compile(rules);

        List<String> lines = List.of(
                noise("n1", 0, A1, "alice"),
                enable("m-enable", "ap-southeast-1", 1, A1, "mallory"), // fires with m-run
                "{\"eventVersion\":\"1.08\",\"eventName\":", // line 3: malformed
                noise("n2", 2, A1, "mallory"),
                enable("a-enable", "eu-west-1", 3, A1, "alice"), // approved: no signal, no alert
                "\u0000\u0001garbage\u0000", // line 6: binary
                run("m-run", "ap-southeast-1", 10, A1, "mallory", ""),
                run("a-run", "eu-west-1", 11, A1, "alice", ""),
                "[1, 2]", // line 9: not objects
                event("b-key", "CreateAccessKey", "iam.amazonaws.com", "us-east-1", 30, A1, "bob", ""),
                enable("b-enable", "me-south-1", 25, A1, "bob"), // out of order: fires
                "{\"eventVersion\":\"1.08\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\"}",
                enable("m2-enable", "af-south-1", 40, A2, "mallory"), // same user, other account
                event("m1-key-other", "CreateAccessKey", "iam.amazonaws.com", "us-east-1", 45, A1, "carol", ""),
                enable("c-enable", "ap-east-1", 50, A1, "carol"), // reverse order for carol
                run("c-run-failed", "ap-east-1", 55, A1, "carol", "\"errorCode\":\"UnauthorizedOperation\""),
                noise("n3", 60, A2, "mallory"),
                run("m2-run-late", "af-south-1", 101, A2, "mallory", ""), // outside m2's 60 minutes
                noise("n4", 130, A1, "alice"));

        List<RawRecord> input = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            input.add(new RawRecord("scenario.jsonl", i + 1, lines.get(i).getBytes(StandardCharsets.UTF_8)));
        }

        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        env.setParallelism(2);

        // The job's functions with a control stream that ends at once, as a job without live updates runs them.
        DataStream<RawRecord> raw = env.fromData(input);
        DataStream<RuleUpdate> noUpdates = DetectionJob.noUpdates(raw);
        SingleOutputStreamOperator<SignalRecord> detected = raw.rebalance()
                .connect(noUpdates.broadcast(LiveRules.STATE))
                .process(new DetectFunction(matcher, engine), TypeInformation.of(SignalRecord.class))
                .uid("tripline-detect")
                .name("detect");
        SingleOutputStreamOperator<FiredRecord> fired = detected.assignTimestampsAndWatermarks(
                        WatermarkStrategy.<SignalRecord>forBoundedOutOfOrderness(Duration.ofMinutes(15))
                                .withTimestampAssigner((r, ts) -> r.time))
                .keyBy(SignalRecord::key, GroupKey.TYPE)
                .connect(noUpdates.broadcast())
                .transform(
                        "correlate",
                        TypeInformation.of(FiredRecord.class),
                        new CorrelateOperator(new CorrelateFunction(engine), null))
                .uid(CorrelateFunction.UID)
                .name("correlate");

        DataStream<String> out = fired.map(DetectCorrelateMiniClusterTest::describe)
                .returns(Types.STRING)
                .union(
                        detected.getSideOutput(DetectFunction.DEAD_LETTERS)
                                .map(DetectCorrelateMiniClusterTest::describe)
                                .returns(Types.STRING),
                        detected.map(r -> describe(r, engine)).returns(Types.STRING));

        List<String> results = new ArrayList<>();
        try (CloseableIterator<String> it = out.executeAndCollect("detect-correlate-test")) {
            it.forEachRemaining(results::add);
        }

        assertThat(results.stream().filter(s -> s.startsWith("DEAD ")).toList())
                .containsExactlyInAnyOrder(
                        "DEAD 3 MALFORMED_JSON",
                        "DEAD 6 BINARY_INPUT",
                        "DEAD 9 NOT_AN_OBJECT",
                        "DEAD 9 NOT_AN_OBJECT",
                        "DEAD 12 MISSING_EVENT_TIME");
        // Every matching good event arrives as the signals its rules feed (two plans per EnableRegion).
        assertThat(results.stream().filter(s -> s.startsWith("SIGNAL ")).toList())
                .containsExactlyInAnyOrder(
                        "SIGNAL m-enable " + REGION_PLAN,
                        "SIGNAL m-enable " + KEY_PLAN,
                        "SIGNAL m-run " + REGION_PLAN,
                        "SIGNAL a-run " + REGION_PLAN,
                        "SIGNAL b-key " + KEY_PLAN,
                        "SIGNAL b-key " + REGION_PLAN,
                        "SIGNAL b-enable " + REGION_PLAN,
                        "SIGNAL b-enable " + KEY_PLAN,
                        "SIGNAL m2-enable " + REGION_PLAN,
                        "SIGNAL m2-enable " + KEY_PLAN,
                        "SIGNAL m1-key-other " + KEY_PLAN,
                        "SIGNAL m1-key-other " + REGION_PLAN,
                        "SIGNAL c-enable " + REGION_PLAN,
                        "SIGNAL c-enable " + KEY_PLAN,
                        "SIGNAL m2-run-late " + REGION_PLAN);
        assertThat(results.stream().filter(s -> s.startsWith("FIRED ")).toList())
                .containsExactlyInAnyOrder(
                        "FIRED " + REGION_PLAN + " " + arn(A1, "mallory") + " [m-enable, m-run]",
                        "FIRED " + KEY_PLAN + " " + arn(A1, "bob") + " [b-enable, b-key]");
    }

    static String describe(FiredRecord r) {
        Fired f = r.fired();
        return "FIRED " + f.correlationId() + " " + f.group().get("principal") + " "
                + f.evidence().stream().map(e -> e.eventId()).toList();
    }

    static String describe(DeadLetter d) {
        return "DEAD " + d.position + " " + d.reason;
    }

    static String describe(SignalRecord r, CorrelationEngine engine) {
        Signal s = Harnesses.signal(r, engine);
        return "SIGNAL " + s.evidence().get(0).eventId() + " " + r.planId;
    }
}
