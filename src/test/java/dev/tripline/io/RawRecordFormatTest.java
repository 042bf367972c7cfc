package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.flink.RawRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawRecordFormatTest {
    @TempDir
    Path dir;

    /** A split of the one file. */
    static FileGroupSplit split(Path file) throws IOException {
        return new FileGroupSplit(
                "s",
                new org.apache.flink.core.fs.Path[] {org.apache.flink.core.fs.Path.fromLocalFile(file.toFile())},
                new long[] {Files.size(file)},
                null);
    }

    /** Every record with the reader position Flink would checkpoint after it. */
    static List<RecordAndPosition<RawRecord>> readAll(BulkFormat.Reader<RawRecord> reader) throws IOException {
        List<RecordAndPosition<RawRecord>> out = new ArrayList<>();
        try (reader) {
            BulkFormat.RecordIterator<RawRecord> batch;
            while ((batch = reader.readBatch()) != null) {
                RecordAndPosition<RawRecord> r;
                while ((r = batch.next()) != null) {
                    out.add(new RecordAndPosition<>(r.getRecord(), r.getOffset(), r.getRecordSkipCount()));
                }
                batch.releaseBatch();
            }
        }
        return out;
    }

    static String text(RawRecord r) {
        return r.payload == null ? null : new String(r.payload, StandardCharsets.UTF_8);
    }

    @Test
    void jsonLinesGiveOneRecordPerLineWithLineNumbersAndRefuseLongLines() throws IOException {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "{\"a\":1}\n\n{\"b\":2}\r\n" + "x".repeat(100) + "\n{\"c\":3}");
        List<RecordAndPosition<RawRecord>> records =
                readAll(new RawRecordFormat(1000, 64).createReader(new Configuration(), split(file)));

        assertThat(records).extracting(r -> r.getRecord().position).containsExactly(1L, 3L, 4L, 5L);
        assertThat(records).extracting(r -> r.getRecord().origin).containsOnly(file.toString());
        assertThat(text(records.get(0).getRecord())).isEqualTo("{\"a\":1}");
        assertThat(text(records.get(1).getRecord())).isEqualTo("{\"b\":2}\r");
        assertThat(records.get(2).getRecord().refused).isEqualTo("RECORD_TOO_LARGE");
        assertThat(records.get(2).getRecord().refusedMessage).contains("100 bytes");
        assertThat(text(records.get(3).getRecord())).isEqualTo("{\"c\":3}");
        assertThat(records).extracting(RecordAndPosition::getRecordSkipCount).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void gzippedJsonLinesAreDecompressed() throws IOException {
        Path file = dir.resolve("events.jsonl.gz");
        Files.write(file, gzip("{\"a\":1}\n{\"b\":2}\n"));
        List<RecordAndPosition<RawRecord>> records =
                readAll(new RawRecordFormat().createReader(new Configuration(), split(file)));
        assertThat(records).extracting(r -> text(r.getRecord())).containsExactly("{\"a\":1}", "{\"b\":2}");
    }

    @Test
    void cloudTrailFilesAreOneRecordKeptCompressedAndOversizedFilesAreRefused() throws IOException {
        Path gz = dir.resolve("123_CloudTrail_us-east-1_x.json.gz");
        byte[] bytes = gzip("{\"Records\":[]}");
        Files.write(gz, bytes);
        List<RecordAndPosition<RawRecord>> records =
                readAll(new RawRecordFormat().createReader(new Configuration(), split(gz)));
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.getRecord().payload).isEqualTo(bytes); // the parser unwraps gzip itself
            assertThat(r.getRecord().position).isEqualTo(-1);
        });

        Path big = dir.resolve("big.json");
        Files.writeString(big, "{\"Records\":[" + " ".repeat(200) + "]}");
        assertThat(readAll(new RawRecordFormat(100, 64).createReader(new Configuration(), split(big))))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.getRecord().refused).isEqualTo("RECORD_TOO_LARGE");
                    assertThat(r.getRecord().payload).isNull();
                    assertThat(r.getRecord().origin).isEqualTo(big.toString());
                });
    }

    @Test
    void restoreSkipsTheRecordsAlreadyEmitted() throws IOException {
        Path file = dir.resolve("events.ndjson");
        Files.writeString(file, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
        FileGroupSplit restored = split(file).updateWithCheckpointedPosition(new CheckpointedPosition(0, 2));
        List<RecordAndPosition<RawRecord>> records =
                readAll(new RawRecordFormat().restoreReader(new Configuration(), restored));
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(text(r.getRecord())).isEqualTo("{\"c\":3}");
            assertThat(r.getRecord().position).isEqualTo(3);
            assertThat(r.getRecordSkipCount()).isEqualTo(3);
        });
    }

    @Test
    void aFetchThreadKeepsNoReadersClassLoaderOnceIdle() throws Exception {
        int files = 40;
        org.apache.flink.core.fs.Path[] paths = new org.apache.flink.core.fs.Path[files];
        long[] sizes = new long[files];
        for (int i = 0; i < files; i++) {
            Path f = dir.resolve("f" + i + ".json");
            Files.writeString(f, "{\"Records\":[{\"eventName\":\"E" + i + "\"}]}");
            paths[i] = org.apache.flink.core.fs.Path.fromLocalFile(f.toFile());
            sizes[i] = Files.size(f);
        }
        // A task's class loader goes with its job; a pool thread that kept it would hand it to the next job's reads.
        ClassLoader job =
                new java.net.URLClassLoader(new java.net.URL[0], getClass().getClassLoader());
        Thread current = Thread.currentThread();
        ClassLoader before = current.getContextClassLoader();
        current.setContextClassLoader(job);
        List<RecordAndPosition<RawRecord>> records;
        try {
            records = readAll(new RawRecordFormat()
                    .createReader(new Configuration(), new FileGroupSplit("g", paths, sizes, null)));
        } finally {
            current.setContextClassLoader(before);
        }
        assertThat(records).hasSize(files);
        // A fetch's thread puts its own loader back after handing its bytes over: give it that moment.
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<Thread> holding;
        do {
            holding = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("tripline-file-fetch") && t.getContextClassLoader() == job)
                    .toList();
        } while (!holding.isEmpty() && System.nanoTime() < deadline && sleep(10));
        assertThat(holding)
                .as("fetch threads holding the reader's class loader")
                .isEmpty();
        assertThat(Thread.getAllStackTraces().keySet())
                .as("the reads went through fetch threads")
                .anyMatch(t -> t.getName().equals("tripline-file-fetch"));
    }

    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }

    static byte[] gzip(String s) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(b)) {
            g.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }

    /** {@code blank} bytes of blank lines, gzipped, between two records; written without holding them in memory. */
    static Path blankLineBomb(Path file, long blank) throws IOException {
        byte[] block = "\n".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write("{\"a\":1}\n".getBytes(StandardCharsets.UTF_8));
            for (long written = 0; written < blank; written += block.length) {
                out.write(block);
            }
            out.write("{\"b\":2}\n".getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    @Test
    void aGzipBombOfBlankLinesStopsAtTheDecompressionLimitWithRefusedRecords() throws IOException {
        // 300 MB of newlines in well under a megabyte of gzip: read with the default limits (256 MB expanded).
        Path bomb = blankLineBomb(dir.resolve("bomb.jsonl.gz"), 300L << 20);
        assertThat(Files.size(bomb)).isLessThan(1 << 20);

        List<RecordAndPosition<RawRecord>> records =
                readAll(new RawRecordFormat().createReader(new Configuration(), split(bomb)));

        assertThat(records).extracting(r -> text(r.getRecord())).first().isEqualTo("{\"a\":1}");
        // The run of blank lines is refused once, as a line that long would be; then the expansion limit ends it.
        assertThat(records.subList(1, records.size()))
                .extracting(r -> r.getRecord().refused)
                .containsExactly("RECORD_TOO_LARGE", "DECOMPRESSED_TOO_LARGE");
        assertThat(records.get(1).getRecord().refusedMessage).contains("bytes of blank lines in a row");
    }

    @Test
    void aRunOfBlankLinesLongerThanTheLineLimitIsRefusedOnceAndReadingGoesOn() throws IOException {
        Path file = dir.resolve("blank.jsonl");
        Files.writeString(file, "{\"a\":1}\n" + "  \n".repeat(100) + "{\"b\":2}\n\n\n{\"c\":3}\n");
        List<RecordAndPosition<RawRecord>> records =
                readAll(new RawRecordFormat(1000, 64).createReader(new Configuration(), split(file)));

        assertThat(records)
                .extracting(r -> r.getRecord().refused == null ? text(r.getRecord()) : r.getRecord().refused)
                .containsExactly("{\"a\":1}", "RECORD_TOO_LARGE", "{\"b\":2}", "{\"c\":3}");
    }
}
