package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.alert.AlertFormat;
import dev.tripline.bench.CloudTrailGenerator;
import dev.tripline.flink.TimeRange;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedOptions;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.job.TriplineConfig;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoader;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hunt reads the same whatever the grouping of its files into splits: over a generated archive in CloudTrail's
 * S3 layout (planted flagship sequences) with files that give dead letters (a truncated gzip, a broken element in
 * a {@code Records} array, bad lines of a JSON Lines file), a hunt with a split per file is the reference; the
 * default grouping at parallelism 1 and 3, and large groups over the files in shuffled order at parallelism 2, give
 * the same alerts and the same dead letters (origin and position in each), line for line.
 */
class FileGroupHuntTest {
    @TempDir
    static Path dir;

    static ArchiveFiles.Listing listing;
    static RuleProgram rules;
    static Output reference;

    record Output(List<String> alerts, List<String> deadLetters) {}

    static String event(String id, String time) {
        return "{\"eventVersion\":\"1.08\",\"eventTime\":\"" + time + "\",\"eventSource\":\"s3.amazonaws.com\","
                + "\"eventName\":\"GetObject\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"203.0.113.7\","
                + "\"userIdentity\":{\"type\":\"IAMUser\",\"accountId\":\"111122223333\","
                + "\"arn\":\"arn:aws:iam::111122223333:user/reader\"},\"eventID\":\"" + id
                + "\",\"recipientAccountId\":\"111122223333\"}";
    }

