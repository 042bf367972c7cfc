package dev.tripline.io;

import dev.tripline.flink.RawRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.apache.flink.connector.file.src.AbstractFileSource;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.assigners.LocalityAwareSplitAssigner;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded source of every file input (run, hunt, a streaming job's {@code source.kind: file}): Flink's file
 * source (its reader, its static enumerator and split assigner, its checkpoint format) over splits that each hold
 * a group of whole files ({@link FileGroupSplit}), read by {@link RawRecordFormat}. Flink's {@code FileSourceReader}
 * holds one split and asks the coordinator for the next only when it has finished it, so with one split per file
 * every small file of an archive cost a round trip to the coordinator while the reader's task waited. A group is
 * read file after file by the reader's fetcher, ahead of the task, and still one split per request: the path of
 * Flink's plain {@link FileSource}, which never adds splits while the fetcher waits on a full queue (FLINK-37663).
 *
 * <p>Grouping ({@link #group}): the files given (each one file with its size, as {@link ArchiveFiles#list} found
 * them, in that order) are cut in that order into runs of at most {@link #TARGET_BYTES} bytes and
 * {@link #MAX_FILES} files; a file at or above the target is a group of its own, so a few large files still go
 * one to each reader. The target shrinks for small inputs so that there are at least {@link #GROUPS_PER_READER}
 * groups per reader, and the readers' shares balance. Which reader reads which group does not change the results:
 * every record keeps its own file as origin and its own position. The sizes are the listing's: nothing is asked of
 * the file system before the first split but to cut a large JSON Lines file (below; on S3, asking for each
 * object's size was a second listing of every folder, or a request per object, one after another).
 *
 * <p>Ranges: a plain JSON Lines file on the local file system of at least twice {@link #RANGE_BYTES} is cut into
 * as many line-aligned ranges as there are readers, at most one per {@link #RANGE_BYTES} ({@link JsonLinesRanges}),
 * each a split of its own: one large file (an export, a file written by a pipeline) is otherwise read and matched
 * by one reader while the others wait. Cutting reads the file up to its last cut once to count lines, so that
 * records keep their line numbers; it runs where Flink makes the enumerator, at the job's start (the JobManager),
 * and a file that cannot be read there is read whole. A gzipped file cannot be cut, and a file in an object store
 * is not, as that pass would read it over the network twice.
 */
public final class FileGroupSource extends AbstractFileSource<RawRecord, FileGroupSplit> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FileGroupSource.class);

    /** Bytes (as stored, compressed) per group: see docs/benchmark-log.md, "Hunt's reading: splits of file groups". */
    static final long TARGET_BYTES = 512 << 10;
    /** Files per group at most, which bounds a split's size whatever the files' sizes. */
    static final int MAX_FILES = 1024;
    /** Groups per reader at least, when there are that many files. */
    static final int GROUPS_PER_READER = 8;
    /** Bytes per range of a JSON Lines file cut for several readers, at least. */
    static final long RANGE_BYTES = 64L << 20;

    FileGroupSource(List<InputFile> files, RawRecordFormat format) {
        this(files, format, TARGET_BYTES, RANGE_BYTES);
    }

    /**
     * With other sizes: a target of 1 gives a split per file (tests compare groupings), a small range size cuts
     * small files.
     */
    FileGroupSource(List<InputFile> files, RawRecordFormat format, long targetBytes, long rangeBytes) {
        this(
                files.stream().map(InputFile::path).toArray(Path[]::new),
                files.stream().mapToLong(InputFile::size).toArray(),
                format,
                targetBytes,
                rangeBytes);
    }

    /** The paths are the source's own (Flink keeps them with it); the enumerator gets only their sizes beside. */
    private FileGroupSource(Path[] paths, long[] sizes, RawRecordFormat format, long targetBytes, long rangeBytes) {
        super(
                paths,
                () -> new Grouping(sizes, targetBytes, rangeBytes, format.maxLineBytes()),
                LocalityAwareSplitAssigner::new,
                format,
                null);
    }

    @Override
    public SimpleVersionedSerializer<FileGroupSplit> getSplitSerializer() {
        return FileGroupSplit.Serializer.INSTANCE;
    }

    /**
     * Groups {@code files} (in order) into splits for {@code readers} readers, in order: ids {@code 0, 1, …}; the
     * same files give the same groups.
     */
    static List<FileSourceSplit> group(List<InputFile> files, int readers, long targetBytes, int maxFiles) {
        return group(files, readers, targetBytes, maxFiles, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /** The same, and each file that {@link #ranges} cuts a split per range, in the file's place. */
    static List<FileSourceSplit> group(
            List<InputFile> files, int readers, long targetBytes, int maxFiles, long rangeBytes, long maxLineBytes) {
        long total = 0;
        for (InputFile f : files) {
            total += f.size();
        }
        long target = Math.max(1, Math.min(targetBytes, total / ((long) GROUPS_PER_READER * Math.max(1, readers))));
        List<FileSourceSplit> groups = new ArrayList<>();
        List<InputFile> run = new ArrayList<>();
        long bytes = 0;
        for (InputFile f : files) {
            List<JsonLinesRanges.Range> ranges = ranges(f, readers, rangeBytes, maxLineBytes);
            if (ranges.size() > 1) {
                if (!run.isEmpty()) {
                    groups.add(split(groups.size(), run));
                    run.clear();
                    bytes = 0;
                }
                for (JsonLinesRanges.Range r : ranges) {
                    groups.add(new FileGroupSplit(
                            Integer.toString(groups.size()), new Path[] {f.path()}, new long[] {f.size()}, r, null));
                }
                continue;
            }
            if (!run.isEmpty() && (bytes + f.size() > target || run.size() == maxFiles)) {
                groups.add(split(groups.size(), run));
                run.clear();
                bytes = 0;
            }
            run.add(f);
            bytes += f.size();
        }
        if (!run.isEmpty()) {
            groups.add(split(groups.size(), run));
        }
        return groups;
    }

    /**
     * The ranges {@code f} is read in: several for a plain JSON Lines file on the local file system of at least
     * {@code 2 * rangeBytes}, when there are several readers; else the whole file (also when the file cannot be
     * read now: its reader then reports why).
     */
    static List<JsonLinesRanges.Range> ranges(InputFile f, int readers, long rangeBytes, long maxLineBytes) {
        int pieces = (int) Math.min(readers, f.size() / rangeBytes);
        String name = f.path().getName().toLowerCase(Locale.ROOT);
        if (pieces < 2 || !InputFile.isLocal(f.path()) || name.endsWith(".gz") || !RawRecordFormat.isJsonLines(name)) {
            return List.of(JsonLinesRanges.Range.WHOLE);
        }
        try {
            return JsonLinesRanges.cut(f.path(), f.size(), pieces, maxLineBytes);
        } catch (IOException e) {
            LOG.warn("{} is read as one split: counting its lines failed: {}", f.path(), e.toString());
            return List.of(JsonLinesRanges.Range.WHOLE);
        }
    }

    private static FileGroupSplit split(int id, List<InputFile> run) {
        return new FileGroupSplit(
                Integer.toString(id),
                run.stream().map(InputFile::path).toArray(Path[]::new),
                run.stream().mapToLong(InputFile::size).toArray(),
                null);
    }

    /**
     * Groups the files given, each with the size its listing saw. Not Flink's {@code
     * NonSplittingRecursiveEnumerator}: that one asks the file system for every path's status again, and its default
     * filter leaves out files whose names start with {@code _} or {@code .} without a word, while the files here
     * were chosen by {@link ArchiveFiles#list} already, so every one of them is read.
     */
    static final class Grouping implements FileEnumerator {
        /** The size of each path Flink passes, in the same order. */
        private final long[] sizes;

        private final long targetBytes;
        private final long rangeBytes;
        private final long maxLineBytes;

        Grouping(long[] sizes, long targetBytes, long rangeBytes, long maxLineBytes) {
            this.sizes = sizes;
            this.targetBytes = targetBytes;
            this.rangeBytes = rangeBytes;
            this.maxLineBytes = maxLineBytes;
        }

        @Override
        public Collection<FileSourceSplit> enumerateSplits(Path[] paths, int readers) {
            if (paths.length != sizes.length) {
                throw new IllegalStateException(paths.length + " paths for " + sizes.length + " sizes");
            }
            List<InputFile> files = new ArrayList<>(paths.length);
            for (int i = 0; i < paths.length; i++) {
                files.add(new InputFile(paths[i], sizes[i]));
            }
            return group(files, readers, targetBytes, MAX_FILES, rangeBytes, maxLineBytes);
        }
    }
}
