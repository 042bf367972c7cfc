package dev.tripline.deploy;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.MetricOptions;

/**
 * The Flink 1.20 configuration keys on the test classpath, read by reflection from Flink's option classes (every
 * {@code org.apache.flink.configuration.*Options} class in every jar, plus the RocksDB ones), so that a key in a
 * deployment manifest can be checked against the Flink version the project builds with. Keys that belong to
 * jars the project does not depend on (the Prometheus reporter, the Kubernetes operator) are listed by hand
 * below, each with where it is documented.
 */
final class FlinkConfigKeys {

    /** Option classes outside org.apache.flink.configuration whose keys the manifests use. */
    private static final List<String> EXTRA_OPTION_CLASSES = List.of(
            "org.apache.flink.contrib.streaming.state.RocksDBOptions",
            "org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions");

    /**
     * Options of the Prometheus reporter (flink-metrics-prometheus, in the image's plugins/metrics-prometheus/,
     * not on this classpath): Flink 1.20 docs, "Metric Reporters", Prometheus: port, filterLabelValueCharacters.
     */
    private static final Set<String> PROMETHEUS_REPORTER_KEYS = Set.of("port", "filterLabelValueCharacters");

    static final String PROMETHEUS_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    /**
     * Flink Kubernetes Operator keys that a FlinkDeployment may set per job (operator docs, "Job Management" and
     * "Snapshots"); the operator's jars are not on this classpath.
     */
    private static final Set<String> OPERATOR_KEYS = Set.of(
            "kubernetes.operator.periodic.savepoint.interval",
            "kubernetes.operator.periodic.checkpoint.interval",
            "kubernetes.operator.savepoint.history.max.count",
            "kubernetes.operator.savepoint.history.max.age",
            "kubernetes.operator.savepoint.dispose-on-delete",
            "kubernetes.operator.job.upgrade.last-state-fallback.enabled",
            "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age",
            "kubernetes.operator.deployment.rollback.enabled",
            "kubernetes.operator.deployment.readiness.timeout");

    private final Map<String, ConfigOption<?>> current = new HashMap<>();
    /** Deprecated key -> the key that replaces it. */
    private final Map<String, String> deprecated = new HashMap<>();

    private final Map<String, ConfigOption<?>> reporterOptions = new HashMap<>();
    private final Set<String> scannedClasses = new TreeSet<>();

    FlinkConfigKeys() {
        List<String> classes = new ArrayList<>(optionClassesOnClasspath());
        classes.addAll(EXTRA_OPTION_CLASSES);
        for (String name : classes) {
            Class<?> c;
            try {
                c = Class.forName(name, false, FlinkConfigKeys.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalStateException("Flink option class " + name + " is not loadable: " + e, e);
            }
            scannedClasses.add(name);
            for (Field f : c.getFields()) {
                if (!Modifier.isStatic(f.getModifiers()) || !ConfigOption.class.isAssignableFrom(f.getType())) {
                    continue;
                }
                ConfigOption<?> option;
                try {
                    option = (ConfigOption<?>) f.get(null);
                } catch (IllegalAccessException | ExceptionInInitializerError e) {
                    continue;
                }
                if (c == MetricOptions.class && !option.key().startsWith("metrics.")) {
                    // Reporter options are relative: metrics.reporter.<name>.<key>.
                    reporterOptions.put(option.key(), option);
                    continue;
                }
                // The same key may be declared twice (a deprecated copy in an old class); any live one wins.
                if (!f.isAnnotationPresent(Deprecated.class) || !current.containsKey(option.key())) {
                    current.put(option.key(), option);
                }
                for (FallbackKey fb : option.fallbackKeys()) {
                    if (fb.isDeprecated()) {
                        deprecated.putIfAbsent(fb.getKey(), option.key());
                    }
                }
            }
        }
        deprecated.keySet().removeAll(current.keySet());
    }

    /** Checks one key and its value; empty when fine, else a message naming the key. */
    Optional<String> problem(String key, String value, Map<String, String> wholeConfig) {
        if (key.startsWith("kubernetes.operator.")) {
            return OPERATOR_KEYS.contains(key)
                    ? Optional.empty()
                    : Optional.of("'" + key + "' is not a Flink Kubernetes Operator option this test knows "
                            + "(add it to FlinkConfigKeys.OPERATOR_KEYS with where it is documented)");
        }
        if (key.startsWith("metrics.reporter.")) {
            return reporterProblem(key, value, wholeConfig);
        }
        if (deprecated.containsKey(key)) {
            return Optional.of("'" + key + "' is deprecated in Flink 1.20; use '" + deprecated.get(key) + "'");
        }
        ConfigOption<?> option = current.get(key);
        if (option == null) {
            return Optional.of("'" + key + "' is not a Flink 1.20 configuration key (no ConfigOption with that key in "
                    + scannedClasses.size() + " option classes)");
        }
        return valueProblem(key, value, option);
    }

    private Optional<String> reporterProblem(String key, String value, Map<String, String> wholeConfig) {
        String rest = key.substring("metrics.reporter.".length());
        int dot = rest.indexOf('.');
        if (dot <= 0) {
            return Optional.of("'" + key + "' names no reporter option (metrics.reporter.<name>.<option>)");
        }
        String name = rest.substring(0, dot);
        String option = rest.substring(dot + 1);
        ConfigOption<?> generic = reporterOptions.get(option);
        if (generic != null) {
            return valueProblem(key, value, generic);
        }
        String factory = wholeConfig.get("metrics.reporter." + name + ".factory.class");
        if (PROMETHEUS_FACTORY.equals(factory) && PROMETHEUS_REPORTER_KEYS.contains(option)) {
            return Optional.empty();
        }
        return Optional.of("'" + key + "' is not an option of reporter '" + name + "' (factory " + factory + ")");
    }

    private static Optional<String> valueProblem(String key, String value, ConfigOption<?> option) {
        try {
            Configuration c = Configuration.fromMap(Map.of(option.key(), value));
            c.get(option);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of("'" + key + "': value '" + value + "' is not valid: " + e.getMessage());
        }
    }

    int size() {
        return current.size();
    }

    /** Every class named *Options directly in org/apache/flink/configuration/ of every jar on the classpath. */
    private static Set<String> optionClassesOnClasspath() {
        Set<String> names = new LinkedHashSet<>();
        // Surefire hands the forked JVM a manifest-only jar and the real classpath in this property.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classpath.split(File.pathSeparator)) {
            if (!entry.endsWith(".jar") || !entry.contains("flink")) {
                continue;
            }
            try (JarFile jar = new JarFile(entry)) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    String n = entries.nextElement().getName();
                    if (n.startsWith("org/apache/flink/configuration/")
                            && n.endsWith("Options.class")
                            && n.indexOf('/', "org/apache/flink/configuration/".length()) < 0
                            && !n.contains("$")) {
                        names.add(n.substring(0, n.length() - ".class".length()).replace('/', '.'));
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + entry, e);
            }
        }
        return names;
    }
}
