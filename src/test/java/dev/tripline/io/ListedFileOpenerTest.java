package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.job.TriplineConfig;
import dev.tripline.testing.S3TestServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListedFileOpenerTest {
    @TempDir
    Path dir;

    @Test
    void anS3ObjectOpensWithItsListedSizeInOneGetWhateverItsKeyHolds() throws Exception {
        try (S3TestServer s3 = new S3TestServer()) {
            // Characters a URI escapes or a Hadoop path would read otherwise: the key must reach S3 as it is.
            String odd = "logs/a b%c+d=e.json";
            byte[] oddContent = "{\"k\":1}".getBytes(StandardCharsets.UTF_8);
            byte[] plainContent = "{\"Records\":[]}".getBytes(StandardCharsets.UTF_8);
            s3.put("trail", odd, oddContent);
            s3.put("trail", "logs/plain.json", plainContent);
            TriplineConfig.parse("s3.yml", s3.config()).settings().s3().initialize();
            List<InputFile> files = ArchiveFiles.list(List.of("s3://trail/logs/"), ArchiveFiles.Scope.ALL)
                    .files();
            assertThat(files).hasSize(2);

            for (InputFile f : files) {
                s3.clearRequests();
                byte[] read;
                try (InputStream in = ListedFileOpener.open(f.path(), f.size())) {
                    read = in.readAllBytes();
                }
                boolean isOdd = f.path().getName().startsWith("a b");
                assertThat(read).isEqualTo(isOdd ? oddContent : plainContent);
                assertThat(s3.requests()).containsExactly("get " + (isOdd ? odd : "logs/plain.json"));
            }
        }
    }

    @Test
    void aLocalFileOpensAsBefore() throws Exception {
        Path file = dir.resolve("records.json");
        Files.writeString(file, "{\"Records\":[]}");
        try (InputStream in =
                ListedFileOpener.open(new org.apache.flink.core.fs.Path(file.toUri()), Files.size(file))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"Records\":[]}");
        }
    }
}
