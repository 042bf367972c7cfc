package dev.tripline.deploy;

import static dev.tripline.deploy.Manifests.KUBERNETES;
import static dev.tripline.deploy.Manifests.ROOT;
import static dev.tripline.deploy.Manifests.at;
import static dev.tripline.deploy.Manifests.maps;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tripline.job.TriplineConfig;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the rules reach the cluster: deploy/kubernetes/sync-rules.sh flattens the repository's rules into a
 * kustomize component generating the tripline-rules ConfigMap; the job then reads them from a ConfigMap volume.
 * Checks that the job would load exactly the rules it loads from rules/, and, where kubectl is installed, that
 * both overlays build and a changed rule changes the FlinkDeployment spec (the operator's upgrade trigger).
 */
class RulesConfigMapTest {

    private static final Path SCRIPT = KUBERNETES.resolve("sync-rules.sh");
    private static final Path RULES = ROOT.resolve("rules");

    @Test
    void syncRulesCopiesEveryRuleFileIntoAConfigMapComponent(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("rules-component");
        Run run = run(tmp, "bash", SCRIPT.toString(), RULES.toString(), out.toString());
        assertThat(run.exit()).as("sync-rules.sh: %s", run.output()).isZero();

        Map<String, Object> component = Manifests.yamlMap(out.resolve("kustomization.yaml"));
        assertThat(component.get("kind")).isEqualTo("Component");
        List<Map<String, Object>> generators = maps(component.get("configMapGenerator"));
        assertThat(generators).hasSize(1);
        assertThat(generators.get(0).get("name")).isEqualTo("tripline-rules");
        Set<String> listed = new TreeSet<>();
        for (Object f : (List<?>) generators.get(0).get("files")) {
            listed.add(String.valueOf(f));
        }
        assertThat(listed).as("generator files = the copied files").isEqualTo(filesIn(out));
        assertThat(listed)
                .as("no sidecar tests or test sources in the ConfigMap")
                .noneMatch(n -> n.endsWith(".tests.yml") || n.startsWith("test-sources."));

        // The job loads the same rules from the ConfigMap (the listed files) mounted as a volume.
        Loaded fromRepo = load(RULES);
        assertThat(fromRepo.errors()).isEmpty();
        assertThat(fromRepo.rules()).as("rules in rules/").hasSizeGreaterThan(50);
        Loaded fromVolume = load(configMapVolume(out, tmp.resolve("mount")));
        assertThat(fromVolume.errors()).as("rules from a ConfigMap volume").isEmpty();
        assertThat(fromVolume.rules()).as("rule ids from the ConfigMap volume").isEqualTo(fromRepo.rules());
        assertThat(fromVolume.correlations())
                .as("correlation ids from the ConfigMap volume")
                .isEqualTo(fromRepo.correlations())
                .isNotEmpty();
    }

    @Test
    void syncRulesRefusesTwoRuleFilesWithOneName(@TempDir Path tmp) throws Exception {
        Path rules = tmp.resolve("rules");
        Files.createDirectories(rules.resolve("aws"));
        Files.createDirectories(rules.resolve("gcp"));
        Files.writeString(rules.resolve("aws/login.yml"), "a: 1\n");
        Files.writeString(rules.resolve("gcp/login.yml"), "a: 2\n");
        Run run = run(
                tmp,
                "bash",
                SCRIPT.toString(),
                rules.toString(),
                tmp.resolve("out").toString());
        assertThat(run.exit()).as("exit code").isNotZero();
        assertThat(run.output())
                .contains("./aws/login.yml")
                .contains("./gcp/login.yml")
                .contains("same file name");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void overlaysBuildAndAChangedRuleChangesTheDeploymentSpec(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl is not installed: kustomize builds not checked");
        Path tree = tmp.resolve("kubernetes");
        copyTree(KUBERNETES, tree);
        Path rules = tmp.resolve("rules");
        copyTree(RULES, rules);
        sync(tmp, tree, rules);

        String image = at(Manifests.yamlMap(KUBERNETES.resolve("base/flinkdeployment.yaml")), "spec.image");
        String version = Manifests.Pom.read().version();
        Map<String, String> names = null;
        for (String overlay : List.of("dev", "prod")) {
            Rendered r = kustomize(tmp, tree.resolve("overlays/" + overlay));
            assertThat(r.volumeConfigMaps())
                    .as("%s: FlinkDeployment ConfigMap volumes exist in the build", overlay)
                    .containsOnlyKeys("tripline-config", "tripline-rules");
            assertThat(r.configMaps())
                    .as("%s: ConfigMaps", overlay)
                    .containsAll(r.volumeConfigMaps().values());
            assertThat(r.volumeConfigMaps().get("tripline-rules"))
                    .as("%s: hash-suffixed rules ConfigMap", overlay)
                    .matches("tripline-rules-[a-z0-9]{10}");
            assertThat(r.rulesKeys())
                    .as("%s: rules ConfigMap keys", overlay)
                    .isEqualTo(filesIn(tree.resolve("base/rules")));
            String rendered = at(r.deployment(), "spec.image");
            if (overlay.equals("dev")) {
                assertThat(rendered).as("dev image").isEqualTo(image + ":" + version);
            } else {
                assertThat(rendered).as("prod image from the registry").endsWith("/" + image + ":" + version);
            }
            TriplineConfig.parse(overlay + " tripline-config", r.triplineYaml());
            if (overlay.equals("dev")) {
                names = r.volumeConfigMaps();
            }
        }

        // A changed rule: new ConfigMap name in the spec, so the operator upgrades the job with a savepoint.
        Path someRule;
        try (Stream<Path> s = Files.walk(rules)) {
            someRule = s.filter(p -> p.toString().endsWith(".yml")
                            && !p.toString().endsWith(".tests.yml")
                            && !p.getFileName().toString().startsWith("test-sources"))
                    .sorted()
                    .findFirst()
                    .orElseThrow();
        }
        Files.writeString(someRule, "# changed\n", StandardOpenOption.APPEND);
        sync(tmp, tree, rules);
        Rendered after = kustomize(tmp, tree.resolve("overlays/dev"));
        assertThat(after.volumeConfigMaps().get("tripline-rules"))
                .as("rules ConfigMap after a rule change")
                .isNotEqualTo(names.get("tripline-rules"));
        assertThat(after.volumeConfigMaps().get("tripline-config"))
                .as("config ConfigMap unchanged")
                .isEqualTo(names.get("tripline-config"));
    }

    // --- helpers ---

    record Loaded(List<String> errors, Set<String> rules, Set<String> correlations) {}

    private static Loaded load(Path dir) throws TriplineConfig.ConfigException {
        TriplineConfig config = TriplineConfig.load(KUBERNETES.resolve("base/tripline.yaml"));
        RuleLoader.Result r = RuleLoader.standard(config.ruleLoadOptions()).load(List.of(dir));
        return new Loaded(
                r.errors().stream().map(Object::toString).toList(),
                r.ruleSet().rules().stream().map(Rule::id).collect(Collectors.toCollection(TreeSet::new)),
                r.ruleSet().correlations().stream()
                        .map(CorrelationRule::id)
                        .collect(Collectors.toCollection(TreeSet::new)));
    }

    /** Lays {@code files} out as the kubelet mounts a ConfigMap: links to ..data/NAME, ..data -> ..TIMESTAMP/. */
    private static Path configMapVolume(Path files, Path mount) throws IOException {
        Path real = Files.createDirectories(mount.resolve("..2026_11_23_10_00_00.000000001"));
        Files.createSymbolicLink(mount.resolve("..data"), mount.relativize(real));
        for (String name : filesIn(files)) {
            Files.copy(files.resolve(name), real.resolve(name));
            Files.createSymbolicLink(mount.resolve(name), Path.of("..data", name));
        }
        return mount;
    }

    private static Set<String> filesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static void sync(Path tmp, Path tree, Path rules) throws Exception {
        Run run = run(tmp, "bash", tree.resolve("sync-rules.sh").toString(), rules.toString());
        assertThat(run.exit()).as("sync-rules.sh: %s", run.output()).isZero();
    }

    record Rendered(
            Map<String, Object> deployment,
            Map<String, String> volumeConfigMaps,
            Set<String> configMaps,
            Set<String> rulesKeys,
            String triplineYaml) {}

    @SuppressWarnings("unchecked")
    private static Rendered kustomize(Path tmp, Path overlay) throws Exception {
        Run run = run(tmp, "kubectl", "kustomize", overlay.toString());
        assertThat(run.exit())
                .as("kubectl kustomize %s: %s", overlay.getFileName(), run.output())
                .isZero();
        Path out = Files.writeString(tmp.resolve("rendered.yaml"), run.stdout());
        Map<String, Object> deployment = null;
        Set<String> configMaps = new TreeSet<>();
        Set<String> rulesKeys = new TreeSet<>();
        String triplineYaml = null;
        for (Object d : Manifests.yamlDocuments(out)) {
            Map<String, Object> doc = (Map<String, Object>) d;
            String name = at(doc, "metadata.name");
            if ("FlinkDeployment".equals(doc.get("kind"))) {
                deployment = doc;
            } else if ("ConfigMap".equals(doc.get("kind"))) {
                configMaps.add(name);
                Map<String, Object> data = (Map<String, Object>) doc.get("data");
                if (name.startsWith("tripline-rules-")) {
                    rulesKeys.addAll(data.keySet());
                } else if (name.startsWith("tripline-config-")) {
                    triplineYaml = (String) data.get("tripline.yaml");
                }
            }
        }
        assertThat(deployment).as("%s renders a FlinkDeployment", overlay).isNotNull();
        Map<String, String> volumes = new java.util.TreeMap<>();
        for (Map<String, Object> v : maps(at(deployment, "spec.podTemplate.spec.volumes"))) {
            if (v.get("configMap") instanceof Map<?, ?> cm) {
                volumes.put((String) v.get("name"), (String) cm.get("name"));
            }
        }
        return new Rendered(deployment, volumes, configMaps, rulesKeys, triplineYaml);
    }

    record Run(int exit, String stdout, String output) {}

    private static Run run(Path dir, String... command) throws Exception {
        Path stdout = Files.createTempFile(dir, "out", ".txt");
        Path stderr = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
        }
        String out = Files.readString(stdout, StandardCharsets.UTF_8);
        return new Run(p.exitValue(), out, out + Files.readString(stderr, StandardCharsets.UTF_8));
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(from)) {
            s.filter(p -> !p.startsWith(from.resolve("base/rules"))).forEach(all::add);
        }
        for (Path p : all) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(target);
            } else {
                Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
