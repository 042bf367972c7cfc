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
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawRecordFormatTest {
    @TempDir
    Path dir;

    static FileSourceSplit split(Path file) throws IOException {
        long size = Files.size(file);
        return new FileSourceSplit("s", org.apache.flink.core.fs.Path.fromLocalFile(file.toFile()), 0, size, 0, size);
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
        FileSourceSplit restored =
                split(file).updateWithCheckpointedPosition(new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, 2));
        List<RecordAndPosition<RawRecord>> records =
                readAll(new RawRecordFormat().restoreReader(new Configuration(), restored));
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(text(r.getRecord())).isEqualTo("{\"c\":3}");
            assertThat(r.getRecord().position).isEqualTo(3);
            assertThat(r.getRecordSkipCount()).isEqualTo(3);
        });
    }

    static byte[] gzip(String s) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(b)) {
            g.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }
}
