package dev.tripline.rule.panther;

import dev.tripline.event.FieldPath;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.CorrelationTestCase;
import dev.tripline.rule.Level;
import dev.tripline.rule.LoadSink;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Panther correlation rules ({@code AnalysisType: correlation_rule}), read unmodified into {@link CorrelationRule}s:
 * a {@code Group} becomes a temporal correlation, a {@code Sequence} a temporal_ordered one; {@code MatchCriteria}
 * (or the transitions' {@code Match}) become group-by fields with one alias per member, so members may name the
 * shared value differently; {@code Absence} and {@code MinMatchCount} carry over; {@code Tests} with
 * {@code RuleOutputs} become correlation tests fed with signals. Members are resolved once every file is loaded
 * ({@link #finish}), and a {@code p_alert_context.x} field is read through the member rule's {@code AlertContext}.
 * See docs/panther.md, "Correlation rules", for what streaming changes.
 */
final class PantherCorrelations {
    private static final Set<String> TOP_LEVEL = Set.of(
            "AnalysisType",
            "RuleID",
            "DisplayName",
            "Enabled",
            "Severity",
            "Description",
            "Reference",
            "Runbook",
            "Reports",
            "Tags",
            "Status",
            "Tests",
            "Detection",
            "CreateAlert",
            "OutputIds",
            "SummaryAttributes");
    private static final Set<String> BLOCK_KEYS = Set.of(
            "Group",
            "Sequence",
            "Transitions",
            "MatchCriteria",
            "LookbackWindowMinutes",
            "Schedule",
            "EventEvaluationOrder");
    private static final Set<String> MEMBER_KEYS = Set.of("ID", "RuleID", "MinMatchCount", "MaxMatchCount", "Absence");
    private static final Set<String> TRANSITION_KEYS = Set.of("ID", "From", "To", "WithinTimeFrameMinutes", "Match");
    private static final Set<String> TEST_KEYS = Set.of("Name", "ExpectedResult", "RuleOutputs");
    private static final String ALERT_CONTEXT = "p_alert_context.";
    /** Panther's default look-back when a rule gives none. */
    private static final int DEFAULT_LOOKBACK_MINUTES = 15;

    private static final int MAX_MINUTES = 366 * 24 * 60;
    private static final int MAX_SIGNALS = 10_000;

    private PantherCorrelations() {}

    /** One member: its step id, the rule it names (where), and its options. */
    record Member(String step, String ruleId, SourceLocation ruleAt, boolean absent, int minCount) {}

    /** A field a member must share: the criterion label, the member's step, the field as written (where). */
    record Join(String label, String step, String field, SourceLocation at) {}

    /** One signal of a test: the member step, the field as written, its value and time. */
    record TestSignal(String step, String field, String value, long time, SourceLocation at) {}

    record PendingTest(String name, boolean expected, List<TestSignal> signals, SourceLocation at) {}

    /** A parsed correlation rule waiting for its members to be resolved. */
    record Pending(
            String id,
            String title,
            String description,
            Level level,
            List<String> tags,
            boolean enabled,
            boolean ordered,
            List<Member> members,
            List<Join> joins,
            Duration timespan,
            List<PendingTest> tests,
            SourceLocation location) {}

    /** Parses one document; throws {@link RuleSyntaxException} at the first problem. Notes go to the sink. */
    static Pending parse(String file, YamlMap m, LoadSink sink, Level level, boolean enabled) {
        m.onlyKeys(TOP_LEVEL, "a Panther correlation rule", "the keys of a correlation_rule");
        String id = m.string("RuleID");
        if (id == null || id.isBlank()) {
            throw new RuleSyntaxException(m.location(), "missing required key 'RuleID'");
        }
        if (m.has("CreateAlert") && "false".equalsIgnoreCase(m.string("CreateAlert"))) {
            throw new RuleSyntaxException(
                    m.keyLocation("CreateAlert"),
                    "CreateAlert: false on a correlation rule is not supported: it would feed nothing in Tripline");
        }
        Node detection = m.require("Detection");
        if (!(detection instanceof SequenceNode list) || list.getValue().size() != 1) {
            throw new RuleSyntaxException(
                    SafeYaml.at(file, detection), "Detection must be a list holding one Group or Sequence block");
        }
        YamlMap block = SafeYaml.map(file, list.getValue().get(0), "a Detection block");
        block.onlyKeys(
                BLOCK_KEYS, "a correlation Detection block", String.join(", ", new java.util.TreeSet<>(BLOCK_KEYS)));
        boolean ordered = block.has("Sequence");
        if (ordered == block.has("Group")) {
            throw new RuleSyntaxException(block.location(), "a Detection block holds either Group or Sequence");
        }
        List<Member> members = members(file, block.require(ordered ? "Sequence" : "Group"));
        int lookback = block.has("LookbackWindowMinutes")
                ? minutes(file, block.get("LookbackWindowMinutes"), "LookbackWindowMinutes")
                : DEFAULT_LOOKBACK_MINUTES;
        if (block.has("Schedule")) {
            sink.warning(
                    block.keyLocation("Schedule"),
                    "note: Schedule has no meaning in streaming: Tripline decides the correlation on every signal and "
                            + "at each window's end in event time");
        }
        List<Join> joins = new ArrayList<>();
        Duration timespan;
        if (ordered) {
            if (block.has("MatchCriteria")) {
                throw new RuleSyntaxException(
                        block.keyLocation("MatchCriteria"), "a Sequence joins fields in its Transitions' Match");
            }
            timespan = transitions(file, block, members, lookback, joins, sink);
        } else {
            if (block.has("Transitions")) {
                throw new RuleSyntaxException(block.keyLocation("Transitions"), "Transitions belong to a Sequence");
            }
            if (block.has("MatchCriteria")) {
                criteria(file, block.get("MatchCriteria"), members, joins);
            }
            timespan = Duration.ofMinutes(lookback);
            if (block.has("LookbackWindowMinutes")) {
                sink.warning(
                        block.keyLocation("LookbackWindowMinutes"),
                        "note: LookbackWindowMinutes is a batch look-back in Panther; streaming has none, so Tripline "
                                + "uses it as the window: every member within " + lookback + " minutes of the first");
            }
        }
        if (block.has("EventEvaluationOrder") && !ordered) {
            sink.warning(
                    block.keyLocation("EventEvaluationOrder"),
                    "note: EventEvaluationOrder has no effect on a Group; signals are taken in event time");
        }
        String title = m.string("DisplayName");
        return new Pending(
                id,
                title == null ? id : title,
                m.string("Description"),
                level,
                m.has("Tags") ? SafeYaml.scalarList(file, m.get("Tags"), "Tags") : List.of(),
                enabled,
                ordered,
                members,
                joins,
                timespan,
                m.has("Tests") ? tests(file, m.get("Tests"), members) : List.of(),
                m.location());
    }

    private static List<Member> members(String file, Node node) {
        if (!(node instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            throw new RuleSyntaxException(SafeYaml.at(file, node), "the members must be a non-empty list");
        }
        List<Member> out = new ArrayList<>();
        Set<String> steps = new LinkedHashSet<>();
        for (Node item : seq.getValue()) {
            YamlMap mm = SafeYaml.map(file, item, "a member");
            mm.onlyKeys(MEMBER_KEYS, "a member", "ID, RuleID, MinMatchCount, MaxMatchCount, Absence");
            String step = mm.string("ID");
            String rule = mm.string("RuleID");
            if (step == null || rule == null) {
                throw new RuleSyntaxException(mm.location(), "a member needs ID and RuleID");
            }
            if (!steps.add(step)) {
                throw new RuleSyntaxException(mm.keyLocation("ID"), "duplicate member ID '" + step + "'");
            }
            if (mm.has("MaxMatchCount")) {
                throw new RuleSyntaxException(
                        mm.keyLocation("MaxMatchCount"),
                        "MaxMatchCount is not supported: a streaming correlation fires as soon as a match is proven");
            }
            int min = mm.has("MinMatchCount") ? minutes(file, mm.get("MinMatchCount"), "MinMatchCount") : 1;
            boolean absent = "true".equalsIgnoreCase(mm.string("Absence"));
            out.add(new Member(step, rule, SafeYaml.at(file, mm.get("RuleID")), absent, min));
        }
        return out;
    }

    private static Member step(List<Member> members, String step, SourceLocation at) {
        for (Member m : members) {
            if (m.step().equals(step)) {
                return m;
            }
        }
        throw new RuleSyntaxException(at, "no member with ID '" + step + "'");
    }

    /** {@code MatchCriteria: {label: [{GroupID, Match}]}}: one group-by field per label. */
    private static void criteria(String file, Node node, List<Member> members, List<Join> joins) {
        YamlMap criteria = SafeYaml.map(file, node, "MatchCriteria");
        for (String label : criteria.keys()) {
            if (!(criteria.get(label) instanceof SequenceNode seq)) {
                throw new RuleSyntaxException(criteria.keyLocation(label), "a match criterion is a list");
            }
            for (Node item : seq.getValue()) {
                YamlMap c = SafeYaml.map(file, item, "a match criterion");
                c.onlyKeys(Set.of("GroupID", "Match"), "a match criterion", "GroupID, Match");
                String step = c.string("GroupID");
                String field = c.string("Match");
                if (step == null || field == null) {
                    throw new RuleSyntaxException(c.location(), "a match criterion needs GroupID and Match");
                }
                step(members, step, c.keyLocation("GroupID"));
                joins.add(new Join(label, step, field, c.keyLocation("Match")));
            }
        }
    }

    /**
     * The transitions of a Sequence: each links consecutive steps; its {@code Match} entries become joins. The
     * window is the sum of the transitions' {@code WithinTimeFrameMinutes} (each defaulting to the look-back),
     * measured from the first step: a note says so when they differ from one window per transition.
     */
    private static Duration transitions(
            String file, YamlMap block, List<Member> members, int lookback, List<Join> joins, LoadSink sink) {
        Node node = block.require("Transitions");
        if (!(node instanceof SequenceNode seq) || seq.getValue().size() != members.size() - 1) {
            throw new RuleSyntaxException(
                    SafeYaml.at(file, node),
                    "a Sequence of " + members.size() + " steps needs " + (members.size() - 1)
                            + " Transitions, one from each step to the next");
        }
        long total = 0;
        int i = 0;
        // (step, field) pairs that must hold the same value; linked pairs form one group-by field.
        Map<String, String> parent = new LinkedHashMap<>();
        Map<String, Join> sides = new LinkedHashMap<>();
        for (Node item : seq.getValue()) {
            YamlMap t = SafeYaml.map(file, item, "a transition");
            t.onlyKeys(TRANSITION_KEYS, "a transition", "ID, From, To, WithinTimeFrameMinutes, Match");
            Member from = step(members, String.valueOf(t.string("From")), t.keyLocation("From"));
            Member to = step(members, String.valueOf(t.string("To")), t.keyLocation("To"));
            if (!from.equals(members.get(i)) || !to.equals(members.get(i + 1))) {
                throw new RuleSyntaxException(
                        t.location(),
                        "transition " + (i + 1) + " must go from step '"
                                + members.get(i).step() + "' to step '"
                                + members.get(i + 1).step() + "' (the Sequence order)");
            }
            total += t.has("WithinTimeFrameMinutes")
                    ? minutes(file, t.get("WithinTimeFrameMinutes"), "WithinTimeFrameMinutes")
                    : lookback;
            if (t.has("Match")) {
                if (!(t.get("Match") instanceof SequenceNode matches)) {
                    throw new RuleSyntaxException(t.keyLocation("Match"), "Match is a list of {On} or {From, To}");
                }
                for (Node mn : matches.getValue()) {
                    YamlMap mm = SafeYaml.map(file, mn, "a transition match");
                    mm.onlyKeys(Set.of("On", "From", "To"), "a transition match", "On, or From and To");
                    String on = mm.string("On");
                    String fromField = on != null ? on : mm.string("From");
                    String toField = on != null ? on : mm.string("To");
                    if (fromField == null || toField == null) {
                        throw new RuleSyntaxException(mm.location(), "a transition match needs On, or From and To");
                    }
                    String a = side(sides, parent, new Join(null, from.step(), fromField, mm.location()));
                    String b = side(sides, parent, new Join(null, to.step(), toField, mm.location()));
                    parent.put(root(parent, a), root(parent, b));
                }
            }
            i++;
        }
        // One group-by field per linked set, named after the field its last step reads.
        Map<String, String> labels = new LinkedHashMap<>();
        for (Map.Entry<String, Join> side : sides.entrySet()) {
            String r = root(parent, side.getKey());
            labels.putIfAbsent(r, sides.get(r).field());
            Join j = side.getValue();
            joins.add(new Join(labels.get(r), j.step(), j.field(), j.at()));
        }
        if (members.size() > 2) {
            sink.warning(
                    block.keyLocation("Transitions"),
                    "note: the transitions' windows are summed into one window of " + total
                            + " minutes from the first step; each step is not bounded by its own transition");
        }
        if (block.has("LookbackWindowMinutes")) {
            sink.warning(
                    block.keyLocation("LookbackWindowMinutes"),
                    "note: LookbackWindowMinutes is a batch look-back in Panther and has no meaning in streaming; "
                            + "it only stands in for a transition without WithinTimeFrameMinutes");
        }
        return Duration.ofMinutes(total);
    }

    private static String side(Map<String, Join> sides, Map<String, String> parent, Join j) {
        String key = j.step() + '\u0000' + j.field();
        sides.putIfAbsent(key, j);
        parent.putIfAbsent(key, key);
        return key;
    }

    private static String root(Map<String, String> parent, String key) {
        String r = key;
        while (!parent.get(r).equals(r)) {
            r = parent.get(r);
        }
        return r;
    }

    private static List<PendingTest> tests(String file, Node node, List<Member> members) {
        if (!(node instanceof SequenceNode seq)) {
            throw new RuleSyntaxException(SafeYaml.at(file, node), "Tests must be a list");
        }
        List<PendingTest> out = new ArrayList<>();
        for (Node item : seq.getValue()) {
            YamlMap t = SafeYaml.map(file, item, "a test");
            t.onlyKeys(TEST_KEYS, "a correlation test", "Name, ExpectedResult, RuleOutputs");
            String name = t.string("Name");
            String expected = t.string("ExpectedResult");
            if (name == null || expected == null || !(t.require("RuleOutputs") instanceof SequenceNode outputs)) {
                throw new RuleSyntaxException(t.location(), "a test needs Name, ExpectedResult and RuleOutputs");
            }
            List<TestSignal> signals = new ArrayList<>();
            for (Node o : outputs.getValue()) {
                YamlMap om = SafeYaml.map(file, o, "a rule output");
                om.onlyKeys(Set.of("ID", "Matches"), "a rule output", "ID, Matches");
                String step = om.string("ID");
                step(members, String.valueOf(step), om.keyLocation("ID"));
                YamlMap matches = SafeYaml.map(file, om.require("Matches"), "Matches");
                for (String field : matches.keys()) {
                    YamlMap values = SafeYaml.map(file, matches.get(field), "the values of " + field);
                    for (Map.Entry<String, NodeTuple> v : values.entries().entrySet()) {
                        if (!(v.getValue().getValueNode() instanceof SequenceNode times)) {
                            throw new RuleSyntaxException(
                                    values.keyLocation(v.getKey()), "the times of a value are a list");
                        }
                        for (Node time : times.getValue()) {
                            signals.add(
                                    new TestSignal(step, field, v.getKey(), time(file, time), SafeYaml.at(file, time)));
                            if (signals.size() > MAX_SIGNALS) {
                                throw new RuleSyntaxException(
                                        SafeYaml.at(file, time), "a test holds more than " + MAX_SIGNALS + " signals");
                            }
                        }
                    }
                }
            }
            out.add(new PendingTest(name, "true".equalsIgnoreCase(expected), signals, t.location()));
        }
        return out;
    }

    /** An ISO-8601 instant, or a whole number of minutes (Panther's tests use small offsets). */
    private static long time(String file, Node node) {
        String text = SafeYaml.scalar(file, node, "a time");
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return Math.multiplyExact(Long.parseLong(text.trim()), 60_000L);
            } catch (NumberFormatException | ArithmeticException n) {
                throw new RuleSyntaxException(
                        SafeYaml.at(file, node), "'" + text + "' is neither an ISO-8601 time nor a number of minutes");
            }
        }
    }

    private static int minutes(String file, Node node, String what) {
        String text = node instanceof ScalarNode s ? s.getValue() : null;
        try {
            int n = Integer.parseInt(String.valueOf(text).trim());
            if (n >= 1 && n <= MAX_MINUTES) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new RuleSyntaxException(
                SafeYaml.at(file, node), what + " must be a whole number from 1 to " + MAX_MINUTES + ", found " + text);
    }

    // ---- resolution, once every file is loaded ----

    /** Resolves members against the loaded rules and adds the correlations; a missing member rejects its rule. */
    static void finish(List<Pending> pending, LoadSink sink) {
        Map<String, Rule> rules = new LinkedHashMap<>();
        sink.rules().forEach(r -> rules.put(r.id(), r));
        for (Pending p : pending) {
            try {
                sink.add(resolve(p, rules));
            } catch (RuleSyntaxException e) {
                sink.error(e.toLoadError());
            }
        }
    }

    private static CorrelationRule resolve(Pending p, Map<String, Rule> rules) {
        Map<String, Rule> byStep = new LinkedHashMap<>();
        for (Member m : p.members()) {
            Rule r = rules.get(m.ruleId());
            if (r == null) {
                throw new RuleSyntaxException(
                        m.ruleAt(),
                        "correlation " + p.id() + ": member rule '" + m.ruleId() + "' (" + m.step()
                                + ") is not loaded; load the rule it names or leave this correlation out");
            }
            byStep.put(m.step(), r);
        }
        List<String> ids = p.members().stream().map(Member::ruleId).toList();
        // group-by: one field per criterion label; each member reads it at its own (resolved) path.
        Map<String, Map<String, String>> aliases = new LinkedHashMap<>();
        for (Join j : p.joins()) {
            Rule r = byStep.get(j.step());
            String path = eventPath(r, j.field(), j.at());
            String before = aliases.computeIfAbsent(j.label(), k -> new LinkedHashMap<>())
                    .putIfAbsent(r.id(), path);
            if (before != null && !before.equals(path)) {
                throw new RuleSyntaxException(
                        j.at(), "member " + j.step() + " joins criterion '" + j.label() + "' on two fields");
            }
        }
        for (Map.Entry<String, Map<String, String>> a : aliases.entrySet()) {
            for (Member m : p.members()) {
                if (!a.getValue().containsKey(m.ruleId())) {
                    throw new RuleSyntaxException(
                            p.location(),
                            "correlation " + p.id() + ": member " + m.step() + " is not in criterion '" + a.getKey()
                                    + "'; Tripline joins every member on every criterion");
                }
            }
        }
        Set<String> absent = new LinkedHashSet<>();
        Map<String, Integer> minCounts = new LinkedHashMap<>();
        for (Member m : p.members()) {
            if (m.absent()) {
                absent.add(m.ruleId());
            }
            if (m.minCount() > 1) {
                minCounts.put(m.ruleId(), m.minCount());
            }
        }
        List<CorrelationTestCase> tests = new ArrayList<>();
        for (PendingTest t : p.tests()) {
            List<CorrelationTestCase.Input> inputs = new ArrayList<>();
            for (TestSignal s : t.signals()) {
                Rule r = byStep.get(s.step());
                inputs.add(new CorrelationTestCase.SignalInput(
                        r.id(), Map.of(eventPath(r, s.field(), s.at()), s.value()), s.time(), s.at()));
            }
            tests.add(new CorrelationTestCase(
                    t.name(),
                    inputs,
                    t.expected()
                            ? List.of(new CorrelationTestCase.ExpectedFiring(null, Map.of(), null, null, t.at()))
                            : List.of(),
                    t.at()));
        }
        return new CorrelationRule(
                p.id(),
                null,
                p.title(),
                p.description(),
                p.level(),
                p.tags(),
                List.of(),
                p.ordered() ? CorrelationRule.Type.TEMPORAL_ORDERED : CorrelationRule.Type.TEMPORAL,
                ids,
                List.copyOf(aliases.keySet()),
                p.timespan(),
                List.of(),
                null,
                List.of(),
                null,
                aliases,
                true,
                null,
                p.location(),
                p.enabled(),
                absent,
                minCounts,
                tests);
    }

    /**
     * The event path a member reads for {@code field}: {@code p_alert_context.k[.rest]} through the member's
     * AlertContext entry {@code k} (the longest key that matches), any other field as written.
     */
    private static String eventPath(Rule r, String field, SourceLocation at) {
        if (!field.startsWith(ALERT_CONTEXT)) {
            return field;
        }
        String rest = field.substring(ALERT_CONTEXT.length());
        String best = null;
        for (String key : r.alertContext().keySet()) {
            if ((rest.equals(key) || rest.startsWith(key + ".")) && (best == null || key.length() > best.length())) {
                best = key;
            }
        }
        if (best == null) {
            throw new RuleSyntaxException(
                    at,
                    "member rule " + r.id() + " has no AlertContext key for '" + field + "' (it has "
                            + r.alertContext().keySet() + ")");
        }
        FieldPath path = r.alertContext().get(best);
        return path.text() + rest.substring(best.length());
    }
}
