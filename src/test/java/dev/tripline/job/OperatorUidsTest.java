package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.AnchorFilter;
import dev.tripline.flink.SignalRouter;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleSet;
import dev.tripline.testing.ChainedRules;
import dev.tripline.testing.Corpus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * A savepoint maps onto a job by operator uid, so the deployed job's uids are part of its contract: this test
 * fails when they change. If a change is intended, the release notes must say that savepoints of the old job
 * need {@code --allowNonRestoredState} (a uid gone) or restore that operator empty (a uid new); then update
 * {@code src/test/resources/golden/job-uids.txt}.
 */
class OperatorUidsTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/job-uids.txt");

    static final String KAFKA_CONFIG = """
            source:
              kind: kafka
              kafka: {bootstrap-servers: 'localhost:9092', topics: [cloudtrail], group-id: tripline}
            sink:
              kind: kafka
              kafka: {bootstrap-servers: 'localhost:9092', topic: alerts, dead-letter-topic: dead-letters}
            """;

    static List<StreamNode> nodes(RuleSet rules) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DeployedJob.build(
                env,
                RuleProgram.of(rules),
                DetectionJob.Options.defaults(),
                TriplineConfig.parse("uids.yml", KAFKA_CONFIG),
                AlertFormat.JSONL);
        return List.copyOf(env.getStreamGraph().getStreamNodes());
    }

    static TreeSet<String> uids(List<StreamNode> nodes) {
        TreeSet<String> uids = new TreeSet<>();
        nodes.forEach(n -> uids.add(n.getTransformationUID()));
        return uids;
    }

    @Test
    void theDeployedJobKeepsItsOperatorUids() throws Exception {
        RuleSet rules = Corpus.defaultLoader().load(List.of(Path.of("rules"))).ruleSet();
        List<StreamNode> nodes = nodes(rules);
        assertThat(nodes)
                .as("every operator has a uid, so Flink never derives one from the graph's shape")
                .allSatisfy(n -> assertThat(n.getTransformationUID())
                        .as(n.getOperatorName())
                        .isNotBlank());
        String actual = String.join("\n", uids(nodes)) + "\n";
        assertThat(actual)
                .as("operator uids of the deployed job (see this test's class doc before updating %s)", GOLDEN)
                .isEqualTo(golden());
    }

    @Test
    void chainingAddsAStageAndKeepsTheRest() throws Exception {
        TreeSet<String> chained = uids(nodes(ChainedRules.rules()));
        assertThat(chained)
                .contains("tripline-correlate", "tripline-correlate-2", "tripline-dedup", "tripline-kafka-source");
    }

    @Test
    void liveRuleUpdatesAddTheControlOperatorsAndKeepEveryOtherUid() throws Exception {
        RuleSet rules = Corpus.defaultLoader().load(List.of(Path.of("rules"))).ruleSet();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DeployedJob.build(
                env,
                RuleProgram.of(rules),
                DetectionJob.Options.defaults(),
                TriplineConfig.parse(
                        "uids.yml",
                        KAFKA_CONFIG
                                + "rules:\n  updates: {bootstrap-servers: 'localhost:9092', topic: rules, status-topic: rule-status}\n"),
                AlertFormat.JSONL);
        TreeSet<String> live = uids(List.copyOf(env.getStreamGraph().getStreamNodes()));
        TreeSet<String> fixed = new TreeSet<>(golden().lines().toList());
        TreeSet<String> added = new TreeSet<>(live);
        added.removeAll(fixed);
        TreeSet<String> gone = new TreeSet<>(fixed);
        gone.removeAll(live);
        assertThat(gone)
                .as("a savepoint of the fixed-rules job restores into the live one: only the stateless stand-in for"
                        + " the control stream is not there")
                .containsExactly(DetectionJob.UID_NO_RULE_UPDATES);
        assertThat(added)
                .containsExactlyInAnyOrder(
                        "tripline-rule-updates-source",
                        "tripline-rule-status-sink",
                        "Sink Committer: tripline-rule-status-sink");
    }

    @Test
    void aBatchRunRoutesSignalsWithOneOperatorAndAddsOnlyThePruningOperators() throws Exception {
        RuleSet rules = Corpus.defaultLoader().load(List.of(Path.of("rules"))).ruleSet();
        TreeSet<String> pruned = batchUids(rules, true);
        TreeSet<String> unpruned = batchUids(rules, false);
        TreeSet<String> streaming = new TreeSet<>(golden().lines().toList());
        assertThat(unpruned)
                .as("BATCH only, stateless: one operator routes detect's signals, not a filter per stage")
                .contains(SignalRouter.UID)
                .noneMatch(uid -> uid.startsWith("tripline-route-detect-to-stage-"));
        assertThat(streaming).doesNotContain(SignalRouter.UID).contains("tripline-route-detect-to-stage-1");
        assertThat(pruned).containsAll(unpruned);
        pruned.removeAll(unpruned);
        assertThat(pruned)
                .as("BATCH only, stateless: a streaming job (the golden file) never has them")
                .containsExactlyInAnyOrder(
                        AnchorFilter.UID,
                        "tripline-route-anchor-filter-to-stage-1",
                        "tripline-route-anchor-filter-to-stage-2");
    }

    @Test
    void aBatchRunStampsChainedSignalsAndMakesCompositeAlertsInsideTheCorrelateStages() throws Exception {
        RuleSet rules = ChainedRules.rules();
        TreeSet<String> batch = batchUids(rules, true);
        assertThat(batch)
                .as("BATCH only, stateless: per stage, where the streaming job has one operator behind a union")
                .contains(
                        "tripline-chained-signal-time-stage-1",
                        DetectionJob.UID_CORRELATION_ALERTS + "-stage-1",
                        DetectionJob.UID_CORRELATION_ALERTS + "-stage-2")
                .doesNotContain(DetectionJob.UID_CORRELATION_ALERTS, "tripline-chained-signal-time-stage-2");
        List<String> tasks = new ArrayList<>();
        batchJob(rules, true).getStreamGraph().getJobGraph().getVertices().forEach(v -> tasks.add(v.getName()));
        assertThat(tasks)
                .as("no task of its own: chained to the correlate stages")
                .noneMatch(name -> name.startsWith("correlation alerts") || name.startsWith("chained signal event"))
                .anyMatch(
                        name -> name.startsWith("correlate stage 2 ") && name.contains("correlation alerts, stage 2"));
    }

    static TreeSet<String> batchUids(RuleSet rules, boolean prune) {
        return uids(List.copyOf(batchJob(rules, prune).getStreamGraph().getStreamNodes()));
    }

    /** The BATCH job over {@code rules} with fixed rules, as a run over files builds it. */
    static StreamExecutionEnvironment batchJob(RuleSet rules, boolean prune) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(org.apache.flink.api.common.RuntimeExecutionMode.BATCH);
        new DetectionJob(RuleProgram.of(rules), DetectionJob.Options.defaults())
                .pruneSignals(prune)
                .build(env.fromData(new dev.tripline.flink.RawRecord("f", 1, new byte[] {'{', '}'}))
                        .uid("tripline-test-source"));
        return env;
    }

    static String golden() throws IOException {
        return Files.readString(GOLDEN, StandardCharsets.UTF_8);
    }
}
