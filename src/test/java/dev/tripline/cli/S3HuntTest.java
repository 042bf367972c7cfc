package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.testing.MultiRegionArchive;
import dev.tripline.testing.S3TestServer;
import dev.tripline.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline hunt} over S3 (a real S3 API on loopback, {@link S3TestServer}) raises exactly the alerts of the
 * same archive on disk, and lists only the folders inside its range, accounts and regions. The bucket holds the
 * multi-account, multi-region {@link MultiRegionArchive} as an organisation trail writes it
 * ({@code AWSLogs/o-…/ACCOUNT/CloudTrail/…}) with digest files beside it; the disk copy has the plain layout.
 */
class S3HuntTest {
    static final String ORG = "o-exampleorg1";
    static final String ACCOUNT = "123837392027";

    @TempDir
    static Path dir;

    static S3TestServer s3;
    static Path config;

    @BeforeAll
    static void archiveAndServer() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(SharedData.path("data/invictus-aws-stratus")), "needs ../shared");
        MultiRegionArchive.write(dir.resolve("archive"));
        s3 = new S3TestServer();
        s3.upload("trail", dir.resolve("archive/AWSLogs"), "AWSLogs/" + ORG + "/");
        // Digest files are signatures, not events: a hunt must not list or read them.
        s3.put(
                "trail",
                "AWSLogs/" + ORG + "/" + ACCOUNT + "/CloudTrail-Digest/us-east-1/2023/07/10/digest.json.gz",
                "not events".getBytes(StandardCharsets.UTF_8));
        config = dir.resolve("s3.yml");
        Files.writeString(config, s3.config());
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @BeforeEach
    void clear() {
        s3.clearRequests();
    }

    @Test
    void aHuntOverS3RaisesTheAlertsOfTheSameArchiveOnDiskAndListsOnlyTheRange() throws Exception {
        List<String> range = List.of("--from", "2023-07-10", "--to", "2023-07-12");
        List<String> onDisk = hunt(range, dir.resolve("archive/AWSLogs").toString());
        // The archive's real records fire other correlations too; the planted sequences are the flagship's.
        assertThat(onDisk.stream()
                        .filter(a -> a.contains(" correlation ")
                                && (a.endsWith(dev.tripline.testing.Flagship.REGION_PLAN)
                                        || a.endsWith(dev.tripline.testing.Flagship.KEY_PLAN))))
                .hasSize(2 * MultiRegionArchive.PLANTED_SEQUENCES);

        s3.clearRequests();
        assertThat(hunt(range, "s3://trail/AWSLogs/")).isEqualTo(onDisk);

        List<String> requests = s3.requests();
        // The 2024 detonation logs are in the bucket, but their year folders were never listed, nor read.
        assertThat(requests).anyMatch(r -> r.startsWith("list AWSLogs/" + ORG + "/" + ACCOUNT + "/CloudTrail/"));
        assertThat(requests).anyMatch(r -> r.startsWith("get ") && r.contains("/2023/07/10/"));
        assertThat(requests).noneMatch(r -> r.contains("/2024/"));
        assertThat(requests).noneMatch(r -> r.contains("CloudTrail-Digest"));
        // The source takes each object's size from the hunt's own walk: no folder below the input is listed twice
        // (the input itself is listed by its status check and by the walk), and no object gets a status request:
        // the reader opens each with its listed size, one GET (ListedFileOpener).
        assertThat(requests.stream()
                        .filter(r -> r.startsWith("list ") && !r.equals("list AWSLogs/"))
                        .toList())
                .as("folder listings")
                .hasSizeGreaterThan(20)
                .doesNotHaveDuplicates();
        java.util.Map<String, Long> headsPerObject = requests.stream()
                .filter(r -> r.startsWith("head "))
                .collect(java.util.stream.Collectors.groupingBy(
                        r -> r.substring(5), java.util.stream.Collectors.counting()));
        List<String> read = requests.stream()
                .filter(r -> r.startsWith("get "))
                .map(r -> r.substring(4))
                .distinct()
                .toList();
        assertThat(read).hasSizeGreaterThan(40);
        assertThat(read)
                .allSatisfy(key -> assertThat(headsPerObject.getOrDefault(key, 0L))
                        .as("status requests for %s", key)
                        .isZero());
    }

    @Test
    void accountAndRegionFoldersOutsideTheHuntAreNotListed() throws Exception {
        List<String> scope = List.of("--accounts", ACCOUNT, "--regions", "us-east-1,eu-west-1");
        List<String> s3Alerts = hunt(scope, "s3://trail/AWSLogs");
        assertThat(s3Alerts)
                .isEqualTo(hunt(scope, dir.resolve("archive/AWSLogs").toString()));
        assertThat(s3Alerts).isNotEmpty();

        List<String> requests = s3.requests();
        assertThat(requests)
                .filteredOn(r -> r.startsWith("list ") || r.startsWith("get "))
                .allSatisfy(r -> {
                    String key = r.substring(r.indexOf(' ') + 1);
                    if (key.startsWith("AWSLogs/" + ORG + "/") && key.length() > ("AWSLogs/" + ORG + "/").length()) {
                        assertThat(key).startsWith("AWSLogs/" + ORG + "/" + ACCOUNT);
                    }
                    if (key.contains("/CloudTrail/") && !key.endsWith("/CloudTrail/")) {
                        assertThat(key).containsAnyOf("/CloudTrail/us-east-1", "/CloudTrail/eu-west-1");
                    }
                });
        assertThat(requests).noneMatch(r -> r.contains("/CloudTrail/sa-east-1"));
    }

    @Test
    void aMissingBucketPathIsAClearErrorNamingIt() throws Exception {
        HuntCommandTest.Result r = HuntCommandTest.main(
                "hunt", "--config", config.toString(), "--progress", "none", "s3://trail/NoSuchPrefix/");
        assertThat(r.code()).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(r.err()).contains("input not found: s3://trail/NoSuchPrefix/");
    }

    /** The alerts of one hunt as sorted "alert_id kind count rule" lines; the hunt must end cleanly. */
    private static List<String> hunt(List<String> options, String input) throws Exception {
        Path out = Files.createTempFile(dir, "hunt", ".jsonl");
        List<String> args = new ArrayList<>(List.of(
                "hunt",
                "--config",
                config.toString(),
                "--parallelism",
                "2",
                "--progress",
                "none",
                "-o",
                out.toString()));
        args.addAll(options);
        args.add(input);
        HuntCommandTest.Result r = HuntCommandTest.main(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).as(r.err()).contains(" 0 dead letters");
        List<String> lines = new ArrayList<>();
        for (JsonNode a : RunCommandTest.lines(out)) {
            lines.add(a.path("alert_id").asText() + " " + a.path("kind").asText() + " "
                    + a.path("count").asText() + " " + a.path("rule").path("id").asText());
        }
        Collections.sort(lines);
        return lines;
    }
}
