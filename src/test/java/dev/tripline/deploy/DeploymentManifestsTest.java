package dev.tripline.deploy;

import static dev.tripline.deploy.Manifests.DOCKER;
import static dev.tripline.deploy.Manifests.KUBERNETES;
import static dev.tripline.deploy.Manifests.ROOT;
import static dev.tripline.deploy.Manifests.at;
import static dev.tripline.deploy.Manifests.maps;
import static dev.tripline.deploy.Manifests.stringMap;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.cli.Main;
import dev.tripline.io.SourceOptions;
import dev.tripline.job.TriplineConfig;
import dev.tripline.rule.RuleLoader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.flink.client.cli.CliFrontendParser;
import org.apache.flink.runtime.entrypoint.FlinkParseException;
import org.apache.flink.runtime.entrypoint.parser.CommandLineOptions;
import org.apache.flink.runtime.entrypoint.parser.CommandLineParser;
import org.apache.flink.runtime.entrypoint.parser.ParserResultFactory;
import org.junit.jupiter.api.Test;

/**
 * Docker does not run on the build machines, so the deployment files are checked here against the build they
 * deploy: that they parse, and that jar path, main class, program arguments, mounts, Tripline configuration,
 * Flink and Java versions, image name and tag, and every Flink configuration key agree with pom.xml and the code.
 */
class DeploymentManifestsTest {

    private static final Path FLINK_DEPLOYMENT = KUBERNETES.resolve("base/flinkdeployment.yaml");
    private static final Path DOCKERFILE = DOCKER.resolve("Dockerfile");
    private static final Path COMPOSE = DOCKER.resolve("compose.yaml");
    private static final Path COMPOSE_RESTORE = DOCKER.resolve("compose.restore.yaml");
    private static final String USRLIB = "/opt/flink/usrlib/";

    private final Manifests.Pom pom = Manifests.Pom.read();
    private final Map<String, Object> deployment = Manifests.yamlMap(FLINK_DEPLOYMENT);
    private final List<String> dockerfile = Manifests.dockerfile(DOCKERFILE);

    @Test
    void everyManifestParses() {
        List<Path> files = new ArrayList<>(Manifests.kubernetesYaml());
        files.add(COMPOSE);
        files.add(COMPOSE_RESTORE);
        for (Path f : files) {
            assertThat(Manifests.yamlDocuments(f))
                    .as("%s holds YAML documents", ROOT.relativize(f))
                    .isNotEmpty();
        }
        assertThat(deployment.get("apiVersion")).isEqualTo("flink.apache.org/v1beta1");
        assertThat(deployment.get("kind")).isEqualTo("FlinkDeployment");
        assertThat(dockerfile).as("docker/Dockerfile instructions").anyMatch(i -> i.startsWith("FROM "));
    }

    @Test
    void jobJarPathAgreesWithTheShadeBuildTheDockerfileAndTheJarUri() {
        String jar = pom.jobJarFinalName() + ".jar";
        List<String> copy = instruction("COPY --from=build");
        String source = copy.get(copy.size() - 2);
        String target = copy.get(copy.size() - 1);
        assertThat(source)
                .as("Dockerfile copies the shade build's job jar (pom.xml finalName %s)", pom.jobJarFinalName())
                .endsWith("/target/" + jar);
        assertThat(target).as("Dockerfile puts the job jar in Flink's usrlib/").isEqualTo(USRLIB + jar);
        assertThat(String.join(" ", instruction("RUN --mount=type=cache,target=/root/.m2 mvn")))
                .as("the build stage runs the Maven package build and checks for the jar")
                .contains("-DskipTests package")
                .contains("target/" + jar);
        assertThat((String) at(deployment, "spec.job.jarURI"))
                .as("FlinkDeployment spec.job.jarURI")
                .isEqualTo("local://" + target);
    }

