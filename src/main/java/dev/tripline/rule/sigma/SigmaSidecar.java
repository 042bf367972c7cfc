package dev.tripline.rule.sigma;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.rule.CorrelationTestCase;
import dev.tripline.rule.LoadSink;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.RuleTestCase;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads the sidecar test file of a Sigma rule file: for {@code X.yml}, a sibling {@code X.tests.yml} (or
 * {@code .tests.yaml}) holding {@code tests:}, a list of {@code {name, expected, event, rule?}} for rules and
 * {@code {name, events, fires, rule?}} for correlations (docs/sigma.md, "Correlation tests"). Sigma itself has
 * no place for tests, so they live beside the rule instead of inside it. Elastic's TOML rules use the same
 * sidecars.
 */
public final class SigmaSidecar {
    private static final Set<String> TEST_KEYS = Set.of("name", "expected", "event", "rule");
    private static final Set<String> CORRELATION_TEST_KEYS = Set.of("name", "events", "fires", "rule");
    private static final Set<String> FIRING_KEYS = Set.of("correlation", "group", "count", "value");
    /** A correlation test reads at most this many inputs. */
    static final int MAX_INPUTS = 10_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SigmaSidecar() {}

    /**
     * One test and the rule or correlation (id or name) it names, or null when it names none: either a rule test
     * ({@code test}) or a correlation test ({@code correlationTest}), the other null.
     */
    public record Entry(String rule, SourceLocation ruleAt, RuleTestCase test, CorrelationTestCase correlationTest) {
        String name() {
            return test != null ? test.name() : correlationTest.name();
        }

        SourceLocation location() {
            return test != null ? test.location() : correlationTest.location();
        }
    }

