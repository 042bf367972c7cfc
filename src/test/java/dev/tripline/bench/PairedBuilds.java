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
 * records)} gives one round's figures per call, as this build's does.
 */
final class PairedBuilds {
    private PairedBuilds() {}

    /** {@code bench}'s {@code rounds(file, records)} as the build on {@code classPath} has it. */
    @SuppressWarnings("unchecked")
    static Supplier<long[]> rounds(String classPath, Class<?> bench, String file, int records) throws Exception {
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
}
