package dev.tripline.rule.panther;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.Expr;
import dev.tripline.rule.FormatLoader;
import dev.tripline.rule.Level;
import dev.tripline.rule.LoadSink;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFormat;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.RuleTestCase;
import dev.tripline.rule.SourceFile;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads Panther analysis YAML ({@code AnalysisType: rule}) written as a simple detection ({@code Detection:})
 * into {@link Rule}s. Panther's schema is closed, so unknown keys are errors; Python rules ({@code Filename:}
 * without {@code Detection:}) and other analysis types are refused with a message saying what to do instead.
 * See docs/panther.md for the grammar and the semantic choices.
 */
public final class PantherLoader implements FormatLoader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Set<String> TOP_LEVEL = Set.of(
            "AnalysisType",
            "RuleID",
            "DisplayName",
            "Enabled",
            "Severity",
            "DedupPeriodMinutes",
            "Threshold",
            "LogTypes",
            "Tags",
            "Reports",
            "Description",
            "Runbook",
            "Reference",
            "SummaryAttributes",
            "CreateAlert",
            "Status",
            "AlertTitle",
            "AlertContext",
            "GroupBy",
            "DynamicSeverities",
            "Filename",
            "Detection",
            "InlineFilters",
            "Tests",
            "Lists",
            "OutputIds");
    private static final Set<String> TEST_KEYS = Set.of("Name", "ExpectedResult", "Log", "LogType", "Mocks");
    private static final Pattern MITRE = Pattern.compile("(?i)^(TA\\d{4})?(?::)?(T\\d{4}(?:\\.\\d{3})?)?$");
    /** A KeyPath: keys with list steps ({@code [2]}, {@code [*]}) and the embedded-JSON step {@code [json]}. */
    private static final Pattern PLACEHOLDER = Pattern.compile("[A-Za-z0-9_@$\\-]+(?:\\[(?:\\d+|\\*|json)\\])*"
            + "(?:\\.[A-Za-z0-9_@$\\-:]+(?:\\[(?:\\d+|\\*|json)\\])*)*");

    private static final int MAX_TESTS = 1000;

    /** Correlation rules per load, resolved against the loaded rules in {@link #finish}. */
    private final Map<LoadSink, List<PantherCorrelations.Pending>> pending = new java.util.IdentityHashMap<>();

    public PantherLoader() {}

    @Override
    public void finish(LoadSink sink) {
        List<PantherCorrelations.Pending> mine = pending.remove(sink);
        if (mine != null) {
            PantherCorrelations.finish(mine, sink);
        }
    }

    @Override
    public boolean recognizes(YamlMap firstDocument) {
        return firstDocument.has("AnalysisType");
    }

    @Override
    public void load(SourceFile file, List<Node> documents, LoadSink sink) {
        for (Node doc : documents) {
            try {
                YamlMap m = SafeYaml.map(file.name(), doc, "a Panther analysis document");
                if ("correlation_rule".equals(m.string("AnalysisType"))) {
                    pending.computeIfAbsent(sink, k -> new ArrayList<>())
                            .add(new Parse(file.name(), m, sink).correlation());
                    continue;
                }
                Rule rule = new Parse(file.name(), m, sink).rule();
                if (rule != null) {
                    sink.add(rule);
                }
            } catch (RuleSyntaxException e) {
                sink.error(e.toLoadError());
            } catch (RuntimeException e) {
                // A loader must never throw; an unexpected failure is still reported at the document.
                sink.error(SafeYaml.at(file.name(), doc), "cannot load rule: " + e);
            }
        }
    }

    /** The parse of one document; holds the file name and the rule's named lists. */
    private static final class Parse {
        private final String file;
        private final YamlMap m;
        private final LoadSink sink;
        private NamedLists lists;

        Parse(String file, YamlMap m, LoadSink sink) {
            this.file = file;
            this.m = m;
            this.sink = sink;
        }

        PantherCorrelations.Pending correlation() {
            return PantherCorrelations.parse(
                    file, m, sink, severity(m.require("Severity"), "Severity"), bool("Enabled", true));
        }

        Rule rule() {
            String type = m.string("AnalysisType");
            if (type == null) {
                throw new RuleSyntaxException(m.keyLocation("AnalysisType"), "AnalysisType must be set");
            }
            if (!type.equals("rule")) {
                String why = switch (type) {
                    case "scheduled_rule", "scheduled_query", "saved_query" ->
                        "scheduled SQL rules and queries run against a data lake, which Tripline does not have";
                    case "policy" -> "policies evaluate cloud resources, not events";
                    default -> "only AnalysisType: rule is supported";
                };
                throw new RuleSyntaxException(
                        SafeYaml.at(file, m.get("AnalysisType")),
                        "AnalysisType '" + type + "' is not supported: " + why);
            }
            for (String k : m.keys()) {
                if (!TOP_LEVEL.contains(k)) {
                    throw new RuleSyntaxException(
                            m.keyLocation(k), "unknown key '" + k + "' in a Panther rule" + didYouMean(k, TOP_LEVEL));
                }
            }
            String id = required("RuleID");
            if (m.has("Filename") && !m.has("Detection")) {
                throw new RuleSyntaxException(
                        m.keyLocation("Filename"),
                        "rule " + id + " is a Python detection ("
                                + m.string("Filename")
                                + "); Python detections are not supported. Express the rule() logic as a "
                                + "Detection: block and remove Filename, e.g.\n  Detection:\n    - KeyPath: eventName\n"
                                + "      Condition: IsIn\n      Values: [CreateTrail, UpdateTrail]\n"
                                + "    - KeyPath: errorCode\n      Condition: IsNullOrEmpty\n(see docs/panther.md)");
            }
            if (m.has("Filename")) {
                throw new RuleSyntaxException(
                        m.keyLocation("Filename"),
                        "a rule has either Filename (Python) or Detection, not both; remove Filename");
            }
            Node detectionNode = m.require("Detection");

            lists = NamedLists.parse(file, m.get("Lists"));
            DetectionParser parser = new DetectionParser(file, lists);
            List<Expr> terms = new ArrayList<>();
            if (m.has("InlineFilters") && !SafeYaml.isNull(m.get("InlineFilters"))) {
                terms.addAll(parser.selections(m.get("InlineFilters"), "InlineFilters"));
            }
            List<Expr> detection = parser.selections(detectionNode, "Detection");
            if (detection.isEmpty()) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, detectionNode),
                        "Detection is empty; a rule needs at least one match expression (AlwaysTrue to match all)");
            }
            terms.addAll(detection);

            String title = m.string("DisplayName");
            Level level = severity(m.require("Severity"), "Severity");
            boolean enabled = bool("Enabled", true);
            boolean createAlert = bool("CreateAlert", true);
            Integer dedup = integer("DedupPeriodMinutes", 5, 1440);
            Integer threshold = integer("Threshold", 1, Integer.MAX_VALUE);
            Set<LogType> logTypes = logTypes(id);
            List<String> tags = new ArrayList<>(strings("Tags"));
            tags.addAll(reports());
            String status = m.string("Status");
            if (status != null) {
                tags.add("Status:" + status);
            }
            List<String> references = strings("Reference");
            List<FieldPath> outputFields = new ArrayList<>();
            for (String s : strings("SummaryAttributes")) {
                outputFields.add(FieldPath.caseInsensitive(s));
            }
            String alertTitle = alertTitle();
            Map<String, FieldPath> alertContext = alertContext();
            List<FieldPath> groupBy = groupBy();
            dynamicSeverities(parser);
            strings("OutputIds"); // accepted for compatibility; alert routing is configured outside rules
            List<RuleTestCase> tests = tests(id);

            return new Rule(
                    id,
                    null,
                    title == null ? id : title,
                    m.string("Description"),
                    RuleFormat.PANTHER,
                    level,
                    tags,
                    List.of(),
                    references,
                    m.string("Runbook"),
                    logTypes,
                    Expr.and(terms),
                    enabled,
                    !createAlert,
                    dedup,
                    threshold == null ? 1 : threshold,
                    outputFields,
                    alertTitle,
                    alertContext,
                    groupBy,
                    tests,
                    m.location());
        }

        private String required(String key) {
            String v = m.string(key);
            if (v == null || v.isBlank()) {
                throw new RuleSyntaxException(
                        m.has(key) ? m.keyLocation(key) : m.location(), "missing required key '" + key + "'");
            }
            return v;
        }

        private Level severity(Node n, String what) {
            String s = SafeYaml.scalar(file, n, what);
            return Level.parse(s)
                    .orElseThrow(() -> new RuleSyntaxException(
                            SafeYaml.at(file, n),
                            what + " '" + s + "' is not one of Info, Low, Medium, High, Critical"));
        }

        private boolean bool(String key, boolean dflt) {
            Node n = m.get(key);
            if (n == null || SafeYaml.isNull(n)) {
                return dflt;
            }
            if (!(n instanceof ScalarNode s) || !s.getTag().equals(Tag.BOOL)) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, n), key + " must be true or false, found " + SafeYaml.kind(n));
            }
            return s.getValue().equalsIgnoreCase("true");
        }

        private Integer integer(String key, int min, int max) {
            Node n = m.get(key);
            if (n == null || SafeYaml.isNull(n)) {
                return null;
            }
            if (!(n instanceof ScalarNode s) || !s.getTag().equals(Tag.INT)) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, n), key + " must be a whole number, found " + SafeYaml.kind(n));
            }
            long v;
            try {
                v = Long.parseLong(s.getValue().replace("+", ""));
            } catch (NumberFormatException e) {
                v = Long.MAX_VALUE;
            }
            if (v < min || v > max) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, n),
                        key + " must be between " + min + " and " + (max == Integer.MAX_VALUE ? "2^31-1" : max)
                                + ", found " + s.getValue());
            }
            return (int) v;
        }

        private List<String> strings(String key) {
            Node n = m.get(key);
            return n == null ? List.of() : SafeYaml.scalarList(file, n, key);
        }

        private Set<LogType> logTypes(String id) {
            Node n = m.require("LogTypes");
            List<String> names = SafeYaml.scalarList(file, n, "LogTypes");
            if (names.isEmpty()) {
                throw new RuleSyntaxException(SafeYaml.at(file, n), "LogTypes must list at least one log type");
            }
            Set<LogType> out = EnumSet.noneOf(LogType.class);
            List<String> unknown = new ArrayList<>();
            for (String name : names) {
                PantherLogTypes.fromPanther(name).ifPresentOrElse(out::add, () -> unknown.add(name));
            }
            if (!unknown.isEmpty()) {
                sink.warning(
                        SafeYaml.at(file, n),
                        "rule " + id + ": log type(s) " + unknown + " are not read by Tripline"
                                + (out.isEmpty() ? "; the rule will see no events" : "; the rule sees only " + out));
            }
            return out;
        }

        /** MITRE ATT&CK ids become attack.* tags; other report entries are kept as "Key:value" tags. */
        private List<String> reports() {
            Node n = m.get("Reports");
            List<String> out = new ArrayList<>();
            if (n == null || SafeYaml.isNull(n)) {
                return out;
            }
            YamlMap r = SafeYaml.map(file, n, "Reports");
            for (String key : r.keys()) {
                Node values = r.get(key);
                for (String v : SafeYaml.scalarList(file, values, "Reports." + key)) {
                    if (key.equals("MITRE ATT&CK")) {
                        Matcher mm = MITRE.matcher(v.trim());
                        if (!mm.matches() || (mm.group(1) == null && mm.group(2) == null)) {
                            throw new RuleSyntaxException(
                                    SafeYaml.at(file, values),
                                    "MITRE ATT&CK report '" + v + "' is not TA0000:T0000 / TA0000 / T0000(.000)");
                        }
                        addOnce(
                                out,
                                mm.group(2) == null
                                        ? null
                                        : "attack." + mm.group(2).toLowerCase(Locale.ROOT));
                        addOnce(
                                out,
                                mm.group(1) == null
                                        ? null
                                        : "attack." + mm.group(1).toLowerCase(Locale.ROOT));
                    } else {
                        addOnce(out, key + ":" + v);
                    }
                }
            }
            return out;
        }

        private static void addOnce(List<String> out, String tag) {
            if (tag != null && !out.contains(tag)) {
                out.add(tag);
            }
        }

        private String alertTitle() {
            Node n = m.get("AlertTitle");
            if (n == null || SafeYaml.isNull(n)) {
                return null;
            }
            String t = SafeYaml.scalar(file, n, "AlertTitle");
            validateTemplate(t, SafeYaml.at(file, n));
            return t;
        }

        /** Placeholders are {field.path}; {{ and }} are literal braces. */
        private static void validateTemplate(String t, SourceLocation at) {
            int i = 0;
            while (i < t.length()) {
                char c = t.charAt(i);
                if (c == '{' && i + 1 < t.length() && t.charAt(i + 1) == '{') {
                    i += 2;
                } else if (c == '}' && i + 1 < t.length() && t.charAt(i + 1) == '}') {
                    i += 2;
                } else if (c == '{') {
                    int close = t.indexOf('}', i);
                    if (close < 0) {
                        throw new RuleSyntaxException(at, "AlertTitle: '{' at position " + i + " is never closed");
                    }
                    String field = t.substring(i + 1, close).trim();
                    if (!PLACEHOLDER.matcher(field).matches()) {
                        throw new RuleSyntaxException(
                                at,
                                "AlertTitle: placeholder {" + t.substring(i + 1, close)
                                        + "} is not a field path like {userIdentity.arn}");
                    }
                    i = close + 1;
                } else if (c == '}') {
                    throw new RuleSyntaxException(
                            at, "AlertTitle: '}' at position " + i + " has no '{' (write }} for a brace)");
                } else {
                    i++;
                }
            }
        }

        private Map<String, FieldPath> alertContext() {
            Node n = m.get("AlertContext");
            Map<String, FieldPath> out = new LinkedHashMap<>();
            if (n == null || SafeYaml.isNull(n)) {
                return out;
            }
            if (!(n instanceof SequenceNode seq)) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, n), "AlertContext must be a list of {KeyName, KeyValue}");
            }
            for (Node item : seq.getValue()) {
                YamlMap e = SafeYaml.map(file, item, "an AlertContext item");
                e.onlyKeys(Set.of("KeyName", "KeyValue"), "an AlertContext item", "KeyName, KeyValue");
                String name = e.string("KeyName");
                if (name == null || name.isBlank()) {
                    throw new RuleSyntaxException(e.location(), "AlertContext item needs a KeyName");
                }
                FieldPath path = KeySpecs.parseNode(file, e.require("KeyValue"), "AlertContext KeyValue");
                if (out.putIfAbsent(name, path) != null) {
                    throw new RuleSyntaxException(
                            e.keyLocation("KeyName"), "duplicate AlertContext KeyName '" + name + "'");
                }
            }
            return out;
        }

        private List<FieldPath> groupBy() {
            Node n = m.get("GroupBy");
            List<FieldPath> out = new ArrayList<>();
            if (n == null || SafeYaml.isNull(n)) {
                return out;
            }
            if (!(n instanceof SequenceNode seq)) {
                throw new RuleSyntaxException(SafeYaml.at(file, n), "GroupBy must be a list of key specifiers");
            }
            for (Node item : seq.getValue()) {
                FieldPath path = KeySpecs.parseNode(file, item, "a GroupBy item");
                if (out.stream().anyMatch(p -> p.text().equals(path.text()))) {
                    throw new RuleSyntaxException(SafeYaml.at(file, item), "GroupBy names '" + path.text() + "' twice");
                }
                out.add(path);
            }
            return out;
        }

        /** Validated fully but not applied yet: alerts keep Severity. A warning says so. */
        private void dynamicSeverities(DetectionParser parser) {
            Node n = m.get("DynamicSeverities");
            if (n == null || SafeYaml.isNull(n)) {
                return;
            }
            if (!(n instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, n), "DynamicSeverities must be a non-empty list of {ChangeTo, Conditions}");
            }
            for (Node item : seq.getValue()) {
                YamlMap e = SafeYaml.map(file, item, "a DynamicSeverities item");
                e.onlyKeys(Set.of("ChangeTo", "Conditions"), "a DynamicSeverities item", "ChangeTo, Conditions");
                severity(e.require("ChangeTo"), "ChangeTo");
                parser.conjunction(e.require("Conditions"), "Conditions", false);
            }
            sink.warning(
                    m.keyLocation("DynamicSeverities"),
                    "DynamicSeverities is checked but not applied yet; alerts of this rule use Severity");
        }

        private List<RuleTestCase> tests(String id) {
            Node n = m.get("Tests");
            List<RuleTestCase> out = new ArrayList<>();
            if (n == null || SafeYaml.isNull(n)) {
                return out;
            }
            if (!(n instanceof SequenceNode seq)) {
                throw new RuleSyntaxException(SafeYaml.at(file, n), "Tests must be a list of tests");
            }
            if (seq.getValue().size() > MAX_TESTS) {
                throw new RuleSyntaxException(SafeYaml.at(file, n), "more than " + MAX_TESTS + " tests");
            }
            Set<String> names = new HashSet<>();
            for (Node item : seq.getValue()) {
                YamlMap t = SafeYaml.map(file, item, "a test");
                for (String k : t.keys()) {
                    if (!TEST_KEYS.contains(k)) {
                        throw new RuleSyntaxException(
                                t.keyLocation(k),
                                "unknown key '" + k + "' in a test (expected "
                                        + "Name, ExpectedResult, Log, LogType, Mocks)" + didYouMean(k, TEST_KEYS));
                    }
                }
                String name = t.string("Name");
                if (name == null || name.isBlank()) {
                    throw new RuleSyntaxException(t.location(), "a test needs a Name");
                }
                if (!names.add(name)) {
                    throw new RuleSyntaxException(t.keyLocation("Name"), "duplicate test name '" + name + "'");
                }
                Node expectedNode = t.require("ExpectedResult");
                if (!(expectedNode instanceof ScalarNode es) || !es.getTag().equals(Tag.BOOL)) {
                    throw new RuleSyntaxException(
                            SafeYaml.at(file, expectedNode),
                            "ExpectedResult must be true or false, found " + SafeYaml.kind(expectedNode));
                }
                JsonNode log = SafeYaml.toJson(file, t.require("Log"));
                String logType = t.string("LogType");
                if (logType != null && log instanceof ObjectNode o && !o.has("p_log_type")) {
                    // Panther events carry their log type in p_log_type; the test runner reads it from there.
                    o = o.deepCopy();
                    o.put("p_log_type", logType);
                    log = o;
                }
                Map<String, JsonNode> mocks = mocks(t.get("Mocks"));
                out.add(new RuleTestCase(name, log, es.getValue().equalsIgnoreCase("true"), mocks, t.location()));
            }
            return out;
        }

        private Map<String, JsonNode> mocks(Node n) {
            Map<String, JsonNode> out = new LinkedHashMap<>();
            if (n == null || SafeYaml.isNull(n)) {
                return out;
            }
            if (!(n instanceof SequenceNode seq)) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, n), "Mocks must be a list of {objectName, returnValue}");
            }
            for (Node item : seq.getValue()) {
                YamlMap mock = SafeYaml.map(file, item, "a mock");
                mock.onlyKeys(Set.of("objectName", "returnValue"), "a mock", "objectName, returnValue");
                String name = mock.string("objectName");
                SourceLocation nameAt = mock.has("objectName") ? mock.keyLocation("objectName") : mock.location();
                if (name == null) {
                    throw new RuleSyntaxException(nameAt, "a mock needs an objectName");
                }
                if (!lists.has(name)) {
                    throw new RuleSyntaxException(
                            SafeYaml.at(file, mock.get("objectName")),
                            "mock objectName '" + name
                                    + "' is not one of the rule's Lists"
                                    + (lists.names().isEmpty()
                                            ? " (it declares none)"
                                            : " (" + String.join(", ", lists.names()) + ")")
                                    + "; only named lists can be mocked, Python helpers do not exist in Tripline");
                }
                Node valueNode = mock.require("returnValue");
                JsonNode value = SafeYaml.toJson(file, valueNode);
                if (value.isTextual()) {
                    String text = value.textValue().trim();
                    if (text.startsWith("[") || text.startsWith("{")) {
                        try {
                            value = JSON.readTree(text);
                        } catch (JsonProcessingException e) {
                            throw new RuleSyntaxException(
                                    SafeYaml.at(file, valueNode),
                                    "returnValue looks like JSON but does not parse: " + e.getOriginalMessage());
                        }
                    } else if (text.isEmpty()) {
                        value = JsonNodeFactory.instance.arrayNode();
                    }
                }
                if (out.containsKey(name)) {
                    throw new RuleSyntaxException(nameAt, "list '" + name + "' is mocked twice in one test");
                }
                out.put(name, lists.mockValue(name, value, SafeYaml.at(file, valueNode)));
            }
            return out;
        }

        private static String didYouMean(String key, Set<String> known) {
            for (String k : known) {
                if (k.equalsIgnoreCase(key)) {
                    return " (did you mean '" + k + "'?)";
                }
            }
            return "";
        }
    }
}
