package dev.tripline.io;

import static dev.tripline.bench.EndToEndBench.median;

import dev.tripline.job.TriplineConfig;
import dev.tripline.testing.S3TestServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How long {@link ArchiveFiles#list} takes to walk a CloudTrail archive in S3 with its folder listings one after
 * another against {@link ArchiveFiles#LISTINGS_IN_FLIGHT} at once, for docs/benchmark-log.md (not a test; run by
 * hand). The bucket is s3proxy on loopback ({@link S3TestServer}) with a latency added to every request, since on
 * loopback a request costs about a millisecond where S3's cost tens. The archive: {@code accounts} accounts,
 * {@code regions} regions and {@code days} days in CloudTrail's layout, two small objects a day folder. Both walks
 * must give the same listing.
 *
 * <p>Arguments: accounts (2), regions (17), days (30), latency in ms (30), repetitions (3). Needs Flink's S3 file
 * system plugin: {@code FLINK_PLUGINS_DIR=target/plugins} after {@code mvn verify}.
 */
public final class S3ListingTime {
    private S3ListingTime() {}

    public static void main(String[] args) throws Exception {
        int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int regions = args.length > 1 ? Integer.parseInt(args[1]) : 17;
        int days = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        long latency = args.length > 3 ? Long.parseLong(args[3]) : 30;
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        try (S3TestServer s3 = new S3TestServer()) {
            byte[] empty = "{\"Records\":[]}".getBytes(StandardCharsets.UTF_8);
            int objects = 0;
            for (int a = 0; a < accounts; a++) {
                String account = String.format(Locale.ROOT, "%012d", 111122223333L + a);
                for (int r = 0; r < regions; r++) {
                    String region = "region-" + r;
                    for (int d = 0; d < days; d++) {
                        java.time.LocalDate day =
                                java.time.LocalDate.of(2024, 1, 1).plusDays(d);
                        String folder = String.format(
                                Locale.ROOT,
                                "AWSLogs/%s/CloudTrail/%s/%04d/%02d/%02d/",
                                account,
                                region,
                                day.getYear(),
                                day.getMonthValue(),
                                day.getDayOfMonth());
                        for (int k = 0; k < 2; k++) {
                            s3.put("trail", folder + account + "_CloudTrail_" + region + "_" + k + ".json.gz", empty);
                            objects++;
                        }
                    }
                }
            }
            TriplineConfig.parse("s3.yml", s3.config()).settings().s3().initialize();
            s3.latency(latency);
            List<String> input = List.of("s3://trail/AWSLogs/");
            List<Double> one = new ArrayList<>();
            List<Double> many = new ArrayList<>();
            ArchiveFiles.Listing first = null;
            for (int i = 0; i < reps; i++) {
                for (int k = 0; k < 2; k++) {
                    boolean sequential = (k == 0) == (i % 2 == 0);
                    int inFlight = sequential ? 1 : ArchiveFiles.LISTINGS_IN_FLIGHT;
                    long t0 = System.nanoTime();
                    ArchiveFiles.Listing listing = ArchiveFiles.list(input, ArchiveFiles.Scope.ALL, inFlight);
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (first == null) {
                        first = listing;
                    } else if (!listing.equals(first)) {
                        throw new IllegalStateException("the two walks listed different files");
                    }
                    (sequential ? one : many).add(s);
                    System.out.printf(
                            Locale.ROOT,
                            "rep %d, %2d listings in flight: %.2f s, %d folders listed, %d files%n",
                            i + 1,
                            inFlight,
                            s,
                            listing.listed(),
                            listing.files().size());
                }
            }
            double a = median(one);
            double b = median(many);
            System.out.printf(
                    Locale.ROOT,
                    "%d objects, %d ms a request: one listing at a time %.2f s, %d at once %.2f s: %.1fx faster%n",
                    objects,
                    latency,
                    a,
                    ArchiveFiles.LISTINGS_IN_FLIGHT,
                    b,
                    a / b);
        }
    }
}
