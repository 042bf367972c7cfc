package dev.tripline.io;

import dev.tripline.flink.RawRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.connector.source.SupportsBatchSnapshot;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.PendingSplitsCheckpoint;
import org.apache.flink.connector.file.src.assigners.LocalityAwareSplitAssigner;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded source over a fixed list of files (one split per file, as {@link RawRecordFormat} does not split):
 * Flink's {@link FileSource} readers, splits and checkpoint format, with an enumerator that keeps every reader
 * {@link #RESERVE} files ahead. Flink's reader holds one split and asks for the next only once it has finished
 * it, so with the FileSource's own enumerator each small file cost a request to the coordinator and back, and the
 * fetcher's read of the next file, while the reader's thread waited; over an archive of thousands of CloudTrail
 * files that kept the readers idle a third of the time, and over S3 every object's latency. Here a reader's first
 * request is answered with {@code 1 + RESERVE} splits; as the reader asks again once per finished split (Flink's
 * {@code FileSourceReader}) and is given one each time, it always holds the next files, which its fetcher reads
 * while the task works on the current one. Results do not depend on which reader reads which file, so they are
 * the same.
 *
 * <p>The reserve is given only while more than {@code (1 + RESERVE)} splits per reader remain, so that a few large
 * files still go one to each reader.
 */
public final class FileListSource
        implements Source<RawRecord, FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>>,
                ResultTypeQueryable<RawRecord> {
    private static final long serialVersionUID = 1L;

    /** Splits a reader holds beyond the one it is reading. */
    static final int RESERVE = 2;

    private final FileSource<RawRecord> files;
    private final Path[] paths;

    /** A bounded source over exactly these files (as {@link ArchiveFiles#list} finds them), local or remote. */
    public FileListSource(List<Path> paths, RawRecordFormat format) {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("no input files");
        }
        this.paths = paths.toArray(Path[]::new);
        this.files = FileSource.forBulkFileFormat(format, this.paths).build();
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<RawRecord, FileSourceSplit> createReader(SourceReaderContext context) {
        return files.createReader(context);
    }

    @Override
    public SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>> createEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context) throws IOException {
        // The FileSource's own listing of a non-splittable format: one split per file, hidden files left out.
        Collection<FileSourceSplit> splits =
                new NonSplittingRecursiveEnumerator().enumerateSplits(paths, context.currentParallelism());
        return new Enumerator(context, splits);
    }

    @Override
    public SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>> restoreEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context, PendingSplitsCheckpoint<FileSourceSplit> checkpoint) {
        return new Enumerator(context, checkpoint.getSplits());
    }

    @Override
    public SimpleVersionedSerializer<FileSourceSplit> getSplitSerializer() {
        return files.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<PendingSplitsCheckpoint<FileSourceSplit>> getEnumeratorCheckpointSerializer() {
        return files.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return files.getProducedType();
    }

    /**
     * Hands out the files not yet assigned (the checkpointed state, Flink's {@code PendingSplitsCheckpoint}, so a
     * FileSource's checkpoint restores here and back) and remembers which registered readers have not had their
     * reserve yet. That set is not checkpointed: after a restore each reader gets its reserve again with its next
     * request, on top of the splits it restored with, which changes only how far ahead it reads.
     */
    static final class Enumerator
            implements SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>>,
                    SupportsBatchSnapshot {
        private static final Logger LOG = LoggerFactory.getLogger(Enumerator.class);

        private final SplitEnumeratorContext<FileSourceSplit> context;
        private final LocalityAwareSplitAssigner assigner;
        private long remaining;
        private final Set<Integer> owedReserve = new HashSet<>();

        Enumerator(SplitEnumeratorContext<FileSourceSplit> context, Collection<FileSourceSplit> splits) {
            this.context = context;
            this.assigner = new LocalityAwareSplitAssigner(splits);
            this.remaining = splits.size();
        }

        @Override
        public void start() {}

        @Override
        public void addReader(int subtask) {
            owedReserve.add(subtask);
        }

        @Override
        public void handleSplitRequest(int subtask, String hostname) {
            if (!context.registeredReaders().containsKey(subtask)) {
                return; // the reader failed after it asked; its splits come back through addSplitsBack
            }
            int wanted = 1;
            if (owedReserve.remove(subtask) && remaining > (long) (1 + RESERVE) * context.currentParallelism()) {
                wanted += RESERVE;
            }
            List<FileSourceSplit> given = new ArrayList<>(wanted);
            while (given.size() < wanted) {
                Optional<FileSourceSplit> next = assigner.getNext(hostname);
                if (next.isEmpty()) {
                    break;
                }
                given.add(next.get());
                remaining--;
            }
            if (!given.isEmpty()) {
                context.assignSplits(new SplitsAssignment<>(Map.of(subtask, given)));
                LOG.debug("Assigned {} splits to subtask {}, {} left", given.size(), subtask, remaining);
            }
            if (given.size() < wanted) {
                context.signalNoMoreSplits(subtask);
                LOG.debug("No more splits for subtask {}", subtask);
            }
        }

        @Override
        public void addSplitsBack(List<FileSourceSplit> splits, int subtask) {
            LOG.debug("{} splits back from subtask {}", splits.size(), subtask);
            assigner.addSplits(splits);
            remaining += splits.size();
        }

        @Override
        public PendingSplitsCheckpoint<FileSourceSplit> snapshotState(long checkpointId) {
            return PendingSplitsCheckpoint.fromCollectionSnapshot(assigner.remainingSplits());
        }

        @Override
        public void close() {}
    }
}
