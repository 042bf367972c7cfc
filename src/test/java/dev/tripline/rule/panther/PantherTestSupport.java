package dev.tripline.rule.panther;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import java.util.List;

/** Loads Panther rules from strings and evaluates them, for the tests of this package. */
final class PantherTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();

    private PantherTestSupport() {}

    static RuleLoader.Result load(String yaml) {
        return new RuleLoader(RuleLoadOptions.defaults(), List.of(new PantherLoader()))
                .loadFiles(List.of(new SourceFile("r.yml", null, yaml)));
    }

    /** A minimal rule around {@code body}, which is written at top level (e.g. "Detection:\n  - ..."). */
    static String ruleText(String body) {
        return "AnalysisType: rule\nRuleID: Test.Rule\nSeverity: Low\nLogTypes: [AWS.CloudTrail]\n" + body;
    }

    static Rule rule(String body) {
        RuleLoader.Result r = load(ruleText(body));
        if (!r.ok()) {
            throw new AssertionError("load errors: " + r.errors());
        }
        return r.ruleSet().rules().get(0);
    }

    static Event event(String json) {
        try {
            return new Event(LogType.CLOUDTRAIL, (ObjectNode) JSON.readTree(json));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static boolean matches(String body, String json) {
        return ReferenceEvaluator.matches(rule(body), event(json));
    }
}
