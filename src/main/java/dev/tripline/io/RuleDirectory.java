package dev.tripline.io;

import dev.tripline.flink.RuleUpdate;
import dev.tripline.rule.RuleLoader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The rule files under the paths a job loads its rules from, read into memory as a whole
 * {@link RuleUpdate}: the same files a directory load reads (YAML, not Sigma sidecar tests, not test-sources),
 * named as that load names them ({@link RuleLoader#picks}), so the digest of the start files and of a watched
 * directory agree.
 */
public final class RuleDirectory {
    private RuleDirectory() {}

    /**
     * Reads every rule file; a file that cannot be read (too large, not UTF-8, gone) is a problem of the update,
     * which rejects it, rather than a silently smaller set.
     */
    public static RuleUpdate read(List<Path> paths, long maxFileBytes, String version) {
        SortedMap<String, String> files = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    for (Path f : walk.filter(Files::isRegularFile)
                            .filter(q -> RuleLoader.picks(p, q))
                            .sorted()
                            .toList()) {
                        readOne(f, maxFileBytes, files, problems);
                    }
                } catch (IOException | java.io.UncheckedIOException e) {
                    problems.add(p + ": cannot read directory: " + e.getMessage());
                }
            } else if (Files.isRegularFile(p)) {
                readOne(p, maxFileBytes, files, problems);
            } else {
                problems.add(p + ": no such file or directory");
            }
        }
        return RuleUpdate.of(version, files, problems);
    }

    private static void readOne(Path f, long maxFileBytes, SortedMap<String, String> files, List<String> problems) {
        String name = f.toString();
        try {
            long size = Files.size(f);
            if (size > maxFileBytes) {
                problems.add(name + ": file is " + size + " bytes, over the limit of " + maxFileBytes);
                return;
            }
            files.put(
                    name,
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(Files.readAllBytes(f)))
                            .toString());
        } catch (CharacterCodingException e) {
            problems.add(name + ": file is not valid UTF-8 text");
        } catch (IOException e) {
            problems.add(name + ": cannot read file: " + e.getMessage());
        }
    }
}
