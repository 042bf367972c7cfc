package dev.tripline.io;

import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.FileSourceSplitSerializer;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * A split of {@link FileGroupSource}: a run of whole files (each with its size as listed), read one after the other
 * by one reader, so that a reader asks the coordinator for work once per group instead of once per file. The
 * inherited path is the group's first file, length and file size the group's total bytes. Or a range of one large
 * JSON Lines file ({@link JsonLinesRanges.Range}): the lines that begin between its start and end byte, numbered on
 * from the lines before it; a group of whole files has the range {@link JsonLinesRanges.Range#WHOLE}.
 *
 * <p>The reader's position, as Flink checkpoints it ({@link CheckpointedPosition}), is the index of the file being
 * read within the group (its offset) and the records of that file already emitted (its records after offset): a
 * restored reader re-opens that file, skips those records and goes on with the files after it. Immutable.
 */
public final class FileGroupSplit extends FileSourceSplit {
    private static final long serialVersionUID = 1L;
    private static final String[] NO_HOSTS = new String[0];

    private final Path[] paths;
    private final long[] sizes;
    private final JsonLinesRanges.Range range;

    /** A group of whole files. */
    public FileGroupSplit(String id, Path[] paths, long[] sizes, @Nullable CheckpointedPosition position) {
        this(id, paths, sizes, JsonLinesRanges.Range.WHOLE, position);
    }

    /** A range of one file, or (with {@link JsonLinesRanges.Range#WHOLE}) a group of whole files. */
    FileGroupSplit(
            String id,
            Path[] paths,
            long[] sizes,
            JsonLinesRanges.Range range,
            @Nullable CheckpointedPosition position) {
        super(id, first(paths, sizes), 0, total(sizes), 0, total(sizes), NO_HOSTS, position);
        if (position != null && (position.getOffset() < 0 || position.getOffset() >= paths.length)) {
            throw new IllegalArgumentException(
                    "position " + position + " outside the group's " + paths.length + " files");
        }
        if (!range.whole()
                && (paths.length != 1
                        || range.start() < 0
                        || range.end() <= range.start()
                        || range.linesBefore() < 0)) {
            throw new IllegalArgumentException("range " + range + " of a group of " + paths.length + " files");
        }
        this.paths = paths.clone();
        this.sizes = sizes.clone();
        this.range = range;
    }

    private static Path first(Path[] paths, long[] sizes) {
        if (paths.length == 0 || paths.length != sizes.length) {
            throw new IllegalArgumentException(paths.length + " paths and " + sizes.length + " sizes");
        }
        return paths[0];
    }

    private static long total(long[] sizes) {
        long total = 0;
        for (long s : sizes) {
            total += s;
        }
        return total;
    }

    public int files() {
        return paths.length;
    }

    public Path path(int file) {
        return paths[file];
    }

    public long size(int file) {
        return sizes[file];
    }

    /** The part of the file read ({@link JsonLinesRanges.Range#WHOLE} for a group of whole files). */
    JsonLinesRanges.Range range() {
        return range;
    }

    /** The file to start reading at: the restored position's, else the first. */
    int startFile() {
        return getReaderPosition().map(p -> (int) p.getOffset()).orElse(0);
    }

    /** The records of {@link #startFile} already emitted before a restore. */
    long recordsToSkip() {
        return getReaderPosition()
                .map(CheckpointedPosition::getRecordsAfterOffset)
                .orElse(0L);
    }

    @Override
    public FileGroupSplit updateWithCheckpointedPosition(@Nullable CheckpointedPosition position) {
        return new FileGroupSplit(splitId(), paths, sizes, range, position);
    }

    @Override
    public String toString() {
        return "FileGroupSplit{id=" + splitId() + ", files=" + paths.length + ", first=" + paths[0]
                + (range.whole()
                        ? ""
                        : ", bytes " + range.start() + " to " + range.end() + " after line " + range.linesBefore())
                + ", position=" + getReaderPosition().map(Object::toString).orElse("start") + "}";
    }

    /**
     * Version 3 writes the group (id, its files' paths and sizes, the position), then its range (start, end, lines
     * before). Version 2 is the same without the range: a group of whole files. Version 1 is Flink's
     * {@link FileSourceSplitSerializer} format, the one split per file of the {@code FileSource} this source
     * replaced: such a split (in a streaming job's checkpoint taken before) restores as a group of that one file,
     * its position (records after no offset) becoming that file's records to skip.
     */
    public static final class Serializer implements SimpleVersionedSerializer<FileGroupSplit> {
        public static final Serializer INSTANCE = new Serializer();
        static final int VERSION = 3;
        static final int WHOLE_FILES_VERSION = 2;
        static final int FILE_SOURCE_SPLIT_VERSION = 1;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(FileGroupSplit split) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(64 + 96 * split.paths.length);
            out.writeUTF(split.splitId());
            out.writeInt(split.paths.length);
            for (int i = 0; i < split.paths.length; i++) {
                Path.serializeToDataOutputView(split.paths[i], out);
                out.writeLong(split.sizes[i]);
            }
            Optional<CheckpointedPosition> position = split.getReaderPosition();
            out.writeBoolean(position.isPresent());
            if (position.isPresent()) {
                out.writeLong(position.get().getOffset());
                out.writeLong(position.get().getRecordsAfterOffset());
            }
            out.writeLong(split.range.start());
            out.writeLong(split.range.end());
            out.writeLong(split.range.linesBefore());
            return out.getCopyOfBuffer();
        }

        @Override
        public FileGroupSplit deserialize(int version, byte[] serialized) throws IOException {
            if (version == FILE_SOURCE_SPLIT_VERSION) {
                FileSourceSplit file = FileSourceSplitSerializer.INSTANCE.deserialize(version, serialized);
                CheckpointedPosition position = file.getReaderPosition()
                        .map(p -> new CheckpointedPosition(0, p.getRecordsAfterOffset()))
                        .orElse(null);
                return new FileGroupSplit(
                        file.splitId(), new Path[] {file.path()}, new long[] {file.fileSize()}, position);
            }
            if (version != VERSION && version != WHOLE_FILES_VERSION) {
                throw new IOException("unknown file group split version " + version);
            }
            DataInputDeserializer in = new DataInputDeserializer(serialized);
            String id = in.readUTF();
            int n = in.readInt();
            Path[] paths = new Path[n];
            long[] sizes = new long[n];
            for (int i = 0; i < n; i++) {
                paths[i] = Path.deserializeFromDataInputView(in);
                sizes[i] = in.readLong();
            }
            CheckpointedPosition position =
                    in.readBoolean() ? new CheckpointedPosition(in.readLong(), in.readLong()) : null;
            JsonLinesRanges.Range range = version == WHOLE_FILES_VERSION
                    ? JsonLinesRanges.Range.WHOLE
                    : new JsonLinesRanges.Range(in.readLong(), in.readLong(), in.readLong());
            return new FileGroupSplit(id, paths, sizes, range, position);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileGroupSplit g
                && splitId().equals(g.splitId())
                && Arrays.equals(paths, g.paths)
                && Arrays.equals(sizes, g.sizes)
                && range.equals(g.range)
                && getReaderPosition().equals(g.getReaderPosition());
    }

    @Override
    public int hashCode() {
        return splitId().hashCode() * 31 + Arrays.hashCode(paths);
    }
}
