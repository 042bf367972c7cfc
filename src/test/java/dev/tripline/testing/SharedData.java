package dev.tripline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Reads the reference corpora and datasets in ../shared (system property {@code tripline.shared}) for tests
 * and benchmarks. They are read in place, never copied into the project.
 */
public final class SharedData {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SharedData() {}

    public static Path root() {
        return Path.of(System.getProperty("tripline.shared", "../shared"))
                .toAbsolutePath()
                .normalize();
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }

    /**
     * Every real CloudTrail record in the datasets: the Invictus S3 log files, the Stratus Red Team detonation
     * logs, the OTRF NDJSON file, the Panther test events and the Elastic golden raw records.
     */
    public static List<ObjectNode> allCloudTrailRecords() {
        List<ObjectNode> out = new ArrayList<>();
        for (Path f : files("data/invictus-aws-stratus", ".json")) {
            readTree(f).path("Records").forEach(r -> out.add((ObjectNode) r));
        }
        for (Path f : files("data/stratus-red-team-detonation-logs", ".json")) {
            readTree(f).forEach(r -> out.add((ObjectNode) r));
        }
        for (Path f : files("data/otrf-security-datasets-aws", ".json")) {
            lines(f).forEach(l -> out.add((ObjectNode) parse(l)));
        }
        for (JsonNode t : pantherCloudTrailTests()) {
            if (t.path("event").isObject()) {
                out.add((ObjectNode) t.get("event"));
            }
        }
        lines(path("data/elastic-integrations-ecs-golden/cloudtrail_ecs_golden_subset.jsonl"))
                .forEach(l -> out.add((ObjectNode) parse(l).get("raw")));
        return out;
    }

    /** The labelled Panther CloudTrail test records (rule_id, test_name, expected_result, event, ...). */
    public static List<JsonNode> pantherCloudTrailTests() {
        return lines(path("data/panther-analysis-test-events/aws_cloudtrail_rule_tests.jsonl.gz")).stream()
                .map(SharedData::parse)
                .toList();
    }

    public static List<Path> files(String dir, String suffix) {
        try (Stream<Path> s = Files.walk(path(dir))) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> lines(Path f) {
        try (InputStream raw = Files.newInputStream(f);
                InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return r.lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode readTree(Path f) {
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