    @Test
    void entryClassIsTheJobJarsMainClassEverywhere() throws Exception {
        String entry = at(deployment, "spec.job.entryClass");
        assertThat(entry)
                .as("FlinkDeployment spec.job.entryClass = the job jar's Main-Class (pom.xml job-jar)")
                .isEqualTo(pom.jobJarMainClass());
        assertThat(standaloneJob(composeCommand(COMPOSE)).jobClassName())
                .as("compose.yaml --job-classname")
                .isEqualTo(entry);
        assertThat(standaloneJob(composeCommand(COMPOSE_RESTORE)).jobClassName())
                .as("compose.restore.yaml --job-classname")
                .isEqualTo(entry);
        Method main = Class.forName(entry).getMethod("main", String[].class);
        assertThat(Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(main.getModifiers()))
                .as("%s has public static main(String[])", entry)
                .isTrue();
    }

    @Test
    void programArgumentsParseAsTheJobSubcommandAndAgree() throws Exception {
        List<String> k8s = at(deployment, "spec.job.args");
        StandaloneJob compose = standaloneJob(composeCommand(COMPOSE));
        StandaloneJob restore = standaloneJob(composeCommand(COMPOSE_RESTORE));
        for (List<String> args : List.of(k8s, compose.programArgs(), restore.programArgs())) {
            JobArgs parsed = parseJobArgs(args);
            assertThat(parsed.config()).as("--config in %s", args).isNotNull();
            assertThat(parsed.rules()).as("--rules in %s", args).isNotEmpty();
        }
        assertThat(compose.programArgs())
                .as("compose.yaml runs the job with the FlinkDeployment's args")
                .isEqualTo(k8s);
        assertThat(restore.programArgs())
                .as("compose.restore.yaml runs the job with the same args")
                .isEqualTo(k8s);
        assertThat(compose.savepoint())
                .as("compose.yaml starts from empty state")
                .isNull();
        assertThat(restore.savepoint())
                .as("compose.restore.yaml passes --fromSavepoint")
                .contains("TRIPLINE_SAVEPOINT");
    }

    @Test
    void configAndRulesArgumentsPointAtWhatIsMounted() throws Exception {
        JobArgs args = parseJobArgs(at(deployment, "spec.job.args"));
        String configDir = args.config().getParent().toString();
        String configFile = args.config().getFileName().toString();
        String rulesDir = args.rules().get(0).toString();

        Map<String, String> mounts = new LinkedHashMap<>();
        for (Map<String, Object> c : maps(at(deployment, "spec.podTemplate.spec.containers"))) {
            for (Map<String, Object> m : maps(c.get("volumeMounts"))) {
                mounts.put((String) m.get("name"), (String) m.get("mountPath"));
            }
        }
        Map<String, String> configMapOfVolume = new LinkedHashMap<>();
        for (Map<String, Object> v : maps(at(deployment, "spec.podTemplate.spec.volumes"))) {
            if (v.get("configMap") instanceof Map<?, ?> cm) {
                configMapOfVolume.put((String) cm.get("name"), mounts.get((String) v.get("name")));
            }
        }
        assertThat(configMapOfVolume)
                .as("FlinkDeployment mounts (ConfigMap -> path)")
                .containsEntry("tripline-config", configDir)
                .containsEntry("tripline-rules", rulesDir);
        assertThat(generatorFiles(KUBERNETES.resolve("base/kustomization.yaml"), "tripline-config"))
                .as("base configMapGenerator tripline-config holds the --config file")
                .containsExactly(configFile);
        assertThat(Files.readString(KUBERNETES.resolve("sync-rules.sh")))
                .as("sync-rules.sh generates the ConfigMap the rules volume mounts")
                .contains("- name: tripline-rules");

        assertThat(instruction("COPY --chown=flink:flink rules/"))
                .as("Dockerfile copies rules/ to --rules")
                .last()
                .isEqualTo(rulesDir + "/");
        assertThat(instruction("COPY --chown=flink:flink docker/conf/"))
                .as("Dockerfile's default --config file")
                .last()
                .isEqualTo(args.config().toString());

        List<String> volumes = at(composeService(COMPOSE, "jobmanager"), "volumes");
        assertThat(volumes)
                .as("compose.yaml jobmanager volumes")
                .contains("./conf:" + configDir + ":ro", "../rules:" + rulesDir + ":ro");
        assertThat(DOCKER.resolve("conf").resolve(configFile))
                .as("docker/conf holds the --config file")
                .exists();
    }

