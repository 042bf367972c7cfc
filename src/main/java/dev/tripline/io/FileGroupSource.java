package dev.tripline.io;

import dev.tripline.flink.RawRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.connector.file.src.AbstractFileSource;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.assigners.LocalityAwareSplitAssigner;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;

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
 * the file system before the first split (on S3 that was a second listing of every folder, or a request per
 * object, one after another).
 */
public final class FileGroupSource extends AbstractFileSource<RawRecord, FileGroupSplit> {
    private static final long serialVersionUID = 1L;

    /** Bytes (as stored, compressed) per group: see docs/benchmark-log.md, "Hunt's reading: splits of file groups". */
    static final long TARGET_BYTES = 512 << 10;
    /** Files per group at most, which bounds a split's size whatever the files' sizes. */
    static final int MAX_FILES = 1024;
    /** Groups per reader at least, when there are that many files. */
    static final int GROUPS_PER_READER = 8;

    FileGroupSource(List<InputFile> files, RawRecordFormat format) {
        this(files, format, TARGET_BYTES);
    }

    /** With another target size: 1 gives a split per file (tests compare groupings). */
    FileGroupSource(List<InputFile> files, RawRecordFormat format, long targetBytes) {
        this(
                files.stream().map(InputFile::path).toArray(Path[]::new),
                files.stream().mapToLong(InputFile::size).toArray(),
                format,
                targetBytes);
    }

    /** The paths are the source's own (Flink keeps them with it); the enumerator gets only their sizes beside. */
    private FileGroupSource(Path[] paths, long[] sizes, RawRecordFormat format, long targetBytes) {
        super(paths, () -> new Grouping(sizes, targetBytes), LocalityAwareSplitAssigner::new, format, null);
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
        long total = 0;
        for (InputFile f : files) {
            total += f.size();
        }
        long target = Math.max(1, Math.min(targetBytes, total / ((long) GROUPS_PER_READER * Math.max(1, readers))));
        List<FileSourceSplit> groups = new ArrayList<>();
        List<InputFile> run = new ArrayList<>();
        long bytes = 0;
        for (InputFile f : files) {
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

        Grouping(long[] sizes, long targetBytes) {
            this.sizes = sizes;
            this.targetBytes = targetBytes;
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
            return group(files, readers, targetBytes, MAX_FILES);
        }
    }
}
