package dev.tripline.bench;

import dev.tripline.alert.AlertFormat;
import dev.tripline.bench.CloudTrailGenerator.Manifest;
import dev.tripline.flink.TimeRange;
import dev.tripline.io.ArchiveFiles;
import dev.tripline.io.RawRecordFormat;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedOptions;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.program.RuleProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code tripline hunt} over a gzip archive in CloudTrail's S3 layout ({@link CloudTrailGenerator#writeArchive}:
 * several days, a file per account, region and five minutes) against a parse-only job over the same files (the
 * same FileSource, the same gunzip and {@code EventParser} in {@link EndToEndBench.ParseOnly}, nothing matched),
 * in the same JVM and the same runtime mode (BATCH, as a hunt runs). Alternated ABBA, each repetition timed from
 * job build to the end of the job; throughput is CloudTrail records (events) per second, medians and their ratio.
 *
 * <p>The hunt is {@link EmbeddedRun} with the repository's {@code rules/}, the default options and the archive's
 * listing ({@link ArchiveFiles#list}), as {@code tripline hunt DIR --parallelism P} runs it without the CLI. Both
 * jobs must see every record of the archive, and the hunt must raise one flagship composite per plant.
 *
 * <p>Options: {@code --archive DIR} (generated if missing or generated with other settings), {@code --records N}
 * (1,000,000), {@code --days D} (3), {@code --accounts A} (4: a mid-sized organisation, whose files hold about a
 * hundred records each; the generator's default 120 accounts at this volume give files of a few records),
 * {@code --reps R} (5), {@code --warmups W} (3: unmeasured runs of each side over the whole archive first),
 * {@code --parallelism P} (2), {@code --out JSON}.
 */
public final class HuntBench {
    private HuntBench() {}

    /** The archive's files as a hunt lists them. */
    static ArchiveFiles.Listing listing(Path archive) {
        return ArchiveFiles.list(List.of(archive.toString()), ArchiveFiles.Scope.ALL);
    }

    /**
     * A local environment as {@code tripline hunt} makes one: its slots ({@link EmbeddedRun#slots}), its restarts
     * ({@link EmbeddedOptions#DEFAULTS}: Flink 1.20's file reader can fail on a race between a reader going idle
     * and its next file arriving, FLINK-36146, and a hunt restarts the failed part), Tripline's buffer timeout.
     * Both jobs run on one like it.
     */
    static StreamExecutionEnvironment environment(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                EmbeddedOptions.DEFAULTS.applyTo(EmbeddedRun.slots(new Configuration(), parallelism)));
        env.setParallelism(parallelism);
        env.setBufferTimeout(DetectionJob.BUFFER_TIMEOUT_MILLIS);
        return env;
    }

    /** {@code tripline hunt ARCHIVE --parallelism P} without the CLI: the same EmbeddedRun, rules and options. */
    static EmbeddedRun.Summary hunt(ArchiveFiles.Listing files, int parallelism) throws Exception {
        EmbeddedRun run = new EmbeddedRun(
                RuleProgram.of(EndToEndBench.rules()),
                DetectionJob.Options.defaults().withTimeRange(TimeRange.ALL),
                AlertFormat.JSONL,
                new RawRecordFormat());
        return run.run(
                environment(parallelism),
                RuntimeExecutionMode.BATCH,
                EmbeddedRun.Input.files(files),
                line -> {},
                line -> {},
                null,
                0);
    }

    record Throughput(List<Double> hunt, List<Double> parseOnly, long events, Map<String, Long> alertsByRule) {
        double huntMedian() {
            return EndToEndBench.median(hunt);
        }

        double parseOnlyMedian() {
            return EndToEndBench.median(parseOnly);
        }

        double ratio() {
            return huntMedian() / parseOnlyMedian();
        }

        double pairedRatio() {
            return EndToEndBench.pairedRatio(hunt, parseOnly);
        }
    }

    static Throughput throughput(ArchiveFiles.Listing files, long events, int reps, int warmups, int parallelism)
            throws Exception {
        // Unmeasured runs of each over the whole archive first: after one run over its first 500 files the hunt
        // still got faster for four repetitions (46,125 to 77,392 records/s) while the parse-only job did not, so
        // the median fell on warming runs. Logged, to show where each side levels off.
        for (int i = 0; i < warmups; i++) {
            long t0 = System.nanoTime();
            hunt(files, parallelism);
            EndToEndBench.log(
                    "  warm-up %d tripline hunt %,10.0f records/s", i + 1, events / ((System.nanoTime() - t0) / 1e9));
            t0 = System.nanoTime();
            EndToEndBench.parseOnly(environment(parallelism), files.files(), RuntimeExecutionMode.BATCH);
            EndToEndBench.log(
                    "  warm-up %d parse only     %,10.0f records/s", i + 1, events / ((System.nanoTime() - t0) / 1e9));
        }
        List<Double> h = new ArrayList<>();
        List<Double> p = new ArrayList<>();
        EmbeddedRun.Summary last = null;
        for (int i = 0; i < reps; i++) {
            boolean huntFirst = i % 2 == 0; // ABBA: a drift in the machine's speed hits both sides alike
            for (int k = 0; k < 2; k++) {
                System.gc();
                long t0 = System.nanoTime();
                if ((k == 0) == huntFirst) {
                    last = hunt(files, parallelism);
                    double s = (System.nanoTime() - t0) / 1e9;
                    check("hunt", last.events(), events);
                    h.add(events / s);
                    EndToEndBench.log(
                            "  rep %d tripline hunt %,10.0f records/s (%.1f s, %,d alerts)",
                            i + 1, events / s, s, last.alerts());
                } else {
                    long parsed = EndToEndBench.parseOnly(
                            environment(parallelism), files.files(), RuntimeExecutionMode.BATCH);
                    double s = (System.nanoTime() - t0) / 1e9;
                    check("parse-only", parsed, events);
                    p.add(events / s);
                    EndToEndBench.log("  rep %d parse only     %,10.0f records/s (%.1f s)", i + 1, events / s, s);
                }
            }
        }
        return new Throughput(h, p, events, last == null ? Map.of() : last.alertsByRule());
    }

    private static void check(String job, long seen, long expected) {
        if (seen != expected) {
            throw new IllegalStateException(
                    "the " + job + " job saw " + seen + " records of the archive's " + expected);
        }
    }

    /** The archive of {@code config} at {@code dir}: reused when its manifest has the same settings. */
    static Manifest ensureArchive(Path dir, CloudTrailGenerator.Config config) throws IOException {
        Path m = CloudTrailGenerator.manifestOf(dir);
        if (Files.isDirectory(dir) && Files.exists(m)) {
            try {
                Manifest existing = Manifest.read(m);
                if (existing.config().equals(config)) {
                    EndToEndBench.log("reusing %s (same generator settings)", dir);
                    return existing;
                }
            } catch (IOException e) {
                EndToEndBench.log("regenerating %s: %s", dir, e.getMessage());
            }
        }
        deleteTree(dir);
        long t0 = System.nanoTime();
        Manifest made = new CloudTrailGenerator(config).writeArchive(dir);
        EndToEndBench.log(
                "generated %s: %,d records, %d scenarios (%.0f s)",
                dir, made.records(), made.scenarios().size(), (System.nanoTime() - t0) / 1e9);
        return made;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p :
                    all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        long records = Long.parseLong(o.getOrDefault("--records", "1000000").replace("_", ""));
        int days = Integer.parseInt(o.getOrDefault("--days", "3"));
        int accounts = Integer.parseInt(o.getOrDefault("--accounts", "4"));
        int reps = Integer.parseInt(o.getOrDefault("--reps", "5"));
        int warmups = Integer.parseInt(o.getOrDefault("--warmups", "3"));
        int parallelism = Integer.parseInt(o.getOrDefault("--parallelism", "2"));
        Path archive = Path.of(o.getOrDefault("--archive", "target/bench/cloudtrail-archive"));
        Path resultFile = Path.of(o.getOrDefault("--out", "target/bench/hunt-result.json"));
        long t0 = System.nanoTime();

        CloudTrailGenerator.Config config = CloudTrailGenerator.Config.defaults()
                .withRecords(records)
                .withSpan(Duration.ofDays(days))
                .withAccounts(accounts);
        Manifest manifest = ensureArchive(archive, config);
        ArchiveFiles.Listing files = listing(archive);
        long compressed = 0;
        for (dev.tripline.io.InputFile f : files.files()) {
            compressed += f.size();
        }
        EndToEndBench.log(
                "hunt: %d repetitions each, parallelism %d, %,d records in %,d files (%,d MB gzip, %,d MB JSON)",
                reps, parallelism, manifest.records(), files.files().size(), compressed >> 20, manifest.bytes() >> 20);
        Throughput tp = throughput(files, manifest.records(), reps, warmups, parallelism);
        long flagship = tp.alertsByRule().entrySet().stream()
                .filter(e -> CloudTrailGenerator.FLAGSHIP.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue)
                .sum();
        EndToEndBench.log(
                "hunt %,.0f records/s, parse-only %,.0f records/s, ratio %.2f (per-repetition %.2f); flagship "
                        + "composites %d of %d planted",
                tp.huntMedian(),
                tp.parseOnlyMedian(),
                tp.ratio(),
                tp.pairedRatio(),
                flagship,
                manifest.plants().size());

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("machine", EndToEndBench.machine());
        result.put("parallelism", parallelism);
        result.put("archive", archive.toString());
        result.put("generator", config);
        result.put("files", files.files().size());
        result.put("records", manifest.records());
        result.put("gzipBytes", compressed);
        result.put("jsonBytes", manifest.bytes());
        result.put("hunt", tp.hunt());
        result.put("parseOnly", tp.parseOnly());
        result.put("huntMedian", tp.huntMedian());
        result.put("parseOnlyMedian", tp.parseOnlyMedian());
        result.put("ratio", tp.ratio());
        result.put("pairedRatio", tp.pairedRatio());
        result.put("flagshipComposites", flagship);
        result.put("planted", manifest.plants().size());
        result.put("alertsByRule", tp.alertsByRule());
        result.put("seconds", (System.nanoTime() - t0) / 1e9);
        Files.createDirectories(resultFile.toAbsolutePath().getParent());
        EndToEndBench.JSON.writeValue(resultFile.toFile(), result);
        EndToEndBench.log("results in %s (%.0f s in all)", resultFile, (System.nanoTime() - t0) / 1e9);
        if (flagship != manifest.plants().size()) {
            throw new IllegalStateException("the hunt raised " + flagship + " flagship composites for "
                    + manifest.plants().size() + " plants");
        }
    }

    static Map<String, String> options(String[] args) {
        return BenchOptions.parse(
                "HuntBench",
                args,
                List.of(
                        "--archive",
                        "--records",
                        "--days",
                        "--accounts",
                        "--reps",
                        "--warmups",
                        "--parallelism",
                        "--out"));
    }
}
