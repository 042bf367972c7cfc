package dev.tripline.io;

import dev.tripline.rule.yaml.YamlMap;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.DirectoryBasedPluginFinder;
import org.apache.flink.core.plugin.PluginManager;
import org.yaml.snakeyaml.nodes.Node;

/**
 * How {@code s3://} and {@code s3a://} inputs are reached: {@code input.s3} in the configuration, handed to Flink's
 * S3 file system (flink-s3-fs-hadoop: a plugin in {@code plugins/} beside Tripline's jar for {@code tripline run}
 * and {@code tripline hunt}, in the plugins directory of a cluster). Credentials come from the default AWS chain
 * (environment, profile, instance or pod role) unless {@code properties} give keys; the endpoint and path-style
 * access are for S3-compatible stores.
 *
 * <pre>
 * input:
 *   paths: [s3://org-trail-bucket/AWSLogs/]
 *   s3:
 *     endpoint: http://127.0.0.1:9000     # default: AWS, from the region
 *     path-style-access: true             # default false (virtual-host style)
 *     properties:                         # Flink S3 keys (s3.*), passed as they are
 *       s3.access-key: {env: STORE_ACCESS_KEY}
 *       s3.secret-key: {file: /run/secrets/store-secret-key}
 * </pre>
 */
public record S3Options(String endpoint, boolean pathStyleAccess, ClientProperties properties) implements Serializable {
    private static final long serialVersionUID = 1L;
    static final Set<String> KEYS = Set.of("endpoint", "path-style-access", "properties");

    public static final S3Options DEFAULTS = new S3Options(null, false, ClientProperties.empty());

    public S3Options {
        Objects.requireNonNull(properties, "properties");
    }

    /** Reads {@code prefix} (e.g. {@code input.s3}); bad values are reported to {@code r}. */
    public static S3Options parse(ConfigReader r, Node node, String prefix) {
        YamlMap m = r.map(node, prefix);
        if (m == null) {
            return DEFAULTS;
        }
        r.onlyKeys(m, prefix, KEYS);
        String endpoint = r.string(m, prefix, "endpoint", false);
        if (endpoint != null && !endpoint.matches("https?://[^\\s/]+(/.*)?")) {
            r.error(m.get("endpoint"), prefix + ".endpoint: '" + endpoint + "' is not an http:// or https:// URL");
            endpoint = null;
        }
        Boolean pathStyle =
                r.choice(m, prefix, "path-style-access", Map.of("true", true, "false", false), Boolean.FALSE);
        ClientProperties props = r.properties(m, prefix, "properties");
        for (String k : props.values().keySet()) {
            if (!k.startsWith("s3.")) {
                r.error(
                        m.get("properties"),
                        prefix + ".properties." + k
                                + ": not a Flink S3 key (they start with 's3.', e.g. s3.access-key)");
            }
        }
        return new S3Options(endpoint, pathStyle, props);
    }

    /** {@code conf} with these settings as Flink's S3 file system reads them. */
    public Configuration applyTo(Configuration conf) {
        props().forEach(conf::setString);
        return conf;
    }

    private Map<String, String> props() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        // Fail in seconds, not minutes, when the store cannot be reached: the S3 file system's own defaults retry
        // a refused connection for minutes, which a hunt on the command line only shows as a hang.
        out.put("s3.attempts.maximum", "3");
        out.put("s3.retry.limit", "2");
        out.putAll(properties.values());
        if (endpoint != null) {
            out.put("s3.endpoint", endpoint);
        }
        if (pathStyleAccess) {
            out.put("s3.path.style.access", "true");
        }
        return out;
    }

    /**
     * Configures the file systems of this process with these settings and the plugins of {@link #pluginsDir}
     * (Flink's S3 file system among them). A local cluster started afterwards in this process uses them as they
     * are: it does not configure file systems itself.
     */
    public void initialize() {
        Configuration conf = applyTo(new Configuration());
        Path dir = pluginsDir();
        PluginManager plugins = null;
        if (dir != null && Files.isDirectory(dir)) {
            try {
                plugins = new DefaultPluginManager(
                        new DirectoryBasedPluginFinder(dir).findPlugins(),
                        CoreOptions.getPluginParentFirstLoaderPatterns(conf));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the plugins in " + dir + ": " + e.getMessage(), e);
            }
        }
        FileSystem.initialize(conf, plugins);
    }

    /**
     * Where file-system plugins are: {@code FLINK_PLUGINS_DIR} when set (as on a Flink cluster), else
     * {@code plugins/} beside the jar (or classes folder) Tripline runs from, where the build puts
     * flink-s3-fs-hadoop; null when neither can be told.
     */
    public static Path pluginsDir() {
        String env = System.getenv("FLINK_PLUGINS_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        try {
            var source = S3Options.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path self = Path.of(source.getLocation().toURI());
            return self.getParent() == null ? null : self.getParent().resolve("plugins");
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "S3Options[endpoint=" + endpoint + ", pathStyleAccess=" + pathStyleAccess + ", properties=" + properties
                + "]";
    }
}
