package dev.tripline.io;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Finds the input files of a run or a hunt, on local disk or in an object store (anything Flink has a file system
 * for: {@code s3://bucket/prefix}, {@code s3a://…}): inputs that are files are read as they are, directories are
 * walked for audit-log files, in path order so that runs are repeatable. Local and remote inputs are walked by the
 * same code, through Flink's {@link FileSystem}, so a hunt over S3 sees exactly what it would see on disk.
 *
 * <p>CloudTrail's own layout ({@code AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/}) lets a hunt skip whole
 * accounts, regions, years, months and days outside its {@link Scope} without listing them, which on S3 saves one
 * list request per pruned folder and every read below it. A day is skipped only when it lies more than one day
 * outside the time range, because a file's folder is its delivery day and late deliveries cross midnight; the
 * exact {@code eventTime} filter is applied to the events themselves. Digest folders ({@code CloudTrail-Digest/})
 * and hidden folders are not events and are not walked. Any other file a walk finds whose name is not an
 * audit-log file name ({@link #EVENT_FILE_NAMES}) is not read either, but it is listed as skipped, so that the
 * run can say so. An input folder itself is never pruned, only what lies below it.
 *
 * <p>A walk keeps up to {@link #LISTINGS_IN_FLIGHT} folder listings in flight at once: in an object store each
 * listing is a round trip of tens of milliseconds, and a year of one account's trail in 17 regions is over 6,000 day
 * folders, which one listing after another would take minutes to walk before the hunt could start. What a walk
 * finds is sorted afterwards, so the listing does not depend on the order the answers came in.
 */
public final class ArchiveFiles {
    /** The names a directory walk reads, for messages. */
    public static final String EVENT_FILE_NAMES = ".json, .jsonl, .ndjson and their .gz forms";

    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Pattern ORGANIZATION = Pattern.compile("o-[a-z0-9]{10,32}");
    private static final Pattern NUMBER = Pattern.compile("\\d{1,4}");
    private static final Pattern SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*://.*");

    /** Folder listings a walk has in flight at most. */
    static final int LISTINGS_IN_FLIGHT = 16;

    private ArchiveFiles() {}

    /**
     * What a walk may skip: events outside [{@code from}, {@code to}) (null: unbounded), and accounts or regions not
     * in {@code accounts} / {@code regions} (empty: all).
     */
    public record Scope(Instant from, Instant to, Set<String> accounts, Set<String> regions) {
        public static final Scope ALL = new Scope(null, null, Set.of(), Set.of());

        public Scope {
            accounts = Set.copyOf(accounts);
            regions = Set.copyOf(regions);
        }

        public static Scope of(Instant from, Instant to) {
            return new Scope(from, to, Set.of(), Set.of());
        }
    }

    /**
     * What a listing found: the files to read, in order, with the sizes the listing saw, and the files of walked
     * directories that are not read because their name is not an audit-log file name (hidden files included), in
     * path order; {@code listed} is how many directories were listed, which the pruning keeps small.
     */
    public record Listing(List<InputFile> files, List<Path> skipped, int listed) {
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

    /** True when {@code input} names an object-store or other URI ({@code s3://…}) rather than a local path. */
    public static boolean isUri(String input) {
        return SCHEME.matcher(input).matches();
    }

    /** The Flink path of a command-line input: a URI as it is, a local path made absolute. */
    public static Path location(String input) {
        return isUri(input) ? new Path(input) : location(java.nio.file.Path.of(input));
    }

    /** The Flink path of a local file. */
    public static Path location(java.nio.file.Path local) {
        return Path.fromLocalFile(new File(local.toAbsolutePath().normalize().toString()));
    }

    /** How a listed file is named in messages: a local file by its path, anything else by its URI. */
    /** The local file {@code p} names, or null when it lives in an object store. */
    public static java.nio.file.Path localFile(Path p) {
        String scheme = p.toUri().getScheme();
        return scheme == null || scheme.equals("file")
                ? java.nio.file.Path.of(p.toUri().getPath())
                : null;
    }

    public static String display(Path p) {
        String scheme = p.toUri().getScheme();
        return scheme == null || scheme.equals("file") ? p.toUri().getPath() : p.toString();
    }

    /**
     * The files to read, in order, and the ones skipped. The file systems of remote inputs must be configured first
     * ({@link S3Options#initialize}).
     *
     * @throws IllegalArgumentException when an input does not exist
     * @throws UncheckedIOException when a listing fails
     */
    public static Listing list(List<String> inputs, Scope scope) {
        return list(inputs, scope, LISTINGS_IN_FLIGHT);
    }

    /** {@link #list(List, Scope)} with at most {@code inFlight} folder listings at once (1: one after another). */
    static Listing list(List<String> inputs, Scope scope, int inFlight) {
        ExecutorService listings = Executors.newFixedThreadPool(inFlight, r -> {
            Thread t = new Thread(r, "tripline-listing");
            t.setDaemon(true);
            return t;
        });
        try {
            return list(inputs, scope, listings);
        } finally {
            listings.shutdownNow();
        }
    }

    private static Listing list(List<String> inputs, Scope scope, ExecutorService listings) {
        List<InputFile> out = new ArrayList<>();
        List<Path> skipped = new ArrayList<>();
        AtomicInteger listed = new AtomicInteger();
        for (String input : inputs) {
            Path root = location(input);
            try {
                FileSystem fs = root.getFileSystem();
                FileStatus status;
                try {
                    status = fs.getFileStatus(root);
                } catch (FileNotFoundException e) {
                    throw new IllegalArgumentException("input not found: " + input);
                }
                if (!status.isDir()) {
                    out.add(new InputFile(root, status.getLen()));
                    continue;
                }
                Queue<InputFile> found = new ConcurrentLinkedQueue<>();
                Queue<Path> other = new ConcurrentLinkedQueue<>();
                try {
                    walk(fs, root, scope, found, other, listed, listings).join();
                } catch (CompletionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw e;
                }
                out.addAll(found.stream().sorted(FILE_BY_NAME).toList());
                skipped.addAll(other.stream().sorted(BY_NAME).toList());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + input + ": " + e.getMessage(), e);
            }
        }
        return new Listing(out, skipped, listed.get());
    }

    private static final Comparator<Path> BY_NAME = Comparator.comparing(Path::toString);
    private static final Comparator<InputFile> FILE_BY_NAME = Comparator.comparing(InputFile::path, BY_NAME);

    /**
     * Lists {@code dir} on one of {@code listings}' threads, then walks each of its folders in scope the same way,
     * all at once; completes when the whole tree below it is walked, exceptionally if a listing failed.
     */
    private static CompletableFuture<Void> walk(
            FileSystem fs,
            Path dir,
            Scope scope,
            Queue<InputFile> found,
            Queue<Path> other,
            AtomicInteger listed,
            ExecutorService listings) {
        return CompletableFuture.supplyAsync(
                        () -> {
                            listed.incrementAndGet();
                            try {
                                return fs.listStatus(dir);
                            } catch (IOException e) {
                                throw new CompletionException(e);
                            }
                        },
                        listings)
                .thenCompose(children -> {
                    List<CompletableFuture<Void>> below = new ArrayList<>();
                    for (FileStatus child : children == null ? new FileStatus[0] : children) {
                        Path p = child.getPath();
                        String name = p.getName();
                        if (child.isDir()) {
                            if (!name.startsWith(".") && !name.equals("CloudTrail-Digest") && !outsideScope(p, scope)) {
                                below.add(walk(fs, p, scope, found, other, listed, listings));
                            }
                        } else if (isEventFile(name)) {
                            found.add(new InputFile(p, child.getLen()));
                        } else {
                            other.add(p);
                        }
                    }
                    return CompletableFuture.allOf(below.toArray(CompletableFuture[]::new));
                });
    }

    /**
     * True when the folder {@code dir} of CloudTrail's layout holds nothing in {@code scope}: an account or region
     * not asked for, or a year, month or day more than a day away from the time range.
     */
    static boolean outsideScope(Path dir, Scope scope) {
        String[] seg = Arrays.stream(dir.toUri().getPath().split("/"))
                .filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        int n = seg.length;
        String name = seg[n - 1];
        if (!scope.accounts().isEmpty() && isAccountFolder(seg)) {
            return !scope.accounts().contains(name);
        }
        int ct = lastIndexOf(seg, "CloudTrail");
        if (ct < 0 || ct + 1 >= n) {
            return false;
        }
        if (ct + 2 == n) {
            return !scope.regions().isEmpty() && !scope.regions().contains(name);
        }
        // CloudTrail/REGION/YYYY[/MM[/DD]]: the days the folder covers.
        int depth = n - (ct + 2);
        if (depth > 3 || (scope.from() == null && scope.to() == null)) {
            return false;
        }
        LocalDate first;
        LocalDate last;
        try {
            int[] parts = new int[depth];
            for (int i = 0; i < depth; i++) {
                String s = seg[ct + 2 + i];
                if (!NUMBER.matcher(s).matches()) {
                    return false;
                }
                parts[i] = Integer.parseInt(s);
            }
            if (depth == 1) {
                first = LocalDate.of(parts[0], 1, 1);
                last = first.plusYears(1).minusDays(1);
            } else if (depth == 2) {
                first = LocalDate.of(parts[0], parts[1], 1);
                last = first.plusMonths(1).minusDays(1);
            } else {
                first = LocalDate.of(parts[0], parts[1], parts[2]);
                last = first;
            }
        } catch (DateTimeException e) {
            return false; // not a date after all: read it
        }
        if (scope.from() != null
                && last.isBefore(
                        LocalDate.ofInstant(scope.from(), ZoneOffset.UTC).minusDays(1))) {
            return true;
        }
        return scope.to() != null
                && first.isAfter(LocalDate.ofInstant(scope.to(), ZoneOffset.UTC).plusDays(1));
    }

    /** AWSLogs/ACCOUNT or AWSLogs/o-ORG/ACCOUNT (an organisation trail). */
    private static boolean isAccountFolder(String[] seg) {
        int n = seg.length;
        if (!ACCOUNT.matcher(seg[n - 1]).matches() || n < 2) {
            return false;
        }
        return seg[n - 2].equals("AWSLogs")
                || (n >= 3 && ORGANIZATION.matcher(seg[n - 2]).matches() && seg[n - 3].equals("AWSLogs"));
    }

    private static int lastIndexOf(String[] seg, String name) {
        for (int i = seg.length - 1; i >= 0; i--) {
            if (seg[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
