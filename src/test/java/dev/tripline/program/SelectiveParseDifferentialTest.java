package dev.tripline.program;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.alert.Alerts;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.FieldPath;
import dev.tripline.event.FieldSet;
import dev.tripline.event.ParseLimits;
import dev.tripline.event.ParseResult;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.RuleTestCase;
import dev.tripline.rule.ValuePredicate;
import dev.tripline.testing.Corpus;
import dev.tripline.testing.SharedData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The selective parser (building only the fields of {@link FieldDemand}) must give every rule the same answer as
 * the whole-record parser: for every rule of rules/, SigmaHQ's AWS corpus and Elastic's AWS and Azure rules,
 * and the correlations of rules/, over every input file and record in ../shared/data, every rule test event,
 * and copies of them with shifted case (keys lower-cased, which exercises Panther's case-insensitive lookup;
 * eventName upper-cased). Compared per event: the parse outcome (events and dead letters with their position),
 * log type, time, every path the field set was built from, the reference evaluator and the compiled matcher on
 * every rule, each match's alert (title, evidence, context, dedup key, id) and correlation signals, and the
 * count of unreadable embedded JSON.
 */
class SelectiveParseDifferentialTest {

    @Test
    void selectiveEventsGiveTheSameResultsAsWholeRecords() {
        List<Rule> all = new ArrayList<>(Corpus.allRules());
        all.addAll(Corpus.elasticRules());
        all.removeIf(r -> !r.enabled());
        // Keyword searches need the whole record by design (FieldSet.ALL); they are tested apart below.
        List<Rule> rules = all.stream().filter(r -> !hasKeyword(r.detection())).toList();
        List<CorrelationRule> correlations = Corpus.defaultLoader()
                .load(List.of(Path.of(System.getProperty("tripline.rules", "rules"))))
                .ruleSet()
                .correlations();
        RuleProgram program = RuleProgram.of(new RuleSet(rules, correlations));
        CompiledMatcher matcher = program.matcher();
        CorrelationEngine engine = program.engine();
        FieldSet fields = FieldDemand.of(matcher, engine);
        assertThat(fields.isAll()).as("field set of the corpus").isFalse();

        EventParser whole = new EventParser(ParseLimits.defaults(), false);
        EventParser selective = new EventParser(ParseLimits.defaults(), false, fields);

        List<byte[]> inputs = inputs(matcher.rules());
        List<String> disagreements = new ArrayList<>();
        long events = 0;
        long partial = 0;
        long positives = 0;
        long signals = 0;
        for (byte[] input : inputs) {
            ParseResult w = whole.parse(input);
            ParseResult s = selective.parse(input);
            String where = new String(input, 0, Math.min(input.length, 120), StandardCharsets.UTF_8);
            if (!failures(w).equals(failures(s))
                    || w.events().size() != s.events().size()) {
                disagreements.add("parse of " + where + ": " + failures(w) + " vs " + failures(s) + ", "
                        + w.events().size() + " vs " + s.events().size() + " events");
                continue;
            }
            for (int i = 0; i < w.events().size(); i++) {
                Event a = w.events().get(i);
                Event b = s.events().get(i);
                events++;
                if (b.isPartial()) {
                    partial++;
                }
                List<String> diff = new ArrayList<>();
                compare(a, b, fields, matcher, engine, diff);
                if (a.unreadableEmbeddedJson() != b.unreadableEmbeddedJson()) {
                    diff.add("unreadable embedded JSON " + a.unreadableEmbeddedJson() + " vs "
                            + b.unreadableEmbeddedJson());
                }
                for (Rule r : matcher.rules()) {
                    if (ReferenceEvaluator.matches(r, a)) {
                        positives++;
                        signals += engine.consumersOf(r.id()).size();
                    }
                }
                if (!diff.isEmpty() && disagreements.size() < 20) {
                    disagreements.add(a.root().path("eventID").asText() + " "
                            + a.root().path("eventName").asText() + ": " + diff);
                }
            }
        }
        assertThat(disagreements).as("disagreements").isEmpty();
        assertThat(matcher.rules().size()).as("rules").isGreaterThan(300);
        assertThat(correlations).as("correlations").isNotEmpty();
        assertThat(events).as("events").isGreaterThan(14_000);
        assertThat(partial).as("events built selectively").isEqualTo(events);
        assertThat(positives).as("matching pairs").isGreaterThan(1000);
        assertThat(signals).as("correlation signals").isGreaterThan(10);
        System.out.printf(
                "selective parse: %d rules, %d correlations, %d inputs, %d events, %d matching pairs, "
                        + "%d field paths, 0 disagreements%n",
                matcher.rules().size(),
                correlations.size(),
                inputs.size(),
                events,
                positives,
                fields.paths().size());
    }

