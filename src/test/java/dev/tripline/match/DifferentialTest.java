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
 * SigmaHQ's AWS corpus, of rules/ and of Elastic's AWS and Azure detection rules (KQL and EQL), over every real
 * CloudTrail record in ../shared/data, every rule test event, and case-shifted copies of them all (which exercise
 * the case-insensitive index).
 */
class DifferentialTest {

    @Test
    void compiledMatcherAgreesWithReferenceOnEveryPair() {
        List<Rule> rules = new ArrayList<>(Corpus.allRules());
        List<Rule> elastic = Corpus.elasticRules();
        rules.addAll(elastic);
        rules.removeIf(r -> !r.enabled());
        List<Event> events = Corpus.allEvents(rules, true);
        CompiledMatcher matcher = CompiledMatcher.compile(rules);

        long pairs = 0;
        long positives = 0;
        long elasticPositives = 0;
        Set<String> elasticIds = new HashSet<>();
        elastic.forEach(r -> elasticIds.add(r.id()));
        List<String> disagreements = new ArrayList<>();
        for (Event e : events) {
            Set<String> compiled = new HashSet<>();
            matcher.match(e, r -> compiled.add(r.id()));
            for (Rule r : rules) {
                boolean reference = ReferenceEvaluator.matches(r, e);
                pairs++;
                if (reference) {
                    positives++;
                    if (elasticIds.contains(r.id())) {
                        elasticPositives++;
                    }
                }
                if (reference != compiled.contains(r.id()) && disagreements.size() < 20) {
                    disagreements.add(r.id() + " on " + e.root().path("eventID").asText() + " "
                            + e.root().path("eventName").asText() + ": reference=" + reference);
                }
            }
        }
        assertThat(disagreements).as("disagreements").isEmpty();
        assertThat(rules.size()).as("rules").isGreaterThan(140);
        assertThat(elastic.size())
                .as("Elastic rules, new_terms queries included")
                .isGreaterThan(200);
        assertThat(events.size()).as("events").isGreaterThan(7000);
        // Guards against a vacuous pass: thousands of pairs must actually match.
        assertThat(positives).as("matching pairs").isGreaterThan(500);
        assertThat(elasticPositives).as("matching pairs of Elastic rules").isGreaterThan(50);
        System.out.printf(
                "differential: %d rules (%d Elastic) x %d events = %d pairs, %d matching (%d Elastic), "
                        + "0 disagreements%n",
                rules.size(), elastic.size(), events.size(), pairs, positives, elasticPositives);
    }
}
