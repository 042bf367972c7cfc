package dev.tripline.match;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Level;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFormat;
import dev.tripline.rule.SourceLocation;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds rules and events by hand for matcher tests that must not depend on a rule format's loader. */
final class TestRules {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestRules() {}

    static Rule rule(String id, Expr detection) {
        return new Rule(
                id,
                null,
                id,
                "",
                RuleFormat.SIGMA,
                Level.MEDIUM,
                List.of(),
                List.of(),
                List.of(),
                null,
                Set.of(LogType.CLOUDTRAIL),
                detection,
                true,
                false,
                null,
                1,
                List.of(),
                null,
                Map.of(),
                List.of(),
                List.of(),
                SourceLocation.ofFile(id + ".yml"));
    }

    static Event event(String json) {
        try {
            return new Event(LogType.CLOUDTRAIL, (ObjectNode) JSON.readTree(json));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
