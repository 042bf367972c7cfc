package dev.tripline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.match.MatcherCandidates;
import dev.tripline.rule.Rule;
import dev.tripline.testing.Corpus;
import java.util.List;
import java.util.Locale;

/**
 * Explains {@link MatcherScalingBenchmark}'s figures: for each rule-set size, how many rules pin no field (checked
 * on every event), how many fields the index reads from an event of the benchmark's corpus on average (reading a
 * field of a record not in the cache is most of what the index costs), how many lookups of the record's top-level
 * keys the whole match makes (index and detections; each field read starts with one or two), how many candidate
 * rules an event visits, how many detections run for them (rules sharing a detection count once) and how many
 * rules fire. No timing.
 * {@code java -cp ... dev.tripline.bench.MatcherScalingStats}
 */
public final class MatcherScalingStats {
    private MatcherScalingStats() {}

    /** A copy of a record's top level that counts the lookups of its keys (the values are the record's own). */
    private static final class CountingRoot extends ObjectNode {
        long lookups;

        CountingRoot(ObjectNode record) {
            super(JsonNodeFactory.instance);
            setAll(record);
        }

        @Override
        public JsonNode get(String key) {
            lookups++;
            return super.get(key);
        }
    }

    public static void main(String[] args) {
        List<Rule> real = Corpus.allRules().stream().filter(Rule::enabled).toList();
        List<Event> all = Corpus.allEvents(real, false);
        RuleVariants variants = new RuleVariants(real, all);
        Event empty = new Event(LogType.CLOUDTRAIL, JsonNodeFactory.instance.objectNode());
        System.out.println(
                "| rules | pin no field | index fields read per event | record key lookups per event | candidate rules per event | detections run per event | matches per event |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
        for (int n : new int[] {10, 100, real.size(), 1000}) {
            List<Rule> rules = n == real.size() ? real : variants.ruleSet(n, MatcherScalingBenchmark.SEED);
            CompiledMatcher m = CompiledMatcher.compile(rules);
            long fields = 0;
            long candidates = 0;
            long detections = 0;
            long[] matches = {0};
            long lookups = 0;
            int events = MatcherBenchmark.EVENTS;
            for (int i = 0; i < events; i++) {
                Event e = all.get(i % all.size());
                fields += MatcherCandidates.indexFieldsRead(m, e);
                candidates += MatcherCandidates.of(m, e);
                detections += MatcherCandidates.detections(m, e);
                m.match(e, r -> matches[0]++);
                CountingRoot counted = new CountingRoot(e.root());
                m.match(new Event(e.logType(), counted), r -> {});
                lookups += counted.lookups;
            }
            System.out.printf(
                    Locale.ROOT,
                    "| %d%s | %d | %.1f | %.1f | %.1f | %.1f | %.2f |%n",
                    n,
                    n == real.size() ? " (the real set)" : "",
                    MatcherCandidates.of(m, empty),
                    (double) fields / events,
                    (double) lookups / events,
                    (double) candidates / events,
                    (double) detections / events,
                    (double) matches[0] / events);
        }
    }
}
