package dev.tripline.bench;

import dev.tripline.event.Event;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.Rule;
import dev.tripline.testing.Corpus;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The matcher benchmarks' comparisons ({@link MatcherBenchmark}, {@link MatcherScalingBenchmark}: same events,
 * same rule sets) timed by the thread's CPU time instead of the wall clock, for machines too loaded for JMH's
 * figures to mean anything: a thread waiting for a core costs no CPU time, so events per CPU-second move far
 * less with the load than events per second (cache pressure from other work still shows). The two sides of each
 * comparison run alternately, round after round; the first third of the rounds warms up, and each figure is the
 * median of the rest, each ratio the median of the per-round ratios. Not a replacement for JMH on a quiet machine.
 *
 * <p>With {@code --base}, the compiled matcher of this build and of a base build ({@link PairedBuilds}: the base's
 * main classes with this build's bench classes) alternate instead, round by round, on the 10, 100 and 1,000-rule
 * sets and the full set, and it prints each build's events per CPU-second, its fall from 10 to 1,000 rules, and
 * this build's CPU time over the base's per rule set (the median of the rounds' ratios, rounds after the first).
 *
 * <p>{@code java -Dtripline.shared=../shared -cp target/classes:target/test-classes:<test classpath>
 * dev.tripline.bench.MatcherCpuTime [rounds] [--base <base classes>:target/test-classes:<test classpath>]}
 */
public final class MatcherCpuTime {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static long sink;

    private MatcherCpuTime() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 30;
        int options = args.length > 0 && !args[0].startsWith("--") ? 1 : 0;
        String base = BenchOptions.parse(
                        "MatcherCpuTime [rounds]", Arrays.copyOfRange(args, options, args.length), List.of("--base"))
                .get("--base");
        if (base != null) {
            againstBase(rounds, base);
            return;
        }
        List<Rule> real = Corpus.allRules().stream().filter(Rule::enabled).toList();
        List<Event> all = Corpus.allEvents(real, false);
        Event[] events = MatcherBenchmark.cycled(all);

        Pair full = alternate(rounds, compiled(CompiledMatcher.compile(real), events), reference(real, events));
        System.out.printf(
                Locale.ROOT,
                "full rule set (%d rules): compiled %,.0f, reference %,.0f events per CPU-second; compiled/reference %.2fx%n",
                real.size(),
                full.first,
                full.second,
                full.ratio);

        RuleVariants variants = new RuleVariants(real, all);
        List<Rule> ten = variants.ruleSet(10, MatcherScalingBenchmark.SEED);
        List<Rule> thousand = variants.ruleSet(1000, MatcherScalingBenchmark.SEED);
        Pair compiledFall = alternate(
                rounds,
                compiled(CompiledMatcher.compile(ten), events),
                compiled(CompiledMatcher.compile(thousand), events));
        System.out.printf(
                Locale.ROOT,
                "compiled: 10 rules %,.0f, 1,000 rules %,.0f events per CPU-second; fall %.1fx%n",
                compiledFall.first,
                compiledFall.second,
                compiledFall.ratio);
        Pair referenceFall = alternate(Math.max(6, rounds / 5), reference(ten, events), reference(thousand, events));
        System.out.printf(
                Locale.ROOT,
                "reference: 10 rules %,.0f, 1,000 rules %,.0f events per CPU-second; fall %.1fx%n",
                referenceFall.first,
                referenceFall.second,
                referenceFall.ratio);
        if (sink == 42) {
            System.out.println(); // keeps the matches observable
        }
    }

    private static final int[] PAIRED_SIZES = {10, 100, 1000, 0}; // 0: the full rule set
    private static final int PAIRED_PASSES = 10;

    private static void againstBase(int rounds, String base) throws Exception {
        List<String> names = PairedBuilds.names(base);
        List<Supplier<long[]>> builds = PairedBuilds.builds(base, MatcherCpuTime.class, "", 0);
        long[][][] cpu = PairedBuilds.alternate(
                builds,
                rounds,
                (round, b, c) -> System.out.printf(
                        Locale.ROOT,
                        "round %d %-4s: 10 rules %,.0f, 100 %,.0f, 1,000 %,.0f, full set %,.0f events per CPU-second;"
                                + " fall %.2fx; matches at 1,000 rules %d%n",
                        round + 1,
                        names.get(b),
                        pairedPerSecond(c[0]),
                        pairedPerSecond(c[1]),
                        pairedPerSecond(c[2]),
                        pairedPerSecond(c[3]),
                        (double) c[2] / c[0],
                        c[4]));
        for (int b = 0; b < builds.size(); b++) {
            double[] median = new double[PAIRED_SIZES.length];
            for (int k = 0; k < median.length; k++) {
                median[k] = pairedPerSecond(PairedBuilds.medianOfLater(cpu[b][k]));
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-4s events per CPU-second (median of rounds 2..%d): 10 rules %,.0f, 100 %,.0f, 1,000 %,.0f,"
                            + " full set %,.0f; fall from 10 to 1,000 rules %.2fx (median of the rounds' %.2fx)%n",
                    names.get(b),
                    rounds,
                    median[0],
                    median[1],
                    median[2],
                    median[3],
                    median[0] / median[2],
                    PairedBuilds.medianRatioOfLater(cpu[b][2], cpu[b][0]));
        }
        if (builds.size() == 2) {
            for (int k = 0; k < PAIRED_SIZES.length; k++) {
                System.out.printf(
                        Locale.ROOT,
                        "%s: compiled CPU this/base, median of the rounds' ratios %.3f%n",
                        PAIRED_SIZES[k] == 0 ? "full set" : PAIRED_SIZES[k] + " rules",
                        PairedBuilds.medianRatioOfLater(cpu[1][k], cpu[0][k]));
            }
        }
    }

    private static double pairedPerSecond(long nanos) {
        return (double) PAIRED_PASSES * MatcherBenchmark.EVENTS / (nanos / 1e9);
    }

    /**
     * One paired round per call ({@link PairedBuilds}): CPU nanoseconds of {@link #PAIRED_PASSES} compiled passes
     * over the events for each of {@link #PAIRED_SIZES}, then the (rule, event) matches at 1,000 rules.
     */
    public static Supplier<long[]> rounds(String unusedFile, int unusedRecords) {
        List<Rule> real = Corpus.allRules().stream().filter(Rule::enabled).toList();
        List<Event> all = Corpus.allEvents(real, false);
        Event[] events = MatcherBenchmark.cycled(all);
        RuleVariants variants = new RuleVariants(real, all);
        CompiledMatcher[] matchers = new CompiledMatcher[PAIRED_SIZES.length];
        for (int k = 0; k < matchers.length; k++) {
            int n = PAIRED_SIZES[k];
            matchers[k] = CompiledMatcher.compile(n == 0 ? real : variants.ruleSet(n, MatcherScalingBenchmark.SEED));
        }
        return () -> {
            long[] figures = new long[PAIRED_SIZES.length + 1];
            long[] found = {0};
            Consumer<Rule> count = r -> found[0]++;
            for (int k = 0; k < matchers.length; k++) {
                found[0] = 0;
                long start = THREADS.getCurrentThreadCpuTime();
                for (int pass = 0; pass < PAIRED_PASSES; pass++) {
                    for (Event e : events) {
                        matchers[k].match(e, count);
                    }
                }
                figures[k] = THREADS.getCurrentThreadCpuTime() - start;
                if (PAIRED_SIZES[k] == 1000) {
                    figures[PAIRED_SIZES.length] = found[0] / PAIRED_PASSES;
                }
            }
            return figures;
        };
    }

    /** Medians of two timed passes run alternately, and the median of their per-round ratio (first / second). */
    private record Pair(double first, double second, double ratio) {}

    private static Pair alternate(int rounds, Timed first, Timed second) {
        List<double[]> measured = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            double a;
            double b;
            if (i % 2 == 0) {
                a = first.eventsPerCpuSecond();
                b = second.eventsPerCpuSecond();
            } else {
                b = second.eventsPerCpuSecond();
                a = first.eventsPerCpuSecond();
            }
            measured.add(new double[] {a, b, a / b});
        }
        List<double[]> kept = measured.subList(rounds / 3, rounds);
        return new Pair(median(kept, 0), median(kept, 1), median(kept, 2));
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** One pass of some work over the events, timed by the calling thread's CPU time. */
    private interface Timed {
        double eventsPerCpuSecond();
    }

    private static Timed compiled(CompiledMatcher matcher, Event[] events) {
        Consumer<Rule> count = r -> sink++;
        return () -> timed(events.length * 5, () -> {
            for (int pass = 0; pass < 5; pass++) {
                for (Event e : events) {
                    matcher.match(e, count);
                }
            }
        });
    }

    private static Timed reference(List<Rule> rules, Event[] events) {
        return () -> timed(events.length, () -> {
            for (Event e : events) {
                for (Rule r : rules) {
                    if (ReferenceEvaluator.matches(r, e)) {
                        sink++;
                    }
                }
            }
        });
    }

    private static double timed(long eventCount, Runnable work) {
        long start = THREADS.getCurrentThreadCpuTime();
        work.run();
        return eventCount / ((THREADS.getCurrentThreadCpuTime() - start) / 1e9);
    }
}
