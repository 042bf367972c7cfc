package dev.tripline.io;

import dev.tripline.flink.RawRecord;
import java.util.List;
import org.apache.flink.connector.file.src.AbstractFileSource;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Flink's bounded file source over a fixed list of files, with {@link RawRecordSplit}s instead of plain file
 * splits so that a range of a JSON Lines file knows its first line number. Splits come from
 * {@link LineAlignedEnumerator} and are handed out by Flink's default (locality-aware) assigner.
 */
public final class RawRecordSource extends AbstractFileSource<RawRecord, RawRecordSplit> {
    private static final long serialVersionUID = 1L;

    RawRecordSource(List<Path> files, RawRecordFormat format) {
        super(
                files.toArray(Path[]::new),
                () -> new LineAlignedEnumerator(format),
                FileSource.DEFAULT_SPLIT_ASSIGNER,
                format,
                null);
    }

    @Override
    public SimpleVersionedSerializer<RawRecordSplit> getSplitSerializer() {
        return RawRecordSplit.Serializer.INSTANCE;
    }
}
