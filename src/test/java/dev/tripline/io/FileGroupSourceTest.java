package dev.tripline.io;

import static dev.tripline.io.RawRecordFormatTest.gzip;
import static dev.tripline.io.RawRecordFormatTest.readAll;
import static dev.tripline.io.RawRecordFormatTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.flink.RawRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.connector.source.mocks.MockSplitEnumeratorContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.FileSourceSplitSerializer;
import org.apache.flink.connector.file.src.FileSourceSplitState;
import org.apache.flink.connector.file.src.PendingSplitsCheckpoint;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grouping files into splits (every file exactly once, in order; groups within the target, a file at or above it
 * alone; enough groups per reader; the same files give the same groups), the enumerator's one split per request,
 * the split's serializer (and its reading of Flink's one-file splits), and a group read whole and restored after
 * every record from the position Flink would checkpoint there; a streaming job that fails after a checkpoint
 * reads every record once.
 */
class FileGroupSourceTest {
    @TempDir
    java.nio.file.Path dir;

    private static List<InputFile> files(long... sizes) {
        List<InputFile> out = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            out.add(new InputFile(new Path("/a/f" + i + ".json.gz"), sizes[i]));
        }
        return out;
    }

    /** A local file with its size, as a listing gives it. */
    private static InputFile local(java.nio.file.Path f) throws IOException {
        return new InputFile(Path.fromLocalFile(f.toFile()), Files.size(f));
    }

    private static List<Path> flatten(Collection<FileSourceSplit> groups) {
        List<Path> out = new ArrayList<>();
        for (FileSourceSplit s : groups) {
            FileGroupSplit g = (FileGroupSplit) s;
            for (int i = 0; i < g.files(); i++) {
                out.add(g.path(i));
            }
        }
        return out;
    }

    private static List<Long> groupBytes(Collection<FileSourceSplit> groups) {
        return groups.stream().map(FileSourceSplit::length).toList();
    }

    @Test
    void everyFileOnceInOrderAndGroupsWithinTheTarget() {
        Random random = new Random(14);
        for (int round = 0; round < 200; round++) {
            long[] sizes = new long[1 + random.nextInt(400)];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = random.nextInt(10) == 0 ? random.nextInt(5000) : random.nextInt(300);
            }
            int readers = 1 + random.nextInt(4);
            long target = 1 + random.nextInt(3000);
            List<InputFile> files = files(sizes);
            List<FileSourceSplit> groups = FileGroupSource.group(files, readers, target, 50);
            assertThat(flatten(groups))
                    .isEqualTo(files.stream().map(InputFile::path).toList());
            assertThat(groups.stream().map(FileSourceSplit::splitId).toList())
                    .isEqualTo(java.util.stream.IntStream.range(0, groups.size())
                            .mapToObj(Integer::toString)
                            .toList());
            long total = java.util.Arrays.stream(sizes).sum();
            long effective = Math.max(1, Math.min(target, total / (FileGroupSource.GROUPS_PER_READER * readers)));
            for (FileSourceSplit s : groups) {
                FileGroupSplit g = (FileGroupSplit) s;
                assertThat(g.files()).isBetween(1, 50);
                if (g.files() > 1) {
                    assertThat(g.length()).as("a group of several files").isLessThanOrEqualTo(effective);
                    for (int i = 0; i < g.files(); i++) {
                        assertThat(g.size(i))
                                .as("a file at or above the target is alone")
                                .isLessThan(effective);
                    }
                }
            }
            // greedy: a group closed before the 50-file cap could not take the next file
            for (int i = 0; i + 1 < groups.size(); i++) {
                FileGroupSplit g = (FileGroupSplit) groups.get(i);
                FileGroupSplit next = (FileGroupSplit) groups.get(i + 1);
                if (g.files() < 50) {
                    assertThat(g.length() + next.size(0)).isGreaterThan(effective);
                }
            }
            assertThat(FileGroupSource.group(files(sizes), readers, target, 50))
                    .as("the same files give the same groups")
                    .isEqualTo(groups);
        }
    }

    @Test
    void largeFilesGoAloneAndSmallOnesTogether() {
        List<FileSourceSplit> groups =
                FileGroupSource.group(files(100, 100, 5000, 100, 1000, 1000, 100), 1, 1000, 1024);
        // total 7,400 / 8 groups per reader = 925: the target shrinks below 1,000
        assertThat(groups.stream().map(s -> ((FileGroupSplit) s).files()).toList())
                .containsExactly(2, 1, 1, 1, 1, 1);
        assertThat(groupBytes(groups)).containsExactly(200L, 5000L, 100L, 1000L, 1000L, 100L);
    }

    @Test
    void smallInputsStillGiveEightGroupsPerReaderAndTheFileCapHolds() {
        long[] sizes = new long[1000];
        java.util.Arrays.fill(sizes, 10);
        assertThat(FileGroupSource.group(files(sizes), 3, 1 << 20, 1024)).hasSize(25); // 10,000 / 24 = 416: 41 a group
        assertThat(FileGroupSource.group(files(sizes), 1, 1 << 20, 1024)).hasSize(8);
        assertThat(FileGroupSource.group(files(new long[3000]), 1, 1 << 20, 1024))
                .as("empty files")
                .extracting(s -> ((FileGroupSplit) s).files())
                .containsExactly(1024, 1024, 952);
    }

    @Test
    void theEnumeratorTakesEveryFileGivenAndAnswersEachRequestWithOneGroup() throws Exception {
        List<InputFile> files = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            java.nio.file.Path f = dir.resolve(String.format("f%03d.json", i));
            Files.writeString(f, "{\"Records\":[{\"eventName\":\"E" + i + "\"}]}", StandardCharsets.UTF_8);
            files.add(local(f));
        }
        // Names Flink's own file listing would leave out without a word: the files were chosen before the source.
        for (String name : List.of(".hidden.json", "_underscore.json")) {
            java.nio.file.Path f = dir.resolve(name);
            Files.writeString(f, "{}");
            files.add(local(f));
        }
        List<Path> paths = files.stream().map(InputFile::path).toList();
        // The sizes are the listing's: the enumerator asks the file system nothing of a file it does not cut into
        // ranges, so a file that went since is grouped with the size it was listed with (its reader reports it).
        List<InputFile> withGone = new ArrayList<>(files);
        withGone.add(new InputFile(Path.fromLocalFile(dir.resolve("gone.json").toFile()), 1234));
        Collection<FileSourceSplit> enumerated = new FileGroupSource.Grouping(
                        withGone.stream().mapToLong(InputFile::size).toArray(),
                        FileGroupSource.TARGET_BYTES,
                        FileGroupSource.RANGE_BYTES,
                        RawRecordFormat.DEFAULT_MAX_LINE_BYTES)
                .enumerateSplits(withGone.stream().map(InputFile::path).toArray(Path[]::new), 2);
        assertThat(flatten(enumerated))
                .isEqualTo(withGone.stream().map(InputFile::path).toList());
        List<Long> sizes = new ArrayList<>();
        for (FileSourceSplit s : enumerated) {
            FileGroupSplit g = (FileGroupSplit) s;
            for (int i = 0; i < g.files(); i++) {
                sizes.add(g.size(i));
            }
        }
        assertThat(sizes).isEqualTo(withGone.stream().map(InputFile::size).toList());
        FileGroupSource source = new FileGroupSource(files, new RawRecordFormat());
        try (MockSplitEnumeratorContext<FileGroupSplit> context = new MockSplitEnumeratorContext<>(2)) {
            context.registerReader(new ReaderInfo(0, "localhost"));
            context.registerReader(new ReaderInfo(1, "localhost"));
            SplitEnumerator<FileGroupSplit, PendingSplitsCheckpoint<FileGroupSplit>> e =
                    source.createEnumerator(context);
            e.start();
            List<Path> read = new ArrayList<>();
            for (int i = 0; i < 100 && !(context.hasNoMoreSplits(0) && context.hasNoMoreSplits(1)); i++) {
                int before = context.getSplitsAssignmentSequence().size();
                e.handleSplitRequest(i % 2, "localhost");
                if (context.getSplitsAssignmentSequence().size() > before) {
                    SplitsAssignment<FileGroupSplit> a =
                            context.getSplitsAssignmentSequence().get(before);
                    assertThat(a.assignment().get(i % 2))
                            .as("one split per request")
                            .hasSize(1);
                    read.addAll(flatten(List.copyOf(a.assignment().get(i % 2))));
                }
            }
            assertThat(context.getSplitsAssignmentSequence())
                    .as("2 readers: at least 8 groups each")
                    .hasSizeGreaterThanOrEqualTo(16);
            assertThat(read).containsExactlyInAnyOrderElementsOf(paths);
        }
    }

    @Test
    void theSerializerRoundTripsAndReadsFlinksOneFileSplits() throws IOException {
        FileGroupSplit g = new FileGroupSplit(
                "7",
                new Path[] {new Path("/a/x.json.gz"), new Path("s3://bucket/AWSLogs/y z.json"), new Path("/b.jsonl")},
                new long[] {10, 0, 1L << 40},
                null);
        FileGroupSplit.Serializer s = FileGroupSplit.Serializer.INSTANCE;
        assertThat(s.deserialize(s.getVersion(), s.serialize(g))).isEqualTo(g).hasToString(g.toString());
        FileGroupSplit at = g.updateWithCheckpointedPosition(new CheckpointedPosition(2, 17));
        FileGroupSplit back = s.deserialize(s.getVersion(), s.serialize(at));
        assertThat(back).isEqualTo(at);
        assertThat(back.startFile()).isEqualTo(2);
        assertThat(back.recordsToSkip()).isEqualTo(17);

        FileSourceSplit flinks = new FileSourceSplit("3", new Path("/c.ndjson"), 0, 99, 5, 99)
                .updateWithCheckpointedPosition(new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, 4));
        FileGroupSplit one = s.deserialize(1, FileSourceSplitSerializer.INSTANCE.serialize(flinks));
        assertThat(one.splitId()).isEqualTo("3");
        assertThat(one.files()).isEqualTo(1);
        assertThat(one.path(0)).isEqualTo(new Path("/c.ndjson"));
        assertThat(one.size(0)).isEqualTo(99);
        assertThat(one.startFile()).isZero();
        assertThat(one.recordsToSkip()).isEqualTo(4);
    }

    /** Origin, position and text of a record, to compare reads. */
    private static String describe(RawRecord r) {
        return r.origin + ":" + r.position + ":" + (r.payload == null ? "refused " + r.refused : text(r));
    }

    @Test
    void aGroupRestoredAfterAnyRecordReadsExactlyTheRest() throws Exception {
        java.nio.file.Path a = dir.resolve("a.jsonl");
        Files.writeString(a, "{\"a\":1}\n\n{\"a\":2}\n{\"a\":3}\n");
        java.nio.file.Path b = dir.resolve("b.json");
        Files.writeString(b, "{\"Records\":[{\"b\":1}]}");
        java.nio.file.Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "");
        java.nio.file.Path c = dir.resolve("c.jsonl.gz");
        Files.write(c, gzip("{\"c\":1}\n{\"c\":2}\n"));
        java.nio.file.Path missing = dir.resolve("missing.json");
        java.nio.file.Path d = dir.resolve("d.ndjson");
        Files.writeString(d, "{\"d\":1}");
        List<java.nio.file.Path> files = List.of(a, b, empty, c, missing, d);
        Path[] paths = files.stream().map(f -> Path.fromLocalFile(f.toFile())).toArray(Path[]::new);
        long[] sizes = new long[files.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Files.exists(files.get(i)) ? Files.size(files.get(i)) : 0;
        }
        FileGroupSplit group = new FileGroupSplit("g", paths, sizes, null);
        RawRecordFormat format = new RawRecordFormat();

        List<RecordAndPosition<RawRecord>> all = readAll(format.createReader(new Configuration(), group));
        List<String> whole = all.stream().map(r -> describe(r.getRecord())).toList();
        assertThat(whole)
                .containsExactly(
                        a + ":1:{\"a\":1}",
                        a + ":3:{\"a\":2}",
                        a + ":4:{\"a\":3}",
                        b + ":-1:{\"Records\":[{\"b\":1}]}",
                        c + ":1:{\"c\":1}",
                        c + ":2:{\"c\":2}",
                        missing + ":-1:refused READ_ERROR",
                        d + ":1:{\"d\":1}");
        assertThat(all.stream().map(r -> r.getOffset() + "/" + r.getRecordSkipCount()))
                .containsExactly("0/1", "0/2", "0/3", "1/1", "3/1", "3/2", "4/1", "5/1");

        for (int k = 0; k <= all.size(); k++) {
            // what Flink's reader checkpoints after the k-th record (before the first: the split as assigned)
            FileSourceSplitState<FileGroupSplit> state = new FileSourceSplitState<>(group);
            if (k > 0) {
                state.setPosition(all.get(k - 1).getOffset(), all.get(k - 1).getRecordSkipCount());
            }
            FileGroupSplit checkpointed = state.toFileSourceSplit();
            FileGroupSplit.Serializer s = FileGroupSplit.Serializer.INSTANCE;
            FileGroupSplit restored = s.deserialize(s.getVersion(), s.serialize(checkpointed));
            List<RecordAndPosition<RawRecord>> rest = readAll(
                    k == 0
                            ? format.createReader(new Configuration(), restored)
                            : format.restoreReader(new Configuration(), restored));
            assertThat(rest.stream().map(r -> describe(r.getRecord())).toList())
                    .as("restored after record %d", k)
                    .isEqualTo(whole.subList(k, whole.size()));
            assertThat(rest.stream()
                            .map(r -> r.getOffset() + "/" + r.getRecordSkipCount())
                            .toList())
                    .as("positions after a restore after record %d", k)
                    .isEqualTo(all.subList(k, all.size()).stream()
                            .map(r -> r.getOffset() + "/" + r.getRecordSkipCount())
                            .toList());
        }
    }

    /** Fails once, after a checkpoint has completed and some records have been read since. */
    static final class FailOnce extends RichMapFunction<RawRecord, String> implements CheckpointListener {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        private boolean checkpointed;
        private int seen;

        @Override
        public String map(RawRecord r) throws Exception {
            Thread.sleep(2);
            if (checkpointed && ++seen > 7 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("planted failure");
            }
            return r.origin + ":" + r.position;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
        }
    }

    @Test
    void aStreamingJobRestoredFromACheckpointInsideGroupsReadsEveryRecordOnce() throws Exception {
        List<InputFile> files = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            java.nio.file.Path f = dir.resolve(String.format("f%03d.jsonl", i));
            StringBuilder lines = new StringBuilder();
            for (int k = 0; k < 15; k++) {
                lines.append("{\"n\":").append(k).append("}\n");
            }
            Files.writeString(f, lines);
            files.add(local(f));
        }
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, java.time.Duration.ofMillis(10));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        env.enableCheckpointing(40);
        FailOnce.FAILED.set(false);
        // files of 120 bytes, groups of 4 of them: the failure falls inside a group, and most often inside a file
        List<String> read = env.fromSource(
                        new FileGroupSource(files, new RawRecordFormat(), 480, FileGroupSource.RANGE_BYTES),
                        WatermarkStrategy.noWatermarks(),
                        "files")
                .map(new FailOnce())
                .executeAndCollect(10_000);
        assertThat(FailOnce.FAILED).isTrue();
        assertThat(read).hasSize(600).doesNotHaveDuplicates();
    }
}
