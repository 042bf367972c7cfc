package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveFilesTest {

    private static Path touch(Path root, String relative) throws Exception {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "{}");
        return p;
    }

    /** The local files of a listing's Flink paths. */
    private static List<Path> local(List<org.apache.flink.core.fs.Path> paths) {
        return paths.stream().map(p -> Path.of(p.toUri())).toList();
    }

    /** The local files of a listing. */
    private static List<Path> localFiles(List<InputFile> files) {
        return local(files.stream().map(InputFile::path).toList());
    }

    private static ArchiveFiles.Listing list(Path root, ArchiveFiles.Scope scope) {
        return ArchiveFiles.list(List.of(root.toString()), scope);
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
        ArchiveFiles.Listing listing = list(root, ArchiveFiles.Scope.ALL);
        assertThat(localFiles(listing.files())).containsExactly(a, b, lines);
        // Not read, but not in silence either: the run names and counts them. Digest and hidden folders are
        // not walked at all.
        assertThat(local(listing.skipped())).containsExactly(hidden, readme, csv);
    }

    @Test
    void eachFileComesWithTheSizeTheListingSaw(@TempDir Path root) throws Exception {
        Path walked = touch(root, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/05/a.json");
        Files.writeString(walked, "{\"Records\":[]}");
        Path named = touch(root, "named.jsonl");
        Files.writeString(named, "{}\n{}\n{}\n");
        List<InputFile> files = ArchiveFiles.list(
                        List.of(root.resolve("AWSLogs").toString(), named.toString()), ArchiveFiles.Scope.ALL)
                .files();
        // The source groups files by these sizes and asks the file system nothing more before reading.
        assertThat(files).extracting(InputFile::size).containsExactly(Files.size(walked), Files.size(named));
        assertThat(localFiles(files)).containsExactly(walked, named);
    }

    @Test
    void listingsInFlightAtOnceFindWhatOneAtATimeFinds(@TempDir Path root) throws Exception {
        java.util.Random random = new java.util.Random(42);
        for (int account = 0; account < 3; account++) {
            for (int region = 0; region < 4; region++) {
                for (int day = 1; day <= 20; day++) {
                    String folder = String.format(
                            "AWSLogs/11112222333%d/CloudTrail/region-%d/2024/03/%02d/", account, region, day);
                    for (int k = random.nextInt(4); k > 0; k--) {
                        touch(root, folder + "f" + k + ".json.gz");
                    }
                    if (random.nextInt(10) == 0) {
                        touch(root, folder + "notes.txt");
                    }
                }
            }
        }
        ArchiveFiles.Scope range =
                ArchiveFiles.Scope.of(Instant.parse("2024-03-05T00:00:00Z"), Instant.parse("2024-03-12T00:00:00Z"));
        for (ArchiveFiles.Scope scope : List.of(ArchiveFiles.Scope.ALL, range)) {
            ArchiveFiles.Listing oneAtATime = ArchiveFiles.list(List.of(root.toString()), scope, 1);
            assertThat(oneAtATime.files()).hasSizeGreaterThan(50);
            for (int round = 0; round < 5; round++) {
                assertThat(ArchiveFiles.list(List.of(root.toString()), scope, ArchiveFiles.LISTINGS_IN_FLIGHT))
                        .isEqualTo(oneAtATime);
            }
        }
    }

    @Test
    void prunesDaysMoreThanADayOutsideTheRange(@TempDir Path root) throws Exception {
        String base = "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/";
        Path early = touch(root, base + "02/27/early.json");
        Path dayBefore = touch(root, base + "03/04/late-delivery.json");
        Path inside = touch(root, base + "03/05/inside.json");
        Path dayAfter = touch(root, base + "03/07/after.json");
        Path late = touch(root, base + "03/09/late.json");
        List<Path> files = localFiles(list(
                        root,
                        ArchiveFiles.Scope.of(
                                Instant.parse("2024-03-05T00:00:00Z"), Instant.parse("2024-03-06T12:00:00Z")))
                .files());
        assertThat(files).containsExactly(dayBefore, inside, dayAfter).doesNotContain(early, late);
    }

    @Test
    void prunesWholeYearsAndMonthsWithoutListingThem(@TempDir Path root) throws Exception {
        String base = "AWSLogs/111122223333/CloudTrail/eu-west-1/";
        touch(root, base + "2023/06/01/old.json");
        touch(root, base + "2024/01/15/january.json");
        Path march = touch(root, base + "2024/03/05/march.json");
        touch(root, base + "2025/03/05/next-year.json");
        ArchiveFiles.Listing listing = list(
                root,
                ArchiveFiles.Scope.of(Instant.parse("2024-03-05T00:00:00Z"), Instant.parse("2024-03-06T00:00:00Z")));
        assertThat(localFiles(listing.files())).containsExactly(march);
        // root, AWSLogs, account, CloudTrail, region, 2024, 2024/03, 2024/03/05: nothing of 2023, 2025 or January.
        assertThat(listing.listed()).isEqualTo(8);
    }

    @Test
    void organisationTrailsArePrunedByAccountAndRegionLikeSingleAccountOnes(@TempDir Path root) throws Exception {
        String org = "AWSLogs/o-aa11bb22cc/";
        Path wanted = touch(root, org + "111122223333/CloudTrail/us-east-1/2024/03/05/a.json.gz");
        touch(root, org + "111122223333/CloudTrail/ap-south-1/2024/03/05/b.json.gz");
        touch(root, org + "444455556666/CloudTrail/us-east-1/2024/03/05/c.json.gz");
        Path single = touch(root, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/06/d.json.gz");
        touch(root, "AWSLogs/777788889999/CloudTrail/us-east-1/2024/03/06/e.json.gz");
        ArchiveFiles.Listing listing =
                list(root, new ArchiveFiles.Scope(null, null, Set.of("111122223333"), Set.of("us-east-1")));
        assertThat(localFiles(listing.files())).containsExactly(single, wanted);
    }

    @Test
    void namedFilesAreReadAsTheyAreAndMissingInputsAreErrors(@TempDir Path root) throws Exception {
        Path odd = touch(root, "capture.txt");
        assertThat(localFiles(ArchiveFiles.list(List.of(odd.toString()), ArchiveFiles.Scope.ALL)
                        .files()))
                .containsExactly(odd);
        assertThatThrownBy(() -> list(root.resolve("nope"), ArchiveFiles.Scope.ALL))
                .hasMessageContaining("input not found");
    }
}
