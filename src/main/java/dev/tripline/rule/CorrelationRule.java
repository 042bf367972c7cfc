package dev.tripline.rule;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Sigma correlation (meta) rule, parsed and with its references resolved at load time. Evaluation lives
 * in {@code correlate}.
 *
 * @param rules             ids of the referenced rules or correlations, resolved from ids or names
 * @param groupBy           group-by fields (alias names allowed, see {@code aliases})
 * @param condition         threshold bounds, ANDed (e.g. gte 5 and lt 10); empty for temporal types
 *                          without one
 * @param temporalCondition the extended boolean condition over rule names (draft v2.2), or null
 * @param fields            the field(s) that value_* types aggregate; empty for other types
 * @param percentile        the percentile for value_percentile (50 for value_median), or null
 * @param aliases           alias name to (referenced rule id to field name in that rule's events)
 * @param alertTitle        Tripline's {@code alert_title} template for the composite alert, or null for the title;
 *                          placeholders name a group-by field or an evidence field (see docs/alerts.md)
 * @param enabled           false: loaded and tested, but not run (Panther {@code Enabled: false})
 * @param absent            ids of referenced rules that must NOT occur (Panther {@code Absence: true}); temporal
 *                          types only, decided when the window closes (docs/correlation.md, "Absence")
 * @param minCounts         referenced rule id to the signals it needs in the window (Panther {@code MinMatchCount});
 *                          rules not listed need one
 * @param tests             the correlation's tests: events or signals in arrival order and the firings expected
 */
public record CorrelationRule(
        String id,
        String name,
        String title,
        String description,
        Level level,
        List<String> tags,
        List<String> authors,
        Type type,
        List<String> rules,
        List<String> groupBy,
        Duration timespan,
        List<Bound> condition,
        String temporalCondition,
        List<String> fields,
        Double percentile,
        Map<String, Map<String, String>> aliases,
        boolean generate,
        String alertTitle,
        SourceLocation location,
        boolean enabled,
        Set<String> absent,
        Map<String, Integer> minCounts,
        List<CorrelationTestCase> tests)
        implements Serializable {

    /** A correlation without absent steps, minimum counts or tests (Sigma correlations, hand-built ones). */
    public CorrelationRule(
            String id,
            String name,
            String title,
            String description,
            Level level,
            List<String> tags,
            List<String> authors,
            Type type,
            List<String> rules,
            List<String> groupBy,
            Duration timespan,
            List<Bound> condition,
            String temporalCondition,
            List<String> fields,
            Double percentile,
            Map<String, Map<String, String>> aliases,
            boolean generate,
            String alertTitle,
            SourceLocation location) {
        this(
                id,
                name,
                title,
                description,
                level,
                tags,
                authors,
                type,
                rules,
                groupBy,
                timespan,
                condition,
                temporalCondition,
                fields,
                percentile,
                aliases,
                generate,
                alertTitle,
                location,
                true,
                Set.of(),
                Map.of(),
                List.of());
    }

    /** The same correlation with {@code tests} (a loader attaches sidecar tests once they are parsed). */
    public CorrelationRule withTests(List<CorrelationTestCase> more) {
        return copy(enabled, more);
    }

    /** The same correlation, enabled (tests run disabled correlations too). */
    public CorrelationRule asEnabled() {
        return copy(true, tests);
    }

    private CorrelationRule copy(boolean isEnabled, List<CorrelationTestCase> withTests) {
        return new CorrelationRule(
                id,
                name,
                title,
                description,
                level,
                tags,
                authors,
                type,
                rules,
                groupBy,
                timespan,
                condition,
                temporalCondition,
                fields,
                percentile,
                aliases,
                generate,
                alertTitle,
                location,
                isEnabled,
                absent,
                minCounts,
                withTests);
    }

    public CorrelationRule {
        absent = Set.copyOf(absent);
        minCounts = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(minCounts));
        tests = List.copyOf(tests);
        tags = List.copyOf(tags);
        authors = List.copyOf(authors);
        rules = List.copyOf(rules);
        groupBy = List.copyOf(groupBy);
        condition = List.copyOf(condition);
        fields = List.copyOf(fields);
        aliases = Map.copyOf(aliases);
    }

    public enum Type {
        EVENT_COUNT,
        VALUE_COUNT,
        TEMPORAL,
        TEMPORAL_ORDERED,
        VALUE_SUM,
        VALUE_AVG,
        VALUE_PERCENTILE,
        VALUE_MEDIAN,
        /**
         * A signal whose group values (the terms) were not seen within the timespan (the history window) before
         * it: Elastic's {@code new_terms}. One rule, no condition.
         */
        NEW_TERMS
    }

    public enum CompareOp {
        GT,
        GTE,
        LT,
        LTE,
        EQ,
        NEQ
    }

    /** One comparison of the condition, e.g. {@code gte: 5}. */
    public record Bound(CompareOp op, BigDecimal value) implements Serializable {
        public boolean holds(BigDecimal v) {
            int c = v.compareTo(value);
            return switch (op) {
                case GT -> c > 0;
                case GTE -> c >= 0;
                case LT -> c < 0;
                case LTE -> c <= 0;
                case EQ -> c == 0;
                case NEQ -> c != 0;
            };
        }
    }
}