    @Test
    void everyTriplineConfigLoadsAsAClusterJobConfigAndTheRulesLoadWithIt() throws Exception {
        Set<Path> configs = new LinkedHashSet<>();
        for (Path k : Manifests.kustomizations()) {
            for (String f : generatorFiles(k, "tripline-config")) {
                configs.add(k.getParent().resolve(f));
            }
        }
        try (Stream<Path> s = Files.list(DOCKER.resolve("conf"))) {
            s.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(configs::add);
        }
        assertThat(configs)
                .as("Tripline configs in kustomize generators and docker/conf")
                .hasSizeGreaterThanOrEqualTo(4);
        for (Path file : configs) {
            String name = ROOT.relativize(file).toString();
            assertThat(file).as("%s (named in a configMapGenerator)", name).exists();
            TriplineConfig config;
            try {
                config = TriplineConfig.load(file);
            } catch (TriplineConfig.ConfigException e) {
                throw new AssertionError(name + " does not load: " + e.errors(), e);
            }
            // The checks DeployedJob makes before it builds the job.
            assertThat(config.sink().kind())
                    .as("%s: sink.kind of a cluster job", name)
                    .isNotEqualTo(SourceOptions.Kind.FILE);
            assertThat(config.source().kind())
                    .as("%s: source.kind of a cluster job", name)
                    .isNotEqualTo(SourceOptions.Kind.FILE);
            assertThat(config.source().missingSettings())
                    .as("%s: source settings", name)
                    .isNull();
            assertThat(config.sink().missingSettings())
                    .as("%s: sink settings", name)
                    .isNull();
            RuleLoader.Result rules =
                    RuleLoader.standard(config.ruleLoadOptions()).load(List.of(ROOT.resolve("rules")));
            assertThat(rules.errors()).as("rules/ loaded with %s", name).isEmpty();
        }
    }

    @Test
    void flinkAndJavaVersionsAgreeWithThePom() throws Exception {
        String v = pom.flinkVersion();
        String[] parts = v.split("\\.");
        List<String> froms =
                dockerfile.stream().filter(i -> i.startsWith("FROM ")).toList();
        assertThat(froms).as("Dockerfile stages").hasSize(2);
        assertThat(froms.get(0))
                .as("build stage: Maven on Java %s", pom.javaRelease())
                .contains("temurin-" + pom.javaRelease());
        assertThat(froms.get(1))
                .as("runtime stage: the official Flink image of pom.xml's flink.version and Java release")
                .isEqualTo("FROM flink:" + v + "-java" + pom.javaRelease());
        assertThat((String) at(deployment, "spec.flinkVersion"))
                .as("FlinkDeployment spec.flinkVersion")
                .isEqualTo("v" + parts[0] + "_" + parts[1]);
        assertThat(instruction("RUN test -f /opt/flink/plugins/metrics-prometheus/"))
                .as("Prometheus reporter of Flink %s", v)
                .last()
                .isEqualTo("/opt/flink/plugins/metrics-prometheus/flink-metrics-prometheus-" + v + ".jar");
        Matcher plugins = Pattern.compile("flink-s3-fs-[a-z]+-([0-9][^\\s;]*)\\.jar")
                .matcher(Files.readString(KUBERNETES.resolve("overlays/prod/kustomization.yaml")));
        int found = 0;
        while (plugins.find()) {
            found++;
            assertThat(plugins.group(1))
                    .as("prod ENABLE_BUILT_IN_PLUGINS %s", plugins.group())
                    .isEqualTo(v);
        }
        assertThat(found).as("prod enables an S3 file system plugin").isPositive();
        for (String service : List.of("kafka", "kafka-init", "producer")) {
            assertThat((String) at(composeService(COMPOSE, service), "image"))
                    .as("compose %s: the Kafka version the tests run (pom kafka.version)", service)
                    .isEqualTo("apache/kafka:" + pom.kafkaVersion());
        }
        String kinesis = new ObjectMapper()
                .readTree(ROOT.resolve("package.json").toFile())
                .path("devDependencies")
                .path("kinesis-local")
                .asText();
        assertThat((String) at(composeService(COMPOSE, "kinesis-local"), "image"))
                .as("compose kinesis-local image tag = package.json's kinesis-local")
                .endsWith(":" + kinesis);
    }