    @BeforeAll
    static void archiveAndReference() throws Exception {
        Path archive = dir.resolve("archive");
        new CloudTrailGenerator(CloudTrailGenerator.Config.defaults()
                        .withRecords(20_000)
                        .withSpan(Duration.ofHours(6))
                        .withAccounts(2)
                        .withScenarios(30, 5))
                .writeArchive(archive);
        Path day = archive.resolve("AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/05");
        Files.createDirectories(day);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(("{\"Records\":[" + event("t-1", "2024-03-05T01:00:00Z") + "]}").getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = gz.toByteArray();
        Files.write(
                day.resolve("111122223333_CloudTrail_us-east-1_20240305T0100Z_truncated.json.gz"),
                java.util.Arrays.copyOf(whole, whole.length / 2));
        Files.writeString(
                day.resolve("111122223333_CloudTrail_us-east-1_20240305T0105Z_element.json"),
                "{\"Records\":[" + event("e-1", "2024-03-05T01:05:00Z") + ",{\"eventName\":,},"
                        + event("e-3", "2024-03-05T01:05:02Z") + "]}");
        Files.writeString(
                day.resolve("export.jsonl"),
                event("l-1", "2024-03-05T01:10:00Z") + "\nnot json\n\n" + event("l-4", "2024-03-05T01:10:03Z")
                        + "\n{\"eventTime\":12}\n");
        listing = ArchiveFiles.list(List.of(archive.toString()), ArchiveFiles.Scope.ALL);
        RuleLoader.Result loaded =
                RuleLoader.standard(TriplineConfig.defaults().ruleLoadOptions()).load(List.of(Path.of("rules")));
        assertThat(loaded.errors()).isEmpty();
        rules = RuleProgram.of(loaded.ruleSet());

        reference = hunt(2, listing.files(), 1);
        assertThat(reference.alerts().stream()
                        .filter(a -> CloudTrailGenerator.FLAGSHIP.stream().anyMatch(a::contains)))
                .as("the planted sequences fire")
                .hasSizeGreaterThanOrEqualTo(30);
        assertThat(reference.deadLetters())
                .as("the truncated gzip, the broken element, two bad lines")
                .hasSize(4)
                .anySatisfy(l -> assertThat(l).contains("truncated.json.gz"))
                .anySatisfy(l -> assertThat(l).contains("element.json"))
                .anySatisfy(l -> assertThat(l).contains("export.jsonl").contains("\"position\":2"))
                .anySatisfy(l -> assertThat(l).contains("export.jsonl").contains("\"position\":5"));
    }

    /** A hunt over {@code files} with groups of at most {@code targetBytes}; alerts and dead letters sorted. */
    static Output hunt(int parallelism, List<InputFile> files, long targetBytes) throws Exception {
        return hunt(parallelism, files, targetBytes, FileGroupSource.RANGE_BYTES);
    }

    /** The same, with JSON Lines files cut into ranges of at least {@code rangeBytes}. */
    static Output hunt(int parallelism, List<InputFile> files, long targetBytes, long rangeBytes) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                EmbeddedOptions.DEFAULTS.applyTo(EmbeddedRun.slots(new Configuration(), parallelism)));
        env.setParallelism(parallelism);
        List<String> alerts = Collections.synchronizedList(new ArrayList<>());
        List<String> deadLetters = Collections.synchronizedList(new ArrayList<>());
        new EmbeddedRun(
                        rules,
                        DetectionJob.Options.defaults().withTimeRange(TimeRange.ALL),
                        AlertFormat.JSONL,
                        new RawRecordFormat())
                .run(
                        env,
                        RuntimeExecutionMode.BATCH,
                        EmbeddedRun.Input.connector(e -> e.fromSource(
                                        new FileGroupSource(files, new RawRecordFormat(), targetBytes, rangeBytes),
                                        WatermarkStrategy.noWatermarks(),
                                        "files")
                                .uid(Connectors.UID_FILE_SOURCE)),
                        alerts::add,
                        deadLetters::add,
                        null,
                        0);
        List<String> a = new ArrayList<>(alerts);
        List<String> d = new ArrayList<>(deadLetters);
        Collections.sort(a);
        Collections.sort(d);
        return new Output(a, d);
    }

    @Test
    void theDefaultGroupingAtParallelismOneAndThreeReadsAsASplitPerFile() throws Exception {
        for (int parallelism : new int[] {1, 3}) {
            assertThat(hunt(parallelism, listing.files(), FileGroupSource.TARGET_BYTES))
                    .as("parallelism %d", parallelism)
                    .isEqualTo(reference);
        }
    }

    /**
     * One JSON Lines file of the same records, with bad and blank lines among them: read whole at parallelism 1, and
     * cut into three ranges read at parallelism 3, it gives the same alerts and dead letters (each at its line).
     */
    @Test
    void aJsonLinesFileCutIntoRangesReadsAsTheWholeFile() throws Exception {
        Path file = dir.resolve("export").resolve("all.jsonl");
        Files.createDirectories(file.getParent());
        new CloudTrailGenerator(CloudTrailGenerator.Config.defaults()
                        .withRecords(12_000)
                        .withSpan(Duration.ofHours(4))
                        .withAccounts(2)
                        .withScenarios(20, 4))
                .write(file);
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        for (int i = 1000; i < lines.size(); i += 1500) {
            lines.add(i, (i / 1500) % 2 == 0 ? "not json" : "   ");
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        List<InputFile> one = ArchiveFiles.list(List.of(file.toString()), ArchiveFiles.Scope.ALL)
                .files();
        Output whole = hunt(1, one, FileGroupSource.TARGET_BYTES);
        assertThat(whole.alerts()).hasSizeGreaterThanOrEqualTo(20);
        assertThat(whole.deadLetters()).hasSizeGreaterThanOrEqualTo(4);
        assertThat(hunt(3, one, FileGroupSource.TARGET_BYTES, one.get(0).size() / 3))
                .isEqualTo(whole);
    }

    @Test
    void largeGroupsOfShuffledFilesReadAsASplitPerFile() throws Exception {
        List<InputFile> shuffled = new ArrayList<>(listing.files());
        Collections.shuffle(shuffled, new Random(3));
        assertThat(hunt(2, shuffled, Long.MAX_VALUE)).isEqualTo(reference);
    }
}
