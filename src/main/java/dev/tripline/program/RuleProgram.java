package dev.tripline.program;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.event.RecordFields;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFilter;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.SourceFile;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A rule set compiled for running, and the only place rules become a matcher and a correlation engine: every
 * command that loads rules ({@code rules validate|test|explain}, {@code run}, {@code hunt}, {@code job},
 * {@code rollout plan}) and every live rule update goes through {@link #load} or {@link #compile}, so what one
 * accepts the others run.
 *
 * <p>It holds the version label, the digest of the rule files, the loaded rules with their Sigma filters applied
 * ({@link FilterApplication}), the filters and the rules each touched, the compiled matcher and correlation
 * engine, the correlate stage of each correlation, and every error and warning with its file:line:col. A correlation the engine cannot compile is an error like any other load error: a program with
 * errors is not {@link #ok()} and must not run ({@link #requireOk()}). Immutable.
 */
public final class RuleProgram implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The version label of the rule files a job is started with (live updates carry their own). */
    public static final String START_VERSION = "start";

    private final String version;
    private final String digest;
    private final RuleSet rules;
    private final List<RuleFilter> filters;
    private final Map<String, List<String>> filterTargets;
    private final CompiledMatcher matcher;
    private final CorrelationEngine engine;
    private final Map<String, Integer> stages;
    private final List<LoadError> errors;
    private final List<LoadError> warnings;

    private RuleProgram(
            String version,
            String digest,
            RuleSet rules,
            CorrelationPlan.Options correlationOptions,
            List<LoadError> errors,
            List<LoadError> warnings) {
        this.version = Objects.requireNonNull(version, "version");
        this.digest = Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(rules, "rules");
        FilterApplication.Result filtered = FilterApplication.apply(rules);
        this.rules = filtered.rules();
        this.filters = rules.filters();
        this.filterTargets = filtered.touched();
        this.matcher = CompiledMatcher.compile(this.rules.rules());
        this.engine = CorrelationEngine.compile(this.rules, correlationOptions);
        Map<String, Integer> stageOfPlan = new LinkedHashMap<>();
        engine.plans().forEach(p -> stageOfPlan.put(p.id(), engine.stageOf(p.id())));
        this.stages = Map.copyOf(stageOfPlan);
        List<LoadError> all = new ArrayList<>(errors);
        all.addAll(filtered.errors());
        all.addAll(engine.errors());
        this.errors = List.copyOf(all);
        this.warnings = List.copyOf(warnings);
    }

    private RuleProgram(RuleProgram base, List<LoadError> moreErrors) {
        this.version = base.version;
        this.digest = base.digest;
        this.rules = base.rules;
        this.filters = base.filters;
        this.filterTargets = base.filterTargets;
        this.matcher = base.matcher;
        this.engine = base.engine;
        this.stages = base.stages;
        List<LoadError> all = new ArrayList<>(base.errors);
        all.addAll(moreErrors);
        this.errors = List.copyOf(all);
        this.warnings = base.warnings;
    }

    /** Loads the rule files and directories under {@code paths} and compiles them. */
    public static RuleProgram load(String version, List<Path> paths, RuleLoadOptions options) {
        return of(version, RuleLoader.standard(options).load(paths), options);
    }

    /**
     * Loads rule files held in memory (file name, as error locations show it, to YAML text), as a live rule
     * update brings them, and compiles them.
     */
    public static RuleProgram compile(String version, Map<String, String> files, RuleLoadOptions options) {
        List<SourceFile> sources = new ArrayList<>();
        new TreeMap<>(files).forEach((name, text) -> sources.add(new SourceFile(name, null, text)));
        return of(version, RuleLoader.standard(options).loadFiles(sources), options);
    }

    /** Compiles what a load under {@code options} produced; its errors and warnings become the program's. */
    public static RuleProgram of(String version, RuleLoader.Result loaded, RuleLoadOptions options) {
        SortedMap<String, String> texts = new TreeMap<>();
        loaded.files().forEach(f -> texts.put(f.name(), f.text()));
        return new RuleProgram(
                version,
                digestOf(texts),
                loaded.ruleSet(),
                correlationOptions(options),
                loaded.errors(),
                withGroupByWarnings(loaded.warnings(), loaded.ruleSet()));
    }

    /**
     * {@code warnings} and one more for each correlation grouped by a field that no event of a rule it consumes
     * can carry ({@link RecordFields}): its signals would all lack the group and be skipped, so it could never
     * fire. A warning, not an error: a field outside the published schemas may still be a new one.
     */
    static List<LoadError> withGroupByWarnings(List<LoadError> warnings, RuleSet rules) {
        List<LoadError> out = new ArrayList<>(warnings);
        for (CorrelationRule c : rules.correlations()) {
            for (String consumed : c.rules()) {
                Rule r = rules.rule(consumed).orElse(null);
                if (r == null) {
                    continue; // another correlation, or a name the load already reported
                }
                for (String group : c.groupBy()) {
                    Map<String, String> alias = c.aliases().get(group);
                    String field = alias != null && alias.containsKey(consumed) ? alias.get(consumed) : group;
                    FieldPath path = FieldPath.of(field);
                    List<String> never = r.logTypes().stream()
                            .filter(t -> !RecordFields.mayCarry(t, path))
                            .map(LogType::name)
                            .sorted()
                            .toList();
                    if (!never.isEmpty() && never.size() == r.logTypes().size()) {
                        out.add(new LoadError(
                                c.location(),
                                "correlation '" + c.id() + "': group-by field '" + field + "' is not a field of "
                                        + String.join(" or ", never) + " events, which rule '"
                                        + (r.name() != null ? r.name() : r.id())
                                        + "' matches: no signal would carry it, so the correlation would never "
                                        + "fire (check the spelling, or use an alias)"));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The correlation engine's options under {@code options}: the slot limit, the default evidence cap and the
     * new_terms history start.
     */
    static CorrelationPlan.Options correlationOptions(RuleLoadOptions options) {
        return new CorrelationPlan.Options(
                options.maxSlotsPerRule(),
                CorrelationPlan.Options.defaults().maxEvidence(),
                options.newTermsHistoryStart());
    }

    /** Compiles a rule set that was loaded without errors elsewhere (tests, benchmarks, embedding). */
    public static RuleProgram of(RuleSet rules) {
        return new RuleProgram(
                START_VERSION,
                digestOf(new TreeMap<>()),
                rules,
                correlationOptions(RuleLoadOptions.defaults()),
                List.of(),
                List.of());
    }

    /**
     * A program that is rejected before its files are compiled (no version label, no rule file, a file that could
     * not be read): it holds no rules and {@code problems} as errors of the whole set.
     */
    public static RuleProgram rejected(String version, String digest, List<String> problems) {
        List<LoadError> errors = problems.stream().map(RuleProgram::problem).toList();
        return new RuleProgram(
                version == null ? "" : version,
                digest,
                new RuleSet(List.of(), List.of()),
                CorrelationPlan.Options.defaults(),
                errors,
                List.of());
    }

    /** This program with {@code problems} (of the whole set, e.g. it does not fit the running job) as errors. */
    public RuleProgram withProblems(List<String> problems) {
        return problems.isEmpty()
                ? this
                : new RuleProgram(
                        this, problems.stream().map(RuleProgram::problem).toList());
    }

    /**
     * This program checked against the correlation state TTL of the job that runs it: state older than the TTL
     * is dropped whatever its timers say, so a correlation whose timespan is longer would lose its open
     * sequences before they could complete (and a timespan of a century would silently become the TTL). Each
     * such correlation is an error at its own location.
     */
    public RuleProgram withStateTtl(java.time.Duration stateTtl) {
        if (stateTtl.isZero()) {
            return this; // no TTL (the default): the correlations' timers alone clear their state
        }
        List<LoadError> tooLong = new ArrayList<>();
        for (CorrelationRule c : rules.correlations()) {
            if (c.timespan() != null && c.timespan().compareTo(stateTtl) > 0) {
                tooLong.add(new LoadError(
                        c.location(),
                        "correlation '" + c.id() + "': timespan " + c.timespan() + " is longer than the "
                                + "correlation state TTL " + stateTtl + " (correlation.state-ttl), which would drop "
                                + "its open sequences before they complete; shorten the timespan or raise the TTL"));
            }
        }
        return tooLong.isEmpty() ? this : new RuleProgram(this, tooLong);
    }

    /** A problem of the whole set rather than of a place in one file: it has no location. */
    private static LoadError problem(String message) {
        return new LoadError(null, message);
    }

    /**
     * A short hash of rule files (names and texts, in name order; not the version label): equal sets have equal
     * digests, so a job can tell whether a rule set it restored was accepted on top of the files it started with.
     */
    public static String digestOf(SortedMap<String, String> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(files.size());
            for (Map.Entry<String, String> e : files.entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
            return HexFormat.of().formatHex(hash).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** True when there is no error: the program may run. Warnings do not count. */
    public boolean ok() {
        return errors.isEmpty();
    }

    /** This program if it may run; else IllegalArgumentException listing every error. */
    public RuleProgram requireOk() {
        if (!ok()) {
            StringBuilder b = new StringBuilder("rules " + version + " have " + errors.size() + " errors:");
            errors.forEach(e -> b.append('\n').append(e));
            throw new IllegalArgumentException(b.toString());
        }
        return this;
    }

    public String version() {
        return version;
    }

    public String digest() {
        return digest;
    }

    /** The loaded rules and correlations, every Sigma filter already applied to the rules it targets. */
    public RuleSet rules() {
        return rules;
    }

    /** The Sigma filters that were loaded (already applied to {@link #rules()}). */
    public List<RuleFilter> filters() {
        return filters;
    }

    /** For each filter, by id, the ids of the rules it applies to (none when its targets had errors). */
    public Map<String, List<String>> filterTargets() {
        return filterTargets;
    }

    public CompiledMatcher matcher() {
        return matcher;
    }

    public CorrelationEngine engine() {
        return engine;
    }

    /** The correlate stage (1-based) of each correlation that compiled, by id. */
    public Map<String, Integer> stages() {
        return stages;
    }

    /** How many correlate stages the program needs: the longest chain of correlations over correlations; 0 if none. */
    public int stageCount() {
        return engine.stages();
    }

    /** Every error, each with its file:line:col (a problem of the whole set, such as an unreadable file, has none). */
    public List<LoadError> errors() {
        return errors;
    }

    public List<LoadError> warnings() {
        return warnings;
    }

    /**
     * How many rules and correlations loaded, by format and kind, in name order: {@code sigma rule},
     * {@code sigma correlation}, {@code panther rule}, {@code elastic query/eql} (KQL and single-event EQL),
     * {@code elastic threshold}, {@code elastic sequence}, {@code elastic new_terms}. The signal-only rules an Elastic threshold or sequence is
     * made of are counted with it, not on their own.
     */
    public SortedMap<String, Integer> countsByKind() {
        SortedMap<String, Integer> counts = new TreeMap<>();
        for (dev.tripline.rule.Rule r : rules.rules()) {
            if (r.format() == dev.tripline.rule.RuleFormat.ELASTIC) {
                if (!r.signalOnly()) {
                    counts.merge("elastic query/eql", 1, Integer::sum);
                }
            } else {
                counts.merge(r.format().name().toLowerCase(java.util.Locale.ROOT) + " rule", 1, Integer::sum);
            }
        }
        for (dev.tripline.rule.CorrelationRule c : rules.correlations()) {
            boolean elastic = c.rules().stream()
                    .map(rules::rule)
                    .anyMatch(r -> r.isPresent() && r.get().format() == dev.tripline.rule.RuleFormat.ELASTIC);
            String kind;
            if (!elastic) {
                kind = "sigma correlation";
            } else if (c.type() == dev.tripline.rule.CorrelationRule.Type.NEW_TERMS) {
                kind = "elastic new_terms";
            } else if (c.type() == dev.tripline.rule.CorrelationRule.Type.TEMPORAL_ORDERED
                    || c.rules().get(0).endsWith(":step1")) {
                kind = "elastic sequence";
            } else {
                kind = "elastic threshold";
            }
            counts.merge(kind, 1, Integer::sum);
        }
        return counts;
    }

    /** How many files have at least one error: the files that did not load. */
    public int filesWithErrors() {
        return (int) errors.stream()
                .filter(e -> e.location() != null)
                .map(e -> e.location().file())
                .distinct()
                .count();
    }

    @Override
    public String toString() {
        return "RuleProgram{" + version + ", " + digest + ", " + rules.rules().size() + " rules, "
                + rules.correlations().size() + " correlations, " + errors.size() + " errors}";
    }
}