    @Test
    void imageNameAndTagAgreeAcrossKustomizeComposeAndDocs() throws Exception {
        String tag = pom.version();
        String image = at(deployment, "spec.image");
        for (Path k : Manifests.kustomizations()) {
            for (Map<String, Object> i : maps(Manifests.yamlMap(k).get("images"))) {
                assertThat(i.get("name"))
                        .as("%s images[].name = FlinkDeployment spec.image", ROOT.relativize(k))
                        .isEqualTo(image);
                assertThat(i.get("newTag"))
                        .as("%s images[].newTag = pom.xml version", ROOT.relativize(k))
                        .isEqualTo(tag);
            }
        }
        assertThat(maps(Manifests.yamlMap(KUBERNETES.resolve("base/kustomization.yaml"))
                        .get("images")))
                .as("base kustomization sets the image")
                .isNotEmpty();
        assertThat(Files.readString(KUBERNETES.resolve("base/kustomizeconfig.yaml")))
                .as("kustomize is told that FlinkDeployment spec.image is an image")
                .contains("path: spec/image");
        for (String service : List.of("jobmanager", "taskmanager")) {
            assertThat((String) at(composeService(COMPOSE, service), "image"))
                    .as("compose %s image", service)
                    .isEqualTo(image + ":" + tag);
        }
        Pattern ref = Pattern.compile("(?<![\\w-])" + Pattern.quote(image) + ":([0-9][\\w.-]*)");
        for (Path doc : List.of(ROOT.resolve("deploy/README.md"), DOCKER.resolve("README.md"), DOCKERFILE, COMPOSE)) {
            Matcher m = ref.matcher(Files.readString(doc));
            int n = 0;
            while (m.find()) {
                n++;
                assertThat(m.group(1))
                        .as("%s mentions %s", ROOT.relativize(doc), m.group())
                        .isEqualTo(tag);
            }
            assertThat(n)
                    .as("%s names the image %s:%s", ROOT.relativize(doc), image, tag)
                    .isPositive();
        }
    }

