package dev.tripline.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the input files of a run or a hunt: files named on the command line as they are, and directories
 * walked recursively for audit-log files, in path order so that runs are repeatable.
 *
 * <p>CloudTrail's own layout ({@code AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/}) lets a hunt skip
 * whole days outside {@code [from, to]} without opening a file. A day is skipped only when it lies more than
 * one day outside the range, because a file's folder is its delivery day and late deliveries cross midnight;
 * the exact {@code eventTime} filter is applied to the events themselves. Digest folders
 * ({@code CloudTrail-Digest/}) and hidden folders are not events and are not walked. Any other file a walk
 * finds whose name is not an audit-log file name ({@link #EVENT_FILE_NAMES}) is not read either, but it is
 * listed as skipped, so that the run can say so.
 */
public final class ArchiveFiles {
    private static final Pattern DAY_DIR = Pattern.compile("(?:^|/)(\\d{4})/(\\d{2})/(\\d{2})(?:/|$)");

    /** The names a directory walk reads, for messages. */
    public static final String EVENT_FILE_NAMES = ".json, .jsonl, .ndjson and their .gz forms";

    private ArchiveFiles() {}

    /**
     * What a listing found: the files to read, in order, and the files of walked directories that are not read
     * because their name is not an audit-log file name (hidden files included), in path order.
     */
    public record Listing(List<Path> files, List<Path> skipped) {
        public Listing {
            files = List.copyOf(files);
            skipped = List.copyOf(skipped);
        }
    }

    /** True for the file names a directory walk picks up. */
    static boolean isEventFile(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return !n.startsWith(".")
                && (n.endsWith(".json")
                        || n.endsWith(".json.gz")
                        || n.endsWith(".jsonl")
                        || n.endsWith(".jsonl.gz")
                        || n.endsWith(".ndjson")
                        || n.endsWith(".ndjson.gz"));
    }

    /**
     * The files to read, in order, and the ones skipped. {@code from}/{@code to} may be null (unbounded).
     *
     * @throws IllegalArgumentException when an input does not exist
     */
    public static Listing list(List<Path> inputs, Instant from, Instant to) {
        List<Path> out = new ArrayList<>();
        List<Path> skipped = new ArrayList<>();
        for (Path input : inputs) {
            if (Files.isRegularFile(input)) {
                out.add(input);
            } else if (Files.isDirectory(input)) {
                walk(input, from, to, out, skipped);
            } else {
                throw new IllegalArgumentException("input not found: " + input);
            }
        }
        return new Listing(out, skipped);
    }

    private static void walk(Path root, Instant from, Instant to, List<Path> out, List<Path> skipped) {
        List<Path> found = new ArrayList<>();
        List<Path> other = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    String name =
                            dir.getFileName() == null ? "" : dir.getFileName().toString();
                    if (!dir.equals(root) && (name.startsWith(".") || name.equals("CloudTrail-Digest"))) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return outsideRange(root.relativize(dir), from, to)
                            ? FileVisitResult.SKIP_SUBTREE
                            : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        (isEventFile(file.getFileName().toString()) ? found : other).add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
        found.sort(null);
        out.addAll(found);
        other.sort(null);
        skipped.addAll(other);
    }

    /** True when {@code relative} is a CloudTrail day folder more than a day away from [from, to]. */
    static boolean outsideRange(Path relative, Instant from, Instant to) {
        Matcher m = DAY_DIR.matcher(relative.toString().replace('\\', '/'));
        if (!m.find()) {
            return false;
        }
        LocalDate day;
        try {
            day = LocalDate.of(
                    Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        } catch (java.time.DateTimeException e) {
            return false; // not a date after all: read it
        }
        if (from != null
                && day.isBefore(LocalDate.ofInstant(from, ZoneOffset.UTC).minusDays(1))) {
            return true;
        }
        return to != null && day.isAfter(LocalDate.ofInstant(to, ZoneOffset.UTC).plusDays(1));
    }
}
