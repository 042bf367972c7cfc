package dev.tripline.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one check of a run's output files against everything the run reads and against each other, before any
 * output is opened: opening an output truncates it, so an output that is also an input (an event file, a rule
 * file, the configuration) would destroy it, and two outputs on one file would interleave.
 *
 * <p>Paths are compared as the file system resolves them: an existing file by its real path (symbolic links,
 * {@code ..} and hard links through {@link Files#isSameFile}), a new one by its resolved parent directory and
 * its name. {@code -} is stdout, which at most one output may use.
 */
final class OutputPaths {
    /** The name that means stdout for an output. */
    static final String STDOUT = "-";

    private OutputPaths() {}

    /**
     * Null when the outputs are safe, else the reason (naming the flags and the file).
     *
     * @param outputs flag name to path, in flag order; a null path is an output not written, {@link #STDOUT}
     *                is stdout
     * @param inputs  every file the run reads: event files, and the rule files and directories, the config file
     */
    static String conflict(Map<String, Path> outputs, List<Path> inputs) {
        Map<String, Path> files = new LinkedHashMap<>();
        String onStdout = null;
        for (Map.Entry<String, Path> o : outputs.entrySet()) {
            Path p = o.getValue();
            if (p == null) {
                continue;
            }
            if (p.toString().equals(STDOUT)) {
                if (onStdout != null) {
                    return onStdout + " and " + o.getKey() + " both write to stdout; send one to a file";
                }
                onStdout = o.getKey();
                continue;
            }
            if (Files.isDirectory(p)) {
                return o.getKey() + " " + p + " is a directory; name a file";
            }
            for (Map.Entry<String, Path> earlier : files.entrySet()) {
                if (same(earlier.getValue(), p)) {
                    return earlier.getKey() + " and " + o.getKey() + " name the same file " + p
                            + "; their lines would interleave";
                }
            }
            for (Path in : inputs) {
                if (same(in, p) || (Files.isDirectory(in) && Files.exists(p) && within(p, in))) {
                    return o.getKey() + " " + p + " is also read by this run (" + in
                            + "); writing it would destroy that input";
                }
            }
            files.put(o.getKey(), p);
        }
        return null;
    }

    /** True when {@code a} and {@code b} are (or will be) the same file. */
    private static boolean same(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException unreadable) {
            // Fall through to the resolved names.
        }
        return resolved(a).equals(resolved(b));
    }

    /** True when the existing file {@code file} lies under the directory {@code dir} (rule directories). */
    private static boolean within(Path file, Path dir) {
        return resolved(file).startsWith(resolved(dir));
    }

    /** The absolute path with symbolic links resolved as far as the file system has them. */
    private static Path resolved(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        List<Path> missing = new ArrayList<>();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            missing.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            Path r = existing.toRealPath();
            for (Path m : missing) {
                r = r.resolve(m);
            }
            return r;
        } catch (IOException e) {
            return abs;
        }
    }
}
