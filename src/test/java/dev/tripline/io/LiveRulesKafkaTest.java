package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.LiveRules;
import dev.tripline.flink.RuleUpdate;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.job.TriplineConfig;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import dev.tripline.testing.Flagship;
import dev.tripline.testing.LiveRuleSets;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Live rule updates from a real Kafka control topic: the embedded job reads events from a pipe and rule sets
 * from the topic; a valid set applies without a restart, a bad message and a bad set are rejected with their
 * errors, and the last good set keeps firing.
 */
class LiveRulesKafkaTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final RuleLoadOptions LOAD = TriplineConfig.defaults().ruleLoadOptions();

    static String message(String version, Map<String, String> files) {
        ObjectNode o = JSON.createObjectNode();
        o.put("version", version);
        ObjectNode f = o.putObject("files");
        files.forEach(f::put);
        return o.toString();
    }

    static void await(String what, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(end);
            Thread.sleep(50);
        }
    }

    static Instant at(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    @Test
    void aControlTopicUpdatesTheRulesOfARunningJob() throws Exception {
        try (KafkaTestCluster kafka = new KafkaTestCluster()) {
            kafka.createTopic("rules", 1);
            kafka.createTopic("rule-status", 1);
            LiveUpdateOptions.Kafka control = new LiveUpdateOptions.Kafka(
                    List.of(kafka.bootstrap()), "rules", "rule-status", "tripline-rules", ClientProperties.empty());
            Map<String, String> v1 = LiveRuleSets.v1();
            RuleLoader.Result start = RuleLoader.standard(LOAD)
                    .loadFiles(v1.entrySet().stream()
                            .map(e -> new SourceFile(e.getKey(), null, e.getValue()))
                            .toList());
            assertThat(start.errors()).isEmpty();
            LiveRules live = new LiveRules(LOAD, RuleUpdate.of("start", v1).digest(), 1);

            List<String> alerts = new CopyOnWriteArrayList<>();
            List<String> statuses = new CopyOnWriteArrayList<>();
            PipedOutputStream feed = new PipedOutputStream();
            PipedInputStream in = new PipedInputStream(feed, 1 << 20);
            EmbeddedRun run = new EmbeddedRun(
                            RuleProgram.of(RuleProgram.START_VERSION, start, RuleLoadOptions.defaults()),
                            DetectionJob.Options.defaults(),
                            AlertFormat.JSONL,
                            new RawRecordFormat())
                    .live(new EmbeddedRun.Live(
                            live, (env, stream) -> RuleUpdateConnectors.source(env, control), 1, null))
                    .ruleUpdates(statuses::add);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
            CompletableFuture<EmbeddedRun.Summary> done = CompletableFuture.supplyAsync(() -> {
                try {
                    return run.run(
                            env,
                            RuntimeExecutionMode.STREAMING,
                            EmbeddedRun.Input.stream(in, "-"),
                            alerts::add,
                            line -> {},
                            null,
                            0);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try {
                write(
                        feed,
                        LiveRuleSets.enableRegion("ap-southeast-1", at(0), "e1"),
                        LiveRuleSets.trail("StopLogging", at(1), "s1"));
                await("the v1 alert", () -> alerts.stream().anyMatch(a -> a.contains("Trail Stopped v1")));

                // The source starts at the topic's end once it runs: send v2 until it is seen.
                await("v2 accepted", () -> {
                    if (statuses.stream().anyMatch(s -> s.startsWith("rule update v2 accepted"))) {
                        return true;
                    }
                    try {
                        kafka.produce(
                                "rules",
                                List.<byte[][]>of(KafkaTestCluster.kv("v2", message("v2", LiveRuleSets.v2()))));
                        Thread.sleep(1_000);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                    return false;
                });
                int[] probe = {0};
                await("the new rule", () -> {
                    if (alerts.stream().anyMatch(a -> a.contains("Trail Deleted v2"))) {
                        return true;
                    }
                    try {
                        write(feed, LiveRuleSets.trail("DeleteTrail", at(2), "d" + probe[0]++));
                        Thread.sleep(200);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                    return false;
                });
                write(feed, LiveRuleSets.runInstances("ap-southeast-1", at(20), "r1"));
                await("the flagship alert", () -> alerts.stream().anyMatch(a -> a.contains(Flagship.REGION_PLAN)));

                kafka.produce(
                        "rules",
                        List.<byte[][]>of(
                                KafkaTestCluster.kv("x", "{not json"),
                                KafkaTestCluster.kv("v3", message("v3", LiveRuleSets.v3()))));
                await("v3 rejected", () -> statuses.stream().anyMatch(s -> s.startsWith("rule update v3 rejected")));
                assertThat(statuses)
                        .anySatisfy(s -> assertThat(s)
                                .startsWith("rule update kafka:rules-0@")
                                .contains("rejected")
                                .contains("not JSON"));
                assertThat(statuses)
                        .filteredOn(s -> s.startsWith("rule update v3"))
                        .singleElement()
                        .asString()
                        .containsPattern(LiveRuleSets.BROKEN_FILE.replace(".", "\\.") + ":\\d+:\\d+: ");

                write(feed, LiveRuleSets.trail("StopLogging", at(90), "s-after-v3"));
                await("v2 still firing", () -> alerts.stream().anyMatch(a -> a.contains("s-after-v3")));
                assertThat(alerts)
                        .filteredOn(a -> a.contains("s-after-v3"))
                        .singleElement()
                        .asString()
                        .contains("Trail Stopped v2");
            } finally {
                feed.close();
            }
            // The Kafka control source is unbounded: the run goes on after stdin ends until cancelled.
            Thread.sleep(500);
            assertThat(done).isNotDone();
            run.cancel();
            await("the cancelled run", done::isDone);
        }
    }

    static void write(PipedOutputStream feed, String... lines) throws Exception {
        for (String l : lines) {
            feed.write((l + "\n").getBytes(StandardCharsets.UTF_8));
        }
        feed.flush();
    }
}