    /** The sidecar beside {@code ruleFile}, or null when there is none. */
    public static Path find(Path ruleFile) {
        if (ruleFile == null || ruleFile.getFileName() == null) {
            return null;
        }
        String n = ruleFile.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String base = dot < 0 ? n : n.substring(0, dot);
        for (String ext : List.of(".tests.yml", ".tests.yaml")) {
            Path p = ruleFile.resolveSibling(base + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** Reads and parses the sidecar; problems go to the sink and yield no entries for that test. */
    public static List<Entry> read(Path sidecar, LoadSink sink) {
        String name = sidecar.toString();
        String text;
        try {
            long size = Files.size(sidecar);
            if (size > sink.options().maxFileBytes()) {
                sink.error(
                        SourceLocation.ofFile(name),
                        "test file is " + size + " bytes, over the limit of "
                                + sink.options().maxFileBytes());
                return List.of();
            }
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(sidecar)))
                    .toString();
        } catch (CharacterCodingException e) {
            sink.error(SourceLocation.ofFile(name), "test file is not valid UTF-8 text");
            return List.of();
        } catch (IOException e) {
            sink.error(SourceLocation.ofFile(name), "cannot read test file: " + e.getMessage());
            return List.of();
        }
        return parse(name, text, sink);
    }

    static List<Entry> parse(String name, String text, LoadSink sink) {
        SafeYaml.Parsed parsed = SafeYaml.parseAll(name, text);
        parsed.errors().forEach(sink::error);
        if (!parsed.errors().isEmpty()) {
            return List.of();
        }
        if (parsed.documents().size() != 1) {
            sink.error(SourceLocation.ofFile(name), "a test file holds exactly one YAML document");
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        try {
            YamlMap top = SafeYaml.map(name, parsed.documents().get(0), "a test file");
            for (String key : top.keys()) {
                if (!key.equals("tests")) {
                    sink.error(top.keyLocation(key), "unknown key '" + key + "' in a test file (expected 'tests')");
                }
            }
            Node tests = top.require("tests");
            if (!(tests instanceof SequenceNode seq)) {
                throw new RuleSyntaxException(SafeYaml.at(name, tests), "'tests' must be a list");
            }
            for (Node item : seq.getValue()) {
                try {
                    out.add(entry(name, SafeYaml.map(name, item, "a test")));
                } catch (RuleSyntaxException e) {
                    sink.error(e.toLoadError());
                }
            }
        } catch (RuleSyntaxException e) {
            sink.error(e.toLoadError());
        }
        return out;
    }

    private static Entry entry(String file, YamlMap m) {
        if (m.has("events") || m.has("fires")) {
            return correlationEntry(file, m);
        }
        for (String key : m.keys()) {
            if (!TEST_KEYS.contains(key)) {
                throw new RuleSyntaxException(
                        m.keyLocation(key), "unknown test key '" + key + "' (known: name, expected, event, rule)");
            }
        }
        String testName = m.string("name");
        if (testName == null) {
            throw new RuleSyntaxException(m.location(), "test has no 'name'");
        }
        Node expected = m.require("expected");
        if (!(expected instanceof ScalarNode s) || !s.getTag().equals(Tag.BOOL)) {
            throw new RuleSyntaxException(SafeYaml.at(file, expected), "'expected' must be true or false");
        }
        Node eventNode = m.require("event");
        JsonNode event;
        if (eventNode instanceof MappingNode) {
            event = SafeYaml.toJson(file, eventNode);
        } else if (eventNode instanceof ScalarNode es && !SafeYaml.isNull(es)) {
            try {
                event = JSON.readTree(es.getValue());
            } catch (JsonProcessingException e) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, eventNode), "'event' is not valid JSON: " + e.getOriginalMessage());
            }
            if (event == null || !event.isObject()) {
                throw new RuleSyntaxException(SafeYaml.at(file, eventNode), "'event' JSON must be an object");
            }
        } else {
            throw new RuleSyntaxException(SafeYaml.at(file, eventNode), "'event' must be a map or JSON object text");
        }
        String rule = m.string("rule");
        return new Entry(
                rule,
                m.keyLocation("rule"),
                new RuleTestCase(
                        testName,
                        event,
                        ((ScalarNode) expected).getValue().equalsIgnoreCase("true"),
                        Map.of(),
                        m.location()),
                null);
    }

    /** {@code {name, events, fires, rule?}}: inputs in arrival order and the firings expected. */
    private static Entry correlationEntry(String file, YamlMap m) {
        m.onlyKeys(CORRELATION_TEST_KEYS, "a correlation test", "name, events, fires, rule");
        String testName = m.string("name");
        if (testName == null) {
            throw new RuleSyntaxException(m.location(), "test has no 'name'");
        }
        Node events = m.require("events");
        if (!(events instanceof SequenceNode list) || list.getValue().isEmpty()) {
            throw new RuleSyntaxException(SafeYaml.at(file, events), "'events' must be a non-empty list");
        }
        if (list.getValue().size() > MAX_INPUTS) {
            throw new RuleSyntaxException(
                    SafeYaml.at(file, events), "'events' holds more than " + MAX_INPUTS + " entries");
        }
        List<CorrelationTestCase.Input> inputs = new ArrayList<>();
        for (Node item : list.getValue()) {
            inputs.add(input(file, item));
        }
        Node fires = m.require("fires");
        if (!(fires instanceof SequenceNode firing)) {
            throw new RuleSyntaxException(
                    SafeYaml.at(file, fires), "'fires' must be a list of expected firings ([] for none)");
        }
        List<CorrelationTestCase.ExpectedFiring> expected = new ArrayList<>();
        for (Node item : firing.getValue()) {
            expected.add(firing(file, SafeYaml.map(file, item, "an expected firing")));
        }
        return new Entry(
                m.string("rule"),
                m.keyLocation("rule"),
                null,
                new CorrelationTestCase(testName, inputs, expected, m.location()));
    }

    /** An event (a map, or JSON object text), or {@code {watermark: TIME}}. */
    private static CorrelationTestCase.Input input(String file, Node item) {
        SourceLocation at = SafeYaml.at(file, item);
        if (item instanceof MappingNode) {
            YamlMap m = SafeYaml.map(file, item, "an event");
            if (m.keys().equals(Set.of("watermark"))) {
                return new CorrelationTestCase.WatermarkInput(time(file, m.get("watermark")), at);
            }
            return new CorrelationTestCase.EventInput(SafeYaml.toJson(file, item), at);
        }
        if (item instanceof ScalarNode es && !SafeYaml.isNull(es)) {
            try {
                JsonNode event = JSON.readTree(es.getValue());
                if (event != null && event.isObject()) {
                    return new CorrelationTestCase.EventInput(event, at);
                }
            } catch (JsonProcessingException e) {
                throw new RuleSyntaxException(at, "event is not valid JSON: " + e.getOriginalMessage());
            }
        }
        throw new RuleSyntaxException(at, "an entry of 'events' must be an event (map or JSON object) or {watermark}");
    }

    private static CorrelationTestCase.ExpectedFiring firing(String file, YamlMap m) {
        m.onlyKeys(FIRING_KEYS, "an expected firing", "correlation, group, count, value");
        Map<String, String> group = new java.util.LinkedHashMap<>();
        if (m.has("group")) {
            YamlMap g = SafeYaml.map(file, m.get("group"), "'group'");
            for (String k : g.keys()) {
                group.put(k, SafeYaml.scalar(file, g.get(k), "a group value"));
            }
        }
        Integer count = null;
        if (m.has("count")) {
            try {
                count = Integer.valueOf(SafeYaml.scalar(file, m.get("count"), "'count'"));
            } catch (NumberFormatException e) {
                throw new RuleSyntaxException(m.keyLocation("count"), "'count' must be a whole number");
            }
        }
        java.math.BigDecimal value = null;
        if (m.has("value")) {
            try {
                value = new java.math.BigDecimal(SafeYaml.scalar(file, m.get("value"), "'value'"));
            } catch (NumberFormatException e) {
                throw new RuleSyntaxException(m.keyLocation("value"), "'value' must be a number");
            }
        }
        return new CorrelationTestCase.ExpectedFiring(m.string("correlation"), group, count, value, m.location());
    }

    /** An ISO-8601 instant ({@code 2024-03-05T10:00:00Z}) or epoch milliseconds. */
    private static long time(String file, Node node) {
        String text = SafeYaml.scalar(file, node, "a time");
        try {
            return java.time.Instant.parse(text).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException n) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, node), "'" + text + "' is not a time (ISO-8601 like 2024-03-05T10:00:00Z)");
            }
        }
    }
}
