package dev.tripline.rule.sigma;

import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.CorrelationTestCase;
import dev.tripline.rule.Expr;
import dev.tripline.rule.FormatLoader;
import dev.tripline.rule.Level;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.LoadSink;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFilter;
import dev.tripline.rule.RuleFormat;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.RuleTestCase;
import dev.tripline.rule.SourceFile;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Loads Sigma v2.1 rule files: detection rules (compiled to {@link Expr}), correlation rules and filters, any
 * number per file as YAML documents, plus each file's sidecar tests. Correlation references are resolved in
 * {@link #finish}, once every file is loaded. See docs/sigma.md for what is supported and the choices made.
 *
 * <p>One instance may serve several loads in sequence; pending correlations are kept per {@link LoadSink}.
 * Not thread-safe.
 */
public final class SigmaLoader implements FormatLoader {
    private static final Set<String> STATUSES = Set.of("stable", "test", "experimental", "deprecated", "unsupported");
    /** Longest {@code alert_title} template accepted. */
    private static final int MAX_ALERT_TITLE = 1000;

    private final Map<LoadSink, List<SigmaCorrelations.Pending>> pending = new IdentityHashMap<>();
    /** Sidecar tests per correlation id, attached once the correlations are resolved in {@link #finish}. */
    private final Map<LoadSink, Map<String, List<CorrelationTestCase>>> correlationTests = new IdentityHashMap<>();

    public SigmaLoader() {}

    @Override
    public boolean recognizes(YamlMap firstDocument) {
        return firstDocument.has("detection")
                || firstDocument.has("correlation")
                || firstDocument.has("filter")
                || (firstDocument.has("title") && firstDocument.has("logsource"));
    }

    /** A rule before its sidecar tests are attached. */
    private record Draft(Rule rule, List<RuleTestCase> tests) {}

    @Override
    public void load(SourceFile file, List<Node> documents, LoadSink sink) {
        try {
            loadDocuments(file, documents, sink);
        } catch (RuntimeException | StackOverflowError e) {
            // A loader must never throw; this is a bug, but the user still gets a located message.
            sink.error(SourceLocation.ofFile(file.name()), "internal error while loading Sigma rules: " + e);
        }
    }

    private void loadDocuments(SourceFile file, List<Node> documents, LoadSink sink) {
        List<SigmaCorrelations.Pending> correlations = pending.computeIfAbsent(sink, s -> new ArrayList<>());
        List<Draft> drafts = new ArrayList<>();
        List<SigmaCorrelations.Pending> fileCorrelations = new ArrayList<>();
        int ruleDocuments = 0;
        int correlationDocuments = 0;
        for (int i = 0; i < documents.size(); i++) {
            String fallbackId = documents.size() == 1 ? file.name() : file.name() + "#" + (i + 1);
            List<LoadError> errors = new ArrayList<>();
            try {
                YamlMap doc = SafeYaml.map(file.name(), documents.get(i), "a Sigma document");
                if (doc.has("correlation")) {
                    correlationDocuments++;
                    SigmaCorrelations.Pending p = correlation(file, doc, fallbackId, errors, sink);
                    if (p != null) {
                        correlations.add(p);
                        fileCorrelations.add(p);
                    }
                } else if (doc.has("filter")) {
                    RuleFilter filter = filter(file, doc, fallbackId, errors, sink);
                    if (filter != null) {
                        sink.add(filter);
                    }
                } else {
                    ruleDocuments++;
                    Rule r = rule(file, doc, fallbackId, errors, sink);
                    if (r != null) {
                        drafts.add(new Draft(r, new ArrayList<>()));
                    }
                }
            } catch (RuleSyntaxException e) {
                errors.add(e.toLoadError());
            }
            errors.forEach(sink::error);
        }
        attachTests(file, drafts, ruleDocuments, new FileCorrelations(fileCorrelations, correlationDocuments), sink);
        for (Draft d : drafts) {
            Rule r = d.rule();
            sink.add(
                    d.tests().isEmpty()
                            ? r
                            : new Rule(
                                    r.id(),
                                    r.name(),
                                    r.title(),
                                    r.description(),
                                    r.format(),
                                    r.level(),
                                    r.tags(),
                                    r.authors(),
                                    r.references(),
                                    r.runbook(),
                                    r.logTypes(),
                                    r.detection(),
                                    r.enabled(),
                                    r.signalOnly(),
                                    r.dedupPeriodMinutes(),
                                    r.threshold(),
                                    r.outputFields(),
                                    r.alertTitle(),
                                    r.alertContext(),
                                    r.groupBy(),
                                    d.tests(),
                                    r.location()));
        }
    }

    @Override
    public void finish(LoadSink sink) {
        List<SigmaCorrelations.Pending> mine = pending.remove(sink);
        Map<String, List<CorrelationTestCase>> tests = correlationTests.remove(sink);
        if (mine == null || mine.isEmpty()) {
            return;
        }
        try {
            SigmaCorrelations.finish(mine, sink);
        } catch (RuntimeException | StackOverflowError e) {
            sink.error(mine.get(0).location(), "internal error while resolving Sigma correlations: " + e);
        }
        if (tests != null) {
            List<CorrelationRule> all = sink.correlations();
            for (int i = 0; i < all.size(); i++) {
                List<CorrelationTestCase> t = tests.get(all.get(i).id());
                if (t != null) {
                    all.set(i, all.get(i).withTests(t));
                }
            }
        }
    }

    // ---- metadata shared by rules and correlations ----

    /** The common metadata; null fields are absent. Errors are collected, not thrown. */
    private record Meta(
            String id,
            String name,
            String title,
            String description,
            Level level,
            List<String> tags,
            List<String> authors,
            List<String> references,
            String status) {}

    private Meta meta(
            SourceFile file, YamlMap doc, String fallbackId, List<LoadError> errors, LoadSink sink, String what) {
        String f = file.name();
        String title = text(doc, "title", errors);
        if (title == null && !hasError(errors, doc.keyLocation("title"))) {
            errors.add(new LoadError(doc.location(), what + " has no 'title' (required)"));
        }
        String name = text(doc, "name", errors);
        String id = text(doc, "id", errors);
        if (id == null) {
            id = name != null ? name : fallbackId;
            sink.warning(doc.location(), what + " has no 'id'; using '" + id + "' as its id");
        }
        Level level = Level.MEDIUM;
        String levelText = text(doc, "level", errors);
        if (levelText != null) {
            Level parsed = Level.parse(levelText).orElse(null);
            if (parsed == null || levelText.equalsIgnoreCase("info")) {
                errors.add(new LoadError(
                        SafeYaml.at(f, doc.get("level")),
                        "unknown level '" + levelText + "' (informational, low, medium, high, critical)"));
            } else {
                level = parsed;
            }
        }
        String status = text(doc, "status", errors);
        if (status != null && !STATUSES.contains(status)) {
            sink.warning(
                    SafeYaml.at(f, doc.get("status")),
                    "unknown status '" + status + "' (stable, test, experimental, deprecated, unsupported)");
        }
        return new Meta(
                id,
                name,
                title,
                text(doc, "description", errors),
                level,
                list(doc, "tags", errors),
                list(doc, "author", errors),
                list(doc, "references", errors),
                status);
    }

    private static boolean hasError(List<LoadError> errors, SourceLocation at) {
        return errors.stream().anyMatch(e -> e.location().equals(at));
    }

    /**
     * {@code alert_title}: a Tripline attribute (Sigma allows custom top-level attributes) whose placeholders put
     * what fired, such as the region, into the alert's title; null when absent.
     */
    private static String alertTitle(YamlMap doc, List<LoadError> errors) {
        String t = text(doc, "alert_title", errors);
        if (t != null && (t.isBlank() || t.length() > MAX_ALERT_TITLE)) {
            errors.add(new LoadError(
                    doc.keyLocation("alert_title"), "'alert_title' must be 1 to " + MAX_ALERT_TITLE + " characters"));
            return null;
        }
        return t;
    }

    private static String text(YamlMap doc, String key, List<LoadError> errors) {
        try {
            return doc.string(key);
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return null;
        }
    }

    private static List<String> list(YamlMap doc, String key, List<LoadError> errors) {
        Node n = doc.get(key);
        if (n == null) {
            return List.of();
        }
        try {
            return SafeYaml.scalarList(doc.file(), n, "'" + key + "'");
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return List.of();
        }
    }

    // ---- detection rules ----

    private Rule rule(SourceFile file, YamlMap doc, String fallbackId, List<LoadError> errors, LoadSink sink) {
        String f = file.name();
        if (doc.has("action")) {
            errors.add(new LoadError(
                    doc.keyLocation("action"),
                    "legacy Sigma rule collections ('action: global' "
                            + "and friends) are not supported; write each rule as a complete document"));
            return null;
        }
        Meta meta = meta(file, doc, fallbackId, errors, sink, "rule");
        Set<LogType> logTypes = Set.of();
        Node logsource = doc.get("logsource");
        if (logsource == null) {
            errors.add(new LoadError(doc.location(), "rule has no 'logsource' (required)"));
        } else {
            try {
                logTypes = logTypes(SafeYaml.map(f, logsource, "'logsource'"), sink);
            } catch (RuleSyntaxException e) {
                errors.add(e.toLoadError());
            }
        }
        Expr detection = null;
        Node det = doc.get("detection");
        if (det == null) {
            errors.add(new LoadError(doc.location(), "rule has no 'detection' (required)"));
        } else {
            try {
                detection = new SigmaDetection(
                                f, sink.options().placeholders(), sink.options().accountPlaceholders())
                        .compile(SafeYaml.map(f, det, "'detection'"), errors);
            } catch (RuleSyntaxException e) {
                errors.add(e.toLoadError());
            }
        }
        List<FieldPath> outputFields = new ArrayList<>();
        for (String field : list(doc, "fields", errors)) {
            if (field.isBlank()) {
                errors.add(new LoadError(doc.keyLocation("fields"), "'fields' holds an empty field name"));
            } else {
                outputFields.add(FieldPath.of(field));
            }
        }
        String alertTitle = alertTitle(doc, errors);
        List<FieldPath> dedupBy = dedupBy(f, doc, errors);
        if (!errors.isEmpty() || detection == null) {
            return null;
        }
        boolean enabled = true;
        if ("deprecated".equals(meta.status()) || "unsupported".equals(meta.status())) {
            enabled = false;
            sink.warning(
                    SafeYaml.at(f, doc.get("status")),
                    "rule has status '" + meta.status() + "'; it is loaded disabled");
        }
        return new Rule(
                meta.id(),
                meta.name(),
                meta.title(),
                meta.description(),
                RuleFormat.SIGMA,
                meta.level(),
                meta.tags(),
                meta.authors(),
                meta.references(),
                null,
                logTypes,
                detection,
                enabled,
                false,
                null,
                1,
                outputFields,
                alertTitle,
                Map.of(),
                dedupBy,
                List.of(),
                doc.location());
    }

    /** Most fields a {@code dedup_by} may name. */
    static final int MAX_DEDUP_FIELDS = 16;

    /**
     * {@code dedup_by}: a Tripline attribute naming the fields whose values, with the rule id, form the rule's
     * dedup key (Panther's GroupBy), e.g. the target user, so that different targets are different alerts.
     * A field name or a list of them, in Sigma's dotted form ({@code requestParameters.userName}; {@code [N]} and
     * {@code [*]} index lists). Empty when absent: the key is then account and principal.
     */
    private static List<FieldPath> dedupBy(String file, YamlMap doc, List<LoadError> errors) {
        Node n = doc.get("dedup_by");
        if (n == null) {
            return List.of();
        }
        List<Node> items = n instanceof SequenceNode seq ? seq.getValue() : List.of(n);
        if (items.isEmpty() || items.size() > MAX_DEDUP_FIELDS) {
            errors.add(new LoadError(
                    doc.keyLocation("dedup_by"), "'dedup_by' must name 1 to " + MAX_DEDUP_FIELDS + " fields"));
            return List.of();
        }
        List<FieldPath> fields = new ArrayList<>();
        for (Node item : items) {
            try {
                String text = SafeYaml.scalar(file, item, "a 'dedup_by' field");
                FieldPath path = FieldPath.keyPath(text.trim(), false);
                if (fields.stream().anyMatch(p -> p.text().equals(path.text()))) {
                    errors.add(new LoadError(SafeYaml.at(file, item), "'dedup_by' names '" + text + "' twice"));
                } else {
                    fields.add(path);
                }
            } catch (RuleSyntaxException e) {
                errors.add(e.toLoadError());
            } catch (IllegalArgumentException e) {
                errors.add(new LoadError(
                        SafeYaml.at(file, item), "'dedup_by' field is not a field path: " + e.getMessage()));
            }
        }
        return fields;
    }

    /** Maps a logsource to the log types Tripline reads; anything else loads with no log type and a warning. */
    private static Set<LogType> logTypes(YamlMap logsource, LoadSink sink) {
        String product = lower(logsource.string("product"));
        String service = lower(logsource.string("service"));
        if ("aws".equals(product) && (service == null || service.equals("cloudtrail"))) {
            return Set.of(LogType.CLOUDTRAIL);
        }
        if ("azure".equals(product) && "activitylogs".equals(service)) {
            return Set.of(LogType.AZURE_ACTIVITY);
        }
        sink.warning(
                logsource.location(),
                "logsource (product " + product + ", service " + service + ", category "
                        + lower(logsource.string("category")) + ") is not a log type Tripline reads; "
                        + "the rule loads but will see no events");
        return Set.of();
    }

    private static String lower(String s) {
        return s == null ? null : s.trim().toLowerCase(Locale.ROOT);
    }

    // ---- correlations ----

    private SigmaCorrelations.Pending correlation(
            SourceFile file, YamlMap doc, String fallbackId, List<LoadError> errors, LoadSink sink) {
        if (doc.has("detection")) {
            errors.add(new LoadError(
                    doc.keyLocation("detection"), "a document cannot hold both 'detection' and 'correlation'"));
        }
        Meta meta = meta(file, doc, fallbackId, errors, sink, "correlation");
        SigmaCorrelations.Pending p = SigmaCorrelations.parse(
                file.name(),
                doc,
                meta.id(),
                meta.name(),
                meta.title(),
                meta.description(),
                meta.level(),
                meta.tags(),
                meta.authors(),
                alertTitle(doc, errors),
                errors);
        return errors.isEmpty() ? p : null;
    }

    // ---- filters ----

    /**
     * A filter document ({@code title}, {@code logsource}, {@code filter} with {@code rules}, search identifiers
     * and a {@code condition}); its references are resolved when the rule set is compiled. Null on errors.
     */
    private RuleFilter filter(SourceFile file, YamlMap doc, String fallbackId, List<LoadError> errors, LoadSink sink) {
        String f = file.name();
        if (doc.has("detection")) {
            errors.add(
                    new LoadError(doc.keyLocation("filter"), "a document cannot hold both 'detection' and 'filter'"));
        }
        if (doc.has("level")) {
            sink.warning(doc.keyLocation("level"), "a filter has no level; 'level' is ignored");
        }
        Meta meta = meta(file, doc, fallbackId, errors, sink, "filter");
        Set<LogType> logTypes = Set.of();
        Node logsource = doc.get("logsource");
        if (logsource == null) {
            errors.add(new LoadError(doc.location(), "filter has no 'logsource' (required)"));
        } else {
            try {
                logTypes = logTypes(SafeYaml.map(f, logsource, "'logsource'"), sink);
            } catch (RuleSyntaxException e) {
                errors.add(e.toLoadError());
            }
        }
        YamlMap body = SafeYaml.map(f, doc.get("filter"), "'filter'");
        boolean anyRule = false;
        List<RuleFilter.Target> targets = new ArrayList<>();
        Node rules = body.get("rules");
        if (rules == null) {
            errors.add(new LoadError(
                    body.location(), "filter has no 'rules' (a list of rule ids or names, or 'any' for every rule)"));
        } else if (rules instanceof SequenceNode seq) {
            if (seq.getValue().isEmpty()) {
                errors.add(new LoadError(SafeYaml.at(f, rules), "filter 'rules' is an empty list"));
            }
            for (Node item : seq.getValue()) {
                try {
                    String ref = SafeYaml.scalar(f, item, "a rule id or name").trim();
                    targets.add(new RuleFilter.Target(ref, SafeYaml.at(f, item)));
                } catch (RuleSyntaxException e) {
                    errors.add(e.toLoadError());
                }
            }
        } else {
            String value = SafeYaml.isNull(rules)
                    ? ""
                    : SafeYaml.scalar(f, rules, "'rules'").trim();
            if (value.equalsIgnoreCase("any")) {
                anyRule = true;
            } else {
                errors.add(new LoadError(
                        SafeYaml.at(f, rules),
                        "filter 'rules' must be a list of rule ids or names, or 'any'; found '" + value + "'"));
            }
        }
        Expr condition = new SigmaDetection(
                        f, sink.options().placeholders(), sink.options().accountPlaceholders())
                .compile(body, Set.of("rules"), errors);
        if (!errors.isEmpty() || condition == null) {
            return null;
        }
        return new RuleFilter(meta.id(), meta.title(), logTypes, anyRule, targets, condition, doc.location());
    }

    // ---- sidecar tests ----

    private void attachCorrelationTest(
            SourceFile file, SigmaSidecar.Entry e, List<Draft> drafts, FileCorrelations correlations, LoadSink sink) {
        SigmaCorrelations.Pending target;
        if (e.rule() == null) {
            if (correlations.documents() != 1) {
                sink.error(
                        e.location(),
                        "correlation test '" + e.name() + "' must say 'rule: <correlation id or name>' because "
                                + file.name() + " holds " + correlations.documents() + " correlations");
                return;
            }
            target = correlations.loaded().isEmpty()
                    ? null
                    : correlations.loaded().get(0);
        } else {
            target = correlations.find(e.rule());
            if (target == null) {
                boolean isRule = drafts.stream()
                        .anyMatch(d -> d.rule().id().equals(e.rule())
                                || e.rule().equals(d.rule().name()));
                if (isRule) {
                    sink.error(
                            e.ruleAt(),
                            "test '" + e.name() + "' names rule '" + e.rule() + "', a single-event rule: a test with "
                                    + "'events' and 'fires' tests a correlation; give a rule test 'event' and "
                                    + "'expected'");
                } else if (correlations.loaded().size() == correlations.documents()) {
                    sink.error(
                            e.ruleAt(),
                            "test '" + e.name() + "' names '" + e.rule() + "', which is not a correlation in "
                                    + file.name());
                }
                return;
            }
        }
        if (target != null) {
            correlationTests
                    .computeIfAbsent(sink, k -> new java.util.HashMap<>())
                    .computeIfAbsent(target.id(), k -> new ArrayList<>())
                    .add(e.correlationTest());
        }
    }

    /** The correlations of one file that loaded, and how many correlation documents it holds. */
    private record FileCorrelations(List<SigmaCorrelations.Pending> loaded, int documents) {
        SigmaCorrelations.Pending find(String handle) {
            for (SigmaCorrelations.Pending p : loaded) {
                if (p.id().equals(handle) || handle.equals(p.name())) {
                    return p;
                }
            }
            return null;
        }
    }

    private void attachTests(
            SourceFile file, List<Draft> drafts, int ruleDocuments, FileCorrelations correlations, LoadSink sink) {
        Path sidecar = SigmaSidecar.find(file.path());
        if (sidecar == null) {
            return;
        }
        List<SigmaSidecar.Entry> all = SigmaSidecar.read(sidecar, sink);
        List<SigmaSidecar.Entry> entries = new ArrayList<>();
        for (SigmaSidecar.Entry e : all) {
            if (e.correlationTest() != null) {
                attachCorrelationTest(file, e, drafts, correlations, sink);
            } else if (e.rule() != null && correlations.find(e.rule()) != null) {
                sink.error(
                        e.ruleAt(),
                        "test '" + e.name() + "' names correlation '" + e.rule() + "': a correlation test lists "
                                + "'events' (in arrival order) and the firings expected in 'fires', not 'event' and "
                                + "'expected'");
            } else {
                entries.add(e);
            }
        }
        Map<String, Draft> byHandle = new LinkedHashMap<>();
        for (Draft d : drafts) {
            byHandle.putIfAbsent(d.rule().id(), d);
            if (d.rule().name() != null) {
                byHandle.putIfAbsent(d.rule().name(), d);
            }
        }
        for (SigmaSidecar.Entry e : entries) {
            if (e.rule() == null) {
                if (ruleDocuments != 1) {
                    sink.error(
                            e.test().location(),
                            "test '" + e.test().name() + "' must say 'rule: <id or name>' " + "because " + file.name()
                                    + " holds " + ruleDocuments + " rules");
                } else if (drafts.size() == 1) {
                    drafts.get(0).tests().add(e.test());
                }
                // a rule that failed to load has already reported its errors; its tests are dropped with it
            } else {
                Draft d = byHandle.get(e.rule());
                if (d != null) {
                    d.tests().add(e.test());
                } else if (drafts.size() == ruleDocuments) {
                    sink.error(
                            e.ruleAt(),
                            "test '" + e.test().name() + "' names rule '" + e.rule() + "', which is not a rule in "
                                    + file.name());
                }
            }
        }
    }
}
