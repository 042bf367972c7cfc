package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.DetectFunction;
import dev.tripline.flink.TimeRange;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.accumulators.StringifiedAccumulatorResult;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a hunt reads an archive (BATCH, fixed rules): at parallelism 2 both file readers read files (splits of
 * several files each), and each reader's subtask gunzips, parses and matches what it reads, with detect chained to the reader
 * ({@link dev.tripline.flink.DetectOperator}): no exchange between them to write records out or to stall. Read
 * from the finished job's execution graph: the vertices' names and each subtask's count of files read.
 */
class HuntReadingTest {
    static final int FILES = 1500;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            // As the embedded run configures it (EmbeddedRun.slots).
            .setNumberSlotsPerTaskManager(4)
            .build());

    @TempDir
    Path dir;

    @Test
    void bothReadersReadAndEachParsesWhatItReadsInItsOwnTask(@InjectMiniCluster MiniCluster cluster) throws Exception {
        List<Path> written = archive(dir, FILES);
        RuleLoader.Result loaded =
                RuleLoader.standard(TriplineConfig.defaults().ruleLoadOptions()).load(List.of(Path.of("rules")));
        assertThat(loaded.errors()).isEmpty();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        // A hunt's restarts: Flink 1.20's file reader can fail on a race between a reader going idle and its next
        // file arriving (FLINK-36146), more likely the more files there are; a hunt restarts the failed part.
        env.configure(EmbeddedOptions.DEFAULTS.applyTo(new Configuration()));
        ArchiveFiles.Listing listing = ArchiveFiles.list(List.of(dir.toString()), ArchiveFiles.Scope.ALL);
        assertThat(listing.files()).hasSize(written.size());

        EmbeddedRun.Summary summary = new EmbeddedRun(
                        RuleProgram.of(loaded.ruleSet()),
                        DetectionJob.Options.defaults().withTimeRange(TimeRange.ALL),
                        AlertFormat.JSONL,
                        new RawRecordFormat())
                .run(env, RuntimeExecutionMode.BATCH, EmbeddedRun.Input.files(listing), l -> {}, l -> {}, null, 0);
        assertThat(summary.events()).isEqualTo(2L * FILES);
        assertThat(summary.deadLetters()).isZero();

        AccessExecutionGraph graph = lastJob(cluster);
        AccessExecutionJobVertex reading = vertex(graph, "Source: files");
        assertThat(reading.getName())
                .as("detect is chained to the readers, in their tasks")
                .startsWith("Source: files -> detect");
        List<Long> filesPerReader = new ArrayList<>();
        for (AccessExecutionVertex v : reading.getTaskVertices()) {
            for (StringifiedAccumulatorResult a : v.getCurrentExecutionAttempt().getUserAccumulatorsStringified()) {
                if (a.getName().equals(DetectFunction.ACC_FILES_DONE)) {
                    filesPerReader.add(Long.parseLong(a.getValue()));
                }
            }
        }
        assertThat(filesPerReader)
                .as("groups of files spread over both readers, each read and parsed in its reader's task")
                .hasSize(2)
                .allSatisfy(n -> assertThat(n).isPositive())
                .satisfies(ns ->
                        assertThat(ns.stream().mapToLong(Long::longValue).sum()).isEqualTo(FILES));
    }

    /** {@code n} CloudTrail files of two records each in the S3 layout, one per five minutes of one region. */
    static List<Path> archive(Path root, int n) throws Exception {
        List<Path> out = new ArrayList<>();
        Path day = root.resolve("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01");
        Files.createDirectories(day);
        for (int i = 0; i < n; i++) {
            int minute = i * 5 % (24 * 60);
            String stamp = String.format("20240501T%02d%02dZ", minute / 60, minute % 60);
            Path f = day.resolve(
                    "111122223333_CloudTrail_us-east-1_" + stamp + "_" + String.format("%016d", i) + ".json.gz");
            StringBuilder records = new StringBuilder("{\"Records\":[");
            for (int k = 0; k < 2; k++) {
                records.append(k == 0 ? "" : ",")
                        .append("{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-05-01T")
                        .append(String.format("%02d:%02d:%02dZ", minute / 60, minute % 60, k))
                        .append("\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",")
                        .append("\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"203.0.113.7\",")
                        .append("\"userIdentity\":{\"type\":\"IAMUser\",\"accountId\":\"111122223333\",")
                        .append("\"arn\":\"arn:aws:iam::111122223333:user/reader\"},")
                        .append("\"eventID\":\"e-")
                        .append(i)
                        .append('-')
                        .append(k)
                        .append("\",\"recipientAccountId\":\"111122223333\"}");
            }
            records.append("]}");
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
                o.write(records.toString().getBytes(StandardCharsets.UTF_8));
            }
            out.add(f);
        }
        return out;
    }

    private static AccessExecutionGraph lastJob(MiniCluster cluster) throws Exception {
        JobID last = null;
        long started = Long.MIN_VALUE;
        for (var job : cluster.listJobs().get()) {
            if (job.getStartTime() > started) {
                started = job.getStartTime();
                last = job.getJobId();
            }
        }
        return cluster.getArchivedExecutionGraph(last).get();
    }

    private static AccessExecutionJobVertex vertex(AccessExecutionGraph graph, String namePrefix) {
        for (AccessExecutionJobVertex v : graph.getAllVertices().values()) {
            if (v.getName().startsWith(namePrefix)) {
                return v;
            }
        }
        throw new AssertionError("no vertex named " + namePrefix + "… in "
                + graph.getAllVertices().values().stream()
                        .map(AccessExecutionJobVertex::getName)
                        .toList());
    }
}
