package dev.tripline.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertTitles;
import dev.tripline.alert.Alerts;
import dev.tripline.alert.DedupPolicy;
import dev.tripline.alert.Evidence;
import dev.tripline.alert.RuleRef;
import dev.tripline.correlate.Fired;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Turns correlation firings into composite alerts: only firings marked {@link Fired#alert()} (a correlation
 * that merely feeds an outer one raises nothing), described by the rule descriptor the firing carries (so alerts
 * follow live rule updates), with its evidence in the alert model, and to be deduplicated under the job's
 * correlation suppression. Stateless.
 */
public class CorrelationAlerts implements FlatMapFunction<FiredRecord, AlertRecord> {
    private static final long serialVersionUID = 2L;

    private final DedupPolicy suppression;

    /** @param suppression a correlation alerts at most once per group per this policy's period */
    public CorrelationAlerts(DedupPolicy suppression) {
        this.suppression = suppression;
    }

    @Override
    public void flatMap(FiredRecord record, Collector<AlertRecord> out) {
        if (!record.alert) {
            return;
        }
        out.collect(AlertRecord.of(toAlert(record), suppression));
    }

    /** The alert of a firing, described as the rules that fired it say. */
    Alert toAlert(FiredRecord record) {
        return toAlert(record.fired(), record.ruleRef(), record.titleTemplate);
    }

    static Alert toAlert(Fired f, RuleRef rule, String template) {
        List<Evidence> evidence = new ArrayList<>(f.evidence().size());
        for (dev.tripline.correlate.Evidence e : f.evidence()) {
            Map<String, JsonNode> fields = new LinkedHashMap<>();
            e.fields().forEach((k, v) -> fields.put(k, JsonNodeFactory.instance.textNode(v)));
            evidence.add(new Evidence(
                    e.eventId(), e.eventTimeMillis(), e.eventName(), e.eventSource(), e.awsRegion(), fields));
        }
        String title = template == null ? f.title() : AlertTitles.renderCorrelation(template, f.group(), evidence);
        // The aggregate compared with the condition, and the input rule each evidence event matched, in order.
        Map<String, JsonNode> context = new LinkedHashMap<>();
        context.put(
                "correlation_type",
                JsonNodeFactory.instance.textNode(f.type().name().toLowerCase(Locale.ROOT)));
        context.put("aggregate", JsonNodeFactory.instance.numberNode(f.value()));
        com.fasterxml.jackson.databind.node.ArrayNode rules = JsonNodeFactory.instance.arrayNode();
        f.evidence().forEach(e -> rules.add(e.ruleId()));
        context.put("evidence_rules", rules);
        return Alerts.correlation(rule, f.group(), evidence, f.count(), title, context);
    }
}
