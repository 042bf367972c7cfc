package dev.tripline.rule;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Map;

/**
 * One test case shipped with a rule: an event and whether the rule must match it. {@code mocks} replace the
 * rule's named lists for this test only (Panther's {@code Mocks:} with {@code objectName}/{@code returnValue}).
 */
public record RuleTestCase(
        String name, JsonNode event, boolean expected, Map<String, JsonNode> mocks, SourceLocation location)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public RuleTestCase {
        mocks = Map.copyOf(mocks);
    }
}
