package dev.tripline.testing;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Small hand-made programs for the tests of the correlation engine and its pruning: a Sigma detection rule per id
 * (title and id the id, matching {@code eventName} equal to the id in upper case), then the correlations a test
 * writes over them.
 */
public final class LetterRules {
    private LetterRules() {}

    /** The detection rules {@code ids}: one YAML text, its documents separated by {@code ---}, ending in a newline. */
    public static String detections(String... ids) {
        return Arrays.stream(ids)
                .map(id -> """
                        title: %1$s
                        id: %1$s
                        logsource: {product: aws, service: cloudtrail}
                        detection: {sel: {eventName: %2$s}, condition: sel}
                        """.formatted(id, id.toUpperCase(Locale.ROOT)))
                .collect(Collectors.joining("---\n"));
    }

    /**
     * The engine of the detection rules {@code ids} and {@code correlations} (YAML documents, each after a
     * {@code ---}); fails on any load error. The engine's own errors are the caller's to check.
     */
    public static CorrelationEngine engine(String correlations, String... ids) {
        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("t.yml", null, detections(ids) + correlations)));
        if (!r.errors().isEmpty()) {
            throw new IllegalStateException("rules failed to load: " + r.errors());
        }
        return CorrelationEngine.compile(r.ruleSet());
    }
}
