package dev.tripline.rule;

import java.util.List;
import java.util.Map;

/**
 * What loading and compiling rules depends on besides the files.
 *
 * @param placeholders values for Sigma {@code |expand} placeholders, by name without the percent signs
 *                     (e.g. {@code approved_regions}); a rule using an unknown placeholder fails to load
 * @param maxFileBytes files larger than this are rejected unread
 * @param accountPlaceholders per-account values of a placeholder, by placeholder name then account id: an
 *                     event of such an account is tested against its own values instead of the global ones
 *                     (e.g. {@code regions.accounts} overriding {@code approved_regions})
 * @param maxSlotsPerRule the most slots (instants, or instant and value) of one rule a correlation group keeps
 *                     (docs/correlation.md, "Limits"); part of every correlation's fingerprint
 * @param newTermsHistoryStart the event time (epoch millis) from which a job has seen its input: new_terms rules
 *                     learn for one history window from it (docs/elastic.md); {@link Long#MIN_VALUE}: what they
 *                     are fed is the whole history (the default); {@link Long#MAX_VALUE}: unknown, they only learn
 */
public record RuleLoadOptions(
        Map<String, List<String>> placeholders,
        long maxFileBytes,
        Map<String, Map<String, List<String>>> accountPlaceholders,
        int maxSlotsPerRule,
        long newTermsHistoryStart) {
    public static final long DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_SLOTS_PER_RULE = 10_000;
    /** Bounds of {@link #maxSlotsPerRule}: at least a pair, at most what a group's index can hold sanely. */
    public static final int MIN_SLOTS_PER_RULE = 2;

    public static final int MAX_SLOTS_PER_RULE = 1_000_000;

    public RuleLoadOptions {
        placeholders = Map.copyOf(placeholders);
        accountPlaceholders = Map.copyOf(accountPlaceholders);
        if (maxSlotsPerRule < MIN_SLOTS_PER_RULE || maxSlotsPerRule > MAX_SLOTS_PER_RULE) {
            throw new IllegalArgumentException("max slots per rule must be " + MIN_SLOTS_PER_RULE + " to "
                    + MAX_SLOTS_PER_RULE + ", got " + maxSlotsPerRule);
        }
    }

    public RuleLoadOptions(
            Map<String, List<String>> placeholders,
            long maxFileBytes,
            Map<String, Map<String, List<String>>> accountPlaceholders,
            int maxSlotsPerRule) {
        this(placeholders, maxFileBytes, accountPlaceholders, maxSlotsPerRule, Long.MIN_VALUE);
    }

    public RuleLoadOptions(Map<String, List<String>> placeholders, long maxFileBytes) {
        this(placeholders, maxFileBytes, Map.of(), DEFAULT_MAX_SLOTS_PER_RULE);
    }

    public static RuleLoadOptions defaults() {
        return new RuleLoadOptions(Map.of(), DEFAULT_MAX_FILE_BYTES);
    }

    public RuleLoadOptions withPlaceholders(Map<String, List<String>> values) {
        return new RuleLoadOptions(values, maxFileBytes, accountPlaceholders, maxSlotsPerRule, newTermsHistoryStart);
    }

    public RuleLoadOptions withAccountPlaceholders(Map<String, Map<String, List<String>>> values) {
        return new RuleLoadOptions(placeholders, maxFileBytes, values, maxSlotsPerRule, newTermsHistoryStart);
    }

    public RuleLoadOptions withMaxSlotsPerRule(int slots) {
        return new RuleLoadOptions(placeholders, maxFileBytes, accountPlaceholders, slots, newTermsHistoryStart);
    }

    public RuleLoadOptions withNewTermsHistoryStart(long millis) {
        return new RuleLoadOptions(placeholders, maxFileBytes, accountPlaceholders, maxSlotsPerRule, millis);
    }
}
