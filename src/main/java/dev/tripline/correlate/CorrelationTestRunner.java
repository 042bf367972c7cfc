package dev.tripline.correlate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.LogType;
import dev.tripline.event.ParseFailure;
import dev.tripline.event.ParseResult;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.match.RuleTestRunner;
import dev.tripline.match.RuleTestRunner.Origin;
import dev.tripline.match.RuleTestRunner.Status;
import dev.tripline.match.RuleTestRunner.TestResult;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.CorrelationTestCase;
import dev.tripline.rule.CorrelationTestCase.EventInput;
import dev.tripline.rule.CorrelationTestCase.ExpectedFiring;
import dev.tripline.rule.CorrelationTestCase.Input;
import dev.tripline.rule.CorrelationTestCase.SignalInput;
import dev.tripline.rule.CorrelationTestCase.WatermarkInput;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs correlation tests through the engine the job runs: each input record is read by the job's parser, matched
 * by the compiled matcher of the loaded rules, and its matches step a {@link MapCorrelator} (the {@link Correlator}
 * over map-backed state, with timers fired as the watermark passes them); signal inputs (Panther
 * {@code RuleOutputs}) step it directly. Each test starts from empty state and ends with the watermark at the end
 * of time, so every window is decided. Then the firings are compared with the expected ones.
 *
 * <p>Disabled correlations are tested too (the engine of a test run compiles every correlation); the member
 * rules are matched as the job matches them, so a disabled member rule produces no signals.
 */
