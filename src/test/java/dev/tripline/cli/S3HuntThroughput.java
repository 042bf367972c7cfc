package dev.tripline.cli;

import static dev.tripline.bench.EndToEndBench.median;

import dev.tripline.testing.MultiRegionArchive;
import dev.tripline.testing.S3TestServer;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Throughput of {@code tripline hunt} over the same archive from S3 (s3proxy on loopback, through Flink's S3 file
 * system plugin) and from local disk, in one JVM, alternating which goes first, for BENCHMARKS.md (not a test; run
 * by hand, see there). Wall time of the whole command: listing, job start-up, reading, detection, writing.
 *
 * <p>Arguments: repetitions (default 3), parallelism (default 2), copies of the archive (default 4; each copy
 * is the {@link MultiRegionArchive} under its own account folder), milliseconds added to every S3 request
 * (default 0: loopback as it is; {@link S3TestServer#latency}).
 */
public final class S3HuntThroughput {
    private static final Pattern RECORDS = Pattern.compile("(\\d+) files, (\\d+) records, (\\d+) events");

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String parallelism = args.length > 1 ? args[1] : "2";
        int copies = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        long latency = args.length > 3 ? Long.parseLong(args[3]) : 0;
        Path dir = Files.createTempDirectory("tripline-s3-bench");
        Path local = dir.resolve("local/AWSLogs");
        for (int c = 0; c < copies; c++) {
            MultiRegionArchive.write(dir.resolve("copy" + c));
            // Same events, another top folder: the layout a second trail bucket prefix would have.
            copyTree(dir.resolve("copy" + c + "/AWSLogs"), local.resolve("copy" + c));
        }
        long bytes;
        try (var s = Files.walk(local)) {
            bytes = s.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
        try (S3TestServer s3 = new S3TestServer()) {
            s3.upload("trail", local, "AWSLogs/");
            s3.latency(latency);
            Path config = dir.resolve("s3.yml");
            Files.writeString(config, s3.config());
            List<Double> disk = new ArrayList<>();
            List<Double> remote = new ArrayList<>();
            String counts = null;
            for (int r = 0; r < reps; r++) {
                boolean diskFirst = r % 2 == 0;
                for (int k = 0; k < 2; k++) {
                    boolean isDisk = (k == 0) == diskFirst;
                    String input = isDisk ? local.toString() : "s3://trail/AWSLogs/";
                    s3.clearRequests();
                    long t0 = System.nanoTime();
                    String err = hunt(config, parallelism, input, dir.resolve("out.jsonl"));
                    double s = (System.nanoTime() - t0) / 1e9;
                    Matcher m = RECORDS.matcher(err);
                    if (!m.find()) {
                        throw new IllegalStateException("no summary: " + err);
                    }
                    counts = m.group(0);
                    (isDisk ? disk : remote).add(s);
                    // What the S3 hunt asked the store, by kind (list, head, get): a regression in requests shows here.
                    Map<String, Long> requests = new TreeMap<>();
                    for (String q : s3.requests()) {
                        requests.merge(q.substring(0, q.indexOf(' ')), 1L, Long::sum);
                    }
                    System.out.printf(
                            "rep %d %-5s %.2f s  %s%s%n",
                            r + 1, isDisk ? "disk" : "s3", s, counts, isDisk ? "" : ", requests " + requests);
                }
            }
            Matcher m = RECORDS.matcher(counts);
            m.find();
            long objects = Long.parseLong(m.group(1));
            long events = Long.parseLong(m.group(3));
            System.out.printf(
                    "archive: %s, %.1f MB gzipped; parallelism %s; %d repetitions; %d ms added to each S3 request%n",
                    counts, bytes / 1e6, parallelism, reps, latency);
            for (String which : List.of("disk", "s3")) {
                double t = median(which.equals("disk") ? disk : remote);
                System.out.printf(
                        "%-4s: median %.2f s, %,.0f events/s, %,.1f files/s%n", which, t, events / t, objects / t);
            }
        }
    }

    private static String hunt(Path config, String parallelism, String input, Path out) {
        StringWriter err = new StringWriter();
        int code = Main.run(
                new ByteArrayInputStream(new byte[0]),
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true),
                "hunt",
                "--config",
                config.toString(),
                "--parallelism",
                parallelism,
                "--progress",
                "none",
                "-o",
                out.toString(),
                input);
        if (code != 0) {
            throw new IllegalStateException("hunt failed (" + code + "): " + err);
        }
        return err.toString();
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                Files.createDirectories(t.getParent());
                Files.copy(p, t);
            }
        }
    }

    private S3HuntThroughput() {}
}
