package dev.tripline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import java.nio.file.Path;
import java.util.List;

/** The flagship rule file and its correlation ids, for the tests that drive it at each layer. */
public final class Flagship {
    public static final String FILE = "rules/aws/cloudtrail/aws_unused_region_then_activity.yml";
    /** EnableRegion of an unapproved region, then resources created there. */
    public static final String REGION_PLAN = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a10";
    /** EnableRegion of an unapproved region, then an access key created. */
    public static final String KEY_PLAN = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a11";

    private Flagship() {}

    /** The flagship file alone, loaded with the default approved regions; fails the test on any load error. */
    public static RuleSet rules() {
        RuleLoader.Result result = Corpus.defaultLoader().load(List.of(Path.of(FILE)));
        assertThat(result.errors()).isEmpty();
        return result.ruleSet();
    }
}
