package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveFilesTest {

    private static Path touch(Path root, String relative) throws Exception {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "{}");
        return p;
    }

    @Test
    void walksCloudTrailLayoutInPathOrderSkippingDigestsAndOtherFiles(@TempDir Path root) throws Exception {
        String day = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/05/";
        Path b = touch(root, day + "111122223333_CloudTrail_us-east-1_20240305T1010Z_b.json.gz");
        Path a = touch(root, day + "111122223333_CloudTrail_us-east-1_20240305T1005Z_a.json.gz");
        touch(root, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/03/05/digest.json.gz");
        Path readme = touch(root, day + "README.txt");
        Path hidden = touch(root, day + ".DS_Store");
        touch(root, ".hidden/x.json");
        Path lines = touch(root, "extra/events.jsonl");
        Path csv = touch(root, "extra/export.csv");
        ArchiveFiles.Listing listing = ArchiveFiles.list(List.of(root), null, null);
        assertThat(listing.files()).containsExactly(a, b, lines);
        // Not read, but not in silence either: the run names and counts them. Digest and hidden folders are
        // not walked at all.
        assertThat(listing.skipped()).containsExactly(hidden, readme, csv);
    }

    @Test
    void prunesDaysMoreThanADayOutsideTheRange(@TempDir Path root) throws Exception {
        String base = "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/";
        Path early = touch(root, base + "02/27/early.json");
        Path dayBefore = touch(root, base + "03/04/late-delivery.json");
        Path inside = touch(root, base + "03/05/inside.json");
        Path dayAfter = touch(root, base + "03/07/after.json");
        Path late = touch(root, base + "03/09/late.json");
        List<Path> files = ArchiveFiles.list(
                        List.of(root), Instant.parse("2024-03-05T00:00:00Z"), Instant.parse("2024-03-06T12:00:00Z"))
                .files();
        assertThat(files).containsExactly(dayBefore, inside, dayAfter).doesNotContain(early, late);
    }

    @Test
    void namedFilesAreReadAsTheyAreAndMissingInputsAreErrors(@TempDir Path root) throws Exception {
        Path odd = touch(root, "capture.txt");
        assertThat(ArchiveFiles.list(List.of(odd), null, null).files()).containsExactly(odd);
        assertThatThrownBy(() -> ArchiveFiles.list(List.of(root.resolve("nope")), null, null))
                .hasMessageContaining("input not found");
    }
}
