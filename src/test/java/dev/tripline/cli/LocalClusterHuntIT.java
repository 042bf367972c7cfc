package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tripline.testing.Flagship;
import dev.tripline.testing.LocalFlinkCluster;
import dev.tripline.testing.MultiRegionArchive;
import dev.tripline.testing.S3TestServer;
import dev.tripline.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline hunt} submitted to the real multi-process cluster of deploy/local ({@code flink run
 * tripline-job.jar hunt --parallelism 2 ...}) raises exactly the alerts of the same hunt embedded in this JVM: every alert, field
 * for field, compared as sorted canonical JSON lines. The archive is the multi-account, multi-region
 * {@link MultiRegionArchive} with its planted flagship sequences, once on disk and once in an S3-compatible store
 * ({@link S3TestServer} on loopback), which the cluster's task managers read through the S3 plugin in the
 * cluster's plugins directory, configured by the cluster's own {@code s3.*} settings.
 */
class LocalClusterHuntIT {
    static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    static final List<String> RANGE = List.of("--from", "2023-07-10", "--to", "2023-07-12");

    @TempDir
    static Path dir;

    static S3TestServer s3;
    static LocalFlinkCluster cluster;
    static Path s3Config;

    @BeforeAll
    static void archiveStoreAndCluster() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(SharedData.path("data/invictus-aws-stratus")), "needs ../shared");
        MultiRegionArchive.write(dir.resolve("archive"));
        s3 = new S3TestServer();
        s3.upload("trail", dir.resolve("archive/AWSLogs"), "AWSLogs/o-exampleorg1/");
        s3Config = dir.resolve("s3.yml");
        Files.writeString(s3Config, s3.config());
        // On a cluster, S3 is the cluster's: the same endpoint and keys, as Flink configuration.
        cluster = new LocalFlinkCluster(
                dir.resolve("cluster"),
                List.of(
                        // Every operator at the parallelism asked for, not one the scheduler derives from the volume.
                        "execution.batch.adaptive.auto-parallelism.enabled: false",
                        "s3.endpoint: " + s3.endpoint(),
                        "s3.path.style.access: true",
                        "s3.access-key: " + S3TestServer.ACCESS_KEY,
                        "s3.secret-key: " + S3TestServer.SECRET_KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void aClusterHuntOfAnArchiveOnDiskRaisesTheEmbeddedHuntsAlerts() throws Exception {
        String archive = dir.resolve("archive/AWSLogs").toString();
        List<String> embedded = embeddedHunt("disk", List.of(), archive);
        assertThat(composites(embedded)).hasSize(2 * MultiRegionArchive.PLANTED_SEQUENCES);

        String jobsBefore = finishedHunts();
        List<String> onCluster = clusterHunt("disk", archive);
        assertThat(onCluster).isEqualTo(embedded);
        assertThat(finishedHunts()).as("one more finished hunt on the cluster").isNotEqualTo(jobsBefore);
    }

    @Test
    void aClusterHuntOfAnArchiveInS3RaisesTheEmbeddedHuntsAlerts() throws Exception {
        List<String> embedded = embeddedHunt("s3", List.of("--config", s3Config.toString()), "s3://trail/AWSLogs/");
        assertThat(composites(embedded)).hasSize(2 * MultiRegionArchive.PLANTED_SEQUENCES);

        s3.clearRequests();
        List<String> onCluster = clusterHunt("s3", "s3://trail/AWSLogs/");
        assertThat(onCluster).isEqualTo(embedded);
        // Read from the store by the cluster, within the range only.
        assertThat(s3.requests()).anyMatch(r -> r.startsWith("get ") && r.contains("/2023/07/10/"));
        assertThat(s3.requests()).noneMatch(r -> r.contains("/2024/"));
    }

    /** The hunt in this JVM at parallelism 2; its alerts as sorted canonical JSON lines. */
    private static List<String> embeddedHunt(String name, List<String> options, String input) throws Exception {
        Path out = dir.resolve(name + "-embedded.jsonl");
        List<String> args = new ArrayList<>(List.of("hunt", "--parallelism", "2", "--progress", "none"));
        args.addAll(options);
        args.addAll(RANGE);
        args.addAll(List.of("-o", out.toString(), input));
        HuntCommandTest.Result r = HuntCommandTest.main(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains(" 0 dead letters");
        return canonical(out);
    }

    /**
     * {@code flink run tripline-job.jar hunt --parallelism 2 ...}, attached: the hunt runs on the cluster in BATCH mode and
     * its alerts come back to the client, which writes them; the client exits with the hunt's exit status.
     */
    private static List<String> clusterHunt(String name, String input) throws Exception {
        Path out = dir.resolve(name + "-cluster.jsonl");
        List<String> args =
                new ArrayList<>(List.of("run", "-p", "2", LocalFlinkCluster.jobJar(), "hunt", "--progress", "none"));
        args.addAll(RANGE);
        args.addAll(List.of("-o", out.toString(), input));
        LocalFlinkCluster.Result r = cluster.flink(Duration.ofMinutes(5), args.toArray(String[]::new));
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("Job has been submitted with JobID").contains(" 0 dead letters");
        return canonical(out);
    }

    /** The ids of the finished jobs named "tripline hunt", each with the parallelism of its vertices. */
    private static String finishedHunts() throws Exception {
        StringBuilder s = new StringBuilder();
        for (JsonNode job : cluster.get("/jobs/overview").path("jobs")) {
            if (job.path("name").asText().equals("tripline hunt")
                    && job.path("state").asText().equals("FINISHED")) {
                String id = job.path("jid").asText();
                s.append(id);
                JsonNode vertices = cluster.get("/jobs/" + id).path("vertices");
                for (JsonNode v : vertices) {
                    String name = v.path("name").asText();
                    if (name.contains("detect") || name.startsWith("correlate") || name.startsWith("dedup")) {
                        assertThat(v.path("parallelism").asInt())
                                .as("parallelism of " + name + " in " + vertices)
                                .isEqualTo(2);
                    }
                }
                s.append(' ');
            }
        }
        return s.toString();
    }

    private static List<String> composites(List<String> alerts) {
        return alerts.stream()
                .filter(a -> a.contains(Flagship.REGION_PLAN) || a.contains(Flagship.KEY_PLAN))
                .filter(a -> a.contains("\"kind\":\"correlation\""))
                .toList();
    }

    /** Each alert re-serialized with its object keys sorted, the lines sorted: the alert set, field for field. */
    static List<String> canonical(Path file) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                lines.add(CANONICAL.writeValueAsString(CANONICAL.readValue(line, Object.class)));
            }
        }
        lines.sort(null);
        return lines;
    }
}