public final class CorrelationTestRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EventParser JOB_PARSER = EventParser.forDetection();

    private CorrelationTestRunner() {}

    /** What one test run saw: every firing, and the inputs the job would not read (reason per input). */
    public record Trace(List<Fired> fired, List<String> problems, MapCorrelator correlator) {}

    /** Runs every test of every correlation in {@code rules}; results in correlation order. Never throws. */
    public static List<TestResult> run(RuleSet rules) {
        List<TestResult> out = new ArrayList<>();
        if (rules.correlations().stream().allMatch(c -> c.tests().isEmpty())) {
            return out;
        }
        RuleSet all = everyCorrelationEnabled(rules);
        CorrelationEngine engine = CorrelationEngine.compile(all);
        CompiledMatcher matcher = CompiledMatcher.compile(rules.rules());
        for (CorrelationRule c : rules.correlations()) {
            for (CorrelationTestCase t : c.tests()) {
                out.add(runOne(all, engine, matcher, c, t));
            }
        }
        return out;
    }

    /** The rule set with every correlation enabled: what a test run compiles. */
    public static RuleSet everyCorrelationEnabled(RuleSet rules) {
        return new RuleSet(
                rules.rules(),
                rules.correlations().stream().map(CorrelationRule::asEnabled).toList());
    }

    static TestResult runOne(
            RuleSet rules,
            CorrelationEngine engine,
            CompiledMatcher matcher,
            CorrelationRule c,
            CorrelationTestCase t) {
        long start = System.nanoTime();
        boolean expected = !t.fires().isEmpty();
        try {
            if (engine.plan(c.id()) == null) {
                String why = engine.errors().stream()
                        .filter(e -> e.location().equals(c.location()))
                        .map(e -> e.message())
                        .findFirst()
                        .orElse("it did not compile");
                return result(c, t, expected, null, Status.FAILED, "the correlation cannot run: " + why, start);
            }
            Trace trace = feed(rules, engine, matcher, t.inputs());
            if (!trace.problems().isEmpty()) {
                return result(c, t, expected, null, Status.FAILED, String.join("; ", trace.problems()), start);
            }
            List<Fired> own = trace.fired().stream()
                    .filter(f -> f.correlationId().equals(c.id()))
                    .toList();
            String mismatch = compare(rules, c, t.fires(), trace.fired());
            return result(
                    c, t, expected, !own.isEmpty(), mismatch == null ? Status.PASSED : Status.FAILED, mismatch, start);
        } catch (RuntimeException e) {
            return result(c, t, expected, null, Status.FAILED, "evaluation failed: " + e, start);
        }
    }

    /**
     * Feeds {@code inputs} in order to a fresh correlator and ends with the watermark at the end of time. An
     * input the job would not read (dead-lettered, or naming an unknown rule) is reported in the trace's
     * problems and not fed.
     */
    public static Trace feed(RuleSet rules, CorrelationEngine engine, CompiledMatcher matcher, List<Input> inputs) {
        MapCorrelator correlator = new MapCorrelator(engine);
        List<Fired> fired = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Input in : inputs) {
            if (in instanceof EventInput e) {
                Optional<Event> event = readAsTheJobDoes(e, problems);
                event.ifPresent(ev -> matcher.match(ev, rule -> {
                    if (engine.isInput(rule.id())) {
                        fired.addAll(correlator.onMatch(rule, ev));
                    }
                }));
            } else if (in instanceof SignalInput s) {
                Optional<Rule> rule = rules.rule(s.rule());
                if (rule.isEmpty()) {
                    problems.add(s.location() + ": signal of '" + s.rule() + "', which is not a loaded rule");
                } else {
                    fired.addAll(correlator.onMatch(rule.get(), signalEvent(rule.get(), s)));
                }
            } else if (in instanceof WatermarkInput w) {
                fired.addAll(correlator.advanceWatermark(w.time()));
            }
        }
        fired.addAll(correlator.advanceWatermark(Long.MAX_VALUE));
        return new Trace(fired, problems, correlator);
    }

    private static Optional<Event> readAsTheJobDoes(EventInput e, List<String> problems) {
        try {
            ParseResult parsed = JOB_PARSER.parse(JSON.writeValueAsBytes(e.event()));
            if (!parsed.failures().isEmpty()) {
                ParseFailure f = parsed.failures().get(0);
                problems.add(e.location() + ": the job dead-letters this event (" + f.reason() + ": " + f.message()
                        + "), so no rule sees it");
                return Optional.empty();
            }
            if (parsed.events().size() != 1) {
                problems.add(e.location() + ": the job reads this event as "
                        + parsed.events().size() + " records, expected one");
                return Optional.empty();
            }
            return Optional.of(parsed.events().get(0));
        } catch (IOException x) {
            problems.add(e.location() + ": cannot serialise the event: " + x.getMessage());
            return Optional.empty();
        }
    }

    /** A record that carries a signal's field values at their paths, at the signal's time. */
    static Event signalEvent(Rule rule, SignalInput s) {
        ObjectNode root = JSON.createObjectNode();
        for (Map.Entry<String, String> f : s.fields().entrySet()) {
            ObjectNode at = root;
            String[] parts = f.getKey().split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                at = at.get(parts[i]) instanceof ObjectNode o ? o : at.putObject(parts[i]);
            }
            at.put(parts[parts.length - 1], f.getValue());
        }
        LogType type = rule.logTypes().stream().sorted().findFirst().orElse(LogType.CLOUDTRAIL);
        return new Event(type, root, s.time());
    }

    /**
     * Null when the firings match: each expected one is met by its own firing, and the tested correlation fired
     * nothing unexpected. Otherwise what differs.
     */
    static String compare(RuleSet rules, CorrelationRule tested, List<ExpectedFiring> expected, List<Fired> fired) {
        List<Fired> unmatched = new ArrayList<>(fired);
        List<String> missing = new ArrayList<>();
        for (ExpectedFiring e : expected) {
            String id = e.correlation() == null
                    ? tested.id()
                    : rules.correlation(e.correlation())
                            .map(CorrelationRule::id)
                            .orElse(e.correlation());
            Fired hit = null;
            for (Fired f : unmatched) {
                if (f.correlationId().equals(id) && meets(f, e)) {
                    hit = f;
                    break;
                }
            }
            if (hit == null) {
                missing.add(describe(e, id));
            } else {
                unmatched.remove(hit);
            }
        }
        List<Fired> unexpected = unmatched.stream()
                .filter(f -> f.correlationId().equals(tested.id()))
                .toList();
        if (missing.isEmpty() && unexpected.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        if (!missing.isEmpty()) {
            b.append("expected ").append(String.join(" and ", missing)).append(", not seen");
        }
        if (!unexpected.isEmpty()) {
            b.append(b.isEmpty() ? "" : "; ")
                    .append(expected.isEmpty() ? "expected no firing, but it fired: " : "unexpected firing: ")
                    .append(String.join(
                            ", ",
                            unexpected.stream()
                                    .map(CorrelationTestRunner::describe)
                                    .toList()));
        }
        b.append("; fired: ")
                .append(
                        fired.isEmpty()
                                ? "nothing"
                                : String.join(
                                        ", ",
                                        fired.stream()
                                                .map(CorrelationTestRunner::describe)
                                                .toList()));
        return b.toString();
    }

    private static boolean meets(Fired f, ExpectedFiring e) {
        for (Map.Entry<String, String> g : e.group().entrySet()) {
            if (!g.getValue().equals(f.group().get(g.getKey()))) {
                return false;
            }
        }
        return (e.count() == null || e.count() == f.count())
                && (e.value() == null || e.value().compareTo(f.value()) == 0);
    }

    private static String describe(ExpectedFiring e, String id) {
        return "a firing of " + id + (e.group().isEmpty() ? "" : " for " + e.group())
                + (e.count() == null ? "" : " with count " + e.count())
                + (e.value() == null ? "" : " with value " + e.value().toPlainString());
    }

    /** One firing in a line: correlation, group, count, value, time range. */
    public static String describe(Fired f) {
        return f.correlationId() + " for " + f.group() + " (count " + f.count() + ", value "
                + f.value().stripTrailingZeros().toPlainString() + ", " + java.time.Instant.ofEpochMilli(f.firstSeen())
                + " .. " + java.time.Instant.ofEpochMilli(f.lastSeen()) + ")";
    }

    private static TestResult result(
            CorrelationRule c,
            CorrelationTestCase t,
            boolean expected,
            Boolean actual,
            Status status,
            String reason,
            long start) {
        return new TestResult(
                c.id(),
                c.title(),
                c.location() == null ? null : c.location().file(),
                c.enabled(),
                t.name(),
                Origin.CORRELATION,
                t.location(),
                expected,
                actual,
                status,
                reason,
                System.nanoTime() - start);
    }

    /** {@code report} with the correlation tests of {@code rules} added. */
    public static RuleTestRunner.Report withCorrelationTests(RuleTestRunner.Report report, RuleSet rules) {
        return report.with(run(rules));
    }
}
