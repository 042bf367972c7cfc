package dev.tripline.io;

import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads typed values out of a YAML config map for the source and sink options. Every problem is collected as a
 * {@link LoadError} at the offending node and names the full key ({@code source.kafka.start}); the getters
 * return a fallback after an error so that one pass reports everything.
 */
public final class ConfigReader {
    /** Secret files are small (a password, a JAAS line); a larger one is a mistake. */
    static final int MAX_SECRET_BYTES = 64 * 1024;

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private final String file;
    private final List<LoadError> errors;
    private final UnaryOperator<String> env;

    /** @param env environment lookup for {@code {env: NAME}} secrets (System::getenv outside tests) */
    public ConfigReader(String file, List<LoadError> errors, UnaryOperator<String> env) {
        this.file = file;
        this.errors = errors;
        this.env = env;
    }

    public String file() {
        return file;
    }

    public void error(Node at, String message) {
        errors.add(new LoadError(SafeYaml.at(file, at), message));
    }

    /** The node as a map, or null (with an error) when it is something else. */
    public YamlMap map(Node node, String key) {
        try {
            return SafeYaml.map(file, node, "'" + key + "'");
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return null;
        }
    }

    /** Reports every key of {@code map} that is not in {@code allowed}. */
    public void onlyKeys(YamlMap map, String prefix, Set<String> allowed) {
        for (String k : map.keys()) {
            if (!allowed.contains(k)) {
                errors.add(new LoadError(
                        map.keyLocation(k),
                        "unknown configuration key '" + prefix + "." + k + "' (known: "
                                + allowed.stream()
                                        .sorted()
                                        .map(a -> prefix + "." + a)
                                        .toList() + ")"));
            }
        }
    }

    /** A scalar value; null when absent (an error when {@code required}). */
    public String string(YamlMap map, String prefix, String key, boolean required) {
        Node v = map.get(key);
        if (v == null || SafeYaml.isNull(v)) {
            if (required) {
                errors.add(new LoadError(map.location(), prefix + "." + key + " is required"));
            }
            return null;
        }
        try {
            String s = SafeYaml.scalar(file, v, prefix + "." + key);
            if (s.isBlank()) {
                error(v, prefix + "." + key + " must not be empty");
                return null;
            }
            return s.trim();
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return null;
        }
    }

    /** A scalar or a list of scalars; empty when absent (an error when {@code required}). */
    public List<String> strings(YamlMap map, String prefix, String key, boolean required) {
        Node v = map.get(key);
        if (v == null || SafeYaml.isNull(v)) {
            if (required) {
                errors.add(new LoadError(map.location(), prefix + "." + key + " is required"));
            }
            return List.of();
        }
        try {
            List<String> out = SafeYaml.scalarList(file, v, prefix + "." + key).stream()
                    .map(String::trim)
                    .toList();
            if (out.isEmpty() && required) {
                error(v, prefix + "." + key + " must name at least one value");
            }
            if (out.stream().anyMatch(String::isEmpty)) {
                error(v, prefix + "." + key + " must not contain empty values");
            }
            return out;
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return List.of();
        }
    }

    /** One of {@code choices} (matched case-insensitively), or {@code fallback} when absent or wrong. */
    public <T> T choice(YamlMap map, String prefix, String key, Map<String, T> choices, T fallback) {
        String s = string(map, prefix, key, false);
        if (s == null) {
            return fallback;
        }
        T v = choices.get(s.toLowerCase(Locale.ROOT));
        if (v == null) {
            error(map.get(key), prefix + "." + key + ": '" + s + "' is not one of " + choices.keySet());
            return fallback;
        }
        return v;
    }

    /** A positive duration ({@code 500ms}, {@code 10s}, {@code 15m}, {@code 1h}, {@code PT10S}). */
    public Duration duration(YamlMap map, String prefix, String key, Duration fallback) {
        String s = string(map, prefix, key, false);
        if (s == null) {
            return fallback;
        }
        Duration d = parseDuration(s);
        if (d == null || d.isZero() || d.isNegative()) {
            error(map.get(key), prefix + "." + key + ": '" + s + "' is not a positive duration (try 500ms, 10s, 15m)");
            return fallback;
        }
        return d;
    }

    /** An ISO-8601 instant ({@code 2024-03-05T10:00:00Z}); null when absent or wrong. */
    public Instant instant(YamlMap map, String prefix, String key) {
        String s = string(map, prefix, key, false);
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            error(
                    map.get(key),
                    prefix + "." + key + ": '" + s + "' is not an ISO-8601 instant such as " + "2024-03-05T10:00:00Z");
            return null;
        }
    }

    /** {@code 90s}, {@code 15m}, {@code 500ms} or ISO-8601; null when not a duration. */
    public static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Client properties under {@code key}: each value is written inline, or as {@code {env: NAME}} or
     * {@code {file: /path}} for a secret read from the environment or a file (one trailing newline dropped).
     */
    public ClientProperties properties(YamlMap map, String prefix, String key) {
        Node v = map.get(key);
        if (v == null || SafeYaml.isNull(v)) {
            return ClientProperties.empty();
        }
        YamlMap props = map(v, prefix + "." + key);
        if (props == null) {
            return ClientProperties.empty();
        }
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> secrets = new HashSet<>();
        for (Map.Entry<String, NodeTuple> e : props.entries().entrySet()) {
            String name = prefix + "." + key + "." + e.getKey();
            Node value = e.getValue().getValueNode();
            if (SafeYaml.isNull(value)) {
                error(value, name + " has no value");
                continue;
            }
            YamlMap ref = value instanceof org.yaml.snakeyaml.nodes.MappingNode ? map(value, name) : null;
            if (ref == null) {
                try {
                    values.put(e.getKey(), SafeYaml.scalar(file, value, name));
                } catch (RuleSyntaxException ex) {
                    errors.add(ex.toLoadError());
                }
                continue;
            }
            String secret = secret(ref, name);
            if (secret != null) {
                values.put(e.getKey(), secret);
                secrets.add(e.getKey());
            }
        }
        return new ClientProperties(values, secrets);
    }

    private String secret(YamlMap ref, String name) {
        if (ref.keys().size() != 1 || !(ref.has("env") || ref.has("file"))) {
            errors.add(new LoadError(ref.location(), name + " must be a value, {env: NAME} or {file: PATH}"));
            return null;
        }
        if (ref.has("env")) {
            String var = string(ref, name, "env", true);
            if (var == null) {
                return null;
            }
            String value = env.apply(var);
            if (value == null || value.isEmpty()) {
                error(ref.get("env"), name + ": environment variable " + var + " is not set");
                return null;
            }
            return value;
        }
        String path = string(ref, name, "file", true);
        if (path == null) {
            return null;
        }
        try {
            Path p = Path.of(path);
            if (Files.size(p) > MAX_SECRET_BYTES) {
                error(ref.get("file"), name + ": secret file " + path + " is over " + MAX_SECRET_BYTES + " bytes");
                return null;
            }
            String s = Files.readString(p, StandardCharsets.UTF_8);
            if (s.endsWith("\n")) {
                s = s.substring(0, s.length() - (s.endsWith("\r\n") ? 2 : 1));
            }
            return s;
        } catch (IOException | RuntimeException e) {
            // The message names the file, never its content.
            error(
                    ref.get("file"),
                    name + ": cannot read secret file " + path + " ("
                            + e.getClass().getSimpleName() + ")");
            return null;
        }
    }
}
