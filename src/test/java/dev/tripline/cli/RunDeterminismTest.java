package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.testing.MultiRegionArchive;
import dev.tripline.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over files, {@code tripline run} raises exactly the alerts of {@code tripline hunt} (same alert ids, same
 * counts) whatever the order the files are named in, the parallelism and the folder layout, on a multi-region
 * archive in CloudTrail's S3 layout whose region folders in path order are hours out of event-time order and
 * whose planted sequences have their steps in different region folders ({@link MultiRegionArchive}).
 */
class RunDeterminismTest {
    @TempDir
    static Path dir;

    static List<Path> files;
    static List<String> hunted;

    @BeforeAll
    static void archiveAndHunt() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(SharedData.path("data/invictus-aws-stratus")), "needs ../shared");
        files = MultiRegionArchive.write(dir.resolve("archive"));
        hunted = alerts("hunt", "1", List.of(dir.resolve("archive/AWSLogs").toString()));
        // The reference itself must be worth comparing with: every planted sequence fires both flagship plans
        // (5d0c7a0e-...-6a10 and -6a11; the real records of the archive fire other correlations as well).
        assertThat(hunted.stream()
                        .filter(a -> a.contains(" correlation ") && a.contains(" 5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a1")))
                .hasSize(2 * MultiRegionArchive.PLANTED_SEQUENCES);
        assertThat(hunted).hasSizeGreaterThan(100);
    }

    @Test
    void aRunOverTheTreeRegionByRegionRaisesTheHuntsAlerts() throws Exception {
        assertThat(alerts("run", "1", List.of(dir.resolve("archive/AWSLogs").toString())))
                .isEqualTo(hunted);
    }

    @Test
    void shuffledFilesAtParallelismOneTwoAndFourRaiseTheHuntsAlerts() throws Exception {
        for (int parallelism : new int[] {1, 2, 4}) {
            List<String> shuffled = shuffled(parallelism);
            assertThat(alerts("run", String.valueOf(parallelism), shuffled))
                    .as("run, parallelism %d, files shuffled with seed %d", parallelism, parallelism)
                    .isEqualTo(hunted);
        }
    }

    @Test
    void aHuntOfShuffledFilesAtParallelismFourRaisesTheSameAlerts() throws Exception {
        assertThat(alerts("hunt", "4", shuffled(42))).isEqualTo(hunted);
    }

    private static List<String> shuffled(long seed) {
        List<String> names = new ArrayList<>(files.stream().map(Path::toString).toList());
        Collections.shuffle(names, new Random(seed));
        return names;
    }

    /** The alerts of one run as sorted "alert_id kind count rule" lines; the run must end cleanly. */
    private static List<String> alerts(String command, String parallelism, List<String> inputs) throws Exception {
        Path out = Files.createTempFile(dir, command, ".jsonl");
        List<String> args = new ArrayList<>(List.of(command, "--parallelism", parallelism, "-o", out.toString()));
        if (command.equals("hunt")) {
            args.addAll(List.of("--progress", "none"));
        }
        args.addAll(inputs);
        HuntCommandTest.Result r = HuntCommandTest.main(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).as(r.err()).contains(" 0 late records");
        List<String> lines = new ArrayList<>();
        for (JsonNode a : RunCommandTest.lines(out)) {
            lines.add(a.path("alert_id").asText() + " " + a.path("kind").asText() + " "
                    + a.path("count").asText() + " " + a.path("rule").path("id").asText());
        }
        Collections.sort(lines);
        return lines;
    }
}
