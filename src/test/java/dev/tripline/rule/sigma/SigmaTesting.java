package dev.tripline.rule.sigma;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import java.util.List;
import java.util.Map;

/** Helpers shared by the Sigma tests: load rule text in memory and evaluate events with the reference evaluator. */
final class SigmaTesting {
    static final ObjectMapper JSON = new ObjectMapper();

    private SigmaTesting() {}

    static RuleLoader.Result load(String text) {
        return load(text, Map.of());
    }

    static RuleLoader.Result load(String text, Map<String, List<String>> placeholders) {
        RuleLoader loader =
                new RuleLoader(RuleLoadOptions.defaults().withPlaceholders(placeholders), List.of(new SigmaLoader()));
        return loader.loadFiles(List.of(new SourceFile("t.yml", null, text)));
    }

    /** A CloudTrail rule with the given detection body (indented by the caller as YAML under 'detection:'). */
    static String rule(String detection) {
        return "title: t\nid: r1\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n" + detection;
    }

    static Rule one(String detection) {
        return one(detection, Map.of());
    }

    static Rule one(String detection, Map<String, List<String>> placeholders) {
        RuleLoader.Result r = load(rule(detection), placeholders);
        assertThat(r.errors()).as("load errors").isEmpty();
        assertThat(r.ruleSet().rules()).hasSize(1);
        return r.ruleSet().rules().get(0);
    }

    /** The single error of loading this detection. */
    static LoadError error(String detection) {
        RuleLoader.Result r = load(rule(detection));
        assertThat(r.errors()).as("errors").hasSize(1);
        return r.errors().get(0);
    }

    static boolean matches(Rule rule, String eventJson) {
        return matches(rule, LogType.CLOUDTRAIL, eventJson);
    }

    static boolean matches(Rule rule, LogType type, String eventJson) {
        try {
            return ReferenceEvaluator.matches(rule, new Event(type, (ObjectNode) JSON.readTree(eventJson)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
