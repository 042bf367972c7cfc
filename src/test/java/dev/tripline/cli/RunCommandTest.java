package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.job.Durations;
import dev.tripline.testing.Flagship;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tripline run} end to end through Main, embedded Flink included, over the README's sample file. */
class RunCommandTest {
    static final String SAMPLE = "samples/cloudtrail-quickstart.jsonl";
    static final String REGION_PLAN = Flagship.REGION_PLAN;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    @Test
    void runsTheSampleAndABadFileToAlertsDeadLettersAndExitZero() throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"eventVersion\":\"1.08\",\"eventName\":\n\n[1]\n");
        Path alerts = dir.resolve("alerts.jsonl");
        Path dead = dir.resolve("dead.jsonl");

        int code = Main.run(
                "run",
                "--rules",
                "rules",
                "--output",
                alerts.toString(),
                "--dead-letters",
                dead.toString(),
                "--parallelism",
                "2",
                SAMPLE,
                bad.toString());

        assertThat(code).isZero();
        List<JsonNode> out = lines(alerts);
        List<JsonNode> composite = out.stream()
                .filter(a -> a.path("kind").asText().equals("correlation"))
                .toList();
        assertThat(composite).singleElement().satisfies(a -> {
            assertThat(a.path("rule").path("id").asText()).isEqualTo(REGION_PLAN);
            assertThat(a.path("group").path("region").asText()).isEqualTo("ap-southeast-1");
            assertThat(a.path("title").asText())
                    .isEqualTo("Unused region ap-southeast-1 enabled, then resources "
                            + "created there by arn:aws:iam::123456789012:user/mallory");
            assertThat(a.path("group").path("principal").asText()).isEqualTo("arn:aws:iam::123456789012:user/mallory");
            assertThat(a.path("evidence"))
                    .extracting(e -> e.path("eventName").asText())
                    .containsExactly("EnableRegion", "RunInstances");
        });
        assertThat(out)
                .filteredOn(a -> a.path("kind").asText().equals("single"))
                .isNotEmpty();
        assertThat(lines(dead))
                .extracting(d ->
                        d.path("position").asLong() + " " + d.path("reason").asText())
                .containsExactlyInAnyOrder("1 MALFORMED_JSON", "3 NOT_AN_OBJECT");
    }

    /**
     * Flink's own file listing leaves out names starting with {@code _} or {@code .} without a word; a file the
     * user names is read whatever its name.
     */
    @Test
    void filesNamedWithALeadingUnderscoreOrDotAreRead() throws Exception {
        Path plain = dir.resolve("plain.jsonl");
        Path underscore = dir.resolve("_events.jsonl");
        Path dot = dir.resolve(".events.jsonl");
        for (Path p : List.of(plain, underscore, dot)) {
            Files.copy(Path.of(SAMPLE), p);
        }
        List<Integer> alerts = new ArrayList<>();
        for (Path p : List.of(plain, underscore, dot)) {
            Path out = dir.resolve("alerts-" + alerts.size() + ".jsonl");
            assertThat(Main.run("run", "--rules", "rules", "-o", out.toString(), "--parallelism", "1", p.toString()))
                    .isZero();
            alerts.add(lines(out).size());
        }
        assertThat(alerts.get(0)).isPositive();
        assertThat(alerts).containsOnly(alerts.get(0));
    }

    @Test
    void badFlagsAndMissingInputsAreUsageErrors() {
        assertThat(Main.run("run", "--format", "xml", SAMPLE)).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(Main.run("run", "--out-of-orderness", "soon", SAMPLE)).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(Main.run("run", dir.resolve("missing.jsonl").toString())).isEqualTo(JobOptions.BAD_USAGE);
    }

    @Test
    void durationsInShortAndIsoForm() {
        assertThat(Durations.parse("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("PT1H")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void theConfigFileSuppliesInputsAndOutputsAndFlagsOverrideIt() throws Exception {
        Path alerts = dir.resolve("from-config.json");
        Path dead = dir.resolve("dead.jsonl");
        Path config = dir.resolve("tripline.yml");
        Files.writeString(
                config,
                "output:\n  alerts: " + alerts + "\n  format: ocsf\n  dead-letters: " + dead + "\ninput:\n  paths: ["
                        + SAMPLE + "]\ntime:\n  out-of-orderness: 5m\n");

        assertThat(Main.run("run", "--config", config.toString(), "--parallelism", "1"))
                .isZero();
        assertThat(lines(alerts))
                .isNotEmpty()
                .allSatisfy(a -> assertThat(a.path("class_uid").asInt()).isEqualTo(2004));
        assertThat(dead).exists();

        Path flagged = dir.resolve("from-flags.jsonl");
        assertThat(Main.run(
                        "run",
                        "--config",
                        config.toString(),
                        "--parallelism",
                        "1",
                        "--format",
                        "jsonl",
                        "-o",
                        flagged.toString()))
                .isZero();
        assertThat(lines(flagged))
                .isNotEmpty()
                .allSatisfy(a -> assertThat(a.has("alert_id")).isTrue());
    }

    @Test
    void aBadConfigStopsTheRunNamingKeyValueAndPosition() throws Exception {
        Path config = dir.resolve("bad.yml");
        Files.writeString(config, "time:\n  idleness: whenever\n");
        java.io.StringWriter err = new java.io.StringWriter();
        int code = Main.run(
                java.io.InputStream.nullInputStream(),
                new java.io.PrintWriter(new java.io.StringWriter()),
                new java.io.PrintWriter(err, true),
                "run",
                "--config",
                config.toString(),
                SAMPLE);
        assertThat(code).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(err.toString()).contains(config + ":2:13: time.idleness: not a duration: 'whenever'");
    }
}
