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

/**
 * The matcher benchmarks' comparisons ({@link MatcherBenchmark}, {@link MatcherScalingBenchmark}: same events,
 * same rule sets) timed by the thread's CPU time instead of the wall clock, for machines too loaded for JMH's
 * figures to mean anything: a thread waiting for a core costs no CPU time, so events per CPU-second move far
 * less with the load than events per second (cache pressure from other work still shows). The two sides of each
 * comparison run alternately, round after round; the first third of the rounds warms up, and each figure is the
 * median of the rest, each ratio the median of the per-round ratios. Not a replacement for JMH on a quiet machine.
 *
 * <p>{@code java -Dtripline.shared=../shared -cp target/classes:target/test-classes:<test classpath>
 * dev.tripline.bench.MatcherCpuTime [rounds]}
 */
public final class MatcherCpuTime {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static long sink;

    private MatcherCpuTime() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
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
