package dev.tripline.io;

import static dev.tripline.io.RawRecordFormatTest.readAll;
import static dev.tripline.io.RawRecordFormatTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.flink.RawRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.FileSourceSplitState;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesRangesTest {
    /** The line limit of these tests: short enough for many lines and runs of blank lines to pass it. */
    private static final int MAX_LINE = 64;

    private final RawRecordFormat format = new RawRecordFormat(1 << 20, MAX_LINE);

    @TempDir
    java.nio.file.Path dir;

    /**
     * Lines of every kind the reader treats apart, in random runs: records, blank and whitespace-only lines (runs of
     * them pass the limit and are refused once), CRLF endings, lines over the limit (inside blank runs too, which
     * they do not end), and a last line without a line break.
     */
    private static String mixedLines(long seed, int lines) {
        Random random = new Random(seed);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            switch (random.nextInt(10)) {
                case 0, 1 -> b.append(" ".repeat(random.nextInt(30))).append('\n');
                case 2 -> b.append("\n".repeat(1 + random.nextInt(80)));
                case 3 ->
                    b.append("x".repeat(MAX_LINE + 1 + random.nextInt(40))).append('\n');
                case 4 -> b.append("{\"crlf\":").append(i).append("}\r\n");
                case 5 -> b.append("\t \r\n");
                default -> b.append("{\"n\":").append(i).append('}').append('\n');
            }
        }
        return b.append("{\"last\":true}").toString();
    }

    private InputFile write(String name, String content) throws IOException {
        java.nio.file.Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return new InputFile(Path.fromLocalFile(f.toFile()), Files.size(f));
    }

    private static String describe(RawRecord r) {
        return r.position + ":" + (r.payload == null ? "refused " + r.refused + " " + r.refusedMessage : text(r));
    }

    private List<String> read(FileSourceSplit split) throws IOException {
        return readAll(format.createReader(new Configuration(), (FileGroupSplit) split)).stream()
                .map(r -> describe(r.getRecord()))
                .toList();
    }

    @Test
    void theRangesOfAFileReadExactlyTheRecordsOfTheWholeFile() throws IOException {
        for (long seed = 1; seed <= 6; seed++) {
            // The last file is several times the pass's buffer: lines cross from one read into the next.
            InputFile file = write("mixed-" + seed + ".jsonl", mixedLines(seed, seed < 6 ? 3000 : 150_000));
            List<String> whole =
                    read(FileGroupSource.group(List.of(file), 1, 1 << 30, 1024).get(0));
            assertThat(whole).hasSizeGreaterThan(1500);
            for (int readers = 2; readers <= 9; readers++) {
                List<FileSourceSplit> splits =
                        FileGroupSource.group(List.of(file), readers, 1 << 30, 1024, file.size() / readers, MAX_LINE);
                assertThat(splits).as("seed %d, %d readers", seed, readers).hasSize(readers);
                long end = 0;
                List<String> joined = new ArrayList<>();
                for (FileSourceSplit s : splits) {
                    JsonLinesRanges.Range r = ((FileGroupSplit) s).range();
                    assertThat(r.start()).as("ranges follow each other").isEqualTo(end);
                    end = r.end();
                    joined.addAll(read(s));
                }
                assertThat(end).isEqualTo(Long.MAX_VALUE);
                assertThat(joined).as("seed %d, %d readers", seed, readers).isEqualTo(whole);
            }
        }
    }

    @Test
    void aRangeBeginsOnlyAfterARecordLine() throws IOException {
        String content =
                "{\"a\":1}\n" + "\n".repeat(200) + "{\"b\":2}\n" + "y".repeat(300) + "\n{\"c\":3}\n{\"d\":4}\n";
        InputFile file = write("cuts.jsonl", content);
        // Cuts at a third and two thirds fall in the blank lines and in the long line: each range starts after the
        // next line that neither is blank nor passes the limit.
        List<JsonLinesRanges.Range> ranges = JsonLinesRanges.cut(file.path(), file.size(), 3, MAX_LINE);
        int afterB = content.indexOf("{\"b\":2}\n") + 8;
        int afterC = content.indexOf("{\"c\":3}\n") + 8;
        assertThat(ranges)
                .containsExactly(
                        new JsonLinesRanges.Range(0, afterB, 0),
                        new JsonLinesRanges.Range(afterB, afterC, 202),
                        new JsonLinesRanges.Range(afterC, Long.MAX_VALUE, 204));
        // One line from start to end: nowhere to cut.
        InputFile one = write("one.jsonl", "{\"z\":\"" + "z".repeat(1000) + "\"}");
        assertThat(JsonLinesRanges.cut(one.path(), one.size(), 4, MAX_LINE))
                .containsExactly(JsonLinesRanges.Range.WHOLE);
    }

    @Test
    void onlyLocalPlainJsonLinesFilesOfTwoRangesAndMoreAreCut() throws IOException {
        InputFile plain = write("big.jsonl", mixedLines(7, 2000));
        long range = plain.size() / 4;
        assertThat(FileGroupSource.ranges(plain, 4, range, MAX_LINE)).hasSize(4);
        assertThat(FileGroupSource.ranges(plain, 1, range, MAX_LINE)).containsExactly(JsonLinesRanges.Range.WHOLE);
        assertThat(FileGroupSource.ranges(plain, 4, plain.size() / 2 + 1, MAX_LINE))
                .as("under twice the range size")
                .containsExactly(JsonLinesRanges.Range.WHOLE);
        for (InputFile notCut : List.of(
                write("big.jsonl.gz", "not read"),
                write("big.json", "not read"),
                new InputFile(new Path("s3://bucket/AWSLogs/big.jsonl"), plain.size()),
                new InputFile(Path.fromLocalFile(dir.resolve("gone.jsonl").toFile()), plain.size()))) {
            InputFile listed = new InputFile(notCut.path(), plain.size());
            assertThat(FileGroupSource.ranges(listed, 4, range, MAX_LINE))
                    .as("%s", listed.path())
                    .containsExactly(JsonLinesRanges.Range.WHOLE);
        }
    }

    @Test
    void aRangeRestoredAfterAnyRecordReadsExactlyTheRestAndItsRangeSurvivesTheSerializer() throws Exception {
        InputFile file = write("restore.jsonl", mixedLines(11, 400));
        List<FileSourceSplit> splits =
                FileGroupSource.group(List.of(file), 3, 1 << 30, 1024, file.size() / 3, MAX_LINE);
        FileGroupSplit middle = (FileGroupSplit) splits.get(1);
        List<RecordAndPosition<RawRecord>> all = readAll(format.createReader(new Configuration(), middle));
        List<String> whole = all.stream().map(r -> describe(r.getRecord())).toList();
        assertThat(whole).isNotEmpty();
        FileGroupSplit.Serializer s = FileGroupSplit.Serializer.INSTANCE;
        for (int k = 0; k <= all.size(); k += Math.max(1, all.size() / 17)) {
            FileSourceSplitState<FileGroupSplit> state = new FileSourceSplitState<>(middle);
            if (k > 0) {
                state.setPosition(all.get(k - 1).getOffset(), all.get(k - 1).getRecordSkipCount());
            }
            FileGroupSplit restored = s.deserialize(s.getVersion(), s.serialize(state.toFileSourceSplit()));
            assertThat(restored.range()).isEqualTo(middle.range());
            List<String> rest = readAll(format.restoreReader(new Configuration(), restored)).stream()
                    .map(r -> describe(r.getRecord()))
                    .toList();
            assertThat(rest).as("restored after record %d", k).isEqualTo(whole.subList(k, whole.size()));
        }
    }

    @Test
    void aSplitWrittenBeforeRangesReadsAsItsWholeFiles() throws IOException {
        FileGroupSplit group = new FileGroupSplit(
                "7", new Path[] {new Path("/a/x.jsonl"), new Path("/a/y.json")}, new long[] {10, 20}, null);
        FileGroupSplit.Serializer s = FileGroupSplit.Serializer.INSTANCE;
        byte[] current = s.serialize(group);
        // Version 2 wrote the same fields without the range's three longs at the end.
        byte[] version2 = Arrays.copyOf(current, current.length - 3 * Long.BYTES);
        FileGroupSplit read = s.deserialize(FileGroupSplit.Serializer.WHOLE_FILES_VERSION, version2);
        assertThat(read).isEqualTo(group);
        assertThat(read.range()).isEqualTo(JsonLinesRanges.Range.WHOLE);
    }
}
