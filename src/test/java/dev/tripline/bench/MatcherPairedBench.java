package dev.tripline.bench;

import dev.tripline.event.Event;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.Rule;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link MatcherBenchmark}'s {@code compiled} and {@code reference} in CPU time of this thread, in paired rounds
 * with a base build ({@link PairedBuilds}), for a loaded machine where JMH's wall-clock scores of separate runs
 * spread too far to compare. Each round parses the benchmark's {@link MatcherBenchmark#EVENTS} records afresh
 * before every pass (not timed) and times the passes of each matcher; figures are events per CPU second, the
 * median of the rounds after the first.
 *
 * <p>{@code java -Dtripline.shared=/work/shared -cp target/classes:target/test-classes:$(cat /tmp/cp.txt)
 * dev.tripline.bench.MatcherPairedBench --rounds 9 --base <base classes>:target/test-classes:$(cat /tmp/cp.txt)}
 * (the base runs this build's bench classes on its own main classes).
 */
public final class MatcherPairedBench {
    private MatcherPairedBench() {}

    private static final int COMPILED_PASSES = 40;
    private static final int REFERENCE_PASSES = 3;

    public static void main(String[] args) throws Exception {
        Map<String, String> o = BenchOptions.parse("MatcherPairedBench", args, List.of("--rounds", "--base"));
        int rounds = Integer.parseInt(o.getOrDefault("--rounds", "9"));
        String base = o.get("--base");
        List<String> names = PairedBuilds.names(base);
        List<Supplier<long[]>> builds = PairedBuilds.builds(base, MatcherPairedBench.class, "", 0);
        long[][][] cpu = PairedBuilds.alternate(
                builds,
                rounds,
                (round, b, c) -> EndToEndBench.log(
                        "round %d %-4s: compiled %,.0f events/s, reference %,.0f events/s, matches %d and %d",
                        round + 1,
                        names.get(b),
                        perSecond(c[0], COMPILED_PASSES),
                        perSecond(c[1], REFERENCE_PASSES),
                        c[2],
                        c[3]));
        for (int b = 0; b < builds.size(); b++) {
            double compiled = perSecond(PairedBuilds.medianOfLater(cpu[b][0]), COMPILED_PASSES);
            double reference = perSecond(PairedBuilds.medianOfLater(cpu[b][1]), REFERENCE_PASSES);
            System.out.printf(
                    "%-4s events per CPU second (median of rounds 2..%d): compiled %,.0f, reference %,.0f, ratio %.1f%n",
                    names.get(b), rounds, compiled, reference, compiled / reference);
        }
        if (builds.size() == 2) {
            System.out.printf(
                    "compiled CPU this/base, median of the rounds' ratios: %.3f%n",
                    PairedBuilds.medianRatioOfLater(cpu[1][0], cpu[0][0]));
        }
    }

    private static double perSecond(long nanos, int passes) {
        return (double) passes * MatcherBenchmark.EVENTS / (nanos / 1e9);
    }

    /**
     * One round per call: CPU nanoseconds of the compiled matcher's passes and of the reference's, then the
     * (rule, event) matches each found in its first pass (the two must agree, and two builds must print the same).
     */
    public static Supplier<long[]> rounds(String unusedFile, int unusedRecords) {
        MatcherBenchmark b = new MatcherBenchmark();
        b.setUp();
        MatcherBenchmark.FreshEvents fresh = new MatcherBenchmark.FreshEvents();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return () -> {
            long[] matches = new long[2];
            long compiled = 0;
            for (int pass = 0; pass < COMPILED_PASSES; pass++) {
                fresh.parseAfresh(b);
                long t0 = threads.getCurrentThreadCpuTime();
                long[] found = {0};
                for (Event e : fresh.events) {
                    b.matcher.match(e, rule -> found[0]++);
                }
                compiled += threads.getCurrentThreadCpuTime() - t0;
                if (pass == 0) {
                    matches[0] = found[0];
                }
            }
            long reference = 0;
            for (int pass = 0; pass < REFERENCE_PASSES; pass++) {
                fresh.parseAfresh(b);
                long t0 = threads.getCurrentThreadCpuTime();
                long found = 0;
                for (Event e : fresh.events) {
                    for (Rule r : b.rules) {
                        if (ReferenceEvaluator.matches(r, e)) {
                            found++;
                        }
                    }
                }
                reference += threads.getCurrentThreadCpuTime() - t0;
                if (pass == 0) {
                    matches[1] = found;
                }
            }
            return new long[] {compiled, reference, matches[0], matches[1]};
        };
    }
}
