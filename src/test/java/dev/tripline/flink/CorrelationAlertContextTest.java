package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.alert.Alert;
import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Fired;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A composite alert names the input rule of each evidence event and carries the correlation's aggregate. */
class CorrelationAlertContextTest {
    @Test
    void contextHoldsTheAggregateAndTheRuleOfEachEvidenceEvent() {
        Fired f = new Fired(
                "c-sum",
                "Bytes out",
                Level.HIGH,
                CorrelationRule.Type.VALUE_SUM,
                Map.of("account", "123456789012"),
                1_000,
                2_000,
                2,
                new BigDecimal("1536.5"),
                List.of(
                        new Evidence("rule-a", "e1", 1_000, "GetObject", "s3.amazonaws.com", "us-east-1", Map.of()),
                        new Evidence("rule-b", "e2", 2_000, "GetObject", "s3.amazonaws.com", "us-east-1", Map.of())),
                true);
        Alert a = CorrelationAlerts.toAlert(
                f, dev.tripline.alert.RuleRef.of(f.correlationId(), f.title(), f.level(), List.of(), List.of()), null);
        Map<String, JsonNode> context = a.context();
        assertThat(context.get("correlation_type").asText()).isEqualTo("value_sum");
        assertThat(context.get("aggregate").decimalValue()).isEqualByComparingTo("1536.5");
        assertThat(context.get("evidence_rules")).extracting(JsonNode::asText).containsExactly("rule-a", "rule-b");
        assertThat(a.evidence()).extracting(e -> e.eventId()).containsExactly("e1", "e2");
    }
}
