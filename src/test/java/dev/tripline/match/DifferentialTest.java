package dev.tripline.match;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.Event;
import dev.tripline.rule.Rule;
import dev.tripline.testing.Corpus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The compiled matcher must agree with the reference evaluator on every (rule, event) pair: every rule of
 * SigmaHQ's AWS corpus and of rules/, over every real CloudTrail record in ../shared/data, every rule test
 * event, and case-shifted copies of them all (which exercise the case-insensitive index).
 */
class DifferentialTest {

    @Test
    void compiledMatcherAgreesWithReferenceOnEveryPair() {
        List<Rule> rules = Corpus.allRules().stream().filter(Rule::enabled).toList();
        List<Event> events = Corpus.allEvents(rules, true);
        CompiledMatcher matcher = CompiledMatcher.compile(rules);

        long pairs = 0;
        long positives = 0;
        List<String> disagreements = new ArrayList<>();
        for (Event e : events) {
            Set<String> compiled = new HashSet<>();
            matcher.match(e, r -> compiled.add(r.id()));
            for (Rule r : rules) {
                boolean reference = ReferenceEvaluator.matches(r, e);
                pairs++;
                if (reference) {
                    positives++;
                }
                if (reference != compiled.contains(r.id()) && disagreements.size() < 20) {
                    disagreements.add(r.id() + " on " + e.root().path("eventID").asText() + " "
                            + e.root().path("eventName").asText() + ": reference=" + reference);
                }
            }
        }
        assertThat(disagreements).as("disagreements").isEmpty();
        assertThat(rules.size()).as("rules").isGreaterThan(140);
        assertThat(events.size()).as("events").isGreaterThan(7000);
        // Guards against a vacuous pass: thousands of pairs must actually match.
        assertThat(positives).as("matching pairs").isGreaterThan(500);
        System.out.printf(
                "differential: %d rules x %d events = %d pairs, %d matching, 0 disagreements%n",
                rules.size(), events.size(), pairs, positives);
    }
}
