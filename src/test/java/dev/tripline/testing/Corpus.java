package dev.tripline.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.job.TriplineConfig;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleTestCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The full rule set (SigmaHQ AWS + rules/) and the full event set, shared by the differential test and JMH. */
public final class Corpus {
    private Corpus() {}

    /**
     * The placeholders a default configuration supplies (the shipped approved regions) plus test values for
     * SigmaHQ's placeholder rule.
     */
    public static final Map<String, List<String>> TEST_PLACEHOLDERS = testPlaceholders();

    private static Map<String, List<String>> testPlaceholders() {
        Map<String, List<String>> values =
                new java.util.LinkedHashMap<>(TriplineConfig.defaults().rulePlaceholders());
        values.put("Legitimate_Countries", List.of("DE", "FR"));
        values.put("Legitimate_IP_Ranges", List.of("192.0.2.0/24"));
        return Map.copyOf(values);
    }

    /** The loader every command uses, with a default configuration's placeholders (the shipped approved regions). */
    public static RuleLoader defaultLoader() {
        return RuleLoader.standard(TriplineConfig.defaults().ruleLoadOptions());
    }

    /** Every rule the project knows: SigmaHQ AWS (active and placeholder rules) and the project's rules/. */
    public static List<Rule> allRules() {
        RuleLoader loader = RuleLoader.standard(RuleLoadOptions.defaults().withPlaceholders(TEST_PLACEHOLDERS));
        RuleLoader.Result result = loader.load(List.of(
                SharedData.path("corpus/sigmahq-aws/rules"),
                SharedData.path("corpus/sigmahq-aws/rules-placeholder"),
                Path.of(System.getProperty("tripline.rules", "rules"))));
        if (!result.ok()) {
            throw new IllegalStateException("rules failed to load: " + result.errors());
        }
        return result.ruleSet().rules();
    }

    /**
     * Every rule of elastic/detection-rules' AWS and Azure folders that loads (KQL, EQL, and the queries of
     * threshold, new_terms and sequence rules, the correlations' signal-only rules included); the refused ones
     * (ES|QL, machine learning, other datasets) are left out.
     */
    public static List<Rule> elasticRules() {
        RuleLoader.Result result = RuleLoader.standard(RuleLoadOptions.defaults())
                .load(List.of(
                        SharedData.path("corpus/elastic-detection-rules/aws"),
                        SharedData.path("corpus/elastic-detection-rules/azure")));
        return result.ruleSet().rules();
    }

    /**
     * Every real CloudTrail record plus every rule test event; with {@code caseShifted}, also a copy of each
     * with eventName upper-cased and eventSource lower-cased.
     */
    public static List<Event> allEvents(List<Rule> rules, boolean caseShifted) {
        List<ObjectNode> records = new ArrayList<>(SharedData.allCloudTrailRecords());
        for (Rule r : rules) {
            for (RuleTestCase t : r.tests()) {
                if (t.event() instanceof ObjectNode o) {
                    records.add(o);
                }
            }
        }
        List<Event> events = new ArrayList<>();
        for (ObjectNode o : records) {
            events.add(new Event(LogType.CLOUDTRAIL, o));
            if (caseShifted) {
                events.add(new Event(LogType.CLOUDTRAIL, caseShift(o)));
            }
        }
        return events;
    }

    /** A copy of {@code o} with eventName upper-cased and eventSource lower-cased (case-insensitive rules match both). */
    public static ObjectNode caseShift(ObjectNode o) {
        ObjectNode copy = o.deepCopy();
        if (copy.get("eventName") instanceof TextNode n) {
            copy.put("eventName", n.textValue().toUpperCase(Locale.ROOT));
        }
        if (copy.get("eventSource") instanceof TextNode s) {
            copy.put("eventSource", s.textValue().toLowerCase(Locale.ROOT));
        }
        return copy;
    }
}
