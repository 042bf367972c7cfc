package dev.tripline.rule;

import java.util.List;
import java.util.Map;

/**
 * What loading rules depends on besides the files.
 *
 * @param placeholders values for Sigma {@code |expand} placeholders, by name without the percent signs
 *                     (e.g. {@code approved_regions}); a rule using an unknown placeholder fails to load
 * @param maxFileBytes files larger than this are rejected unread
 * @param accountPlaceholders per-account values of a placeholder, by placeholder name then account id: an
 *                     event of such an account is tested against its own values instead of the global ones
 *                     (e.g. {@code regions.accounts} overriding {@code approved_regions})
 */
public record RuleLoadOptions(
        Map<String, List<String>> placeholders,
        long maxFileBytes,
        Map<String, Map<String, List<String>>> accountPlaceholders) {
    public static final long DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

    public RuleLoadOptions {
        placeholders = Map.copyOf(placeholders);
        accountPlaceholders = Map.copyOf(accountPlaceholders);
    }

    public RuleLoadOptions(Map<String, List<String>> placeholders, long maxFileBytes) {
        this(placeholders, maxFileBytes, Map.of());
    }

    public static RuleLoadOptions defaults() {
        return new RuleLoadOptions(Map.of(), DEFAULT_MAX_FILE_BYTES);
    }

    public RuleLoadOptions withPlaceholders(Map<String, List<String>> values) {
        return new RuleLoadOptions(values, maxFileBytes, accountPlaceholders);
    }

    public RuleLoadOptions withAccountPlaceholders(Map<String, Map<String, List<String>>> values) {
        return new RuleLoadOptions(placeholders, maxFileBytes, values);
    }
}
