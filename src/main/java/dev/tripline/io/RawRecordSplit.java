package dev.tripline.io;

import java.io.IOException;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.FileSourceSplitSerializer;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * A byte range of one input file for {@link RawRecordFormat}, with the number of the first line that starts in
 * it, so that a reader which starts mid-file still gives every record its line number in the whole file. A
 * whole file, or the first range of one, has first line 1. Immutable, like Flink's split: a checkpoint makes a
 * new split with the reader's position ({@link #updateWithCheckpointedPosition}), keeping the first line.
 */
public final class RawRecordSplit extends FileSourceSplit {
    private static final long serialVersionUID = 1L;

    private final long firstLine;

    public RawRecordSplit(
            String id, Path path, long offset, long length, long modificationTime, long fileSize, long firstLine) {
        this(id, path, offset, length, modificationTime, fileSize, new String[0], null, firstLine);
    }

    private RawRecordSplit(
            String id,
            Path path,
            long offset,
            long length,
            long modificationTime,
            long fileSize,
            String[] hostnames,
            CheckpointedPosition position,
            long firstLine) {
        super(id, path, offset, length, modificationTime, fileSize, hostnames, position);
        if (firstLine < 1) {
            throw new IllegalArgumentException("first line must be at least 1: " + firstLine);
        }
        this.firstLine = firstLine;
    }

    /** The number (from 1, in the whole file) of the first line starting at or after {@link #offset()}. */
    public long firstLine() {
        return firstLine;
    }

    @Override
    public RawRecordSplit updateWithCheckpointedPosition(CheckpointedPosition position) {
        return new RawRecordSplit(
                splitId(),
                path(),
                offset(),
                length(),
                fileModificationTime(),
                fileSize(),
                hostnames(),
                position,
                firstLine);
    }

    @Override
    public String toString() {
        return super.toString() + " first line " + firstLine;
    }

    /**
     * Version 2: Flink's own split bytes (its {@link FileSourceSplitSerializer}), then the first line. Reads
     * version 1, Flink's split alone, as saved before files were split: a whole file, first line 1.
     */
    public static final class Serializer implements SimpleVersionedSerializer<RawRecordSplit> {
        public static final Serializer INSTANCE = new Serializer();
        private static final int VERSION = 2;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(RawRecordSplit split) throws IOException {
            // Flink's serializer refuses subclasses: it is given the same split as a FileSourceSplit.
            FileSourceSplit plain = new FileSourceSplit(
                    split.splitId(),
                    split.path(),
                    split.offset(),
                    split.length(),
                    split.fileModificationTime(),
                    split.fileSize(),
                    split.hostnames(),
                    split.getReaderPosition().orElse(null));
            byte[] base = FileSourceSplitSerializer.INSTANCE.serialize(plain);
            DataOutputSerializer out = new DataOutputSerializer(base.length + 16);
            out.writeInt(FileSourceSplitSerializer.INSTANCE.getVersion());
            out.writeInt(base.length);
            out.write(base);
            out.writeLong(split.firstLine);
            return out.getCopyOfBuffer();
        }

        @Override
        public RawRecordSplit deserialize(int version, byte[] bytes) throws IOException {
            if (version == 1) {
                return of(FileSourceSplitSerializer.INSTANCE.deserialize(1, bytes), 1);
            }
            if (version != VERSION) {
                throw new IOException("unknown raw record split version " + version);
            }
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            int baseVersion = in.readInt();
            byte[] base = new byte[in.readInt()];
            in.readFully(base);
            return of(FileSourceSplitSerializer.INSTANCE.deserialize(baseVersion, base), in.readLong());
        }

        private static RawRecordSplit of(FileSourceSplit s, long firstLine) {
            return new RawRecordSplit(
                    s.splitId(),
                    s.path(),
                    s.offset(),
                    s.length(),
                    s.fileModificationTime(),
                    s.fileSize(),
                    s.hostnames(),
                    s.getReaderPosition().orElse(null),
                    firstLine);
        }
    }
}