    @Test
    void flinkConfigurationUsesOnlyFlink120KeysWithValidValues() {
        FlinkConfigKeys keys = new FlinkConfigKeys();
        assertThat(keys.size()).as("Flink options found on the classpath").isGreaterThan(500);
        Map<String, String> base = stringMap(at(deployment, "spec.flinkConfiguration"));
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path file : Manifests.kubernetesYaml()) {
            for (Object doc : Manifests.yamlDocuments(file)) {
                for (Map<String, String> conf : flinkConfigurations(doc)) {
                    Map<String, String> whole = new LinkedHashMap<>(base);
                    whole.putAll(conf);
                    for (Map.Entry<String, String> e : conf.entrySet()) {
                        checked++;
                        keys.problem(e.getKey(), e.getValue(), whole)
                                .ifPresent(p -> problems.add(ROOT.relativize(file) + ": " + p));
                    }
                }
            }
        }
        Map<String, String> compose = flinkProperties();
        for (Map.Entry<String, String> e : compose.entrySet()) {
            checked++;
            keys.problem(e.getKey(), e.getValue(), compose).ifPresent(p -> problems.add("docker/compose.yaml: " + p));
        }
        assertThat(checked).as("configuration keys checked").isGreaterThan(30);
        assertThat(problems)
                .as("Flink configuration keys that Flink 1.20 does not know")
                .isEmpty();
    }

    @Test
    void clusterSettingsTheIssueAsksForArePresentInBaseAndOverlays() {
        Map<String, String> base = stringMap(at(deployment, "spec.flinkConfiguration"));
        assertThat(base)
                .containsEntry("state.backend.type", "rocksdb")
                .containsEntry("execution.checkpointing.incremental", "true")
                .containsEntry("high-availability.type", "kubernetes")
                .containsEntry("execution.buffer-timeout.interval", "10ms")
                .containsEntry("metrics.reporter.prom.factory.class", FlinkConfigKeys.PROMETHEUS_FACTORY)
                .containsKey("metrics.reporter.prom.port");
        assertThat((String) at(deployment, "spec.job.upgradeMode")).isEqualTo("savepoint");
        assertThat((String) at(deployment, "spec.mode")).isEqualTo("native");
        assertThat((Object) at(deployment, "spec.jobManager.resource")).isNotNull();
        assertThat((Object) at(deployment, "spec.taskManager.resource")).isNotNull();
        for (String overlay : List.of("dev", "prod")) {
            Map<String, String> merged = new LinkedHashMap<>(base);
            merged.putAll(stringMap(at(
                    Manifests.yamlMap(KUBERNETES.resolve("overlays/" + overlay + "/flinkdeployment-patch.yaml")),
                    "spec.flinkConfiguration")));
            // upgradeMode savepoint needs a savepoint directory (the operator refuses the spec without one).
            assertThat(merged)
                    .as("overlay %s", overlay)
                    .containsKeys(
                            "execution.checkpointing.dir",
                            "execution.checkpointing.savepoint-dir",
                            "high-availability.storageDir");
            if (overlay.equals("prod")) {
                assertThat(merged.get("execution.checkpointing.savepoint-dir"))
                        .as("prod savepoints on S3")
                        .startsWith("s3://");
            }
        }
    }

    // --- helpers ---

    /** The tokens of the first Dockerfile instruction that starts with {@code prefix}. */
    private List<String> instruction(String prefix) {
        return dockerfile.stream()
                .filter(i -> i.startsWith(prefix))
                .findFirst()
                .map(i -> List.of(i.split(" ")))
                .orElseThrow(
                        () -> new AssertionError("docker/Dockerfile has no instruction starting '" + prefix + "'"));
    }

    private static List<String> generatorFiles(Path kustomization, String name) {
        List<String> files = new ArrayList<>();
        for (Map<String, Object> g : maps(Manifests.yamlMap(kustomization).get("configMapGenerator"))) {
            if (name.equals(g.get("name"))) {
                for (Object f : (List<?>) g.get("files")) {
                    String s = String.valueOf(f);
                    files.add(s.contains("=") ? s.substring(s.indexOf('=') + 1) : s);
                }
            }
        }
        return files;
    }

    private static Map<String, Object> composeService(Path compose, String service) {
        return at(Manifests.yamlMap(compose), "services." + service);
    }

    private static List<String> composeCommand(Path compose) {
        Object command = composeService(compose, "jobmanager").get("command");
        assertThat(command)
                .as("%s jobmanager command is a list", compose.getFileName())
                .isInstanceOf(List.class);
        return ((List<?>) command).stream().map(String::valueOf).toList();
    }

    /** FLINK_PROPERTIES of compose.yaml, as the image's entrypoint reads them: one {@code key: value} a line. */
    private static Map<String, String> flinkProperties() {
        Map<String, String> jm = stringMap(composeService(COMPOSE, "jobmanager").get("environment"));
        Map<String, String> tm =
                stringMap(composeService(COMPOSE, "taskmanager").get("environment"));
        assertThat(jm.get("FLINK_PROPERTIES"))
                .as("compose jobmanager FLINK_PROPERTIES")
                .isNotBlank()
                .isEqualTo(tm.get("FLINK_PROPERTIES"));
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : jm.get("FLINK_PROPERTIES").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            assertThat(colon).as("FLINK_PROPERTIES line '%s'", line).isPositive();
            String value = line.substring(colon + 1).strip();
            assertThat(value)
                    .as("FLINK_PROPERTIES '%s': the entrypoint deletes spaces inside values", line)
                    .doesNotContain(" ");
            out.put(line.substring(0, colon).strip(), value);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, String>> flinkConfigurations(Object doc) {
        List<Map<String, String>> out = new ArrayList<>();
        if (doc instanceof Map<?, ?> m && "FlinkDeployment".equals(m.get("kind"))) {
            Object spec = m.get("spec");
            if (spec instanceof Map<?, ?> s && s.get("flinkConfiguration") != null) {
                out.add(stringMap(s.get("flinkConfiguration")));
            }
        }
        return out;
    }

    record JobArgs(Path config, List<Path> rules) {}

    /** Parses program arguments as the job jar's main class does, without running the command. */
    private static JobArgs parseJobArgs(List<String> args) {
        picocli.CommandLine cli = new picocli.CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        picocli.CommandLine.ParseResult result;
        try {
            result = cli.parseArgs(args.toArray(String[]::new));
        } catch (picocli.CommandLine.ParameterException e) {
            throw new AssertionError("tripline does not accept " + args + ": " + e.getMessage(), e);
        }
        picocli.CommandLine.ParseResult sub = result.subcommand();
        assertThat(sub).as("%s names a subcommand", args).isNotNull();
        assertThat(sub.commandSpec().name()).as("subcommand of %s", args).isEqualTo("job");
        return new JobArgs(sub.matchedOptionValue("--config", null), sub.matchedOptionValue("--rules", List.of()));
    }

    record StandaloneJob(String jobClassName, String savepoint, List<String> programArgs) {}

    /**
     * Parses a compose command for the official image's {@code standalone-job} mode with Flink's own entry-point
     * parser, as the image's entrypoint hands it over (docker-entrypoint.sh: {@code standalone-job ARGS} runs
     * {@code bin/standalone-job.sh start-foreground ARGS}). The options mirror Flink 1.20's
     * StandaloneApplicationClusterConfigurationParserFactory (flink-container, not on this classpath); everything
     * after the first non-option is the job's arguments.
     */
    private static StandaloneJob standaloneJob(List<String> command) throws FlinkParseException {
        assertThat(command).as("jobmanager command").isNotEmpty();
        assertThat(command.get(0)).as("the image's application-mode command").isEqualTo("standalone-job");
        Option jobClass = Option.builder("j").longOpt("job-classname").hasArg().build();
        ParserResultFactory<StandaloneJob> factory = new ParserResultFactory<>() {
            @Override
            public Options getOptions() {
                Options o = new Options();
                o.addOption(CommandLineOptions.CONFIG_DIR_OPTION);
                o.addOption(
                        Option.builder("jarfile").longOpt("jar-file").hasArg().build());
                o.addOption(CommandLineOptions.REST_PORT_OPTION);
                o.addOption(jobClass);
                o.addOption(Option.builder("jid").longOpt("job-id").hasArg().build());
                o.addOption(CommandLineOptions.DYNAMIC_PROPERTY_OPTION);
                o.addOption(CommandLineOptions.HOST_OPTION);
                o.addOption(CliFrontendParser.SAVEPOINT_PATH_OPTION);
                o.addOption(CliFrontendParser.SAVEPOINT_ALLOW_NON_RESTORED_OPTION);
                return o;
            }

            @Override
            public StandaloneJob createResult(CommandLine cl) {
                return new StandaloneJob(
                        cl.getOptionValue(jobClass.getOpt()),
                        cl.getOptionValue(CliFrontendParser.SAVEPOINT_PATH_OPTION.getOpt()),
                        List.of(cl.getArgs()));
            }
        };
        // bin/standalone-job.sh puts --configDir in front of the container's arguments.
        List<String> args = new ArrayList<>(List.of("--configDir", "/opt/flink/conf"));
        args.addAll(command.subList(1, command.size()));
        return new CommandLineParser<>(factory).parse(args.toArray(String[]::new));
    }
}
