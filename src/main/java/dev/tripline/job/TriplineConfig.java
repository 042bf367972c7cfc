package dev.tripline.job;

import dev.tripline.io.ConfigReader;
import dev.tripline.io.SinkOptions;
import dev.tripline.io.SourceOptions;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Tripline's typed configuration, read from one YAML file and overridden by CLI flags, validated at start.
 * Every key is declared here; an unknown key or a bad value is an error naming the key and the value.
 *
 * <pre>
 * regions:
 *   approved: [us-east-1, us-west-2, eu-west-1, eu-central-1]   # the default list (seed 004)
 *   accounts:                                                   # per-account overrides
 *     "123456789012": [us-east-1, ap-southeast-2]
 * placeholders:                                                 # values for Sigma |expand
 *   Legitimate_Countries: [DE, FR]
 * </pre>
 *
 * <p>The placeholder {@code approved_regions} is always defined, from {@code regions.approved}.
 */
public record TriplineConfig(List<String> approvedRegions, Map<String, List<String>> accountRegions,
                             Map<String, List<String>> placeholders, SourceOptions source, SinkOptions sink) {

    /** Seed 004's AWS list: the regions an organisation with no configuration is assumed to use. */
    public static final List<String> DEFAULT_APPROVED_REGIONS =
            List.of("us-east-1", "us-west-2", "eu-west-1", "eu-central-1");

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-\\d");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Set<String> TOP_KEYS = Set.of("regions", "placeholders", "source", "sink");
    private static final Set<String> REGION_KEYS = Set.of("approved", "accounts");

    public TriplineConfig {
        approvedRegions = List.copyOf(approvedRegions);
        accountRegions = Map.copyOf(accountRegions);
        placeholders = Map.copyOf(placeholders);
        source = source == null ? SourceOptions.files() : source;
        sink = sink == null ? SinkOptions.files() : sink;
    }

    /** Files in, files out: {@code source:} and {@code sink:} (see {@link SourceOptions}, {@link SinkOptions}). */
    public TriplineConfig(List<String> approvedRegions, Map<String, List<String>> accountRegions,
                          Map<String, List<String>> placeholders) {
        this(approvedRegions, accountRegions, placeholders, null, null);
    }

    public static TriplineConfig defaults() {
        return new TriplineConfig(DEFAULT_APPROVED_REGIONS, Map.of(), Map.of());
    }

    /** Placeholder values for rule loading, {@code approved_regions} included. */
    public Map<String, List<String>> rulePlaceholders() {
        Map<String, List<String>> all = new LinkedHashMap<>(placeholders);
        all.put("approved_regions", approvedRegions);
        return all;
    }

    /**
     * Per-account placeholder values for rule loading: {@code regions.accounts} overrides
     * {@code approved_regions} for the events of each listed account.
     */
    public Map<String, Map<String, List<String>>> ruleAccountPlaceholders() {
        return accountRegions.isEmpty() ? Map.of() : Map.of("approved_regions", accountRegions);
    }

    public TriplineConfig withApprovedRegions(List<String> regions) {
        return new TriplineConfig(regions, accountRegions, placeholders, source, sink);
    }

    public TriplineConfig withAccountRegions(Map<String, List<String>> overrides) {
        return new TriplineConfig(approvedRegions, overrides, placeholders);
    }

    /** Thrown with every problem found in a config file, each naming its key. */
    public static final class ConfigException extends Exception {
        private final List<LoadError> errors;

        public ConfigException(List<LoadError> errors) {
            super(errors.size() + " configuration error(s):\n  "
                    + String.join("\n  ", errors.stream().map(LoadError::toString).toList()));
            this.errors = List.copyOf(errors);
        }

        public List<LoadError> errors() {
            return errors;
        }
    }

    public static TriplineConfig load(Path file) throws ConfigException {
        String name = file.toString();
        String text;
        try {
            if (Files.size(file) > 1024 * 1024) {
                throw new ConfigException(List.of(new LoadError(SourceLocation.ofFile(name), "config file over 1 MiB")));
            }
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(new LoadError(SourceLocation.ofFile(name),
                    "cannot read config file: " + e.getMessage())));
        }
        return parse(name, text);
    }

    public static TriplineConfig parse(String name, String text) throws ConfigException {
        SafeYaml.Parsed parsed = SafeYaml.parseAll(name, text);
        List<LoadError> errors = new ArrayList<>(parsed.errors());
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        if (parsed.documents().isEmpty()) {
            return defaults();
        }
        List<String> approved = DEFAULT_APPROVED_REGIONS;
        Map<String, List<String>> accounts = new LinkedHashMap<>();
        Map<String, List<String>> placeholders = new LinkedHashMap<>();
        SourceOptions source = null;
        SinkOptions sink = null;
        try {
            YamlMap top = SafeYaml.map(name, parsed.documents().get(0), "the configuration");
            unknownKeys(top, TOP_KEYS, "", errors);
            if (top.has("regions")) {
                YamlMap regions = SafeYaml.map(name, top.get("regions"), "'regions'");
                unknownKeys(regions, REGION_KEYS, "regions.", errors);
                if (regions.has("approved")) {
                    approved = regionList(name, regions.get("approved"), "regions.approved", errors);
                }
                if (regions.has("accounts")) {
                    YamlMap acc = SafeYaml.map(name, regions.get("accounts"), "'regions.accounts'");
                    for (Map.Entry<String, NodeTuple> e : acc.entries().entrySet()) {
                        String key = "regions.accounts." + e.getKey();
                        if (!ACCOUNT.matcher(e.getKey()).matches()) {
                            errors.add(new LoadError(acc.keyLocation(e.getKey()),
                                    key + ": '" + e.getKey() + "' is not a 12-digit AWS account id"));
                        }
                        accounts.put(e.getKey(), regionList(name, e.getValue().getValueNode(), key, errors));
                    }
                }
            }
            if (top.has("placeholders")) {
                YamlMap ph = SafeYaml.map(name, top.get("placeholders"), "'placeholders'");
                for (Map.Entry<String, NodeTuple> e : ph.entries().entrySet()) {
                    placeholders.put(e.getKey(), SafeYaml.scalarList(name, e.getValue().getValueNode(),
                            "placeholders." + e.getKey()));
                }
            }
            ConfigReader io = new ConfigReader(name, errors, System::getenv);
            source = top.has("source") ? SourceOptions.parse(io, top.get("source")) : null;
            sink = top.has("sink") ? SinkOptions.parse(io, top.get("sink")) : null;
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new TriplineConfig(approved, accounts, placeholders, source, sink);
    }

    /** Checks flag values the same way as file values; {@code key} names the flag in errors. */
    public static List<String> validateRegions(String key, List<String> regions) throws ConfigException {
        List<LoadError> errors = new ArrayList<>();
        for (String r : regions) {
            if (!REGION.matcher(r).matches()) {
                errors.add(new LoadError(SourceLocation.ofFile(key), key + ": '" + r + "' is not an AWS region name"));
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return List.copyOf(regions);
    }

    private static List<String> regionList(String file, Node node, String key, List<LoadError> errors) {
        List<String> regions = SafeYaml.scalarList(file, node, key);
        for (String r : regions) {
            if (!REGION.matcher(r).matches()) {
                errors.add(new LoadError(SafeYaml.at(file, node), key + ": '" + r + "' is not an AWS region name"));
            }
        }
        return regions;
    }

    private static void unknownKeys(YamlMap map, Set<String> allowed, String prefix, List<LoadError> errors) {
        for (String k : map.keys()) {
            if (!allowed.contains(k)) {
                errors.add(new LoadError(map.keyLocation(k), "unknown configuration key '" + prefix + k
                        + "' (known: " + allowed.stream().sorted().map(a -> prefix + a).toList() + ")"));
            }
        }
    }
}
