package dev.tripline.match;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.LogType;
import dev.tripline.event.ParseFailure;
import dev.tripline.event.ParseResult;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Exprs;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.RuleTestCase;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.panther.PantherLogTypes;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Runs rule tests: the tests written in rule files and labelled events from external JSON Lines sources, each
 * serialised and read back by the detection job's parser ({@link EventParser#forDetection()}) and then
 * evaluated with {@link ReferenceEvaluator} (the definition of what a rule means) and the compiled matcher. A
 * test passes only for a record the job would read: an event the job dead-letters fails with the dead-letter
 * reason, whether the test expects a match (the job would never alert) or not (the test could not fail). Results are complete enough
 * for a console report and JUnit XML: rule, test, where it was written, expected and actual result, and for
 * failures which parts of the rule held.
 *
 * <p>Tests of disabled rules run too, so a rule can be tested before it is enabled. The parser decides the
 * log type, as in the job; a test whose {@code p_log_type} field (Panther's convention; the Panther loader puts
 * a test's {@code LogType:} there) names another type fails, and one naming a type Tripline does not read is
 * skipped.
 */
public final class RuleTestRunner {
    /** The name of the file, at the top of a rules directory, that lists external test sources. */
    public static final String TEST_SOURCES_FILE = "test-sources.yml";
    /** JSON Lines records longer than this are reported and skipped. */
    public static final int MAX_RECORD_CHARS = 4 * 1024 * 1024;
    /** At most this many records are read from one source. */
    public static final int MAX_RECORDS = 1_000_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every test event is serialised and read back by the job's own parser, limits and identity check included. */
    private static final EventParser JOB_PARSER = EventParser.forDetection();

    private RuleTestRunner() {}

    public enum Status {
        PASSED,
        FAILED,
        SKIPPED
    }

    /**
     * Where a test came from: the rule file's own {@code Tests:}, an external labelled-event source, or a
     * correlation's tests (its sidecar, or Panther's {@code Tests:} with {@code RuleOutputs}).
     */
    public enum Origin {
        RULE,
        EXTERNAL,
        CORRELATION
    }

    /**
     * One test outcome.
     *
     * @param actual       whether the rule matched; null when the test was skipped or could not be evaluated
     * @param reason       why it failed or was skipped; null when it passed
     * @param ruleEnabled  the rule's Enabled flag (tests of disabled rules run too)
     * @param durationNanos evaluation time
     */
    public record TestResult(
            String ruleId,
            String ruleTitle,
            String ruleFile,
            boolean ruleEnabled,
            String testName,
            Origin origin,
            SourceLocation location,
            boolean expected,
            Boolean actual,
            Status status,
            String reason,
            long durationNanos) {
        public boolean passed() {
            return status == Status.PASSED;
        }
    }

    /**
     * External tests loaded from {@code test-sources.yml} files.
     *
     * @param byRule               tests per loaded rule id, in file order
     * @param unknownRuleRecords   records whose rule_id is not a loaded rule, counted per rule id
     * @param shadowed             records skipped because the rule has its own test of that name (the rule file
     *                             is authoritative: external records lose Panther's Mocks)
     * @param warnings             missing source files, over-long records
     * @param errors               malformed test-sources.yml or records
     */
    public record ExternalTests(
            Map<String, List<RuleTestCase>> byRule,
            Map<String, Integer> unknownRuleRecords,
            int shadowed,
            List<LoadError> warnings,
            List<LoadError> errors) {
        public static final ExternalTests NONE = new ExternalTests(Map.of(), Map.of(), 0, List.of(), List.of());

        public ExternalTests {
            byRule = Collections.unmodifiableMap(new LinkedHashMap<>(byRule));
            unknownRuleRecords = Collections.unmodifiableMap(new TreeMap<>(unknownRuleRecords));
            warnings = List.copyOf(warnings);
            errors = List.copyOf(errors);
        }
    }

    /** The whole run: every result in rule order, totals, and what was skipped or went wrong on the way. */
    public record Report(
            List<TestResult> results,
            int passed,
            int failed,
            int skipped,
            Map<String, Integer> externalRecordsForUnknownRules,
            int externalShadowed,
            List<LoadError> warnings,
            List<LoadError> errors) {
        public Report {
            results = List.copyOf(results);
            externalRecordsForUnknownRules = Collections.unmodifiableMap(new TreeMap<>(externalRecordsForUnknownRules));
            warnings = List.copyOf(warnings);
            errors = List.copyOf(errors);
        }

        public int total() {
            return results.size();
        }

        /** No failed test and no error reading test sources. */
        public boolean ok() {
            return failed == 0 && errors.isEmpty();
        }

        public List<TestResult> failures() {
            return results.stream().filter(r -> r.status() == Status.FAILED).toList();
        }

        /** This report with {@code more} results (e.g. the correlation tests) added to its list and totals. */
        public Report with(List<TestResult> more) {
            List<TestResult> all = new ArrayList<>(results);
            all.addAll(more);
            int[] totals = totals(more);
            return new Report(
                    all,
                    passed + totals[0],
                    failed + totals[1],
                    skipped + totals[2],
                    externalRecordsForUnknownRules,
                    externalShadowed,
                    warnings,
                    errors);
        }
    }

    /** Runs the tests written in the rule files. */
    public static Report run(RuleSet rules) {
        return run(rules, ExternalTests.NONE);
    }

    /** Runs the rules' own tests and then, per rule, the external tests for it. */
    public static Report run(RuleSet rules, ExternalTests external) {
        List<TestResult> results = new ArrayList<>();
        for (Rule rule : rules.rules()) {
            for (RuleTestCase test : rule.tests()) {
                results.add(runOne(rule, test, Origin.RULE));
            }
            for (RuleTestCase test : external.byRule().getOrDefault(rule.id(), List.of())) {
                results.add(runOne(rule, test, Origin.EXTERNAL));
            }
        }
        int[] totals = totals(results);
        return new Report(
                results,
                totals[0],
                totals[1],
                totals[2],
                external.unknownRuleRecords(),
                external.shadowed(),
                external.warnings(),
                external.errors());
    }

    /** Passed, failed and skipped among {@code results}. */
    private static int[] totals(List<TestResult> results) {
        int[] n = new int[3];
        for (TestResult r : results) {
            n[r.status().ordinal()]++;
        }
        return n;
    }

    /** Runs one test of one rule. Never throws. */
    public static TestResult runOne(Rule rule, RuleTestCase test, Origin origin) {
        long start = System.nanoTime();
        String ruleFile = rule.location() == null ? null : rule.location().file();
        if (!(test.event() instanceof ObjectNode log)) {
            return result(
                    rule,
                    ruleFile,
                    test,
                    origin,
                    null,
                    Status.FAILED,
                    "the test's Log is not a JSON object (found " + kind(test.event()) + ")",
                    System.nanoTime() - start);
        }
        Optional<LogType> logType;
        JsonNode declared = log.get("p_log_type");
        if (declared != null && declared.isTextual()) {
            logType = parseLogType(declared.textValue());
            if (logType.isEmpty()) {
                return result(
                        rule,
                        ruleFile,
                        test,
                        origin,
                        null,
                        Status.SKIPPED,
                        "log type '" + declared.textValue() + "' is not read by Tripline",
                        System.nanoTime() - start);
            }
        } else {
            logType = rule.logTypes().stream().sorted().findFirst();
            if (logType.isEmpty()) {
                return result(
                        rule,
                        ruleFile,
                        test,
                        origin,
                        null,
                        Status.SKIPPED,
                        "the rule reads no log type Tripline supports",
                        System.nanoTime() - start);
            }
        }
        try {
            Rule effective = rule.withLists(test.mocks());
            ParseResult parsed = JOB_PARSER.parse(JSON.writeValueAsBytes(log));
            if (!parsed.failures().isEmpty()) {
                ParseFailure f = parsed.failures().get(0);
                // Fails either way: a positive test would never alert, and a negative one would pass whatever
                // the rule says, so it tests nothing.
                return result(
                        rule,
                        ruleFile,
                        test,
                        origin,
                        null,
                        Status.FAILED,
                        "the job dead-letters this event (" + f.reason() + ": " + f.message() + "), so no rule sees it",
                        System.nanoTime() - start);
            }
            if (parsed.events().size() != 1) {
                return result(
                        rule,
                        ruleFile,
                        test,
                        origin,
                        null,
                        Status.FAILED,
                        "the job reads this event as " + parsed.events().size() + " records, expected one",
                        System.nanoTime() - start);
            }
            Event event = parsed.events().get(0);
            if (declared != null && declared.isTextual() && event.logType() != logType.get()) {
                return result(
                        rule,
                        ruleFile,
                        test,
                        origin,
                        null,
                        Status.FAILED,
                        "the event says it is " + declared.textValue() + " but the job reads it as " + event.logType(),
                        System.nanoTime() - start);
            }
            boolean actual = ReferenceEvaluator.matches(effective, event);
            // Every rule test also checks the compiled form, which is what the job runs.
            boolean compiled = effective.appliesTo(event.logType())
                    && CompiledExpr.compile(effective.detection()).test(event, null, null);
            long took = System.nanoTime() - start;
            if (compiled != actual) {
                return result(
                        rule,
                        ruleFile,
                        test,
                        origin,
                        actual,
                        Status.FAILED,
                        "the compiled matcher says " + compiled + " but the reference evaluator says " + actual,
                        took);
            }
            if (actual == test.expected()) {
                return result(rule, ruleFile, test, origin, actual, Status.PASSED, null, took);
            }
            String reason = (test.expected()
                            ? "expected a match, but the rule did not match"
                            : "expected no match, but the rule matched")
                    + (effective.appliesTo(event.logType()) ? "" : " (the rule does not read " + event.logType() + ")")
                    + "; " + explain(effective.detection(), event);
            return result(rule, ruleFile, test, origin, actual, Status.FAILED, reason, took);
        } catch (IOException | RuntimeException e) {
            return result(
                    rule,
                    ruleFile,
                    test,
                    origin,
                    null,
                    Status.FAILED,
                    "evaluation failed: " + e,
                    System.nanoTime() - start);
        }
    }

    /** The result of {@code test} of {@code rule}: everything but the outcome comes from the rule and the test. */
    private static TestResult result(
            Rule rule,
            String ruleFile,
            RuleTestCase test,
            Origin origin,
            Boolean actual,
            Status status,
            String message,
            long nanos) {
        return new TestResult(
                rule.id(),
                rule.title(),
                ruleFile,
                rule.enabled(),
                test.name(),
                origin,
                test.location(),
                test.expected(),
                actual,
                status,
                message,
                nanos);
    }

    private static Optional<LogType> parseLogType(String name) {
        Optional<LogType> p = PantherLogTypes.fromPanther(name);
        if (p.isPresent()) {
            return p;
        }
        for (LogType t : LogType.values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * Which named selections of {@code detection} held on the event and which did not, e.g.
     * {@code "held: Detection[0] (line 12); did not hold: Detection[1] (line 15)"}. Selections inside list
     * comprehensions are not listed (they are evaluated per element).
     */
    public static String explain(Expr detection, Event event) {
        List<String> held = new ArrayList<>();
        List<String> notHeld = new ArrayList<>();
        collect(detection, event, held, notHeld);
        if (held.isEmpty() && notHeld.isEmpty()) {
            return "the detection has no named parts";
        }
        return "held: " + (held.isEmpty() ? "none" : String.join(", ", held)) + "; did not hold: "
                + (notHeld.isEmpty() ? "none" : String.join(", ", notHeld));
    }

    private static void collect(Expr e, Event event, List<String> held, List<String> notHeld) {
        if (e instanceof Expr.Elements) {
            return;
        }
        if (e instanceof Expr.Selection s) {
            (ReferenceEvaluator.eval(s.body(), event, null) ? held : notHeld).add(s.name());
        }
        for (Expr c : Exprs.children(e)) {
            collect(c, event, held, notHeld);
        }
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isNull()) {
            return "null";
        }
        return n.getNodeType().name().toLowerCase();
    }

    // ---- external labelled events ----

    /**
     * Reads {@code test-sources.yml} at the top of every directory in {@code rulePaths} and loads the records
     * that belong to rules in {@code rules}. Never throws; problems are in the result.
     */
    public static ExternalTests loadExternal(List<Path> rulePaths, RuleSet rules) {
        Map<String, Rule> byId = new LinkedHashMap<>();
        rules.rules().forEach(r -> byId.put(r.id(), r));
        Map<String, List<RuleTestCase>> byRule = new LinkedHashMap<>();
        Map<String, Integer> unknown = new TreeMap<>();
        List<LoadError> warnings = new ArrayList<>();
        List<LoadError> errors = new ArrayList<>();
        int[] shadowed = {0};
        for (Path dir : rulePaths) {
            Path sources = dir.resolve(TEST_SOURCES_FILE);
            if (!Files.isDirectory(dir) || !Files.isRegularFile(sources)) {
                continue;
            }
            for (Source s : readSources(sources, errors)) {
                if (!Files.isRegularFile(s.path())) {
                    warnings.add(new LoadError(s.declaredAt(), "test source " + s.path() + " does not exist; skipped"));
                    continue;
                }
                readPantherAnalysis(s.path(), byId, byRule, unknown, shadowed, warnings, errors);
            }
        }
        return new ExternalTests(byRule, unknown, shadowed[0], warnings, errors);
    }

    private record Source(Path path, String format, SourceLocation declaredAt) {}

    private static List<Source> readSources(Path file, List<LoadError> errors) {
        String name = file.toString();
        List<Source> out = new ArrayList<>();
        try {
            if (Files.size(file) > 1024 * 1024) {
                errors.add(new LoadError(SourceLocation.ofFile(name), "test-sources.yml is over 1 MiB"));
                return out;
            }
            SafeYaml.Parsed parsed = SafeYaml.parseAll(name, Files.readString(file, StandardCharsets.UTF_8));
            errors.addAll(parsed.errors());
            if (parsed.documents().isEmpty()) {
                return out;
            }
            YamlMap top = SafeYaml.map(name, parsed.documents().get(0), "test-sources.yml");
            for (String k : top.keys()) {
                if (!k.equals("sources")) {
                    throw new RuleSyntaxException(top.keyLocation(k), "unknown key '" + k + "' (expected sources)");
                }
            }
            Node list = top.require("sources");
            if (!(list instanceof SequenceNode seq)) {
                throw new RuleSyntaxException(SafeYaml.at(name, list), "sources must be a list of {path, format}");
            }
            for (Node item : seq.getValue()) {
                try {
                    YamlMap m = SafeYaml.map(name, item, "a source");
                    m.onlyKeys(Set.of("path", "format"), "a source", "path, format");
                    String path = m.string("path");
                    if (path == null || path.isBlank()) {
                        throw new RuleSyntaxException(m.location(), "a source needs a path");
                    }
                    String format = m.string("format");
                    if (!"panther-analysis".equals(format)) {
                        throw new RuleSyntaxException(
                                m.has("format") ? m.keyLocation("format") : m.location(),
                                "source format must be panther-analysis, found " + format);
                    }
                    out.add(new Source(file.getParent().resolve(path).normalize(), format, m.location()));
                } catch (RuleSyntaxException e) {
                    errors.add(e.toLoadError());
                }
            }
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
        } catch (IOException | RuntimeException e) {
            errors.add(new LoadError(SourceLocation.ofFile(name), "cannot read: " + e));
        }
        return out;
    }

    private static void readPantherAnalysis(
            Path file,
            Map<String, Rule> byId,
            Map<String, List<RuleTestCase>> byRule,
            Map<String, Integer> unknown,
            int[] shadowed,
            List<LoadError> warnings,
            List<LoadError> errors) {
        String name = file.toString();
        Map<String, Set<String>> seen = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8))) {
            int lineNo = 0;
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (lineNo > MAX_RECORDS) {
                    warnings.add(new LoadError(
                            new SourceLocation(name, lineNo, 1),
                            "more than " + MAX_RECORDS + " records; the rest is ignored"));
                    break;
                }
                SourceLocation at = new SourceLocation(name, lineNo, 1);
                if (line.isBlank()) {
                    continue;
                }
                if (line.length() > MAX_RECORD_CHARS) {
                    warnings.add(new LoadError(at, "record longer than " + MAX_RECORD_CHARS + " characters; skipped"));
                    continue;
                }
                JsonNode record;
                try {
                    record = JSON.readTree(line);
                } catch (IOException e) {
                    errors.add(new LoadError(
                            at,
                            "not a JSON object: "
                                    + e.getMessage().lines().findFirst().orElse("")));
                    continue;
                }
                JsonNode ruleId = record.get("rule_id");
                JsonNode testName = record.get("test_name");
                JsonNode expected = record.get("expected_result");
                JsonNode event = record.get("event");
                if (!record.isObject()
                        || ruleId == null
                        || !ruleId.isTextual()
                        || testName == null
                        || !testName.isTextual()
                        || expected == null
                        || !expected.isBoolean()
                        || event == null) {
                    errors.add(new LoadError(
                            at,
                            "a panther-analysis record needs rule_id and test_name (strings), "
                                    + "expected_result (boolean) and event"));
                    continue;
                }
                Rule rule = byId.get(ruleId.textValue());
                if (rule == null) {
                    unknown.merge(ruleId.textValue(), 1, Integer::sum);
                    continue;
                }
                String test = testName.textValue();
                boolean own = rule.tests().stream().anyMatch(t -> t.name().equals(test));
                if (own
                        || !seen.computeIfAbsent(rule.id(), k -> new HashSet<>())
                                .add(test)) {
                    shadowed[0]++;
                    continue;
                }
                byRule.computeIfAbsent(rule.id(), k -> new ArrayList<>())
                        .add(new RuleTestCase(test, event, expected.booleanValue(), Map.of(), at));
            }
        } catch (IOException | RuntimeException e) {
            errors.add(new LoadError(SourceLocation.ofFile(name), "cannot read test source: " + e));
        }
    }

    /** Opens plain or gzip-compressed JSON Lines, by content rather than by file name. */
    private static InputStream open(Path file) throws IOException {
        PushbackInputStream in = new PushbackInputStream(Files.newInputStream(file), 2);
        byte[] magic = new byte[2];
        int n = in.readNBytes(magic, 0, 2);
        if (n > 0) {
            in.unread(magic, 0, n);
        }
        if (n == 2 && (magic[0] & 0xFF) == 0x1F && (magic[1] & 0xFF) == 0x8B) {
            return new GZIPInputStream(in);
        }
        return in;
    }
}
