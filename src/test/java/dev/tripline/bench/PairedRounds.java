package dev.tripline.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Paired rounds in one JVM, for a machine too busy for JMH's separate trials: every round runs each variant once
 * (five passes), so every variant sees the same load. Holds nothing between calls.
 */
final class PairedRounds {
    private PairedRounds() {}

    static final int PASSES = 5;

    /** One pass of a variant over the benchmark's records. */
    interface Pass {
        void run() throws Exception;
    }

    /** Nanoseconds of one pass in each round: {@code wall[round]} and {@code cpu[round]} (this thread's CPU). */
    record Times(double[] wall, double[] cpu) {}

    /**
     * Keeps only the variants named in {@code args[1]} (comma-separated) when it is given; {@code args[0]} is the
     * number of rounds, read by {@link #rounds}.
     */
    static <P> Map<String, P> selected(Map<String, P> variants, String[] args) {
        if (args.length > 1) {
            variants.keySet().retainAll(List.of(args[1].split(",")));
        }
        return variants;
    }

    /** The number of rounds: {@code args[0]}, else {@code otherwise}. */
    static int rounds(String[] args, int otherwise) {
        return args.length > 0 ? Integer.parseInt(args[0]) : otherwise;
    }

    /** Runs every variant {@link #PASSES} times in each of {@code rounds} rounds, in the map's order. */
    static Map<String, Times> run(Map<String, Pass> variants, int rounds) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Times> times = new LinkedHashMap<>();
        variants.keySet().forEach(k -> times.put(k, new Times(new double[rounds], new double[rounds])));
        for (int round = 0; round < rounds; round++) {
            for (Map.Entry<String, Pass> v : variants.entrySet()) {
                long wall = System.nanoTime();
                long cpu = threads.getCurrentThreadCpuTime();
                for (int pass = 0; pass < PASSES; pass++) {
                    v.getValue().run();
                }
                Times t = times.get(v.getKey());
                t.wall[round] = (System.nanoTime() - wall) / (double) PASSES;
                t.cpu[round] = (threads.getCurrentThreadCpuTime() - cpu) / (double) PASSES;
            }
        }
        return times;
    }

    /** The median of the second half of the rounds, once the JIT has settled. */
    static double laterMedian(double[] perRound) {
        double[] tail = Arrays.copyOfRange(perRound, perRound.length / 2, perRound.length);
        Arrays.sort(tail);
        return tail[tail.length / 2];
    }
}
