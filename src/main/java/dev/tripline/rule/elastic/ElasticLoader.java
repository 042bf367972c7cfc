package dev.tripline.rule.elastic;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.tripline.event.EcsAliases;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Expr;
import dev.tripline.rule.FormatLoader;
import dev.tripline.rule.Level;
import dev.tripline.rule.LoadSink;
import dev.tripline.rule.NonRuleText;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFormat;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.RuleTestCase;
import dev.tripline.rule.SourceFile;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.sigma.SigmaSidecar;
import dev.tripline.rule.yaml.YamlMap;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads Elastic detection rules (the TOML files of elastic/detection-rules) into the shared rule model.
 *
 * <ul>
 *   <li>{@code query} (KQL) and single-event {@code eql} rules become one {@link Rule} each.
 *   <li>{@code threshold} rules become a signal-only rule for the query and an {@code event_count} (or, with
 *       {@code cardinality}, {@code value_count}) correlation per group over the rule's look-back.
 *   <li>EQL {@code sequence} rules become one signal-only rule per step and a {@code temporal_ordered}
 *       correlation over {@code maxspan}, joined on the sequence's keys.
 *   <li>{@code new_terms} rules become a signal-only rule for the query and a {@code new_terms} correlation
 *       grouped by the terms' fields over the history window.
 *   <li>ES|QL and machine-learning rules are refused with the reason, per file.
 * </ul>
 *
 * {@code index} decides the log types; severity (or, without it, risk score) the level; ATT&CK threats become
 * {@code attack.*} tags; {@code alert_suppression} becomes the dedup group and period. See docs/elastic.md.
 */
public final class ElasticLoader implements FormatLoader {
    private static final TomlMapper TOML = new TomlMapper();
    private static final Pattern LOOKBACK = Pattern.compile("now-(\\d{1,6})([smhd])");
    /** Elastic runs a rule every 5 minutes over the last 6 unless {@code from} says otherwise. */
    private static final Duration DEFAULT_LOOKBACK = Duration.ofMinutes(6);
    /** Elastic allows up to three new_terms fields. */
    private static final int MAX_NEW_TERMS_FIELDS = 3;
    /** The longest history a new_terms rule keeps per term; the corpus uses 5 to 14 days. */
    private static final Duration MAX_HISTORY_WINDOW = Duration.ofDays(90);

    public ElasticLoader() {}

    @Override
    public boolean recognizes(YamlMap firstDocument) {
        return false;
    }

    @Override
    public void load(SourceFile file, List<Node> documents, LoadSink sink) {
        throw new UnsupportedOperationException("Elastic rules are TOML files");
    }

    @Override
    public Optional<String> fileSuffix() {
        return Optional.of(".toml");
    }

    @Override
    public void loadText(SourceFile file, LoadSink sink) {
        JsonNode root;
        try {
            root = TOML.readTree(file.text());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            SourceLocation where = at == null
                    ? SourceLocation.ofFile(file.name())
                    : new SourceLocation(file.name(), Math.max(1, at.getLineNr()), Math.max(1, at.getColumnNr()));
            // Not yet known to be a rule: the parser's message may quote the file.
            sink.error(where, NonRuleText.redact("not valid TOML: " + e.getOriginalMessage(), file.text()));
            return;
        }
        try {
            new Parse(file, root, sink).load();
        } catch (RuleSyntaxException e) {
            sink.error(e.toLoadError());
        }
    }

    /** The load of one file. */
    private static final class Parse {
        private final SourceFile file;
        private final JsonNode rule;
        private final LoadSink sink;
        private final TomlPositions positions;

        Parse(SourceFile file, JsonNode root, LoadSink sink) {
            this.file = file;
            this.rule = root.path("rule");
            this.sink = sink;
            this.positions = new TomlPositions(file.name(), file.text());
        }

