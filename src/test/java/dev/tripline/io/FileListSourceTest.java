package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.flink.RawRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.connector.source.mocks.MockSplitEnumeratorContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.PendingSplitsCheckpoint;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file list source: each reader's first request gets the reserve, later ones a file each, every file is
 * assigned once, a few files are still spread one per reader, and its enumerator's checkpoint is the FileSource's
 * (it restores from one and back). A STREAMING job that fails after a checkpoint reads every file exactly once:
 * its readers restore the splits they held, the reserve included, and the enumerator takes back those it had
 * assigned since (a region failover; the enumerator's own restore is the unit test's).
 */
class FileListSourceTest {
    @TempDir
    java.nio.file.Path dir;

    private List<Path> files(int n) throws Exception {
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            java.nio.file.Path f = dir.resolve(String.format("f%03d.json", i));
            Files.writeString(f, "{\"Records\":[{\"eventName\":\"E" + i + "\"}]}", StandardCharsets.UTF_8);
            paths.add(Path.fromLocalFile(f.toFile()));
        }
        return paths;
    }

    private static MockSplitEnumeratorContext<FileSourceSplit> context(int readers) {
        MockSplitEnumeratorContext<FileSourceSplit> context = new MockSplitEnumeratorContext<>(readers);
        for (int i = 0; i < readers; i++) {
            context.registerReader(new ReaderInfo(i, "localhost"));
        }
        return context;
    }

    /** The paths of the splits assigned in each assignment, in order, as "subtask:count". */
    private static List<String> assignments(MockSplitEnumeratorContext<FileSourceSplit> context) {
        List<String> out = new ArrayList<>();
        for (SplitsAssignment<FileSourceSplit> a : context.getSplitsAssignmentSequence()) {
            a.assignment().forEach((subtask, splits) -> out.add(subtask + ":" + splits.size()));
        }
        return out;
    }

    private static List<String> assignedPaths(MockSplitEnumeratorContext<FileSourceSplit> context) {
        List<String> out = new ArrayList<>();
        for (SplitsAssignment<FileSourceSplit> a : context.getSplitsAssignmentSequence()) {
            a.assignment()
                    .values()
                    .forEach(splits -> splits.forEach(s -> out.add(s.path().getName())));
        }
        return out;
    }

    @Test
    void firstRequestGetsTheReserveThenOneFilePerRequestAndEveryFileOnce() throws Exception {
        List<Path> paths = files(20);
        FileListSource source = new FileListSource(paths, new RawRecordFormat());
        try (MockSplitEnumeratorContext<FileSourceSplit> context = context(2)) {
            SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>> e =
                    source.createEnumerator(context);
            e.start();
            e.addReader(0);
            e.addReader(1);
            e.handleSplitRequest(0, "localhost");
            e.handleSplitRequest(1, "localhost");
            e.handleSplitRequest(0, "localhost");
            assertThat(assignments(context))
                    .containsExactly("0:" + (1 + FileListSource.RESERVE), "1:" + (1 + FileListSource.RESERVE), "0:1");
            for (int i = 0; i < 40 && !(context.hasNoMoreSplits(0) && context.hasNoMoreSplits(1)); i++) {
                e.handleSplitRequest(i % 2, "localhost");
            }
            List<String> assigned = assignedPaths(context);
            assertThat(assigned).hasSize(20).doesNotHaveDuplicates();
            assertThat(new HashSet<>(assigned))
                    .isEqualTo(paths.stream().map(Path::getName).collect(Collectors.toSet()));
            assertThat(context.hasNoMoreSplits(0)).isTrue();
            assertThat(context.hasNoMoreSplits(1)).isTrue();
        }
    }

    @Test
    void fewFilesGoOneToEachReader() throws Exception {
        FileListSource source = new FileListSource(files(2 * (1 + FileListSource.RESERVE)), new RawRecordFormat());
        try (MockSplitEnumeratorContext<FileSourceSplit> context = context(2)) {
            SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>> e =
                    source.createEnumerator(context);
            e.addReader(0);
            e.addReader(1);
            e.handleSplitRequest(0, "localhost");
            e.handleSplitRequest(1, "localhost");
            assertThat(assignments(context)).containsExactly("0:1", "1:1");
        }
    }

    @Test
    void checkpointIsTheFileSourcesAndRestoresTheFilesNotYetAssigned() throws Exception {
        List<Path> paths = files(30);
        FileListSource source = new FileListSource(paths, new RawRecordFormat());
        FileSource<RawRecord> flinks = FileSource.forBulkFileFormat(new RawRecordFormat(), paths.toArray(Path[]::new))
                .build();
        SimpleVersionedSerializer<PendingSplitsCheckpoint<FileSourceSplit>> ours =
                source.getEnumeratorCheckpointSerializer();
        SimpleVersionedSerializer<PendingSplitsCheckpoint<FileSourceSplit>> theirs =
                flinks.getEnumeratorCheckpointSerializer();
        Set<String> assigned = new HashSet<>();
        byte[] bytes;
        try (MockSplitEnumeratorContext<FileSourceSplit> context = context(2)) {
            SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>> e =
                    source.createEnumerator(context);
            e.addReader(0);
            e.addReader(1);
            e.handleSplitRequest(0, "localhost");
            e.handleSplitRequest(1, "localhost");
            assigned.addAll(assignedPaths(context));
            // the reader of subtask 1 failed: its splits come back
            List<FileSourceSplit> back = new ArrayList<>();
            context.getSplitsAssignmentSequence().get(1).assignment().get(1).forEach(back::add);
            e.addSplitsBack(back, 1);
            back.forEach(s -> assigned.remove(s.path().getName()));
            assertThat(ours.getVersion()).isEqualTo(theirs.getVersion());
            bytes = ours.serialize(e.snapshotState(1));
        }
        // Flink's own FileSource reads our checkpoint, and we read ours back
        assertThat(theirs.deserialize(theirs.getVersion(), bytes).getSplits()).hasSize(30 - assigned.size());
        PendingSplitsCheckpoint<FileSourceSplit> restored = ours.deserialize(ours.getVersion(), bytes);
        try (MockSplitEnumeratorContext<FileSourceSplit> context = context(2)) {
            SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>> e =
                    source.restoreEnumerator(context, restored);
            e.addReader(0);
            e.addReader(1);
            for (int i = 0; i < 60 && !(context.hasNoMoreSplits(0) && context.hasNoMoreSplits(1)); i++) {
                e.handleSplitRequest(i % 2, "localhost");
            }
            List<String> rest = assignedPaths(context);
            assertThat(rest).doesNotHaveDuplicates().doesNotContainAnyElementsOf(assigned);
            assigned.addAll(rest);
        }
        assertThat(assigned).isEqualTo(paths.stream().map(Path::getName).collect(Collectors.toSet()));
    }

    /** Fails once, after a checkpoint has completed and some files have been read. */
    static final class FailOnce extends RichMapFunction<RawRecord, String> implements CheckpointListener {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        private boolean checkpointed;
        private int seen;

        @Override
        public void open(OpenContext context) {}

        @Override
        public String map(RawRecord r) throws Exception {
            Thread.sleep(5);
            if (checkpointed && ++seen > 5 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("planted failure");
            }
            return r.origin;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
        }
    }

    @Test
    void streamingJobRestoredFromACheckpointReadsEveryFileOnce() throws Exception {
        List<Path> paths = files(120);
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, java.time.Duration.ofMillis(10));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        env.enableCheckpointing(50);
        FailOnce.FAILED.set(false);
        List<String> origins = env.fromSource(
                        new FileListSource(paths, new RawRecordFormat()), WatermarkStrategy.noWatermarks(), "files")
                .map(new FailOnce())
                .executeAndCollect(1000);
        assertThat(FailOnce.FAILED).isTrue();
        Map<String, Integer> times = new HashMap<>();
        origins.forEach(o -> times.merge(o, 1, Integer::sum));
        assertThat(times).hasSize(120);
        assertThat(times.values()).containsOnly(1);
    }
}
