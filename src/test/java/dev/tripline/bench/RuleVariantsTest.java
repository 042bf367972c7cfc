package dev.tripline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.Event;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.Rule;
import dev.tripline.testing.Corpus;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RuleVariantsTest {
    @Test
    void ruleSetsHaveTheAskedSizeDistinctIdsAndAgreeWithTheReferenceEvaluator() {
        List<Rule> real = Corpus.allRules().stream().filter(Rule::enabled).toList();
        List<Event> events = Corpus.allEvents(real, false);
        RuleVariants v = new RuleVariants(real, events);
        assertThat(v.ruleSet(10, 1)).hasSize(10);
        assertThat(v.ruleSet(10, 1)).isEqualTo(v.ruleSet(10, 1));
        List<Rule> big = v.ruleSet(1000, 1);
        assertThat(big).hasSize(1000);
        assertThat(big.stream().map(Rule::id).collect(Collectors.toSet())).hasSize(1000);
        // Variants really differ from their originals: not every variant keeps its original's detection.
        Set<Object> detections = big.stream().map(Rule::detection).collect(Collectors.toSet());
        assertThat(detections.size()).isGreaterThan(900);
        // The compiled matcher and the reference evaluator agree on the synthesised rules too.
        CompiledMatcher m = CompiledMatcher.compile(big);
        long compiled = 0;
        long reference = 0;
        for (Event e : events.subList(0, 400)) {
            long[] n = {0};
            m.match(e, r -> n[0]++);
            compiled += n[0];
            for (Rule r : big) {
                if (ReferenceEvaluator.matches(r, e)) {
                    reference++;
                }
            }
        }
        assertThat(compiled).isEqualTo(reference).isPositive();
    }
}