        void load() {
            if (!rule.isObject()) {
                throw new RuleSyntaxException(
                        SourceLocation.ofFile(file.name()),
                        "not an Elastic detection rule: the file has no [rule] table");
            }
            String id = text("rule_id");
            String type = text("type");
            String name = rule.path("name").asText(id);
            switch (type) {
                case "esql" ->
                    throw unsupported(
                            "type",
                            "ES|QL rule '" + name + "' is not supported: ES|QL is a piped query language "
                                    + "over indices (FROM ... | STATS ...), not a per-event query; rewrite it as a Sigma "
                                    + "correlation or an EQL sequence");
                case "machine_learning" ->
                    throw unsupported(
                            "type",
                            "machine-learning rule '" + name + "' is not supported: it reads the anomalies of "
                                    + "Elastic ML job " + rule.path("machine_learning_job_id")
                                    + ", which Tripline does not have");
                case "query", "eql", "threshold", "new_terms" -> {}
                default ->
                    throw unsupported(
                            "type",
                            "rule type '" + type
                                    + "' is not supported; supported: query (KQL), eql, threshold, new_terms");
            }
            List<String> exceptions = new ArrayList<>();
            rule.path("exceptions_list").forEach(e -> exceptions.add(e.toString()));
            if (!exceptions.isEmpty()) {
                throw unsupported(
                        "exceptions_list",
                        "exception lists live in Kibana, not in the rule file; write the exceptions into the query");
            }
            Set<LogType> logTypes = logTypes();
            String language = text("language");
            Common common = common(id, name, logTypes);
            if (type.equals("eql")) {
                if (!language.equals("eql")) {
                    throw unsupported("language", "an eql rule must have language = \"eql\", not '" + language + "'");
                }
                eql(common);
            } else {
                if (!language.equals("kuery")) {
                    throw unsupported(
                            "language",
                            "query language '" + language + "' is not supported for " + type
                                    + " rules; supported: kuery (KQL)");
                }
                KqlCompiler.Compiled kql = KqlCompiler.compile(queryText());
                warnUnknownFields(kql.fields(), logTypes);
                if (type.equals("query")) {
                    sink.add(common.rule(id, kql.expr(), false, tests(id, true)));
                } else if (type.equals("threshold")) {
                    tests(id, false);
                    threshold(common, kql.expr());
                } else {
                    tests(id, false);
                    newTerms(common, kql.expr());
                }
            }
        }

