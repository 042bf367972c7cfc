package dev.tripline.io;

import static dev.tripline.io.RawRecordFormatTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.flink.RawRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.FileSourceSplitSerializer;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JSON Lines file read as several byte ranges gives exactly the records of reading it whole, line numbers
 * included: for ranges cut anywhere (the reader's own alignment) and for the ranges {@link LineAlignedEnumerator}
 * makes (which also keep the blank-run refusal). Splits survive their serializer, old splits included.
 */
class LineAlignedSplitsTest {
    static final int MAX_LINE = 64;

    @TempDir
    Path dir;

    /**
     * Random lines: JSON-ish ones, lines above the limit (and above many splits), CRLF endings, a blank line now
     * and then (always followed by a normal line, so no blank run reaches the limit), the last line with or
     * without its newline.
     */
    static byte[] randomLines(Random random, int lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < lines; i++) {
            int kind = random.nextInt(20);
            String line;
            if (kind == 0) {
                line = "x".repeat(MAX_LINE + 1 + random.nextInt(300));
            } else if (kind == 1) {
                line = " ".repeat(random.nextInt(4)) + "\n{\"n\":" + i + "}";
            } else {
                line = "{\"n\":" + i + ",\"p\":\"" + "a".repeat(random.nextInt(40)) + "\"}";
            }
            if (random.nextInt(5) == 0) {
                line += "\r";
            }
            out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            if (i < lines - 1 || random.nextBoolean()) {
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    /** The number of the first line starting at or after {@code offset}: one more than the lines starting before. */
    static long firstLine(byte[] data, long offset) {
        long before = offset > 0 ? 1 : 0; // the line at 0
        for (int i = 0; i + 1 < offset; i++) {
            if (data[i] == '\n') {
                before++; // the line at i + 1
            }
        }
        return before + 1;
    }

    static List<String> describe(List<RecordAndPosition<RawRecord>> records) {
        return records.stream()
                .map(RecordAndPosition::getRecord)
                .map(r -> r.position + " "
                        + (r.payload == null ? r.refused : new String(r.payload, StandardCharsets.UTF_8)))
                .toList();
    }

    List<String> readSplits(Path file, byte[] data, List<Long> starts, RawRecordFormat format) throws IOException {
        List<RecordAndPosition<RawRecord>> all = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            long start = starts.get(i);
            long end = i + 1 < starts.size() ? starts.get(i + 1) : data.length;
            RawRecordSplit split = new RawRecordSplit(
                    "s" + i,
                    org.apache.flink.core.fs.Path.fromLocalFile(file.toFile()),
                    start,
                    end - start,
                    0,
                    data.length,
                    firstLine(data, start));
            all.addAll(readAll(format.createReader(new Configuration(), split)));
        }
        return describe(all);
    }

    @Test
    void rangesCutAnywhereReadEveryLineOnceWithItsLineNumber() throws IOException {
        Random random = new Random(14);
        RawRecordFormat format = new RawRecordFormat(1 << 20, MAX_LINE);
        for (int round = 0; round < 200; round++) {
            byte[] data = randomLines(random, 1 + random.nextInt(60));
            Path file = dir.resolve("r" + round + ".jsonl");
            Files.write(file, data);
            List<String> whole =
                    describe(readAll(format.createReader(new Configuration(), RawRecordFormatTest.split(file))));
            TreeSet<Long> cuts = new TreeSet<>(List.of(0L));
            int pieces = random.nextInt(Math.min(data.length, 30));
            for (int i = 0; i < pieces; i++) {
                cuts.add(1 + (long) random.nextInt(data.length - 1 > 0 ? data.length - 1 : 1));
            }
            // A cut right after a newline and one right at it, whenever the file has one.
            int newline = new String(data, StandardCharsets.ISO_8859_1).indexOf('\n', data.length / 2);
            if (newline > 0) {
                cuts.add((long) newline);
                cuts.add((long) newline + 1);
            }
            cuts.removeIf(c -> c >= data.length);
            assertThat(readSplits(file, data, new ArrayList<>(cuts), format))
                    .as("round %d, cuts %s", round, cuts)
                    .isEqualTo(whole);
        }
    }

    @Test
    void aRangeInsideOneLongLineReadsNothingAndTheLineIsReadOnce() throws IOException {
        String text = "{\"a\":1}\n" + "y".repeat(500) + "\n{\"b\":2}";
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("long.jsonl");
        Files.write(file, data);
        List<String> read = readSplits(file, data, List.of(0L, 100L, 200L, 300L), new RawRecordFormat(1 << 20, 64));
        assertThat(read).containsExactly("1 {\"a\":1}", "2 RECORD_TOO_LARGE", "3 {\"b\":2}");
    }

    @Test
    void theEnumeratorsBoundariesStartAtReadableLinesAndKeepBlankRunRefusals() throws IOException {
        Random random = new Random(7);
        RawRecordFormat format = new RawRecordFormat(1 << 20, MAX_LINE);
        for (int round = 0; round < 100; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(randomLines(random, 1 + random.nextInt(40)));
            // Long blank runs (refused once each when they pass the limit) that the boundaries must not cut.
            out.writeBytes("\n".repeat(random.nextInt(3 * MAX_LINE)).getBytes(StandardCharsets.UTF_8));
            out.writeBytes("\n  \t\r\n".repeat(random.nextInt(40)).getBytes(StandardCharsets.UTF_8));
            out.writeBytes(randomLines(random, 1 + random.nextInt(40)));
            byte[] data = out.toByteArray();
            Path file = dir.resolve("b" + round + ".jsonl");
            Files.write(file, data);
            List<String> whole =
                    describe(readAll(format.createReader(new Configuration(), RawRecordFormatTest.split(file))));

            long splitBytes = 1 + random.nextInt(200);
            List<long[]> bounds =
                    LineAlignedEnumerator.boundaries(new ByteArrayInputStream(data), data.length, splitBytes, MAX_LINE);
            List<Long> starts = new ArrayList<>();
            for (int i = 0; i < bounds.size(); i++) {
                long start = bounds.get(i)[0];
                starts.add(start);
                assertThat(bounds.get(i)[1]).as("line number at %d", start).isEqualTo(firstLine(data, start));
                if (i > 0) {
                    assertThat(data[(int) start - 1])
                            .as("a line starts at %d", start)
                            .isEqualTo((byte) '\n');
                    assertThat(start - bounds.get(i - 1)[0]).isGreaterThanOrEqualTo(splitBytes);
                    int lineEnd = new String(data, StandardCharsets.ISO_8859_1).indexOf('\n', (int) start);
                    String line = new String(
                            data,
                            (int) start,
                            (lineEnd < 0 ? data.length : lineEnd) - (int) start,
                            StandardCharsets.ISO_8859_1);
                    assertThat(line.isBlank()).as("line at %d is blank", start).isFalse();
                    assertThat(line.length()).isLessThanOrEqualTo(MAX_LINE);
                }
            }
            assertThat(readSplits(file, data, starts, format))
                    .as("round %d, starts %s", round, starts)
                    .isEqualTo(whole);
        }
    }

    @Test
    void largeJsonLinesFilesAreCutBySizeWhateverTheParallelismAndOtherFilesStayWhole() throws IOException {
        byte[] data = randomLines(new Random(3), 2000);
        Path jsonl = dir.resolve("big.jsonl");
        Files.write(jsonl, data);
        Path gz = dir.resolve("big.jsonl.gz");
        Files.write(gz, RawRecordFormatTest.gzip(new String(data, StandardCharsets.UTF_8)));
        Path document = dir.resolve("trail.json");
        Files.write(document, data);
        RawRecordFormat format = new RawRecordFormat(1 << 20, MAX_LINE, 1 << 20, data.length / 8);
        org.apache.flink.core.fs.Path[] paths = {
            org.apache.flink.core.fs.Path.fromLocalFile(jsonl.toFile()),
            org.apache.flink.core.fs.Path.fromLocalFile(gz.toFile()),
            org.apache.flink.core.fs.Path.fromLocalFile(document.toFile())
        };
        Collection<FileSourceSplit> splits = new LineAlignedEnumerator(format).enumerateSplits(paths, 2);
        List<FileSourceSplit> ofJsonl = splits.stream()
                .filter(s -> s.path().getName().equals("big.jsonl"))
                .toList();
        // The file's size over the split size, each start moved to a line start: fewer when a move is long.
        assertThat(ofJsonl).hasSizeBetween(6, 8);
        // The layout is the file's alone (the outlier check follows each split): the same at another parallelism.
        assertThat(new LineAlignedEnumerator(format)
                        .enumerateSplits(paths, 8).stream()
                                .filter(s -> s.path().getName().equals("big.jsonl"))
                                .map(FileSourceSplit::offset)
                                .sorted()
                                .toList())
                .isEqualTo(
                        ofJsonl.stream().map(FileSourceSplit::offset).sorted().toList());
        assertThat(ofJsonl.stream().mapToLong(FileSourceSplit::length).sum()).isEqualTo(data.length);
        assertThat(splits)
                .filteredOn(s -> !s.path().getName().equals("big.jsonl"))
                .hasSize(2)
                .allSatisfy(s -> assertThat(s.offset()).isZero());
        List<Long> starts =
                ofJsonl.stream().map(FileSourceSplit::offset).sorted().toList();
        List<String> whole =
                describe(readAll(format.createReader(new Configuration(), RawRecordFormatTest.split(jsonl))));
        assertThat(readSplits(jsonl, data, starts, format)).isEqualTo(whole);

        // A file no larger than the split size is one split, whatever the parallelism.
        assertThat(new LineAlignedEnumerator(new RawRecordFormat(1 << 20, MAX_LINE, 1 << 20, data.length))
                        .enumerateSplits(
                                new org.apache.flink.core.fs.Path[] {
                                    org.apache.flink.core.fs.Path.fromLocalFile(jsonl.toFile())
                                },
                                8))
                .singleElement()
                .satisfies(s -> assertThat(s.length()).isEqualTo(data.length));
    }

    @Test
    void aRestoredRangeSkipsWhatItHadEmittedAndKeepsItsLineNumbers() throws IOException {
        String text = "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n{\"d\":4}\n{\"e\":5}\n";
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("restore.jsonl");
        Files.write(file, data);
        long start = text.indexOf("{\"b\"");
        long end = text.indexOf("{\"e\"");
        RawRecordSplit split = new RawRecordSplit(
                "s", org.apache.flink.core.fs.Path.fromLocalFile(file.toFile()), start, end - start, 0, data.length, 2);
        RawRecordSplit restored = (RawRecordSplit) RawRecordSplit.Serializer.INSTANCE.deserialize(
                RawRecordSplit.Serializer.INSTANCE.getVersion(),
                RawRecordSplit.Serializer.INSTANCE.serialize(split.updateWithCheckpointedPosition(
                        new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, 1))));
        assertThat(restored.firstLine()).isEqualTo(2);
        assertThat(restored.offset()).isEqualTo(start);
        List<RecordAndPosition<RawRecord>> records =
                readAll(new RawRecordFormat().restoreReader(new Configuration(), restored));
        assertThat(describe(records)).containsExactly("3 {\"c\":3}", "4 {\"d\":4}");
        assertThat(records.get(1).getRecordSkipCount()).isEqualTo(3);
    }

    @Test
    void aRangeAfterTheFirstIsASourceOfItsOwnForTheOutlierCheck() throws IOException {
        String text = "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("sources.jsonl");
        Files.write(file, data);
        org.apache.flink.core.fs.Path path = org.apache.flink.core.fs.Path.fromLocalFile(file.toFile());
        long second = text.indexOf("{\"b\"");
        RawRecord first = readAll(new RawRecordFormat()
                        .createReader(new Configuration(), new RawRecordSplit("f", path, 0, second, 0, data.length, 1)))
                .get(0)
                .getRecord();
        RawRecord later = readAll(new RawRecordFormat()
                        .createReader(
                                new Configuration(),
                                new RawRecordSplit("l", path, second, data.length - second, 0, data.length, 2)))
                .get(0)
                .getRecord();
        assertThat(first.source).isEqualTo(first.origin);
        assertThat(later.origin).isEqualTo(first.origin);
        assertThat(later.source).isEqualTo(first.origin + "#line 2");
    }

    @Test
    void aSplitSavedBeforeFilesWereCutIsReadAsAWholeFile() throws IOException {
        FileSourceSplit old = new FileSourceSplit(
                "0000000001",
                new org.apache.flink.core.fs.Path("/data/a.jsonl"),
                0,
                40,
                7,
                40,
                new String[0],
                new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, 5));
        RawRecordSplit split = RawRecordSplit.Serializer.INSTANCE.deserialize(
                FileSourceSplitSerializer.INSTANCE.getVersion(), FileSourceSplitSerializer.INSTANCE.serialize(old));
        assertThat(split.firstLine()).isEqualTo(1);
        assertThat(split.splitId()).isEqualTo("0000000001");
        assertThat(split.length()).isEqualTo(40);
        assertThat(split.getReaderPosition()).contains(new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, 5));
    }
}
