package dev.tripline.cli;

import dev.tripline.job.TriplineConfig;
import dev.tripline.rule.RuleLoadOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command that loads rules shares: the config file and flag overrides for placeholders. */
final class RuleOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "Tripline configuration (YAML).")
    Path config;

    @Option(
            names = "--approved-regions",
            paramLabel = "REGION",
            split = ",",
            description = "Approved AWS regions (replaces regions.approved; the per-account lists of "
                    + "regions.accounts still apply), e.g. us-east-1,eu-west-1.")
    List<String> approvedRegions;

    @Option(
            names = "--placeholder",
            paramLabel = "NAME=V1,V2",
            description = "Value(s) for a Sigma |expand placeholder, repeatable.")
    Map<String, String> placeholders = new LinkedHashMap<>();

    @Option(
            names = {"-q", "--quiet"},
            description = "Do not print rule warnings (errors are always printed; the summary still counts them).")
    boolean quiet;

    /** The effective configuration: file (or defaults), then flags. */
    TriplineConfig config() throws TriplineConfig.ConfigException {
        TriplineConfig c = config == null ? TriplineConfig.defaults() : TriplineConfig.load(config);
        if (approvedRegions != null) {
            c = c.withApprovedRegions(TriplineConfig.validateRegions("--approved-regions", approvedRegions));
        }
        return c;
    }

    /**
     * For a job (run, hunt): the new_terms history start when the configuration sets none, in epoch millis: a
     * hunt's {@code --from}, else unknown ({@link Long#MAX_VALUE}: new_terms rules only learn). Null for the
     * {@code rules} commands, whose correlations take what they are fed as the whole history.
     */
    Long jobNewTermsHistoryStart;

    /** The options rules load with: the configuration's placeholders, then the flags'. */
    RuleLoadOptions loadOptions() throws TriplineConfig.ConfigException {
        TriplineConfig c = config();
        Map<String, List<String>> values = new LinkedHashMap<>(c.rulePlaceholders());
        placeholders.forEach((k, v) -> values.put(k, List.of(v.split(","))));
        RuleLoadOptions o = c.ruleLoadOptions().withPlaceholders(values);
        if (jobNewTermsHistoryStart != null && c.settings().newTermsHistoryStart() == null) {
            o = o.withNewTermsHistoryStart(jobNewTermsHistoryStart);
        }
        return o;
    }
}