        private void eql(Common common) {
            JsonNode override = rule.get("event_category_override");
            FieldPath categoryField = FieldPath.of(override == null ? "event.category" : override.asText());
            EqlCompiler.Compiled eql = EqlCompiler.compile(queryText(), categoryField);
            warnUnknownFields(eql.fields(), common.logTypes());
            if (!eql.sequence()) {
                sink.add(common.rule(common.id(), eql.steps().get(0).expr(), false, tests(common.id(), true)));
                return;
            }
            tests(common.id(), false);
            if (eql.maxspan() == null) {
                throw new RuleSyntaxException(
                        eql.sequenceAt(),
                        "EQL sequence without 'with maxspan=...' is not supported: a streaming sequence needs a "
                                + "span after which its partial matches expire");
            }
            if (eql.steps().size() == 1
                    && eql.until() == null
                    && !eql.steps().get(0).missing()) {
                // [q] with runs=N alone: N distinct events of q within maxspan, an event count per group.
                EqlCompiler.Step only = eql.steps().get(0);
                String stepId = common.id() + ":step1";
                sink.add(common.rule(stepId, only.expr(), true));
                List<String> groupBy = new ArrayList<>();
                eql.by().forEach(f -> groupBy.add(f.text()));
                only.by().forEach(f -> groupBy.add(f.text()));
                sink.add(common.correlation(
                        CorrelationRule.Type.EVENT_COUNT,
                        List.of(stepId),
                        groupBy,
                        eql.maxspan(),
                        List.of(atLeast(only.runs())),
                        List.of(),
                        Map.of(),
                        Set.of()));
                return;
            }
            long present = eql.steps().stream().filter(s -> !s.missing()).count();
            if (present == 0) {
                throw new RuleSyntaxException(
                        eql.sequenceAt(), "EQL sequence has only missing-event steps; at least one event must occur");
            }
            if (eql.until() != null && present < 2) {
                throw new RuleSyntaxException(
                        eql.until().at(),
                        "EQL 'until' needs two steps that occur: it ends a sequence between its first and last event");
            }
            // The correlation's rules in sequence order: each step, a missing step as an absent rule, and for
            // 'until' one absent copy of its query between every two steps that occur, so that an until event
            // anywhere between the first and the last event ends the sequence.
            List<String> ruleIds = new ArrayList<>();
            List<List<FieldPath>> ruleKeys = new ArrayList<>();
            Set<String> absent = new LinkedHashSet<>();
            int stepNo = 0;
            int untilNo = 0;
            boolean occurred = false;
            for (EqlCompiler.Step s : eql.steps()) {
                if (s.runs() > 1) {
                    throw new RuleSyntaxException(
                            s.at(),
                            "EQL 'with runs' is supported on a sequence of one step only (an event count); in a "
                                    + "longer sequence it is not supported yet");
                }
                if (eql.until() != null && occurred && !s.missing()) {
                    String untilId = common.id() + ":until" + (++untilNo);
                    sink.add(common.rule(untilId, eql.until().expr(), true));
                    ruleIds.add(untilId);
                    ruleKeys.add(keys(eql, eql.until()));
                    absent.add(untilId);
                }
                String stepId = common.id() + ":step" + (++stepNo);
                sink.add(common.rule(stepId, s.expr(), true));
                ruleIds.add(stepId);
                ruleKeys.add(keys(eql, s));
                if (s.missing()) {
                    absent.add(stepId);
                } else {
                    occurred = true;
                }
            }
            if (ruleIds.size() > 16) {
                throw new RuleSyntaxException(
                        eql.sequenceAt(),
                        "EQL sequence needs " + ruleIds.size() + " rules (steps"
                                + (eql.until() == null ? "" : ", and its 'until' between every two steps")
                                + "); at most 16 are supported");
            }
            // Shared keys are the group-by fields themselves; per-step keys (positional, names may differ) become
            // aliases, one per position, naming each rule's own field.
            List<String> groupBy = new ArrayList<>();
            Map<String, Map<String, String>> aliases = new LinkedHashMap<>();
            int keys = ruleKeys.get(0).size();
            for (int k = 0; k < keys; k++) {
                Set<String> names = new LinkedHashSet<>();
                for (List<FieldPath> rk : ruleKeys) {
                    names.add(rk.get(k).text());
                }
                if (names.size() == 1) {
                    groupBy.add(names.iterator().next());
                } else {
                    String alias = "join" + (k + 1);
                    Map<String, String> perRule = new LinkedHashMap<>();
                    for (int r = 0; r < ruleIds.size(); r++) {
                        perRule.put(ruleIds.get(r), ruleKeys.get(r).get(k).text());
                    }
                    groupBy.add(alias);
                    aliases.put(alias, perRule);
                }
            }
            sink.add(common.correlation(
                    CorrelationRule.Type.TEMPORAL_ORDERED,
                    ruleIds,
                    groupBy,
                    eql.maxspan(),
                    List.of(),
                    List.of(),
                    aliases,
                    absent));
        }

        /** The join keys of one step (or the until clause): the sequence's shared keys, then its own. */
        private static List<FieldPath> keys(EqlCompiler.Compiled eql, EqlCompiler.Step s) {
            List<FieldPath> keys = new ArrayList<>(eql.by());
            keys.addAll(s.by());
            int expected = eql.by().size() + eql.steps().get(0).by().size();
            if (keys.size() != expected) {
                throw new RuleSyntaxException(
                        s.at(),
                        "EQL sequence step joins on " + keys.size() + " keys but the first step on " + expected
                                + "; every step and the 'until' need the same number of join keys");
            }
            return keys;
        }

        private void threshold(Common common, Expr detection) {
            JsonNode t = rule.path("threshold");
            List<String> groupBy = new ArrayList<>();
            JsonNode field = t.path("field");
            if (field.isArray()) {
                field.forEach(f -> groupBy.add(f.asText()));
            } else if (field.isTextual() && !field.asText().isEmpty()) {
                groupBy.add(field.asText());
            }
            if (!t.path("value").canConvertToInt() || t.path("value").asInt() < 1) {
                throw unsupported("threshold", "threshold.value must be a whole number of at least 1");
            }
            int count = t.path("value").asInt();
            JsonNode cardinality = t.path("cardinality");
            String matchId = common.id() + ":match";
            sink.add(common.rule(matchId, detection, true));
            Duration window = lookback();
            if (cardinality.isMissingNode() || cardinality.isEmpty()) {
                sink.add(common.correlation(
                        CorrelationRule.Type.EVENT_COUNT,
                        List.of(matchId),
                        groupBy,
                        window,
                        List.of(atLeast(count)),
                        List.of(),
                        Map.of(),
                        Set.of()));
                return;
            }
            if (cardinality.size() > 1) {
                throw unsupported("threshold", "threshold with more than one cardinality field is not supported");
            }
            JsonNode c = cardinality.get(0);
            int distinct = c.path("value").asInt();
            if (distinct < 1 || c.path("field").asText().isEmpty()) {
                throw unsupported("threshold", "threshold.cardinality needs a field and a value of at least 1");
            }
            if (count > distinct) {
                // n distinct values imply at least n events; a larger event count is a second condition the
                // correlation engine cannot combine with a distinct count.
                throw unsupported(
                        "threshold",
                        "threshold.value " + count + " above the cardinality value " + distinct
                                + " is not supported yet (one correlation checks one count)");
            }
            sink.add(common.correlation(
                    CorrelationRule.Type.VALUE_COUNT,
                    List.of(matchId),
                    groupBy,
                    window,
                    List.of(atLeast(distinct)),
                    List.of(c.path("field").asText()),
                    Map.of(),
                    Set.of()));
        }

