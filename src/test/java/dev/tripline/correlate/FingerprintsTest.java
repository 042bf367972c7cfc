package dev.tripline.correlate;

import static dev.tripline.testing.Flagship.KEY_PLAN;
import static dev.tripline.testing.Flagship.REGION_PLAN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.FieldPath;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.ValuePredicate;
import dev.tripline.testing.Flagship;
import dev.tripline.testing.RuleVariants;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What changes a correlation's fingerprint (its state is dropped at a rollout) and what does not. */
class FingerprintsTest {

    static String fingerprint(RuleSet rules, String id) {
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        assertThat(engine.errors()).isEmpty();
        return engine.plan(id).fingerprint();
    }

    @Test
    void theSameRulesLoadedTwiceHaveTheSameFingerprints() {
        assertThat(fingerprint(Flagship.rules(), REGION_PLAN))
                .isEqualTo(fingerprint(Flagship.rules(), REGION_PLAN))
                .hasSize(Fingerprints.LENGTH)
                .matches("[0-9a-f]+");
        assertThat(fingerprint(Flagship.rules(), REGION_PLAN)).isNotEqualTo(fingerprint(Flagship.rules(), KEY_PLAN));
    }

    @Test
    void wordingLevelsAndAlertTitlesDoNotCount() {
        RuleSet reworded = RuleVariants.withCorrelation(Flagship.rules(), REGION_PLAN, RuleVariants::retitled);
        assertThat(fingerprint(reworded, REGION_PLAN)).isEqualTo(fingerprint(Flagship.rules(), REGION_PLAN));
    }

    @Test
    void aChangedTimespanCountsForThatCorrelationOnly() {
        RuleSet retimed = RuleVariants.withCorrelation(Flagship.rules(), KEY_PLAN, RuleVariants::retimed);
        assertThat(fingerprint(retimed, KEY_PLAN)).isNotEqualTo(fingerprint(Flagship.rules(), KEY_PLAN));
        assertThat(fingerprint(retimed, REGION_PLAN)).isEqualTo(fingerprint(Flagship.rules(), REGION_PLAN));
    }

    @Test
    void aChangedApprovedRegionListCountsForTheCorrelationsThatUseIt() {
        RuleSet other = RuleLoader.standard(RuleLoadOptions.defaults()
                        .withPlaceholders(Map.of("approved_regions", List.of("us-east-1", "eu-west-1"))))
                .load(List.of(Path.of(Flagship.FILE)))
                .ruleSet();
        // Both flagship correlations start from the EnableRegion-outside-the-approved-list rule.
        assertThat(fingerprint(other, REGION_PLAN)).isNotEqualTo(fingerprint(Flagship.rules(), REGION_PLAN));
        assertThat(fingerprint(other, KEY_PLAN)).isNotEqualTo(fingerprint(Flagship.rules(), KEY_PLAN));
    }

    @Test
    void anInputRulesEvidenceFieldsCountSinceTheStatePacksEvidenceAgainstThem() {
        RuleSet base = Flagship.rules();
        String input = base.correlation(KEY_PLAN).orElseThrow().rules().get(0);
        List<Rule> changed = new ArrayList<>();
        for (Rule r : base.rules()) {
            if (r.id().equals(input) || input.equals(r.name())) {
                List<FieldPath> fields = new ArrayList<>(r.outputFields());
                java.util.Collections.reverse(fields);
                r = new Rule(
                        r.id(),
                        r.name(),
                        r.title(),
                        r.description(),
                        r.format(),
                        r.level(),
                        r.tags(),
                        r.authors(),
                        r.references(),
                        r.runbook(),
                        r.logTypes(),
                        r.detection(),
                        r.enabled(),
                        r.signalOnly(),
                        r.dedupPeriodMinutes(),
                        r.threshold(),
                        fields,
                        r.alertTitle(),
                        r.alertContext(),
                        r.groupBy(),
                        r.tests(),
                        r.location());
            }
            changed.add(r);
        }
        assertThat(fingerprint(new RuleSet(changed, base.correlations()), KEY_PLAN))
                .isNotEqualTo(fingerprint(base, KEY_PLAN));
    }

    @Test
    void aChangedInputRuleCountsButAnUnrelatedRuleDoesNot() {
        RuleSet base = Flagship.rules();
        String input = base.correlation(KEY_PLAN).orElseThrow().rules().get(1);
        List<Rule> changedInput = new ArrayList<>();
        List<Rule> withExtra = new ArrayList<>(base.rules());
        for (Rule r : base.rules()) {
            changedInput.add(
                    r.id().equals(input) || input.equals(r.name())
                            ? RuleVariants.withDetection(
                                    r,
                                    r.id(),
                                    new Expr.And(
                                            List.of(r.detection(), new Expr.Exists(FieldPath.of("sourceIPAddress")))))
                            : r);
        }
        withExtra.add(RuleVariants.withDetection(base.rules().get(0), "unrelated-rule", new Expr.Const(true)));
        assertThat(fingerprint(new RuleSet(changedInput, base.correlations()), KEY_PLAN))
                .isNotEqualTo(fingerprint(base, KEY_PLAN));
        assertThat(fingerprint(new RuleSet(withExtra, base.correlations()), KEY_PLAN))
                .isEqualTo(fingerprint(base, KEY_PLAN));
    }

    @Test
    void setOrderAndSelectionNamesDoNotCount() {
        LinkedHashSet<String> ab = new LinkedHashSet<>(List.of("a", "b", "c"));
        LinkedHashSet<String> ba = new LinkedHashSet<>(List.of("c", "b", "a"));
        StringBuilder x = new StringBuilder();
        StringBuilder y = new StringBuilder();
        Fingerprints.expr(
                new Expr.Selection(
                        "one", new Expr.Match(FieldPath.of("eventName"), new ValuePredicate.OneOf(ab, false))),
                x);
        Fingerprints.expr(
                new Expr.Selection(
                        "two", new Expr.Match(FieldPath.of("eventName"), new ValuePredicate.OneOf(ba, false))),
                y);
        assertThat(x.toString()).isEqualTo(y.toString());
        StringBuilder cidr = new StringBuilder();
        Fingerprints.expr(
                new Expr.Match(FieldPath.of("sourceIPAddress"), ValuePredicate.Cidr.parse("10.0.0.0/8")), cidr);
        assertThat(cidr.toString()).isEqualTo("match(sourceIPAddress,cidr(0a000000/8))");
    }
}
