package dev.tripline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.bench.CloudTrailGenerator.Config;
import dev.tripline.bench.CloudTrailGenerator.Kind;
import dev.tripline.bench.CloudTrailGenerator.Manifest;
import dev.tripline.bench.CloudTrailGenerator.Scenario;
import dev.tripline.job.EmbeddedRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's contract, end to end: the embedded {@code tripline run} job over a small generated file raises
 * exactly one flagship composite alert per planted sequence, each for its planted principal, and none for the
 * near-misses or the noise; the file is deterministic, delivered with bounded disorder, and mixed like the
 * datasets it is drawn from.
 */
class CloudTrailGeneratorTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Config SMALL = new Config(
            20_000,
            7,
            8,
            1,
            "2024-03-05T00:00:00Z",
            Duration.ofHours(24).toMillis(),
            Duration.ofMinutes(10).toMillis(),
            0.5,
            120);

    @TempDir
    static Path dir;

    static Path file;
    static Manifest manifest;

    @BeforeAll
    static void generate() throws Exception {
        file = dir.resolve("small.jsonl");
        manifest = new CloudTrailGenerator(SMALL).write(file);
    }

    @Test
    void embeddedRunRaisesExactlyThePlantedCompositeAlerts() throws Exception {
        List<String> alerts = new ArrayList<>();
        List<String> dead = new ArrayList<>();
        EmbeddedRun.Summary summary = EndToEndBench.embeddedRun(file, 2, alerts::add, dead::add);

        assertThat(summary.records()).isEqualTo(SMALL.records());
        assertThat(dead).as("the generator writes only valid records").isEmpty();
        Map<String, String> expected = new HashMap<>();
        for (Scenario s : manifest.plants()) {
            expected.put(s.principal(), s.expectedCorrelation());
        }
        assertThat(expected).hasSize(SMALL.planted());

        List<JsonNode> composites = new ArrayList<>();
        for (String line : alerts) {
            JsonNode a = JSON.readTree(line);
            if ("correlation".equals(a.path("kind").asText())
                    && CloudTrailGenerator.FLAGSHIP.contains(
                            a.path("rule").path("id").asText())) {
                composites.add(a);
            }
        }
        assertThat(composites).hasSize(SMALL.planted());
        Map<String, String> got = composites.stream()
                .collect(Collectors.toMap(
                        a -> a.path("group").path("principal").asText(),
                        a -> a.path("rule").path("id").asText()));
        assertThat(got).isEqualTo(expected);
    }

    @Test
    void scenariosCoverEveryKindAndOutOfOrderPlants() {
        Set<Kind> kinds = manifest.scenarios().stream().map(Scenario::kind).collect(Collectors.toSet());
        assertThat(kinds).containsExactlyInAnyOrder(Kind.values());
        assertThat(manifest.plants()).anyMatch(Scenario::outOfOrder).anyMatch(s -> !s.outOfOrder());
        for (Scenario s : manifest.plants()) {
            assertThat(s.eventIds()).contains(s.completingEventId());
            assertThat(s.completingLine()).isBetween(1L, manifest.records());
        }
        Set<String> principals = new HashSet<>();
        manifest.scenarios()
                .forEach(s -> assertThat(principals.add(s.principal())).isTrue());
    }

    @Test
    void deliveredInRoughEventTimeOrderWithTheMixOfTheDatasets() throws Exception {
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize((int) SMALL.records());
        long maxSeen = Long.MIN_VALUE;
        long worstLateness = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        Map<String, Integer> types = new HashMap<>();
        Set<String> accounts = new HashSet<>();
        Set<String> principals = new HashSet<>();
        Set<String> regions = new HashSet<>();
        int failed = 0;
        for (String l : lines) {
            JsonNode r = JSON.readTree(l);
            long t = Instant.parse(r.path("eventTime").asText()).toEpochMilli();
            maxSeen = Math.max(maxSeen, t);
            worstLateness = Math.max(worstLateness, maxSeen - t);
            first = Math.min(first, t);
            last = Math.max(last, t);
            types.merge(r.path("userIdentity").path("type").asText("(none)"), 1, Integer::sum);
            accounts.add(r.path("recipientAccountId").asText());
            principals.add(r.path("userIdentity").path("arn").asText());
            regions.add(r.path("awsRegion").asText());
            failed += r.path("errorCode").asText("").isEmpty() ? 0 : 1;
        }
        assertThat(worstLateness).isPositive().isLessThanOrEqualTo(SMALL.maxDelayMillis());
        assertThat(last - first)
                .isBetween(Duration.ofHours(22).toMillis(), Duration.ofHours(25).toMillis());
        assertThat(types).containsKeys("IAMUser", "AssumedRole", "AWSService", "Root");
        assertThat(accounts).hasSizeGreaterThan(50);
        assertThat(principals).hasSizeGreaterThan(500);
        assertThat(regions).contains("us-east-1", "us-west-2", "eu-west-1", "eu-central-1");
        assertThat(failed / (double) lines.size()).isBetween(0.05, 0.2);
    }

    @Test
    void anArchiveHoldsTheSameRecordsInCloudTrailsLayout() throws Exception {
        Config c = SMALL.withRecords(3_000).withScenarios(2, 1).withAccounts(3);
        Path lines = dir.resolve("layout.jsonl");
        Path archive = dir.resolve("layout");
        Path again = dir.resolve("layout-again");
        new CloudTrailGenerator(c).write(lines);
        Manifest m = new CloudTrailGenerator(c).writeArchive(archive);
        new CloudTrailGenerator(c).writeArchive(again);
        assertThat(m.records()).isEqualTo(3_000);
        assertThat(Files.exists(CloudTrailGenerator.manifestOf(archive))).isTrue();

        java.util.regex.Pattern layout =
                java.util.regex.Pattern.compile("AWSLogs/(\\d{12})/CloudTrail/([a-z0-9-]+)/(\\d{4})/(\\d{2})/(\\d{2})/"
                        + "\\1_CloudTrail_\\2_\\3\\4\\5T(\\d{4})Z_[A-Za-z0-9]{16}\\.json\\.gz");
        List<String> fromArchive = new ArrayList<>();
        List<Path> files;
        try (var walk = Files.walk(archive)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(10);
        for (Path f : files) {
            String rel = archive.relativize(f).toString().replace('\\', '/');
            java.util.regex.Matcher name = layout.matcher(rel);
            assertThat(name.matches()).as(rel).isTrue();
            Instant delivered = Instant.parse(name.group(3) + "-" + name.group(4) + "-" + name.group(5) + "T"
                    + name.group(6).substring(0, 2) + ":" + name.group(6).substring(2) + ":00Z");
            assertThat(delivered.getEpochSecond() % 300).isZero();
            JsonNode doc;
            try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(f))) {
                doc = JSON.readTree(in);
            }
            assertThat(doc.path("Records").size()).isPositive();
            for (JsonNode r : doc.path("Records")) {
                assertThat(r.path("recipientAccountId").asText()).isEqualTo(name.group(1));
                assertThat(r.path("awsRegion").asText()).isEqualTo(name.group(2));
                assertThat(Instant.parse(r.path("eventTime").asText())).isBefore(delivered);
                fromArchive.add(JSON.writeValueAsString(r));
            }
            assertThat(Files.readAllBytes(again.resolve(archive.relativize(f))))
                    .as("same seed, same archive")
                    .isEqualTo(Files.readAllBytes(f));
        }
        List<String> fromLines = new ArrayList<>();
        for (String l : Files.readAllLines(lines)) {
            fromLines.add(JSON.writeValueAsString(JSON.readTree(l)));
        }
        assertThat(fromArchive).containsExactlyInAnyOrderElementsOf(fromLines);
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        Config c = SMALL.withRecords(3_000).withScenarios(2, 1);
        Path a = dir.resolve("a.jsonl");
        Path b = dir.resolve("b.jsonl");
        Path other = dir.resolve("other.jsonl");
        new CloudTrailGenerator(c).write(a);
        new CloudTrailGenerator(c).write(b);
        new CloudTrailGenerator(c.withSeed(8)).write(other);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(Files.readAllBytes(other)).isNotEqualTo(Files.readAllBytes(a));
    }
}
