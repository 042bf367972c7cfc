package dev.tripline.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Reads the repository's build and deployment files for the manifest tests: pom.xml, YAML, Dockerfiles. */
final class Manifests {
    /** Surefire runs tests in the project directory. */
    static final Path ROOT = Path.of("").toAbsolutePath();

    static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes");
    static final Path DOCKER = ROOT.resolve("docker");

    private Manifests() {}

    static List<Object> yamlDocuments(Path file) {
        try {
            List<Object> docs = new ArrayList<>();
            for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
                if (d != null) {
                    docs.add(d);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new AssertionError(ROOT.relativize(file) + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yamlMap(Path file) {
        List<Object> docs = yamlDocuments(file);
        if (docs.size() != 1 || !(docs.get(0) instanceof Map)) {
            throw new AssertionError(
                    ROOT.relativize(file) + ": expected one YAML mapping, got " + docs.size() + " documents");
        }
        return (Map<String, Object>) docs.get(0);
    }

    /** The value at a dotted path of maps ({@code spec.job.jarURI}); fails naming the path when it is missing. */
    @SuppressWarnings("unchecked")
    static <T> T at(Map<String, Object> root, String path) {
        Object cur = root;
        for (String part : path.split("\\.")) {
            if (!(cur instanceof Map) || !((Map<String, Object>) cur).containsKey(part)) {
                throw new AssertionError("no '" + path + "' (stops at '" + part + "')");
            }
            cur = ((Map<String, Object>) cur).get(part);
        }
        return (T) cur;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Object list) {
        return list == null ? List.of() : (List<Map<String, Object>>) list;
    }

    /** String values of a YAML map (numbers and booleans as written). */
    static Map<String, String> stringMap(Object map) {
        Map<String, String> out = new LinkedHashMap<>();
        if (map instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        }
        return out;
    }

    /** Every kustomization.yaml under deploy/kubernetes except the generated rules component. */
    static List<Path> kustomizations() {
        try (Stream<Path> s = Files.walk(KUBERNETES)) {
            return s.filter(p -> p.getFileName().toString().equals("kustomization.yaml"))
                    .filter(p -> !p.startsWith(KUBERNETES.resolve("base/rules")))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every YAML file under deploy/kubernetes except the generated rules component. */
    static List<Path> kubernetesYaml() {
        try (Stream<Path> s = Files.walk(KUBERNETES)) {
            return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .filter(p -> !p.startsWith(KUBERNETES.resolve("base/rules")))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Dockerfile instructions, continuation lines joined, comments dropped. */
    static List<String> dockerfile(Path file) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        try {
            for (String line : Files.readAllLines(file)) {
                String t = line.strip();
                if (t.startsWith("#") || t.isEmpty() && cur.length() == 0) {
                    continue;
                }
                if (t.endsWith("\\")) {
                    cur.append(t, 0, t.length() - 1).append(' ');
                    continue;
                }
                cur.append(t);
                if (cur.length() > 0) {
                    out.add(cur.toString().replaceAll("\\s+", " ").strip());
                }
                cur.setLength(0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** What the build declares: versions and the job jar's shade execution. */
    record Pom(
            String version,
            String flinkVersion,
            String kafkaVersion,
            String javaRelease,
            String jobJarFinalName,
            String jobJarMainClass) {

        static Pom read() {
            try {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                Document doc =
                        f.newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
                Element project = doc.getDocumentElement();
                Element props = child(project, "properties");
                String finalName = null;
                String mainClass = null;
                NodeList executions = doc.getElementsByTagName("execution");
                for (int i = 0; i < executions.getLength(); i++) {
                    Element e = (Element) executions.item(i);
                    Element id = child(e, "id");
                    if (id != null && id.getTextContent().strip().equals("job-jar")) {
                        Element conf = child(e, "configuration");
                        finalName = child(conf, "finalName").getTextContent().strip();
                        mainClass = conf.getElementsByTagName("mainClass")
                                .item(0)
                                .getTextContent()
                                .strip();
                    }
                }
                if (finalName == null) {
                    throw new AssertionError("pom.xml has no shade execution with id job-jar");
                }
                return new Pom(
                        child(project, "version").getTextContent().strip(),
                        child(props, "flink.version").getTextContent().strip(),
                        child(props, "kafka.version").getTextContent().strip(),
                        child(props, "maven.compiler.release").getTextContent().strip(),
                        finalName,
                        mainClass);
            } catch (Exception e) {
                throw new AssertionError("cannot read pom.xml: " + e, e);
            }
        }

        private static Element child(Element parent, String name) {
            for (org.w3c.dom.Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element el && el.getTagName().equals(name)) {
                    return el;
                }
            }
            return null;
        }
    }
}
