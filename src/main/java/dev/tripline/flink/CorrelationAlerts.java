package dev.tripline.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertTitles;
import dev.tripline.alert.Alerts;
import dev.tripline.alert.Evidence;
import dev.tripline.alert.RuleRef;
import dev.tripline.correlate.Fired;
import dev.tripline.rule.CorrelationRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Turns correlation firings into composite alerts: only firings marked {@link Fired#alert()} (a correlation
 * that merely feeds an outer one raises nothing), with the correlation's rule descriptor and its evidence in
 * the alert model. Stateless. A firing that carries its correlation's descriptor ({@link FiredRecord#rule}) is
 * described by it, so alerts follow live rule updates; the rule table given here is the fallback.
 */
public class CorrelationAlerts implements FlatMapFunction<FiredRecord, AlertRecord> {
    private static final long serialVersionUID = 1L;

    private final Map<String, RuleRef> correlations;
    /** Correlation id to its {@code alert_title} template, for those that have one. */
    private final Map<String, String> titleTemplates;

    public CorrelationAlerts(List<CorrelationRule> correlations) {
        Map<String, RuleRef> refs = new LinkedHashMap<>();
        Map<String, String> titles = new LinkedHashMap<>();
        for (CorrelationRule c : correlations) {
            refs.put(c.id(), RuleRef.of(c));
            if (c.alertTitle() != null) {
                titles.put(c.id(), c.alertTitle());
            }
        }
        this.correlations = refs;
        this.titleTemplates = titles;
    }

    @Override
    public void flatMap(FiredRecord record, Collector<AlertRecord> out) {
        if (!record.alert) {
            return;
        }
        out.collect(AlertRecord.of(toAlert(record)));
    }

    /** The alert of a firing, described as the rules that fired it say when the record carries that. */
    Alert toAlert(FiredRecord record) {
        RuleRef carried = record.ruleRef();
        Fired f = record.fired();
        if (carried == null) {
            return toAlert(f);
        }
        return toAlert(f, carried, record.titleTemplate);
    }

    Alert toAlert(Fired f) {
        return toAlert(f, correlations.get(f.correlationId()), titleTemplates.get(f.correlationId()));
    }

    private Alert toAlert(Fired f, RuleRef known, String template) {
        RuleRef rule = known;
        if (rule == null) {
            // A plan the job was not built with cannot fire; a descriptor from the firing keeps the alert anyway.
            rule = RuleRef.of(f.correlationId(), f.title(), f.level(), List.of(), List.of());
        }
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
