package dev.tripline.correlate;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * A correlation that fired for one group: the composite alert's content before rendering.
 *
 * @param group     group-by field (as written in the correlation) to value
 * @param firstSeen event time of the earliest contributing signal, epoch millis
 * @param lastSeen  event time of the latest contributing signal, epoch millis
 * @param count     number of signals in the match
 * @param value     the aggregate compared with the condition (count, distinct count, sum, average, percentile,
 *                  or the number of rules present for temporal types)
 * @param evidence  contributing events in time order, at most the plan's evidence limit
 * @param alert     false when the correlation only feeds an outer correlation (referenced without generate)
 */
public record Fired(
        String correlationId,
        String title,
        Level level,
        CorrelationRule.Type type,
        Map<String, String> group,
        long firstSeen,
        long lastSeen,
        int count,
        BigDecimal value,
        List<Evidence> evidence,
        boolean alert) {
    public Fired {
        group = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(group));
        evidence = List.copyOf(evidence);
    }
}
