package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.alert.AlertFormat;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.SourceFile;
import dev.tripline.testing.ChainedRules;
import dev.tripline.testing.Flagship;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole-job tests on a MiniCluster at parallelism 2.
 *
 * <p>The flagship correlation through the whole job ({@link EmbeddedRun}, as {@code tripline run} runs it) on a
 * MiniCluster at parallelism 2, over src/test/resources/scenarios/flagship-matrix.jsonl: one three-hour block per
 * case, realistic noise in each, and bad lines between them. It must fire for the same principal within the hour,
 * for out-of-order arrival, for an assumed-role session (the access-key arm) and for a second account with the
 * same user name; it must stay quiet for an approved region, a different principal, a follow-up outside the
 * hour, reverse order, failed calls, a region approved for that account only, and a creation in another region;
 * three follow-ups give one composite alert. Every good line is an event and every bad one a dead letter.
 *
 * <p>Chaining: a correlation over a correlation runs in a second correlate stage and alerts with the inner
 * evidence, while the inner one, referenced without {@code generate}, raises nothing of its own.
 */
class DetectionJobMiniClusterTest {
    static final Path SCENARIO = Path.of("src/test/resources/scenarios/flagship-matrix.jsonl");
    static final String REGION_PLAN = Flagship.REGION_PLAN;
    static final String KEY_PLAN = Flagship.KEY_PLAN;
    static final ObjectMapper JSON = new ObjectMapper();
    /** More than the scenario's farthest event behind the latest one before it (28 minutes). */
    static final Duration SCENARIO_DISORDER = Duration.ofHours(1);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @Test
    void theFlagshipFiresExactlyWhereItShould() throws Exception {
        // Account 333333333333 uses ap-southeast-1 on purpose: its own approved list says so.
        TriplineConfig config = TriplineConfig.defaults()
                .withAccountRegions(Map.of("333333333333", List.of("us-east-1", "ap-southeast-1")));
        RuleLoader.Result loaded = RuleLoader.standard(config.ruleLoadOptions()).load(List.of(Path.of("rules")));
        assertThat(loaded.errors()).isEmpty();
        RuleSet rules = loaded.ruleSet();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        // A watermark every millisecond, so that one between two lines is the rule, not a slow machine's accident.
        env.getConfig().setAutoWatermarkInterval(1);
        List<JsonNode> alerts = new ArrayList<>();
        List<JsonNode> dead = new ArrayList<>();
        // STREAMING: a watermark may be emitted between any two lines, however fast the machine. Each block puts
        // its case up to 28 minutes behind the block's latest event, so the bound must cover that, or a slow
        // moment makes the case late and its alert never comes.
        EmbeddedRun.Summary summary = new EmbeddedRun(
                        RuleProgram.of(rules),
                        DetectionJob.Options.defaults().withOutOfOrderness(SCENARIO_DISORDER),
                        AlertFormat.JSONL,
                        new RawRecordFormat())
                .run(env, List.of(SCENARIO), l -> alerts.add(JSON.readTree(l)), l -> dead.add(JSON.readTree(l)));

        List<String> composite = alerts.stream()
                .filter(a -> a.path("kind").asText().equals("correlation"))
                .map(DetectionJobMiniClusterTest::describe)
                .toList();
        assertThat(composite)
                .containsExactlyInAnyOrder(
                        // same principal within the hour; three follow-ups, one alert (whichever arrived first
                        // completes it)
                        REGION_PLAN + " 111111111111 arn:aws:iam::111111111111:user/mallory ap-southeast-1 "
                                + "[fire-same-enable, fire-same-run-1]",
                        // the follow-up arrived before the EnableRegion
                        REGION_PLAN + " 111111111111 arn:aws:iam::111111111111:user/oscar me-south-1 "
                                + "[fire-ooo-enable, fire-ooo-run]",
                        // an assumed-role session, then an access key (IAM logs in us-east-1: not held to the region)
                        KEY_PLAN + " 111111111111 arn:aws:sts::111111111111:assumed-role/Admin/incident-42 - "
                                + "[fire-role-enable, fire-role-key]",
                        // the same user name in a second account is a different principal
                        REGION_PLAN + " 222222222222 arn:aws:iam::222222222222:user/mallory ap-southeast-1 "
                                + "[fire-acct2-enable, fire-acct2-run]");
        assertThat(alerts)
                .filteredOn(a -> a.path("kind").asText().equals("correlation"))
                .allSatisfy(a -> {
                    assertThat(a.path("rule").path("level").asText()).isEqualTo("high");
                    assertThat(a.path("title").asText())
                            .startsWith("Unused region ")
                            .doesNotContain("<missing>");
                    assertThat(a.path("evidence").get(0).path("eventName").asText())
                            .isEqualTo("EnableRegion");
                });
        assertThat(alerts)
                .as("no alert at all names a quiet case's follow-up in a composite")
                .filteredOn(a -> a.path("kind").asText().equals("correlation"))
                .noneMatch(a -> a.toString().contains("quiet-"));
        // Non-signal rules alert on their own, deduplicated: mallory's three creations within the hour are one
        // alert, emitted with the first and updated with all three when the hour is over.
        List<JsonNode> created = alerts.stream()
                .filter(a -> a.path("rule").path("id").asText().equals("c488ddab-892c-4aa0-9d39-11ccb735c106")
                        && a.path("group").path("principal").asText().endsWith("111111111111:user/mallory"))
                .toList();
        assertThat(created).extracting(a -> a.path("revision").asInt()).containsExactly(0, 1);
        assertThat(created.get(0).path("evidence").get(0).path("eventID").asText())
                .isEqualTo("fire-same-run-1");
        assertThat(created.get(1).path("alert_id")).isEqualTo(created.get(0).path("alert_id"));
        assertThat(describe(created.get(1))).endsWith("[fire-same-run-1, fire-same-run-2, fire-same-run-3]");
        assertThat(created.get(1).path("count").asInt()).isEqualTo(3);

        assertThat(dead)
                .extracting(d ->
                        d.path("position").asLong() + " " + d.path("reason").asText())
                .containsExactlyInAnyOrder(
                        lineOf("\"eventTime\":'") + " MALFORMED_JSON",
                        lineOf("bad-no-time") + " MISSING_EVENT_TIME",
                        lineOf("bad-no-identity") + " MISSING_IDENTITY",
                        lineOf("\"just a string\"") + " NOT_AN_OBJECT",
                        lineOf("garbage") + " BINARY_INPUT");
        long lines = java.nio.file.Files.readAllLines(SCENARIO).size();
        assertThat(summary.records()).isEqualTo(lines);
        assertThat(summary.events()).as("every good line is an event").isEqualTo(lines - 5);
        assertThat(summary.deadLetters()).isEqualTo(5);
        assertThat(summary.late()).as("nothing arrives behind the watermark").isEqualTo(EmbeddedRun.Late.NONE);
    }

