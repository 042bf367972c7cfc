package dev.tripline.bench;

import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.ParseLimits;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.program.FieldDemand;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Rule;
import dev.tripline.testing.Corpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Compiled matcher against the reference evaluator, with the full rule set (SigmaHQ AWS + rules/), one thread, on
 * the events the job matches: the benchmark's records as the job's parser ({@link EventParser} with the rule
 * program's fields, as {@code DetectFunction} builds it) makes them, parsed afresh before every invocation, so
 * that each event is matched once with no member decoded yet, as in the job (reading a member decodes it, and
 * the matcher pays for that). The parse itself is not timed; {@link #parseAndMatch} times both. Scores are events
 * per second: each invocation evaluates every event once ({@link #EVENTS} operations).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
// Three forks: one fork's figure is as much the luck of its JIT and heap layout as the matcher's (single forks
// of the same code spread from 300,000 to 1,000,000 events/s on the full set); bench/run takes the median of
// every measured iteration of every fork.
@Fork(
        value = 3,
        jvmArgsAppend = {"-Xmx2g"})
public class MatcherBenchmark {
    /** Events per invocation; the corpus is cycled or cut to this many so the two benchmarks see the same ones. */
    static final int EVENTS = 4096;

    /** The records as whole Jackson trees, as the corpus reads them (the job never builds these). */
    Event[] trees;
    /** The records as the messages the job reads. */
    byte[][] messages;

    EventParser parser;

    List<Rule> rules;
    CompiledMatcher matcher;

    @Setup
    public void setUp() {
        rules = Corpus.allRules().stream().filter(Rule::enabled).toList();
        List<Event> all = Corpus.allEvents(rules, false);
        trees = cycled(all);
        matcher = CompiledMatcher.compile(rules);
        List<CorrelationRule> correlations = Corpus.defaultLoader()
                .load(List.of(Path.of(System.getProperty("tripline.rules", "rules"))))
                .ruleSet()
                .correlations();
        parser = new EventParser(ParseLimits.defaults(), false, FieldDemand.of(rules, correlations));
        List<Event> parsed = new ArrayList<>();
        for (Event e : all) {
            parsed.addAll(parser.parse(e.root().toString().getBytes(StandardCharsets.UTF_8))
                    .events());
        }
        Event[] cycled = cycled(parsed);
        messages = new byte[EVENTS][];
        for (int i = 0; i < EVENTS; i++) {
            messages[i] = cycled[i].recordText().getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * The records as the job's parser makes them from the benchmark's messages, keeping the rules' fields, parsed
     * again before each invocation of a benchmark that takes them: an event keeps the members it decoded, so events
     * matched before would hide what the job's matcher pays to read each member once. A few milliseconds against
     * an invocation of several, so the setup's own cost does not blur the timing. Its own state, so that the other
     * benchmarks neither pay for the parse nor find their trees pushed out of the caches by it.
     */
    @State(Scope.Thread)
    public static class FreshEvents {
        final Event[] events = new Event[EVENTS];

        @Setup(Level.Invocation)
        public void parseAfresh(MatcherBenchmark b) {
            for (int i = 0; i < EVENTS; i++) {
                events[i] = b.parser.parse(b.messages[i]).events().get(0);
            }
        }
    }

    /** {@link #EVENTS} events: {@code all} cycled or cut, so every matcher benchmark sees the same ones. */
    static Event[] cycled(List<Event> all) {
        Event[] out = new Event[EVENTS];
        for (int i = 0; i < EVENTS; i++) {
            out[i] = all.get(i % all.size());
        }
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void compiled(FreshEvents fresh, Blackhole bh) {
        for (Event e : fresh.events) {
            matcher.match(e, bh::consume);
        }
    }

    /**
     * The compiled matcher on whole Jackson trees, read before (what {@code compiled} measured until 2026-12-06):
     * kept to compare with earlier figures; the job never matches such events.
     */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void compiledOnTrees(Blackhole bh) {
        for (Event e : trees) {
            matcher.match(e, bh::consume);
        }
    }

    /** Parsing each record and matching it, as the job does: {@link #compiled} plus the parse. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void parseAndMatch(Blackhole bh) {
        for (byte[] m : messages) {
            for (Event e : parser.parse(m).events()) {
                matcher.match(e, bh::consume);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void reference(FreshEvents fresh, Blackhole bh) {
        for (Event e : fresh.events) {
            for (Rule r : rules) {
                if (ReferenceEvaluator.matches(r, e)) {
                    bh.consume(r);
                }
            }
        }
    }
}