        /**
         * new_terms: a signal-only rule for the query and a {@code new_terms} correlation grouped by the terms'
         * fields over the history window, which fires on a combination of values not seen within the window
         * before it (docs/elastic.md).
         */
        private void newTerms(Common common, Expr detection) {
            JsonNode terms = rule.path("new_terms");
            if (!terms.path("field").asText().equals("new_terms_fields")) {
                throw unsupported("new_terms", "new_terms.field must be \"new_terms_fields\"");
            }
            List<String> fields = new ArrayList<>();
            terms.path("value").forEach(f -> fields.add(f.asText()));
            if (fields.isEmpty()
                    || fields.size() > MAX_NEW_TERMS_FIELDS
                    || fields.stream().anyMatch(String::isBlank)) {
                throw unsupported("new_terms", "new_terms.value must list 1 to 3 field names");
            }
            if (Set.copyOf(fields).size() != fields.size()) {
                throw unsupported("new_terms", "new_terms.value lists a field twice: " + fields);
            }
            String start = null;
            for (JsonNode h : terms.path("history_window_start")) {
                if (h.path("field").asText().equals("history_window_start")) {
                    start = h.path("value").asText();
                }
            }
            if (start == null) {
                throw unsupported("new_terms", "new_terms needs history_window_start (for example now-7d)");
            }
            Duration window = relative("new_terms", "history_window_start", start);
            if (window.compareTo(MAX_HISTORY_WINDOW) > 0) {
                throw unsupported(
                        "new_terms",
                        "history_window_start " + start + " is longer than " + MAX_HISTORY_WINDOW.toDays()
                                + " days, the most a new_terms rule may keep its terms");
            }
            String matchId = common.id() + ":match";
            sink.add(common.rule(matchId, detection, true));
            sink.add(common.correlation(
                    CorrelationRule.Type.NEW_TERMS,
                    List.of(matchId),
                    fields,
                    window,
                    List.of(),
                    List.of(),
                    Map.of(),
                    Set.of()));
        }

        /**
         * The tests in the sidecar beside the file ({@code X.tests.yml}, as for Sigma rules): each checks one event
         * against the rule, so only single-event rules may have them.
         */
        private List<RuleTestCase> tests(String id, boolean singleEvent) {
            Path sidecar = SigmaSidecar.find(file.path());
            if (sidecar == null) {
                return List.of();
            }
            List<RuleTestCase> tests = new ArrayList<>();
            for (SigmaSidecar.Entry e : SigmaSidecar.read(sidecar, sink)) {
                if (e.rule() != null && !e.rule().equals(id)) {
                    sink.error(
                            e.ruleAt(),
                            "test '" + e.test().name() + "' names rule '" + e.rule() + "', but " + file.name()
                                    + " holds rule " + id);
                } else if (!singleEvent) {
                    sink.error(
                            e.test().location(),
                            "test '" + e.test().name() + "' checks one event, but rule " + id + " correlates "
                                    + "several (threshold or sequence); test it with events through `tripline run`");
                } else {
                    tests.add(e.test());
                }
            }
            return tests;
        }

        private static CorrelationRule.Bound atLeast(int n) {
            return new CorrelationRule.Bound(CorrelationRule.CompareOp.GTE, BigDecimal.valueOf(n));
        }

