package dev.tripline.testing;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Level;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Changed copies of loaded rules, for tests of what a rollout keeps and drops. */
public final class RuleVariants {
    private RuleVariants() {}

    public static RuleSet withCorrelation(RuleSet rules, String id, UnaryOperator<CorrelationRule> change) {
        List<CorrelationRule> out = new ArrayList<>();
        for (CorrelationRule c : rules.correlations()) {
            out.add(c.id().equals(id) ? change.apply(c) : c);
        }
        return new RuleSet(rules.rules(), out);
    }

    public static CorrelationRule retitled(CorrelationRule c) {
        return new CorrelationRule(
                c.id(),
                c.name(),
                "Another title",
                "Another description",
                Level.LOW,
                List.of("attack.t0000"),
                List.of("someone else"),
                c.type(),
                c.rules(),
                c.groupBy(),
                c.timespan(),
                c.condition(),
                c.temporalCondition(),
                c.fields(),
                c.percentile(),
                c.aliases(),
                !c.generate(),
                "Other {principal}",
                c.location());
    }

    public static CorrelationRule retimed(CorrelationRule c) {
        return new CorrelationRule(
                c.id(),
                c.name(),
                c.title(),
                c.description(),
                c.level(),
                c.tags(),
                c.authors(),
                c.type(),
                c.rules(),
                c.groupBy(),
                c.timespan().plus(Duration.ofMinutes(30)),
                c.condition(),
                c.temporalCondition(),
                c.fields(),
                c.percentile(),
                c.aliases(),
                c.generate(),
                c.alertTitle(),
                c.location());
    }

    public static Rule withDetection(Rule r, String id, Expr detection) {
        return new Rule(
                id,
                id.equals(r.id()) ? r.name() : null,
                r.title(),
                r.description(),
                r.format(),
                r.level(),
                r.tags(),
                r.authors(),
                r.references(),
                r.runbook(),
                r.logTypes(),
                detection,
                r.enabled(),
                r.signalOnly(),
                r.dedupPeriodMinutes(),
                r.threshold(),
                r.outputFields(),
                r.alertTitle(),
                r.alertContext(),
                r.groupBy(),
                r.tests(),
                r.location());
    }
}