    /** 1-based line of the scenario file that contains {@code text}; a quote-apostrophe marks a line end. */
    static long lineOf(String text) throws Exception {
        List<String> all = java.nio.file.Files.readAllLines(SCENARIO);
        boolean atEnd = text.endsWith("'");
        String needle = atEnd ? text.substring(0, text.length() - 1) : text;
        for (int i = 0; i < all.size(); i++) {
            if (atEnd ? all.get(i).endsWith(needle) : all.get(i).contains(needle)) {
                return i + 1;
            }
        }
        throw new AssertionError("no line with " + text);
    }

    static String describe(JsonNode a) {
        List<String> ids = new ArrayList<>();
        a.path("evidence").forEach(e -> ids.add(e.path("eventID").asText()));
        JsonNode region = a.path("group").path("region");
        return a.path("rule").path("id").asText() + " "
                + a.path("group").path("account").asText() + " "
                + a.path("group").path("principal").asText() + " " + (region.isMissingNode() ? "-" : region.asText())
                + " " + ids;
    }

    static String login(String id, int minute, String user, boolean ok) {
        return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/"
                + user + "\",\"accountId\":\"1\"},\"eventTime\":\"2024-03-05T10:" + String.format("%02d", minute)
                + ":00Z\",\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"eventID\":\"" + id
                + "\","
                + (ok
                        ? "\"responseElements\":{\"ConsoleLogin\":\"Success\"}"
                        : "\"errorMessage\":\"Failed authentication\"")
                + "}";
    }

    @Test
    void aCorrelationOverACorrelationFiresFromTheSecondStage(@TempDir Path dir) throws Exception {
        RuleLoader.Result loaded = RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("chain.yml", null, ChainedRules.BRUTE_FORCE_THEN_LOGIN)));
        assertThat(loaded.errors()).isEmpty();
        Path input = dir.resolve("logins.jsonl");
        java.nio.file.Files.write(
                input,
                List.of(
                        login("f1", 0, "bob", false),
                        login("f2", 1, "bob", false),
                        login("f3", 2, "bob", false),
                        login("ok", 5, "bob", true),
                        login("e1", 0, "eve", false),
                        login("e2", 1, "eve", false),
                        login("eve-ok", 6, "eve", true)));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.getConfig().setAutoWatermarkInterval(1); // as above: the input's disorder is within the default bound
        List<JsonNode> alerts = new ArrayList<>();
        new EmbeddedRun(
                        RuleProgram.of(RuleProgram.START_VERSION, loaded, RuleLoadOptions.defaults()),
                        DetectionJob.Options.defaults(),
                        AlertFormat.JSONL,
                        new RawRecordFormat())
                .run(env, List.of(input), l -> alerts.add(JSON.readTree(l)), l -> {});

        assertThat(alerts)
                .filteredOn(a -> a.path("kind").asText().equals("correlation"))
                .singleElement()
                .satisfies(a -> {
                    assertThat(a.path("rule").path("id").asText()).isEqualTo("brute-then-login");
                    assertThat(a.path("group").path("userIdentity.arn").asText())
                            .isEqualTo("arn:aws:iam::1:user/bob");
                    List<String> ids = new ArrayList<>();
                    a.path("evidence").forEach(e -> ids.add(e.path("eventID").asText()));
                    assertThat(ids).containsExactly("f1", "f2", "f3", "ok");
                });
        assertThat(alerts).noneMatch(a -> a.path("rule").path("id").asText().equals("brute"));
    }
}
