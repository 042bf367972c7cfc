package dev.tripline.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --name value} options of a benchmark's main, checked against the names it knows. */
final class BenchOptions {
    private BenchOptions() {}

    /**
     * {@code args} as a map from option name to value, in the order given; IllegalArgumentException naming the
     * usage of {@code bench} for an unknown name or a name without a value.
     */
    static Map<String, String> parse(String bench, String[] args, List<String> known) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!known.contains(args[i]) || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: " + bench + " [" + String.join(" V] [", known) + " V]");
            }
            o.put(args[i], args[++i]);
        }
        return o;
    }
}