    @Test
    void aKeywordSearchNeedsTheWholeRecord() {
        Rule rule = Corpus.allRules().get(0);
        Rule keyword =
                rule.withDetection(new Expr.Keyword(new ValuePredicate.Text(ValuePredicate.Mode.CONTAINS, "x", false)));
        assertThat(FieldDemand.of(List.of(rule), List.of()).isAll()).isFalse();
        assertThat(FieldDemand.of(List.of(rule, keyword), List.of()).isAll()).isTrue();
        ParseResult r = new EventParser(ParseLimits.defaults(), false, FieldSet.ALL)
                .parse(SharedData.allCloudTrailRecords().get(0).toString().getBytes(StandardCharsets.UTF_8));
        assertThat(r.events())
                .singleElement()
                .satisfies(e -> assertThat(e.isPartial()).isFalse());
    }

    private static void compare(
            Event a, Event b, FieldSet fields, CompiledMatcher matcher, CorrelationEngine engine, List<String> diff) {
        if (a.logType() != b.logType() || a.eventTimeMillis() != b.eventTimeMillis()) {
            diff.add("type/time");
        }
        for (FieldPath p : fields.paths()) {
            List<JsonNode> x = a.values(p);
            List<JsonNode> y = b.values(p);
            if (!x.equals(y)) {
                diff.add(p + ": " + x + " vs " + y);
            }
        }
        Set<String> compiledA = new TreeSet<>();
        Set<String> compiledB = new TreeSet<>();
        matcher.match(a, r -> compiledA.add(r.id()));
        matcher.match(b, r -> compiledB.add(r.id()));
        if (!compiledA.equals(compiledB)) {
            diff.add("compiled " + compiledA + " vs " + compiledB);
        }
        for (Rule r : matcher.rules()) {
            boolean ra = ReferenceEvaluator.matches(r, a);
            if (ra != ReferenceEvaluator.matches(r, b)) {
                diff.add("reference " + r.id());
                continue;
            }
            if (!ra) {
                continue;
            }
            if (!Alerts.single(r, a).equals(Alerts.single(r, b))) {
                diff.add("alert " + r.id() + ": " + Alerts.single(r, a) + " vs " + Alerts.single(r, b));
            }
            for (CorrelationPlan plan : engine.consumersOf(r.id())) {
                if (!plan.signals(r, a).equals(plan.signals(r, b))) {
                    diff.add("signal " + plan.id() + " of " + r.id());
                }
            }
        }
    }

    private static List<String> failures(ParseResult r) {
        return r.failures().stream()
                .map(f -> f.reason() + " " + f.where() + " " + f.line() + " " + f.byteOffset())
                .toList();
    }

    private static boolean hasKeyword(Expr e) {
        if (e instanceof Expr.Keyword) {
            return true;
        }
        if (e instanceof Expr.And a) {
            return a.terms().stream().anyMatch(SelectiveParseDifferentialTest::hasKeyword);
        }
        if (e instanceof Expr.Or o) {
            return o.terms().stream().anyMatch(SelectiveParseDifferentialTest::hasKeyword);
        }
        if (e instanceof Expr.Not n) {
            return hasKeyword(n.term());
        }
        if (e instanceof Expr.Selection s) {
            return hasKeyword(s.body());
        }
        if (e instanceof Expr.NamedList l) {
            return hasKeyword(l.resolved());
        }
        return false; // inside Elements a keyword reads only the element, which is kept whole
    }

    /**
     * Every input file of ../shared/data as it is (envelopes, arrays, JSON Lines, gzip), then every record of them
     * and every labelled test event and rule test event as one message each, and each of those with shifted case.
     */
    private static List<byte[]> inputs(List<Rule> rules) {
        List<byte[]> out = new ArrayList<>();
        List<ObjectNode> records = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SharedData.path("data"))) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (!(name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".gz"))) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(f);
                out.add(bytes);
                EventParser.forDetection().parse(bytes).events().forEach(e -> records.add(e.root()));
                for (String line : lines(bytes)) {
                    JsonNode n = jsonOrNull(line);
                    if (n != null && n.path("event").isObject()) {
                        records.add((ObjectNode) n.get("event"));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Rule r : rules) {
            for (RuleTestCase t : r.tests()) {
                if (t.event() instanceof ObjectNode o) {
                    records.add(o);
                }
            }
        }
        Set<String> seen = new HashSet<>();
        for (ObjectNode o : records) {
            for (ObjectNode v : List.of(o, lowerKeys(o), Corpus.caseShift(o))) {
                String text = v.toString();
                if (seen.add(text)) {
                    out.add(text.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private static List<String> lines(byte[] bytes) throws IOException {
        InputStream in = new ByteArrayInputStream(bytes);
        if (bytes.length > 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            in = new GZIPInputStream(in);
        }
        return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
    }

    private static JsonNode jsonOrNull(String line) {
        try {
            return line.isBlank() ? null : SharedData.parse(line);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A copy with every key lower-cased (Panther paths must still find them). */
    private static ObjectNode lowerKeys(ObjectNode o) {
        ObjectNode copy = o.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            copy.set(e.getKey().toLowerCase(Locale.ROOT), v instanceof ObjectNode child ? lowerKeys(child) : v);
        }
        // Keep the record recognisable, so it is parsed into an event rather than dead-lettered.
        for (String k : List.of("eventVersion", "eventTime", "userIdentity", "operationName", "time", "resourceId")) {
            if (o.has(k)) {
                copy.set(k, o.get(k));
            }
        }
        return copy;
    }
}
