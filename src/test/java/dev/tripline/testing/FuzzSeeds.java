package dev.tripline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real files a fuzz test's plain-JUnit companion replays and a fuzzing run starts from (fuzz/run copies the
 * same directories into the fuzzer's corpus): YAML rule files under the given directories, each either a path
 * inside ../shared or a path inside the project. Fails when none is found, so a moved corpus cannot silently
 * replay nothing.
 */
public final class FuzzSeeds {
    /** Sigma rules and correlations: the SigmaHQ AWS and Azure rules, the correlation examples, ours. */
    public static final List<String> SIGMA = List.of(
            "shared:corpus/sigmahq-aws",
            "shared:corpus/sigmahq-azure-activity",
            "shared:corpus/sigma-correlation-examples",
            "rules");
    /** Panther rules: Panther's correlation rules and the ported Panther rules in rules/. */
    public static final List<String> PANTHER = List.of("shared:corpus/panther-correlation-rules", "rules");

    /** Tripline configurations: the compose, Kubernetes base and overlay ones. */
    public static final List<String> CONFIG = List.of(
            "docker/conf", "deploy/kubernetes/base/tripline.yaml", "deploy/kubernetes/overlays/prod/tripline.yaml");

    private FuzzSeeds() {}

    public static Stream<Path> yamlFiles(List<String> dirs) {
        List<Path> out = new ArrayList<>();
        for (String d : dirs) {
            Path root = d.startsWith("shared:") ? SharedData.path(d.substring("shared:".length())) : Path.of(d);
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(Files::isRegularFile)
                        .filter(p ->
                                p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                        .sorted()
                        .forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no seed files under " + dirs);
        }
        return out.stream();
    }
}
