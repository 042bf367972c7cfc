package dev.tripline.bench;

import dev.tripline.event.Event;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.Rule;
import dev.tripline.testing.Corpus;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How matching scales with the number of rules: 10, 100 and 1,000 rules made from the real ones
 * ({@link RuleVariants}: a sample of the real rules up to their count, then variants with other real eventName and
 * eventSource values), compiled matcher against the reference evaluator, on {@link MatcherBenchmark}'s records as
 * whole Jackson trees built once (as its {@code compiledOnTrees}; its goal row parses them afresh instead). Scores
 * are events per second on one thread. The reference evaluator is linear in the rule count by construction; the
 * compiled matcher should fall far less.
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
public class MatcherScalingBenchmark {
    static final long SEED = 20261124L;

    @Param({"10", "100", "1000"})
    public int rules;

    Event[] events;
    List<Rule> ruleSet;
    CompiledMatcher matcher;

    @Setup
    public void setUp() {
        List<Rule> real = Corpus.allRules().stream().filter(Rule::enabled).toList();
        List<Event> all = Corpus.allEvents(real, false);
        events = MatcherBenchmark.cycled(all);
        ruleSet = new RuleVariants(real, all).ruleSet(rules, SEED);
        matcher = CompiledMatcher.compile(ruleSet);
    }

    @Benchmark
    @OperationsPerInvocation(MatcherBenchmark.EVENTS)
    public void compiled(Blackhole bh) {
        for (Event e : events) {
            matcher.match(e, bh::consume);
        }
    }

    @Benchmark
    @OperationsPerInvocation(MatcherBenchmark.EVENTS)
    public void reference(Blackhole bh) {
        for (Event e : events) {
            for (Rule r : ruleSet) {
                if (ReferenceEvaluator.matches(r, e)) {
                    bh.consume(r);
                }
            }
        }
    }
}
