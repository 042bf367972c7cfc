package dev.tripline.io;

import dev.tripline.flink.RawRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.file.src.AbstractFileSource;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.assigners.LocalityAwareSplitAssigner;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.FileStatus;
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
 * <p>Grouping ({@link #group}): the files given (each one file, as {@link ArchiveFiles#list} found it, in that
 * order) are cut in that order into runs of at most {@link #TARGET_BYTES} bytes and
 * {@link #MAX_FILES} files; a file at or above the target is a group of its own, so a few large files still go
 * one to each reader. The target shrinks for small inputs so that there are at least {@link #GROUPS_PER_READER}
 * groups per reader, and the readers' shares balance. Which reader reads which group does not change the results:
 * every record keeps its own file as origin and its own position.
 */
public final class FileGroupSource extends AbstractFileSource<RawRecord, FileGroupSplit> {
    private static final long serialVersionUID = 1L;

    /** Bytes (as stored, compressed) per group: see docs/benchmark-log.md, "Hunt's reading: splits of file groups". */
    static final long TARGET_BYTES = 512 << 10;
    /** Files per group at most, which bounds a split's size whatever the files' sizes. */
    static final int MAX_FILES = 1024;
    /** Groups per reader at least, when there are that many files. */
    static final int GROUPS_PER_READER = 8;
    /** Given files in one folder from which the folder is listed once rather than each file asked for. */
    static final int LIST_FOLDER_AT = 2;

    FileGroupSource(List<Path> files, RawRecordFormat format) {
        this(files, format, TARGET_BYTES);
    }

    /** With another target size: 1 gives a split per file (tests compare groupings). */
    FileGroupSource(List<Path> files, RawRecordFormat format, long targetBytes) {
        super(
                files.toArray(Path[]::new),
                () -> new Grouping(targetBytes),
                LocalityAwareSplitAssigner::new,
                format,
                null);
    }

    @Override
    public SimpleVersionedSerializer<FileGroupSplit> getSplitSerializer() {
        return FileGroupSplit.Serializer.INSTANCE;
    }

    /**
     * Groups {@code files} (one split per file, in order) into splits for {@code readers} readers, in order: ids
     * {@code 0, 1, …}; the same files give the same groups.
     */
    static List<FileSourceSplit> group(Collection<FileSourceSplit> files, int readers, long targetBytes, int maxFiles) {
        long total = 0;
        for (FileSourceSplit f : files) {
            total += f.fileSize();
        }
        long target = Math.max(1, Math.min(targetBytes, total / ((long) GROUPS_PER_READER * Math.max(1, readers))));
        List<FileSourceSplit> groups = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        long bytes = 0;
        for (FileSourceSplit f : files) {
            if (!paths.isEmpty() && (bytes + f.fileSize() > target || paths.size() == maxFiles)) {
                groups.add(split(groups.size(), paths, sizes));
                paths.clear();
                sizes.clear();
                bytes = 0;
            }
            paths.add(f.path());
            sizes.add(f.fileSize());
            bytes += f.fileSize();
        }
        if (!paths.isEmpty()) {
            groups.add(split(groups.size(), paths, sizes));
        }
        return groups;
    }

    private static FileGroupSplit split(int id, List<Path> paths, List<Long> sizes) {
        return new FileGroupSplit(
                Integer.toString(id),
                paths.toArray(Path[]::new),
                sizes.stream().mapToLong(Long::longValue).toArray(),
                null);
    }

    /**
     * Takes each path given as one file, with its size, then groups them. Not Flink's {@code
     * NonSplittingRecursiveEnumerator}: its default filter leaves out files whose names start with {@code _} or
     * {@code .} without a word, and the files here were chosen by {@link ArchiveFiles#list} already, so every one
     * of them is read.
     */
    static final class Grouping implements FileEnumerator {
        private final long targetBytes;

        Grouping(long targetBytes) {
            this.targetBytes = targetBytes;
        }

        @Override
        public Collection<FileSourceSplit> enumerateSplits(Path[] paths, int readers) throws IOException {
            Map<Path, FileStatus> listed = listFolders(paths);
            List<FileSourceSplit> files = new ArrayList<>(paths.length);
            for (Path path : paths) {
                FileStatus status = listed.get(path);
                if (status == null) {
                    status = path.getFileSystem().getFileStatus(path);
                }
                if (status.isDir()) {
                    throw new IOException("not a file: " + path + " (directories are listed before the source)");
                }
                files.add(new FileSourceSplit(
                        Integer.toString(files.size()),
                        path,
                        0,
                        status.getLen(),
                        status.getModificationTime(),
                        status.getLen()));
            }
            return group(files, readers, targetBytes, MAX_FILES);
        }

        /**
         * The statuses of the given files that one listing of their folder finds, for every folder holding at least
         * {@link #LIST_FOLDER_AT} of them: an object store answers a listing of up to a thousand keys in one
         * request, where asking for each file's size is one request (a HEAD) per object, made one after the other
         * before the first split is handed out. A hunt's files are whole folders of its walk, so this is its
         * walk's listings again; a lone file named on the command line is asked for alone rather than listing a
         * folder that may hold a great many others. A file its folder's listing did not show is asked for alone.
         */
        private static Map<Path, FileStatus> listFolders(Path[] paths) throws IOException {
            Map<Path, Map<String, Path>> byFolder = new LinkedHashMap<>();
            for (Path p : paths) {
                Path folder = p.getParent();
                if (folder != null) {
                    byFolder.computeIfAbsent(folder, f -> new HashMap<>()).put(p.getName(), p);
                }
            }
            Map<Path, FileStatus> found = new HashMap<>();
            for (Map.Entry<Path, Map<String, Path>> e : byFolder.entrySet()) {
                if (e.getValue().size() < LIST_FOLDER_AT) {
                    continue;
                }
                FileStatus[] children = e.getKey().getFileSystem().listStatus(e.getKey());
                for (FileStatus child : children == null ? new FileStatus[0] : children) {
                    Path wanted = e.getValue().get(child.getPath().getName());
                    if (wanted != null && !child.isDir()) {
                        found.put(wanted, child);
                    }
                }
            }
            return found;
        }
    }
}