        /** The look-back of {@code from} ({@code now-6m}): the window a threshold counts over. */
        private Duration lookback() {
            JsonNode from = rule.get("from");
            if (from == null) {
                return DEFAULT_LOOKBACK;
            }
            return relative("from", "from", from.asText());
        }

        /** A time relative to now, {@code now-<n><s/m/h/d>}, as the positive duration back from now. */
        private Duration relative(String key, String name, String text) {
            Matcher m = LOOKBACK.matcher(text);
            if (!m.matches()) {
                throw unsupported(
                        key, name + " must look like now-6m (a number and s, m, h or d), not \"" + text + "\"");
            }
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            if (d.isZero()) {
                throw unsupported(key, name + " must look back more than 0");
            }
            return d;
        }

        private Set<LogType> logTypes() {
            List<String> patterns = new ArrayList<>();
            rule.path("index").forEach(p -> patterns.add(p.asText()));
            if (patterns.isEmpty()) {
                throw unsupported("type", "rule has no index; Tripline needs one to know which records it reads");
            }
            ElasticIndex index = ElasticIndex.of(patterns);
            if (index.logTypes().isEmpty()) {
                throw unsupported(
                        "index",
                        "rule reads " + String.join(", ", index.unsupported())
                                + ", which Tripline does not ingest; supported datasets: aws.cloudtrail "
                                + "(logs-aws.cloudtrail-*) and azure.activitylogs (logs-azure.activitylogs-*)");
            }
            if (!index.unsupported().isEmpty()) {
                sink.warning(
                        positions.key("index"),
                        "rule also reads " + String.join(", ", index.unsupported())
                                + ", which Tripline does not ingest; it runs on " + index.logTypes() + " only");
            }
            return index.logTypes();
        }

        private QueryText queryText() {
            return positions.stringValue("query", text("query"));
        }

        /** Fields the event view of none of the rule's log types resolves: they match only when a record has them. */
        private void warnUnknownFields(List<FieldPath> fields, Set<LogType> logTypes) {
            Set<String> reported = new LinkedHashSet<>();
            for (FieldPath f : fields) {
                boolean known = logTypes.stream().anyMatch(t -> known(f, t));
                if (!known && reported.add(f.text())) {
                    sink.warning(
                            positions.key("query"),
                            "field '" + f.text() + "' is not in the event view of " + logTypes
                                    + " (docs/event-view.md); the rule matches on it only if a record carries it");
                }
            }
        }

        private static boolean known(FieldPath f, LogType type) {
            if (type == LogType.CLOUDTRAIL) {
                return !EcsAliases.canonical(f).equals(f) || EcsAliases.isComputed(f);
            }
            String text = f.text();
            return EcsAliases.azureNames().stream().anyMatch(n -> text.equals(n) || text.startsWith(n + "."));
        }

        private Common common(String id, String name, Set<LogType> logTypes) {
            Level level = level();
            List<String> tags = new ArrayList<>();
            rule.path("tags").forEach(t -> tags.add(t.asText()));
            tags.addAll(attackTags());
            List<String> authors = strings("author");
            List<String> references = strings("references");
            List<FieldPath> outputFields = new ArrayList<>();
            rule.path("investigation_fields")
                    .path("field_names")
                    .forEach(f -> outputFields.add(FieldPath.of(f.asText())));
            List<FieldPath> groupBy = new ArrayList<>();
            JsonNode suppression = rule.path("alert_suppression");
            suppression.path("group_by").forEach(f -> groupBy.add(FieldPath.of(f.asText())));
            Integer dedupMinutes = suppressionMinutes(suppression.path("duration"));
            return new Common(
                    id,
                    name,
                    rule.path("description").asText("").strip(),
                    level,
                    tags,
                    authors,
                    references,
                    rule.has("note") ? rule.path("note").asText() : null,
                    logTypes,
                    outputFields,
                    groupBy,
                    dedupMinutes,
                    positions.key("rule_id"));
        }

        private Integer suppressionMinutes(JsonNode duration) {
            if (duration.isMissingNode()) {
                return null;
            }
            long value = duration.path("value").asLong(-1);
            long minutes = switch (duration.path("unit").asText()) {
                case "s" -> (value + 59) / 60;
                case "m" -> value;
                case "h" -> value * 60;
                default -> -1;
            };
            if (value < 1 || minutes < 1 || minutes > 1440) {
                throw unsupported(
                        "alert_suppression",
                        "alert_suppression.duration must be from 1 second to 24 hours with unit s, m or h");
            }
            return (int) minutes;
        }

