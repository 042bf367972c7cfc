package dev.tripline.bench;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Two builds of one bench in one JVM, for paired rounds on a noisy machine: a bench class of another build (a base
 * checkout's classes) is loaded in a class loader of its own, and its static {@code rounds(String file, int
 * records)} gives one round's figures per call, as this build's does; the rounds of the two alternate, and each
 * figure is summed up by the median of its later rounds. Used by {@link DetectBench}, {@link DedupBench} and
 * {@link MatcherPairedBench}.
 */
final class PairedBuilds {
    private PairedBuilds() {}

    /** Gets one round's figures of one build: {@code round} from 0, {@code build} its place in {@link #builds}. */
    interface RoundLog {
        void log(int round, int build, long[] figures);
    }

    /** "this" alone, or "base" and "this" when {@code base} names the base build's class path. */
    static List<String> names(String base) {
        return base == null ? List.of("this") : List.of("base", "this");
    }

    /**
     * {@code bench}'s rounds: of this build alone when {@code base} is null, else of the base build and of this one,
     * each in a class loader of its own, in that order.
     */
    @SuppressWarnings("unchecked")
    static List<Supplier<long[]>> builds(String base, Class<?> bench, String file, int records) throws Exception {
        if (base == null) {
            return List.of((Supplier<long[]>)
                    bench.getMethod("rounds", String.class, int.class).invoke(null, file, records));
        }
        return List.of(
                rounds(base, bench, file, records),
                rounds(System.getProperty("java.class.path"), bench, file, records));
    }

    /**
     * {@code rounds} rounds of every build, the order of the builds reversed every other round so that neither
     * always runs after the other's garbage: {@code [build][figure][round]}.
     */
    static long[][][] alternate(List<Supplier<long[]>> builds, int rounds, RoundLog log) {
        long[][][] figures = new long[builds.size()][][];
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < builds.size(); k++) {
                int b = round % 2 == 0 ? k : builds.size() - 1 - k;
                long[] c = builds.get(b).get();
                if (figures[b] == null) {
                    figures[b] = new long[c.length][rounds];
                }
                for (int f = 0; f < c.length; f++) {
                    figures[b][f][round] = c[f];
                }
                log.log(round, b, c);
            }
        }
        return figures;
    }

    /** {@code bench}'s {@code rounds(file, records)} as the build on {@code classPath} has it. */
    @SuppressWarnings("unchecked")
    private static Supplier<long[]> rounds(String classPath, Class<?> bench, String file, int records)
            throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        ClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        Class<?> loaded = Class.forName(bench.getName(), true, loader);
        return (Supplier<long[]>)
                loaded.getMethod("rounds", String.class, int.class).invoke(null, file, records);
    }

    /** The median of the values after the first (the first round warms up), or of the one value there is. */
    static long medianOfLater(long[] values) {
        long[] later = Arrays.copyOfRange(values, Math.min(1, values.length - 1), values.length);
        Arrays.sort(later);
        return later[later.length / 2];
    }

    /**
     * Per round, {@code mine} over {@code base} (to a thousandth), then the median of those ratios over the rounds
     * after the first: paired round by round, so that the load of the moment cancels.
     */
    static double medianRatioOfLater(long[] mine, long[] base) {
        long[] ratios = new long[mine.length];
        for (int round = 0; round < mine.length; round++) {
            ratios[round] = 1000 * mine[round] / base[round];
        }
        return medianOfLater(ratios) / 1000.0;
    }
}
