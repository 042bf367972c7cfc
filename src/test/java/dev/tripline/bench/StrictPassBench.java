package dev.tripline.bench;

import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.tripline.event.ParseLimits;
import dev.tripline.event.StrictJsonPass;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The CPU of {@link StrictJsonPass} alone (the fast path's tokenizer, with the member index and one line, as
 * {@code EventParser} runs it), per record, in one thread, in two settings: {@code cold}, one pass over all the
 * records (100,000 lines of {@code ct-300k} are 123 MB, so each record's bytes come from memory, as in {@link
 * DetectBench}), and {@code warm}, the first {@value #WARM_RECORDS} records (2.4 MB) passed {@value #WARM_REPS}
 * times, their bytes in cache, as in the job, where detect is chained to the reader that has just copied the
 * record. With {@code --base}, a base build's pass runs in alternate rounds in a class loader of its own ({@link
 * PairedBuilds}); read the medians of both sides beside the median of the rounds' ratios, and run both orders
 * (whichever build is loaded first has read a few per cent faster in these tools).
 *
 * <p>{@code java -cp target/classes:target/test-classes:$(cat /tmp/cp.txt) dev.tripline.bench.StrictPassBench
 * --file /tmp/e2e/ct-300k.jsonl --records 100000 --rounds 11 --base "<base classes>:target/test-classes:$CP"}
 */
public final class StrictPassBench {
    private StrictPassBench() {}

    private static final int WARM_RECORDS = 2_000;
    private static final int WARM_REPS = 50;
    private static final String[] SETTINGS = {"cold", "warm"};

    public static void main(String[] args) throws Exception {
        Map<String, String> o =
                BenchOptions.parse("StrictPassBench", args, List.of("--file", "--records", "--rounds", "--base"));
        String file = o.getOrDefault("--file", "/tmp/e2e/ct-300k.jsonl");
        int records = Integer.parseInt(o.getOrDefault("--records", "100000"));
        int rounds = Integer.parseInt(o.getOrDefault("--rounds", "11"));
        String base = o.get("--base");
        List<String> names = PairedBuilds.names(base);
        List<Supplier<long[]>> builds = PairedBuilds.builds(base, StrictPassBench.class, file, records);
        long[][][] ns = PairedBuilds.alternate(
                builds,
                rounds,
                (round, b, c) -> EndToEndBench.log(
                        "round %d %-4s: cold %.1f ns/record, warm %.1f ns/record",
                        round + 1, names.get(b), c[0] / 10.0, c[1] / 10.0));
        for (int b = 0; b < builds.size(); b++) {
            System.out.printf(
                    "%-4s ns per record (median of rounds 2..%d): cold %.1f, warm %.1f%n",
                    names.get(b),
                    rounds,
                    PairedBuilds.medianOfLater(ns[b][0]) / 10.0,
                    PairedBuilds.medianOfLater(ns[b][1]) / 10.0);
        }
        if (builds.size() == 2) {
            for (int s = 0; s < SETTINGS.length; s++) {
                System.out.printf(
                        "%s CPU this/base, median of the rounds' ratios: %.3f%n",
                        SETTINGS[s], PairedBuilds.medianRatioOfLater(ns[1][s], ns[0][s]));
            }
        }
    }

    /**
     * One round of both settings over the first {@code records} lines of {@code file}, on each call: this thread's
     * CPU per record in tenths of a nanosecond, cold then warm.
     */
    public static Supplier<long[]> rounds(String file, int records) throws IOException {
        List<byte[]> lines = DetectBench.read(Path.of(file), records);
        List<byte[]> warm = lines.subList(0, Math.min(WARM_RECORDS, lines.size()));
        int maxDepth = ParseLimits.defaults().maxDepth();
        int[] members = new int[1 + StrictJsonPass.MEMBER_INTS * 64];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] accepted = {0};
        return () -> {
            long t0 = threads.getCurrentThreadCpuTime();
            accepted[0] += pass(lines, maxDepth, members);
            long t1 = threads.getCurrentThreadCpuTime();
            for (int rep = 0; rep < WARM_REPS; rep++) {
                accepted[0] += pass(warm, maxDepth, members);
            }
            long t2 = threads.getCurrentThreadCpuTime();
            if (accepted[0] == 0) {
                throw new IllegalStateException("the pass accepted no record of " + file);
            }
            return new long[] {10 * (t1 - t0) / lines.size(), 10 * (t2 - t1) / ((long) WARM_REPS * warm.size())};
        };
    }

    /** The records the pass accepts. */
    private static int pass(List<byte[]> lines, int maxDepth, int[] members) {
        int accepted = 0;
        for (byte[] b : lines) {
            if (StrictJsonPass.firstError(
                            b, 0, b.length, maxDepth, StreamReadConstraints.DEFAULT_MAX_NUM_LEN, members, true)
                    < 0) {
                accepted++;
            }
        }
        return accepted;
    }
}
