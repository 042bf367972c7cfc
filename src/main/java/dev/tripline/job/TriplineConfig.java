package dev.tripline.job;

import dev.tripline.alert.AlertFormat;
import dev.tripline.alert.EvidenceSample;
import dev.tripline.flink.EventTimeBounds;
import dev.tripline.io.ConfigReader;
import dev.tripline.io.LiveUpdateOptions;
import dev.tripline.io.S3Options;
import dev.tripline.io.SinkOptions;
import dev.tripline.io.SourceOptions;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Tripline's typed configuration, read from one YAML file and overridden by CLI flags, validated at start.
 * Every key is declared here; an unknown key or a bad value is an error naming the key and the value.
 *
 * <pre>
 * regions:
 *   approved: [us-east-1, us-west-2, eu-west-1, eu-central-1]   # the default list
 *   accounts:                                                   # per-account overrides
 *     "123456789012": [us-east-1, ap-southeast-2]
 *   azure:                                                      # Azure, beside AWS, with its own list
 *     approved: [eastus, eastus2, westus, westus2, westeurope, northeurope, uksouth, ukwest]
 *     subscriptions:                                            # per-subscription overrides
 *       "00000000-0000-0000-0000-000000000000": [eastus, japaneast]
 * placeholders:                                                 # values for Sigma |expand
 *   Legitimate_Countries: [DE, FR]
 * time:
 *   out-of-orderness: 15m
 *   idleness: 1m
 *   allowed-lateness: 0s
 *   max-event-age: 3650d        # event times believed (EventTimeBounds): files and hunts; a Kafka or Kinesis
 *   max-event-future: 1d        # source and the deployed job default to 30d, 1h and 1d
 *   max-ahead-of-source: 30d
 * correlation:
 *   suppression: 60m
 *   state-ttl: 7d
 *   max-slots-per-rule: 10000
 * dedup:
 *   default-period-minutes: 60
 *   evidence-limit: 10
 * output:
 *   alerts: alerts.jsonl        # or '-' for stdout
 *   format: jsonl               # or ocsf
 *   dead-letters: dead.jsonl
 * input:
 *   paths: [AWSLogs/]          # or s3://bucket/AWSLogs/
 *   s3: {endpoint: http://127.0.0.1:9000, path-style-access: true}   # see S3Options
 * rules:                        # live rule updates: see LiveUpdateOptions
 *   updates: {bootstrap-servers: [localhost:9092], topic: tripline-rules}
 * </pre>
 *
 * <p>The placeholder {@code approved_regions} is always defined, from {@code regions.approved}, and so is
 * {@code approved_azure_regions}, from {@code regions.azure.approved}; the per-account and per-subscription
 * lists override them for the events of that account or subscription (the derived field {@code account}). Job and I/O
 * keys are held in {@link Settings} as given (null when absent), so that a command can apply them under its
 * flags: flag, then file, then the built-in default.
 */
public record TriplineConfig(
        List<String> approvedRegions,
        Map<String, List<String>> accountRegions,
        Map<String, List<String>> placeholders,
        Settings settings,
        SourceOptions source,
        SinkOptions sink,
        AzureRegions azureRegions,
        LiveUpdateOptions liveUpdates,
        EmbeddedOptions embedded) {

    /**
     * Azure's approved regions: the default list and per-subscription overrides (subscription ids lower-cased,
     * as the derived field {@code account} gives them).
     */
    public record AzureRegions(List<String> approved, Map<String, List<String>> subscriptions) {
        public AzureRegions {
            approved = List.copyOf(approved);
            Map<String, List<String>> lower = new LinkedHashMap<>();
            subscriptions.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), List.copyOf(v)));
            subscriptions = java.util.Collections.unmodifiableMap(lower);
        }

        public static AzureRegions defaults() {
            return new AzureRegions(DEFAULT_APPROVED_AZURE_REGIONS, Map.of());
        }
    }

    /**
     * The job and I/O keys of the file, each null when the file does not set it. Paths are as written (relative
     * ones resolve against the working directory, like flags).
     */
    public record Settings(
            Duration outOfOrderness,
            Duration idleness,
            Duration allowedLateness,
            Duration correlationSuppression,
            Duration stateTtl,
            Integer maxSlotsPerRule,
            Integer defaultDedupMinutes,
            Integer evidenceLimit,
            String alerts,
            String format,
            String deadLetters,
            List<String> inputPaths,
            S3Options s3,
            Duration maxEventAge,
            Duration maxEventFuture,
            Duration maxAheadOfSource,
            java.time.Instant newTermsHistoryStart) {
        public static final Settings NONE = new Settings(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

        public Settings {
            inputPaths = inputPaths == null ? null : List.copyOf(inputPaths);
            s3 = s3 == null ? S3Options.DEFAULTS : s3;
        }

        /** {@code base} with the event-time bounds this file sets ({@code time.max-*}) applied. */
        public EventTimeBounds eventTimeBounds(EventTimeBounds base) {
            EventTimeBounds b = base;
            if (maxEventAge != null) {
                b = b.withMaxAge(maxEventAge);
            }
            if (maxEventFuture != null) {
                b = b.withMaxFuture(maxEventFuture);
            }
            if (maxAheadOfSource != null) {
                b = b.withMaxAheadOfSource(maxAheadOfSource);
            }
            return b;
        }

        /** {@code base} with every key this file sets applied. */
        public DetectionJob.Options applyTo(DetectionJob.Options base) {
            DetectionJob.Options o = base;
            if (outOfOrderness != null) {
                o = o.withOutOfOrderness(outOfOrderness);
            }
            if (idleness != null) {
                o = o.withIdleness(idleness);
            }
            if (allowedLateness != null) {
                o = o.withAllowedLateness(allowedLateness);
            }
            if (correlationSuppression != null) {
                o = o.withCorrelationSuppression(correlationSuppression);
            }
            if (stateTtl != null) {
                o = o.withStateTtl(stateTtl);
            }
            if (defaultDedupMinutes != null) {
                o = o.withDefaultDedupMinutes(defaultDedupMinutes);
            }
            if (evidenceLimit != null) {
                o = o.withEvidenceLimit(evidenceLimit);
            }
            return o.withEventTimeBounds(eventTimeBounds(o.eventTimeBounds()));
        }
    }

    /** The AWS regions an organisation with no configuration is assumed to use. */
    public static final List<String> DEFAULT_APPROVED_REGIONS =
            List.of("us-east-1", "us-west-2", "eu-west-1", "eu-central-1");

    /** The Azure regions an organisation with no configuration is assumed to use. */
    public static final List<String> DEFAULT_APPROVED_AZURE_REGIONS =
            List.of("eastus", "eastus2", "westus", "westus2", "westeurope", "northeurope", "uksouth", "ukwest");

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-\\d");
    /** Azure's programmatic region names: lower-case letters and digits ({@code japaneast}, {@code eastus2}). */
    private static final Pattern AZURE_REGION = Pattern.compile("[a-z][a-z0-9]{1,39}");

    private static final Pattern SUBSCRIPTION =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Set<String> AZURE_REGION_KEYS = Set.of("approved", "subscriptions");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Set<String> TOP_KEYS = Set.of(
            "regions",
            "placeholders",
            "time",
            "correlation",
            "dedup",
            "output",
            "input",
            "source",
            "sink",
            "rules",
            "embedded");
    private static final Set<String> EMBEDDED_KEYS =
            Set.of("restart-attempts", "restart-delay", "state-backend", "state-dir", "heap-limit-percent");
    private static final Set<String> REGION_KEYS = Set.of("approved", "accounts", "azure");
    private static final Set<String> TIME_KEYS = Set.of(
            "out-of-orderness",
            "idleness",
            "allowed-lateness",
            "max-event-age",
            "max-event-future",
            "max-ahead-of-source");
    private static final Set<String> CORRELATION_KEYS =
            Set.of("suppression", "state-ttl", "max-slots-per-rule", "new-terms-history-start");
    private static final Set<String> DEDUP_KEYS = Set.of("default-period-minutes", "evidence-limit");
    private static final Set<String> OUTPUT_KEYS = Set.of("alerts", "format", "dead-letters");
    private static final Set<String> INPUT_KEYS = Set.of("paths", "s3");
    /** A year: Panther allows at most a day; anything longer is a typo, not a policy. */
    static final int MAX_DEDUP_MINUTES = 525_600;

    public TriplineConfig {
        approvedRegions = List.copyOf(approvedRegions);
        accountRegions = Map.copyOf(accountRegions);
        placeholders = Map.copyOf(placeholders);
        settings = settings == null ? Settings.NONE : settings;
        source = source == null ? SourceOptions.files() : source;
        sink = sink == null ? SinkOptions.files() : sink;
        azureRegions = azureRegions == null ? AzureRegions.defaults() : azureRegions;
        liveUpdates = liveUpdates == null ? LiveUpdateOptions.defaults() : liveUpdates;
        embedded = embedded == null ? EmbeddedOptions.DEFAULTS : embedded;
    }

    /** Without an {@code embedded:} section (restarts, state backend and heap limit at their defaults). */
    public TriplineConfig(
            List<String> approvedRegions,
            Map<String, List<String>> accountRegions,
            Map<String, List<String>> placeholders,
            Settings settings,
            SourceOptions source,
            SinkOptions sink,
            AzureRegions azureRegions,
            LiveUpdateOptions liveUpdates) {
        this(approvedRegions, accountRegions, placeholders, settings, source, sink, azureRegions, liveUpdates, null);
    }

    /** Without a {@code rules:} section (live updates at their defaults: no control topic). */
    public TriplineConfig(
            List<String> approvedRegions,
            Map<String, List<String>> accountRegions,
            Map<String, List<String>> placeholders,
            Settings settings,
            SourceOptions source,
            SinkOptions sink,
            AzureRegions azureRegions) {
        this(approvedRegions, accountRegions, placeholders, settings, source, sink, azureRegions, (LiveUpdateOptions)
                null);
    }

    /** Without an Azure section (the default Azure list) and without a {@code rules:} section. */
    public TriplineConfig(
            List<String> approvedRegions,
            Map<String, List<String>> accountRegions,
            Map<String, List<String>> placeholders,
            Settings settings,
            SourceOptions source,
            SinkOptions sink) {
        this(approvedRegions, accountRegions, placeholders, settings, source, sink, (AzureRegions) null);
    }

    /** Defaults for the job and I/O keys; files in, files out. */
    public TriplineConfig(
            List<String> approvedRegions,
            Map<String, List<String>> accountRegions,
            Map<String, List<String>> placeholders) {
        this(approvedRegions, accountRegions, placeholders, Settings.NONE, null, null);
    }

    public static TriplineConfig defaults() {
        return new TriplineConfig(DEFAULT_APPROVED_REGIONS, Map.of(), Map.of());
    }

    /** Placeholder values for rule loading, {@code approved_regions} included. */
    public Map<String, List<String>> rulePlaceholders() {
        Map<String, List<String>> all = new LinkedHashMap<>(placeholders);
        all.put("approved_regions", approvedRegions);
        all.put("approved_azure_regions", azureRegions.approved());
        return all;
    }

    /**
     * Per-account placeholder values for rule loading: {@code regions.accounts} overrides
     * {@code approved_regions} for the events of each listed account, {@code regions.azure.subscriptions}
     * overrides {@code approved_azure_regions} for those of each listed subscription.
     */
    public Map<String, Map<String, List<String>>> ruleAccountPlaceholders() {
        Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
        if (!accountRegions.isEmpty()) {
            out.put("approved_regions", accountRegions);
        }
        if (!azureRegions.subscriptions().isEmpty()) {
            out.put("approved_azure_regions", azureRegions.subscriptions());
        }
        return out;
    }

    /**
     * The options rules load and compile with under this configuration: its placeholders, per-account lists,
     * correlation slot limit and new_terms history start.
     */
    public RuleLoadOptions ruleLoadOptions() {
        RuleLoadOptions o = RuleLoadOptions.defaults()
                .withPlaceholders(rulePlaceholders())
                .withAccountPlaceholders(ruleAccountPlaceholders());
        o = settings.maxSlotsPerRule() == null ? o : o.withMaxSlotsPerRule(settings.maxSlotsPerRule());
        return settings.newTermsHistoryStart() == null
                ? o
                : o.withNewTermsHistoryStart(settings.newTermsHistoryStart().toEpochMilli());
    }

    public TriplineConfig withApprovedRegions(List<String> regions) {
        return new TriplineConfig(
                regions, accountRegions, placeholders, settings, source, sink, azureRegions, liveUpdates, embedded);
    }

    public TriplineConfig withAccountRegions(Map<String, List<String>> overrides) {
        return new TriplineConfig(
                approvedRegions, overrides, placeholders, settings, source, sink, azureRegions, liveUpdates, embedded);
    }

    /** Thrown with every problem found in a config file, each naming its key. */
    public static final class ConfigException extends Exception {
        private final List<LoadError> errors;

        public ConfigException(List<LoadError> errors) {
            super(errors.size() + " configuration error(s):\n  "
                    + String.join(
                            "\n  ", errors.stream().map(LoadError::toString).toList()));
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
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                // A FIFO or a device would block the read (or never end); a config is a file.
                throw new ConfigException(List.of(new LoadError(
                        SourceLocation.ofFile(name), "config is not a regular file (a directory, FIFO or device)")));
            }
            if (Files.size(file) > 1024 * 1024) {
                throw new ConfigException(
                        List.of(new LoadError(SourceLocation.ofFile(name), "config file over 1 MiB")));
            }
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(
                    List.of(new LoadError(SourceLocation.ofFile(name), "cannot read config file: " + e.getMessage())));
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
        YamlMap top;
        try {
            top = SafeYaml.map(name, parsed.documents().get(0), "the configuration");
        } catch (RuleSyntaxException e) {
            // Nothing else to check: the file holds no keys.
            throw new ConfigException(List.of(e.toLoadError()));
        }
        unknownKeys(top, TOP_KEYS, "", errors);
        // Each section, and each entry of a map of entries, is checked on its own: a structural error in one (a
        // list where a map belongs) is reported and the checks of every other key still run.
        YamlMap regions = section(name, top, "regions", REGION_KEYS, errors);
        List<String> approved = regions == null || !regions.has("approved")
                ? DEFAULT_APPROVED_REGIONS
                : checked(
                        errors,
                        DEFAULT_APPROVED_REGIONS,
                        () -> regionList(name, regions.get("approved"), "regions.approved", errors));
        Map<String, List<String>> accounts = regionsById(
                section(name, regions, "regions.accounts", null, errors),
                "regions.accounts.",
                ACCOUNT,
                "a 12-digit AWS account id",
                (node, key) -> regionList(name, node, key, errors),
                errors);
        YamlMap az = section(name, regions, "regions.azure", AZURE_REGION_KEYS, errors);
        AzureRegions azure = az == null ? AzureRegions.defaults() : azureRegions(name, az, errors);
        Map<String, List<String>> placeholders = new LinkedHashMap<>();
        YamlMap ph = section(name, top, "placeholders", null, errors);
        if (ph != null) {
            for (Map.Entry<String, NodeTuple> e : ph.entries().entrySet()) {
                List<String> values = checked(
                        errors,
                        null,
                        () -> SafeYaml.scalarList(name, e.getValue().getValueNode(), "placeholders." + e.getKey()));
                if (values != null) {
                    placeholders.put(e.getKey(), values);
                }
            }
        }
        ConfigReader io = new ConfigReader(name, errors, System::getenv);
        SourceOptions source =
                top.has("source") ? checked(errors, null, () -> SourceOptions.parse(io, top.get("source"))) : null;
        SinkOptions sink = top.has("sink") ? checked(errors, null, () -> SinkOptions.parse(io, top.get("sink"))) : null;
        LiveUpdateOptions live =
                top.has("rules") ? checked(errors, null, () -> LiveUpdateOptions.parse(io, top.get("rules"))) : null;
        Settings settings = checked(errors, Settings.NONE, () -> settings(name, top, errors));
        YamlMap emb = section(name, top, "embedded", EMBEDDED_KEYS, errors);
        EmbeddedOptions embedded = emb == null ? null : embedded(name, emb, errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new TriplineConfig(approved, accounts, placeholders, settings, source, sink, azure, live, embedded);
    }

    private static AzureRegions azureRegions(String file, YamlMap az, List<LoadError> errors) {
        List<String> approved = az.has("approved")
                ? checked(
                        errors,
                        DEFAULT_APPROVED_AZURE_REGIONS,
                        () -> azureRegionList(file, az.get("approved"), "regions.azure.approved", errors))
                : DEFAULT_APPROVED_AZURE_REGIONS;
        Map<String, List<String>> subscriptions = regionsById(
                section(file, az, "regions.azure.subscriptions", null, errors),
                "regions.azure.subscriptions.",
                SUBSCRIPTION,
                "an Azure subscription id (a GUID)",
                (node, key) -> azureRegionList(file, node, key, errors),
                errors);
        return new AzureRegions(approved, subscriptions);
    }

    /**
     * The region list of each account or subscription in {@code byId} (null: the section is absent): each id
     * checked against {@code idPattern}, each list read by {@code regions}; every entry is checked on its own, so
     * one bad entry hides no other.
     */
    private static Map<String, List<String>> regionsById(
            YamlMap byId,
            String keyPrefix,
            Pattern idPattern,
            String idKind,
            java.util.function.BiFunction<Node, String, List<String>> regions,
            List<LoadError> errors) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (byId == null) {
            return out;
        }
        for (Map.Entry<String, NodeTuple> e : byId.entries().entrySet()) {
            String key = keyPrefix + e.getKey();
            if (!idPattern.matcher(e.getKey()).matches()) {
                errors.add(
                        new LoadError(byId.keyLocation(e.getKey()), key + ": '" + e.getKey() + "' is not " + idKind));
            }
            List<String> list =
                    checked(errors, null, () -> regions.apply(e.getValue().getValueNode(), key));
            if (list != null) {
                out.put(e.getKey(), list);
            }
        }
        return out;
    }

    /**
     * The value {@code check} reads, or {@code fallback} when it meets a structural error (a list or map where a
     * value belongs), which is added to {@code errors} so that the caller goes on checking the other keys.
     */
    private static <T> T checked(List<LoadError> errors, T fallback, Supplier<T> check) {
        try {
            return check.get();
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return fallback;
        }
    }

    private static List<String> azureRegionList(String file, Node node, String key, List<LoadError> errors) {
        List<String> regions = SafeYaml.scalarList(file, node, key);
        for (String r : regions) {
            if (!AZURE_REGION.matcher(r).matches()) {
                errors.add(new LoadError(
                        SafeYaml.at(file, node),
                        key + ": '" + r + "' is not an Azure region name (lower case, no spaces, e.g. japaneast)"));
            }
        }
        return regions;
    }

    /** The job and I/O sections; every bad value is added to {@code errors} and parsing goes on. */
    private static Settings settings(String file, YamlMap top, List<LoadError> errors) {
        YamlMap time = section(file, top, "time", TIME_KEYS, errors);
        YamlMap corr = section(file, top, "correlation", CORRELATION_KEYS, errors);
        YamlMap dedup = section(file, top, "dedup", DEDUP_KEYS, errors);
        YamlMap output = section(file, top, "output", OUTPUT_KEYS, errors);
        YamlMap input = section(file, top, "input", INPUT_KEYS, errors);
        Duration outOfOrderness = duration(file, time, "time.out-of-orderness", false, errors);
        Duration idleness = duration(file, time, "time.idleness", true, errors);
        Duration lateness = duration(file, time, "time.allowed-lateness", false, errors);
        Duration maxEventAge = duration(file, time, "time.max-event-age", true, errors);
        Duration maxEventFuture = duration(file, time, "time.max-event-future", false, errors);
        Duration maxAheadOfSource = duration(file, time, "time.max-ahead-of-source", true, errors);
        Duration suppression = duration(file, corr, "correlation.suppression", true, errors);
        Duration ttl = duration(file, corr, "correlation.state-ttl", true, errors);
        Integer maxSlots = wholeNumber(
                file,
                corr,
                "correlation.max-slots-per-rule",
                RuleLoadOptions.MIN_SLOTS_PER_RULE,
                RuleLoadOptions.MAX_SLOTS_PER_RULE,
                "slots",
                errors);
        Integer dedupMinutes =
                wholeNumber(file, dedup, "dedup.default-period-minutes", 1, MAX_DEDUP_MINUTES, "minutes", errors);
        Integer evidenceLimit = wholeNumber(
                file,
                dedup,
                "dedup.evidence-limit",
                EvidenceSample.MIN_LIMIT,
                EvidenceSample.MAX_LIMIT,
                "matches",
                errors);
        String alerts = path(file, output, "output.alerts", true, errors);
        String format = scalar(file, output, "output.format", errors);
        if (format != null && AlertFormat.parse(format.trim()).isEmpty()) {
            errors.add(new LoadError(
                    SafeYaml.at(file, output.get("format")),
                    "output.format: '" + format + "' is not an alert format (jsonl or ocsf)"));
            format = null;
        }
        String deadLetters = path(file, output, "output.dead-letters", false, errors);
        List<String> paths = null;
        if (input != null && input.has("paths")) {
            try {
                paths = SafeYaml.scalarList(file, input.get("paths"), "input.paths");
                for (String p : paths) {
                    if (p.isBlank() || p.indexOf('\0') >= 0) {
                        errors.add(new LoadError(
                                SafeYaml.at(file, input.get("paths")),
                                "input.paths: '" + p + "' is not a file or directory path"));
                    }
                }
            } catch (RuleSyntaxException e) {
                errors.add(e.toLoadError());
            }
        }
        return new Settings(
                outOfOrderness,
                idleness,
                lateness,
                suppression,
                ttl,
                maxSlots,
                dedupMinutes,
                evidenceLimit,
                alerts == null ? null : alerts.trim(),
                format == null ? null : format.trim(),
                deadLetters,
                paths,
                input != null && input.has("s3")
                        ? S3Options.parse(new ConfigReader(file, errors, System::getenv), input.get("s3"), "input.s3")
                        : null,
                maxEventAge,
                maxEventFuture,
                maxAheadOfSource,
                instant(file, corr, "correlation.new-terms-history-start", errors));
    }

    /**
     * The instant at {@code key}: an ISO-8601 instant ({@code 2026-12-01T00:00:00Z}) or a date (its start, UTC);
     * null when absent or bad (an error names the key).
     */
    private static java.time.Instant instant(String file, YamlMap section, String key, List<LoadError> errors) {
        String text = scalar(file, section, key, errors);
        if (text == null) {
            return null;
        }
        String t = text.trim();
        try {
            return t.length() == 10
                    ? java.time.LocalDate.parse(t)
                            .atStartOfDay(java.time.ZoneOffset.UTC)
                            .toInstant()
                    : java.time.OffsetDateTime.parse(t).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            errors.add(new LoadError(
                    SafeYaml.at(file, section.get(key.substring(key.lastIndexOf('.') + 1))),
                    key + ": '" + t + "' is not a date (2026-12-01) or an ISO-8601 instant (2026-12-01T00:00:00Z)"));
            return null;
        }
    }

    /** The {@code embedded:} section; a bad key is an error and leaves its default. */
    private static EmbeddedOptions embedded(String file, YamlMap emb, List<LoadError> errors) {
        EmbeddedOptions d = EmbeddedOptions.DEFAULTS;
        Integer attempts = wholeNumber(
                file, emb, "embedded.restart-attempts", 0, EmbeddedOptions.MAX_RESTART_ATTEMPTS, "restarts", errors);
        Duration delay = duration(file, emb, "embedded.restart-delay", false, errors);
        String backend = scalar(file, emb, "embedded.state-backend", errors);
        EmbeddedOptions.StateBackend sb = d.stateBackend();
        if (backend != null) {
            switch (backend.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "heap", "hashmap" -> sb = EmbeddedOptions.StateBackend.HEAP;
                case "rocksdb" -> sb = EmbeddedOptions.StateBackend.ROCKSDB;
                default ->
                    errors.add(new LoadError(
                            SafeYaml.at(file, emb.get("state-backend")),
                            "embedded.state-backend: '" + backend + "' is not a state backend (heap or rocksdb)"));
            }
        }
        String dir = path(file, emb, "embedded.state-dir", false, errors);
        Integer heap = wholeNumber(file, emb, "embedded.heap-limit-percent", 1, 100, "percent", errors);
        return new EmbeddedOptions(
                attempts == null ? d.restartAttempts() : attempts,
                delay == null ? d.restartDelay() : delay,
                sb,
                dir == null ? null : dir.trim(),
                heap == null ? d.heapLimitPercent() : heap);
    }

    /** The whole number at {@code key} in {@code min..max}; null when absent or bad (an error names the key). */
    private static Integer wholeNumber(
            String file, YamlMap section, String key, int min, int max, String unit, List<LoadError> errors) {
        String text = scalar(file, section, key, errors);
        if (text == null) {
            return null;
        }
        Integer n;
        try {
            n = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            n = null;
        }
        if (n == null || n < min || n > max) {
            errors.add(new LoadError(
                    SafeYaml.at(file, section.get(leaf(key))),
                    key + ": '" + text + "' is not a whole number of " + unit + " from " + min + " to " + max));
            return null;
        }
        return n;
    }

    /**
     * The section {@code key} (dotted, as in errors) of {@code parent} (null: none) as a map, checked for unknown
     * keys unless {@code keys} is null (a map of names); null when absent or not a map (an error names it).
     */
    private static YamlMap section(String file, YamlMap parent, String key, Set<String> keys, List<LoadError> errors) {
        String name = key.substring(key.lastIndexOf('.') + 1);
        if (parent == null || !parent.has(name)) {
            return null;
        }
        try {
            YamlMap m = SafeYaml.map(file, parent.get(name), "'" + key + "'");
            if (keys != null) {
                unknownKeys(m, keys, key + ".", errors);
            }
            return m;
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return null;
        }
    }

    private static String leaf(String key) {
        return key.substring(key.indexOf('.') + 1);
    }

    /** The scalar text of {@code key} in {@code section}, null when absent; a non-scalar is an error. */
    private static String scalar(String file, YamlMap section, String key, List<LoadError> errors) {
        if (section == null || !section.has(leaf(key))) {
            return null;
        }
        Node node = section.get(leaf(key));
        try {
            return SafeYaml.scalar(file, node, key);
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return null;
        }
    }

    private static Duration duration(
            String file, YamlMap section, String key, boolean positive, List<LoadError> errors) {
        String text = scalar(file, section, key, errors);
        if (text == null) {
            return null;
        }
        SourceLocation at = SafeYaml.at(file, section.get(leaf(key)));
        try {
            Duration d = Durations.parse(text);
            if (positive && d.isZero()) {
                errors.add(new LoadError(at, key + ": '" + text + "' must be longer than zero"));
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            errors.add(new LoadError(at, key + ": " + e.getMessage()));
            return null;
        }
    }

    private static String path(
            String file, YamlMap section, String key, boolean dashForStdout, List<LoadError> errors) {
        String text = scalar(file, section, key, errors);
        if (text == null) {
            return null;
        }
        SourceLocation at = SafeYaml.at(file, section.get(leaf(key)));
        if (text.isBlank() || text.indexOf('\0') >= 0) {
            errors.add(new LoadError(at, key + ": '" + text + "' is not a file path"));
            return null;
        }
        if (!dashForStdout && text.trim().equals("-")) {
            errors.add(new LoadError(at, key + ": '-' (stdout) is for alerts only; give a file path"));
            return null;
        }
        return text;
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
                errors.add(new LoadError(
                        map.keyLocation(k),
                        "unknown configuration key '" + prefix + k + "' (known: "
                                + allowed.stream().sorted().map(a -> prefix + a).toList() + ")"));
            }
        }
    }
}
