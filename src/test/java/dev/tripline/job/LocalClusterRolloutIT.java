package dev.tripline.job;

import static dev.tripline.io.CloudTrailScenario.arn;
import static dev.tripline.io.CloudTrailScenario.enable;
import static dev.tripline.io.CloudTrailScenario.event;
import static dev.tripline.io.CloudTrailScenario.run;
import static dev.tripline.io.KafkaTestCluster.header;
import static dev.tripline.io.KafkaTestCluster.kv;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.cli.Main;
import dev.tripline.io.KafkaConnectors;
import dev.tripline.io.KafkaTestCluster;
import dev.tripline.testing.Flagship;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule rollout on a real multi-process Flink cluster (deploy/local/flink-local: a JobManager and a TaskManager
 * JVM assembled from Maven Central jars), with the job jar the cluster deployments use and a real Kafka broker:
 *
 * <ol>
 *   <li>rules v1 (the flagship plus two test correlations) run; an EnableRegion of an unapproved region, a failed
 *       console login and a CreateUser open three partial matches;</li>
 *   <li>stop with savepoint; {@code tripline rollout plan} against rules v2 (the brute-force correlation changed,
 *       the user-then-policy correlation removed) says: keep the flagship's two, drop the other two;</li>
 *   <li>restore with v2: the RunInstances that arrives after the restart completes the flagship sequence into
 *       exactly one composite alert, and the changed correlation does not resume on its old count;</li>
 *   <li>a second savepoint holds no state of the removed or changed versions, as the plan said.</li>
 * </ol>
 */
class LocalClusterRolloutIT {
    static final String GROUP = "tripline-rollout-it";
    static final String BRUTE_FORCE = "rollout-it-brute-force";
    static final String USER_THEN_POLICY = "rollout-it-user-then-policy";
    static final String USER = "mallory";
    static final ObjectMapper JSON = new ObjectMapper();

    static KafkaTestCluster kafka;
    static Map<String, String> clusterEnv;
    static Path repo = Path.of("").toAbsolutePath();

    @TempDir
    static Path dir;

    @BeforeAll
    static void startKafkaAndCluster() throws Exception {
        kafka = new KafkaTestCluster();
        kafka.createTopic("cloudtrail", 1);
        kafka.createTopic("alerts", 1);
        kafka.createTopic("dead-letters", 1);
        clusterEnv = new HashMap<>();
        clusterEnv.put("FLINK_REST_PORT", String.valueOf(freePort()));
        clusterEnv.put("FLINK_RPC_PORT", String.valueOf(freePort()));
        script(Duration.ofMinutes(10), "assemble");
        script(Duration.ofMinutes(2), "start");
    }