        /** Elastic's severity, or without one the risk score's band (0-21 low, 22-47 medium, 48-73 high, else critical). */
        private Level level() {
            JsonNode severity = rule.get("severity");
            if (severity != null) {
                return Level.parse(severity.asText())
                        .orElseThrow(() -> unsupported(
                                "severity",
                                "severity '" + severity.asText() + "' is not low, medium, high or critical"));
            }
            JsonNode risk = rule.get("risk_score");
            if (risk == null || !risk.canConvertToInt()) {
                throw unsupported("rule_id", "rule has neither severity nor a numeric risk_score");
            }
            int r = risk.asInt();
            return r <= 21 ? Level.LOW : r <= 47 ? Level.MEDIUM : r <= 73 ? Level.HIGH : Level.CRITICAL;
        }

        /** ATT&CK as Sigma writes it: {@code attack.credential_access}, {@code attack.t1552}, {@code attack.t1552.001}. */
        private List<String> attackTags() {
            Set<String> tags = new LinkedHashSet<>();
            for (JsonNode threat : rule.path("threat")) {
                String tactic = threat.path("tactic").path("name").asText("");
                if (!tactic.isEmpty()) {
                    tags.add("attack." + tactic.toLowerCase(Locale.ROOT).replace(' ', '_'));
                }
                for (JsonNode technique : threat.path("technique")) {
                    tags.add("attack." + technique.path("id").asText().toLowerCase(Locale.ROOT));
                    for (JsonNode sub : technique.path("subtechnique")) {
                        tags.add("attack." + sub.path("id").asText().toLowerCase(Locale.ROOT));
                    }
                }
            }
            tags.remove("attack.");
            return List.copyOf(tags);
        }

        private List<String> strings(String key) {
            List<String> out = new ArrayList<>();
            rule.path(key).forEach(n -> out.add(n.asText()));
            return out;
        }

        private String text(String key) {
            JsonNode n = rule.get(key);
            if (n == null || !n.isTextual() || n.asText().isBlank()) {
                throw new RuleSyntaxException(
                        n == null ? SourceLocation.ofFile(file.name()) : positions.key(key),
                        "[rule] needs " + key + " (a string)");
            }
            return n.asText();
        }

        private RuleSyntaxException unsupported(String key, String message) {
            return new RuleSyntaxException(positions.key(key), message);
        }
    }

    /** What every rule and correlation made from one Elastic rule shares. */
    private record Common(
            String id,
            String title,
            String description,
            Level level,
            List<String> tags,
            List<String> authors,
            List<String> references,
            String runbook,
            Set<LogType> logTypes,
            List<FieldPath> outputFields,
            List<FieldPath> groupBy,
            Integer dedupMinutes,
            SourceLocation location) {

        Rule rule(String ruleId, Expr detection, boolean signalOnly) {
            return rule(ruleId, detection, signalOnly, List.of());
        }

        Rule rule(String ruleId, Expr detection, boolean signalOnly, List<RuleTestCase> tests) {
            return new Rule(
                    ruleId,
                    null,
                    title,
                    description,
                    RuleFormat.ELASTIC,
                    level,
                    tags,
                    authors,
                    references,
                    runbook,
                    logTypes,
                    detection,
                    true,
                    signalOnly,
                    dedupMinutes,
                    1,
                    outputFields,
                    null,
                    Map.of(),
                    groupBy,
                    tests,
                    location);
        }

        CorrelationRule correlation(
                CorrelationRule.Type type,
                List<String> rules,
                List<String> groupBy,
                Duration timespan,
                List<CorrelationRule.Bound> condition,
                List<String> fields,
                Map<String, Map<String, String>> aliases,
                Set<String> absent) {
            return new CorrelationRule(
                    id,
                    null,
                    title,
                    description,
                    level,
                    tags,
                    authors,
                    type,
                    rules,
                    groupBy,
                    timespan,
                    condition,
                    null,
                    fields,
                    null,
                    aliases,
                    false,
                    null,
                    location,
                    true,
                    absent,
                    Map.of(),
                    List.of());
        }
    }
}
