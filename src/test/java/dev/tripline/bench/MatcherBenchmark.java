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
 * Compiled matcher against the reference evaluator, on the same pre-parsed events, with the full rule set
 * (SigmaHQ AWS + rules/), one thread. Scores are events per second: each invocation evaluates every event of
 * the corpus once ({@link #EVENTS} operations).
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

    Event[] events;
    /** The same records as the job's parser makes them: parsed from their bytes, keeping the rules' fields. */
    Event[] parsedEvents;
    /** The records of {@link #parsedEvents} as the messages they were parsed from. */
    byte[][] messages;

    EventParser parser;

    List<Rule> rules;
    CompiledMatcher matcher;

    @Setup
    public void setUp() {
        rules = Corpus.allRules().stream().filter(Rule::enabled).toList();
        List<Event> all = Corpus.allEvents(rules, false);
        events = cycled(all);
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
        parsedEvents = cycled(parsed);
        messages = new byte[EVENTS][];
        for (int i = 0; i < EVENTS; i++) {
            messages[i] = parsedEvents[i].recordText().getBytes(StandardCharsets.UTF_8);
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
    public void compiled(Blackhole bh) {
        for (Event e : events) {
            matcher.match(e, bh::consume);
        }
    }

    /** The compiled matcher on events from the job's parser, whose trees it reads in the job. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void compiledOnParsed(Blackhole bh) {
        for (Event e : parsedEvents) {
            matcher.match(e, bh::consume);
        }
    }

    /**
     * Parsing each record and matching it, as the job does: the parser's events decode a member when the matcher
     * first reads it, so {@link #compiledOnParsed} (events read before) does not see that cost, and a parse
     * benchmark alone does not either.
     */
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
    public void reference(Blackhole bh) {
        for (Event e : events) {
            for (Rule r : rules) {
                if (ReferenceEvaluator.matches(r, e)) {
                    bh.consume(r);
                }
            }
        }
    }
}