    @AfterAll
    static void stopAll() throws Exception {
        if (clusterEnv != null) {
            script(Duration.ofMinutes(1), "stop");
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aRolloutKeepsTheOpenFlagshipSequenceAndDropsChangedAndRemovedState() throws Exception {
        Path v1 = rules("v1", extraRules("30m", true));
        Path v2 = rules("v2", extraRules("20m", false));
        Path config = dir.resolve("tripline.yml");
        // The flagship records are from the past: a live job refuses them as too old (time.max-event-age).
        Files.writeString(config, """
                time:
                  max-event-age: 3650d
                source:
                  kind: kafka
                  kafka: {bootstrap-servers: '%1$s', topics: [cloudtrail], group-id: %2$s, start: earliest}
                sink:
                  kind: kafka
                  kafka: {bootstrap-servers: '%1$s', topic: alerts, dead-letter-topic: dead-letters}
                """.formatted(kafka.bootstrap(), GROUP));

        // v1 sees the first half of three sequences.
        String job1 = submit(config, v1, null);
        kafka.produce(
                "cloudtrail",
                List.of(
                        kv(USER, enable("e1", "ap-southeast-1", 0, USER)),
                        kv(
                                USER,
                                event(
                                        "e2",
                                        "ConsoleLogin",
                                        "signin.amazonaws.com",
                                        "us-east-1",
                                        1,
                                        USER,
                                        "\"responseElements\":{\"ConsoleLogin\":\"Failure\"}")),
                        kv(
                                USER,
                                event(
                                        "e3",
                                        "CreateUser",
                                        "iam.amazonaws.com",
                                        "us-east-1",
                                        2,
                                        USER,
                                        "\"requestParameters\":{\"userName\":\"backdoor\"}"))));
        awaitCommitted(3);
        String savepoint1 = stopWithSavepoint(job1, "sp1");

        JsonNode plan = plan(savepoint1, v2);
        // Two groups: the EnableRegion's, and CreateUser's in us-east-1 (a creation waits for an EnableRegion that
        // may still arrive out of order).
        assertThat(verdict(plan, Flagship.REGION_PLAN)).isEqualTo("keep 2");
        assertThat(verdict(plan, Flagship.KEY_PLAN)).isEqualTo("keep 1");
        assertThat(verdict(plan, BRUTE_FORCE)).isEqualTo("drop_changed 1");
        assertThat(verdict(plan, USER_THEN_POLICY)).isEqualTo("drop_removed 1");

        // v2 from the savepoint: the second half of each sequence arrives after the restart.
        String job2 = submit(config, v2, savepoint1);
        kafka.produce(
                "cloudtrail",
                List.of(
                        kv(USER, run("e4", "ap-southeast-1", 10, USER)),
                        kv(
                                USER,
                                event(
                                        "e5",
                                        "ConsoleLogin",
                                        "signin.amazonaws.com",
                                        "us-east-1",
                                        11,
                                        USER,
                                        "\"responseElements\":{\"ConsoleLogin\":\"Failure\"}")),
                        kv(
                                USER,
                                event(
                                        "e6",
                                        "ConsoleLogin",
                                        "signin.amazonaws.com",
                                        "us-east-1",
                                        12,
                                        USER,
                                        "\"responseElements\":{\"ConsoleLogin\":\"Failure\"}")),
                        kv(
                                USER,
                                event(
                                        "e7",
                                        "AttachUserPolicy",
                                        "iam.amazonaws.com",
                                        "us-east-1",
                                        13,
                                        USER,
                                        "\"requestParameters\":{\"userName\":\"backdoor\"}"))));
        awaitCommitted(7);
        String savepoint2 = stopWithSavepoint(job2, "sp2");

        List<ConsumerRecord<byte[], byte[]>> alerts = kafka.readCommitted("alerts");
        List<String> rules =
                alerts.stream().map(r -> header(r, KafkaConnectors.H_RULE_ID)).toList();
        assertThat(rules)
                .as("alert rule ids")
                .containsOnlyOnce(Flagship.REGION_PLAN)
                .doesNotContain(BRUTE_FORCE, USER_THEN_POLICY);
        JsonNode composite =
                JSON.readTree(alerts.get(rules.indexOf(Flagship.REGION_PLAN)).value());
        assertThat(composite.toString()).contains(arn(USER), "ap-southeast-1", "e1", "e4");

        // The second savepoint holds only v2's state: nothing of the removed or the old changed version.
        JsonNode after = plan(savepoint2, v2);
        for (JsonNode row : after.path("correlations")) {
            assertThat(row.path("verdict").asText()).as(row.toString()).isIn("keep", "new");
        }
    }

    /**
     * Rescaling through savepoints with open sequences in many groups: twenty principals each enable a region at
     * parallelism 1; stop with savepoint; at parallelism 2 half of them run instances there; stop with savepoint;
     * back at parallelism 1 the other half do. Every sequence completes into exactly one composite alert, and
     * {@code rollout plan} reads the savepoint written at either parallelism.
     */
    @Test
    void rescalingOneToTwoToOneKeepsEveryOpenSequence() throws Exception {
        String topic = "cloudtrail-rescale";
        String group = "tripline-rescale-it";
        kafka.createTopic(topic, 1);
        kafka.createTopic("alerts-rescale", 1);
        kafka.createTopic("dead-letters-rescale", 1);
        Path rules = rules("rescale", extraRules("30m", false));
        Path config = dir.resolve("tripline-rescale.yml");
        Files.writeString(config, """
                time:
                  max-event-age: 3650d
                source:
                  kind: kafka
                  kafka: {bootstrap-servers: '%1$s', topics: [%2$s], group-id: %3$s, start: earliest}
                sink:
                  kind: kafka
                  kafka: {bootstrap-servers: '%1$s', topic: alerts-rescale, dead-letter-topic: dead-letters-rescale}
                """.formatted(kafka.bootstrap(), topic, group));
        int principals = 20;
        List<String> users = new ArrayList<>();
        for (int i = 0; i < principals; i++) {
            users.add(String.format("rescale-%02d", i));
        }

        String job1 = submit(config, rules, null, 1);
        List<byte[][]> opened = new ArrayList<>();
        for (int i = 0; i < principals; i++) {
            opened.add(kv(users.get(i), enable(String.format("open-%02d", i), "ap-southeast-1", i, users.get(i))));
        }
        kafka.produce(topic, opened);
        awaitCommitted(topic, group, principals);
        String savepoint1 = stopWithSavepoint(job1, "rescale-sp1");
        assertThat(verdict(plan(savepoint1, rules), Flagship.REGION_PLAN)).isEqualTo("keep " + principals);

        String job2 = submit(config, rules, savepoint1, 2);
        List<byte[][]> firstHalf = new ArrayList<>();
        for (int i = 0; i < principals / 2; i++) {
            firstHalf.add(
                    kv(users.get(i), run(String.format("close-%02d", i), "ap-southeast-1", 30 + i, users.get(i))));
        }
        kafka.produce(topic, firstHalf);
        awaitCommitted(topic, group, principals + principals / 2);
        String savepoint2 = stopWithSavepoint(job2, "rescale-sp2");
        assertThat(verdict(plan(savepoint2, rules), Flagship.REGION_PLAN)).startsWith("keep ");

        String job3 = submit(config, rules, savepoint2, 1);
        List<byte[][]> secondHalf = new ArrayList<>();
        for (int i = principals / 2; i < principals; i++) {
            secondHalf.add(
                    kv(users.get(i), run(String.format("close-%02d", i), "ap-southeast-1", 30 + i, users.get(i))));
        }
        kafka.produce(topic, secondHalf);
        awaitCommitted(topic, group, 2L * principals);
        stopWithSavepoint(job3, "rescale-sp3");

        List<String> composites = kafka.readCommitted("alerts-rescale").stream()
                .filter(r -> Flagship.REGION_PLAN.equals(header(r, KafkaConnectors.H_RULE_ID)))
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList();
        assertThat(composites).as("one composite per principal").hasSize(principals);
        for (int i = 0; i < principals; i++) {
            String open = String.format("open-%02d", i);
            String close = String.format("close-%02d", i);
            String principal = arn(users.get(i));
            assertThat(composites)
                    .as("the sequence of %s", users.get(i))
                    .filteredOn(a -> a.contains(principal + "\""))
                    .singleElement()
                    .satisfies(a -> assertThat(a).contains(open, close));
        }
    }

    // ---- rules ----

    /** A rule directory: the flagship file as shipped, plus the test correlations. */
    static Path rules(String name, String extra) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.copy(repo.resolve(Flagship.FILE), d.resolve("flagship.yml"));
        Files.writeString(d.resolve("rollout-it.yml"), extra);
        return d;
    }

    /** Brute force over {@code timespan}, and, when asked, CreateUser then AttachUserPolicy. */
    static String extraRules(String timespan, boolean withUserThenPolicy) {
        String rules = """
                title: Console login failed
                id: rollout-it-login-failed
                name: rollout_it_login_failed
                logsource: {product: aws, service: cloudtrail}
                detection:
                    selection:
                        eventName: ConsoleLogin
                        responseElements.ConsoleLogin: Failure
                    condition: selection
                level: low
                ---
                title: Repeated console login failures
                id: %s
                correlation:
                    type: event_count
                    rules: [rollout_it_login_failed]
                    group-by: [userIdentity.arn]
                    timespan: %s
                    condition: {gte: 3}
                level: medium
                """.formatted(BRUTE_FORCE, timespan);
        if (withUserThenPolicy) {
            rules += """
                    ---
                    title: IAM user created
                    id: rollout-it-user-created
                    name: rollout_it_user_created
                    logsource: {product: aws, service: cloudtrail}
                    detection:
                        selection: {eventName: CreateUser}
                        condition: selection
                    level: low
                    ---
                    title: Policy attached to a user
                    id: rollout-it-policy-attached
                    name: rollout_it_policy_attached
                    logsource: {product: aws, service: cloudtrail}
                    detection:
                        selection: {eventName: AttachUserPolicy}
                        condition: selection
                    level: low
                    ---
                    title: IAM user created, then given a policy
                    id: %s
                    correlation:
                        type: temporal_ordered
                        rules: [rollout_it_user_created, rollout_it_policy_attached]
                        group-by: [userIdentity.arn]
                        timespan: 1h
                    level: medium
                    """.formatted(USER_THEN_POLICY);
        }
        return rules;
    }

    // ---- the cluster ----

    static String submit(Path config, Path rules, String savepoint) throws Exception {
        return submit(config, rules, savepoint, 1);
    }

    static String submit(Path config, Path rules, String savepoint, int parallelism) throws Exception {
        List<String> args = new ArrayList<>(List.of("flink", "run", "-d", "-p", String.valueOf(parallelism)));
        if (savepoint != null) {
            args.addAll(List.of("-s", savepoint));
        }
        args.addAll(List.of(
                System.getProperty("tripline.job.jar", "target/tripline-job.jar"),
                "job",
                "--config",
                config.toString(),
                "--rules",
                rules.toString()));
        String out = script(Duration.ofMinutes(2), args.toArray(String[]::new));
        Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
        assertThat(m.find()).as("job id in: " + out).isTrue();
        return m.group(1);
    }

    static String stopWithSavepoint(String jobId, String name) throws Exception {
        Path target = Files.createDirectories(dir.resolve(name));
        String out = script(
                Duration.ofMinutes(2),
                "flink",
                "stop",
                "--savepointPath",
                target.toUri().toString(),
                jobId);
        Matcher m = Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(out);
        assertThat(m.find()).as("savepoint path in: " + out).isTrue();
        return m.group(1);
    }

    /** Waits until the job's Kafka source has committed {@code n} records, which it does on completed checkpoints. */
    static void awaitCommitted(long n) throws Exception {
        awaitCommitted("cloudtrail", GROUP, n);
    }

    /** The same for the one partition of {@code topic} read by consumer group {@code group}. */
    static void awaitCommitted(String topic, String group, long n) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()))) {
            while (true) {
                ListConsumerGroupOffsetsResult r = admin.listConsumerGroupOffsets(group);
                OffsetAndMetadata o = r.partitionsToOffsetAndMetadata().get().get(tp);
                if (o != null && o.offset() >= n) {
                    return;
                }
                assertThat(System.nanoTime())
                        .as("the job committed %d records in time (at %s)", n, o)
                        .isLessThan(deadline);
                Thread.sleep(250);
            }
        }
    }

    static JsonNode plan(String savepoint, Path rules) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(
                InputStream.nullInputStream(),
                new PrintWriter(out),
                new PrintWriter(err),
                "rollout",
                "plan",
                "--savepoint",
                savepoint,
                "--rules",
                rules.toString(),
                "--format",
                "json");
        assertThat(code).as("rollout plan exit code; stderr: " + err).isZero();
        return JSON.readTree(out.toString());
    }

    /** "verdict groups" of the savepoint's state for {@code id} (its kept or dropped row). */
    static String verdict(JsonNode plan, String id) {
        for (JsonNode row : plan.path("correlations")) {
            if (row.path("id").asText().equals(id)
                    && !row.path("verdict").asText().equals("new")) {
                return row.path("verdict").asText() + " " + row.path("groups").asLong();
            }
        }
        return "absent from " + plan;
    }

    /** Runs deploy/local/flink-local with the test's ports; returns its output, failing on a non-zero exit. */
    static String script(Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of("bash", repo.resolve("deploy/local/flink-local").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true);
        pb.environment().putAll(clusterEnv);
        Path log = Files.createTempFile(dir, "flink-local", ".out");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("flink-local " + String.join(" ", args) + " timed out: "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue())
                .as("flink-local " + String.join(" ", args) + ":\n" + out)
                .isZero();
        return out;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
