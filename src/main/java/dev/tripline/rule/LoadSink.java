package dev.tripline.rule;

import java.util.ArrayList;
import java.util.List;

/** Collects what loaders produce: rules, correlations, filters, errors (which fail the load) and warnings (which do not). */
public final class LoadSink {
    private final RuleLoadOptions options;
    private final List<Rule> rules = new ArrayList<>();
    private final List<CorrelationRule> correlations = new ArrayList<>();
    private final List<RuleFilter> filters = new ArrayList<>();
    private final List<LoadError> errors = new ArrayList<>();
    private final List<LoadError> warnings = new ArrayList<>();

    public LoadSink(RuleLoadOptions options) {
        this.options = options;
    }

    public RuleLoadOptions options() {
        return options;
    }

    public void add(Rule rule) {
        rules.add(rule);
    }

    public void add(CorrelationRule correlation) {
        correlations.add(correlation);
    }

    public void add(RuleFilter filter) {
        filters.add(filter);
    }

    public void error(LoadError error) {
        errors.add(error);
    }

    public void error(SourceLocation at, String message) {
        errors.add(new LoadError(at, message));
    }

    public void warning(SourceLocation at, String message) {
        warnings.add(new LoadError(at, message));
    }

    /** The rules so far; {@link FormatLoader#finish} may replace entries (e.g. to mark signal-only rules). */
    public List<Rule> rules() {
        return rules;
    }

    public List<CorrelationRule> correlations() {
        return correlations;
    }

    public List<RuleFilter> filters() {
        return filters;
    }

    public List<LoadError> errors() {
        return errors;
    }

    public List<LoadError> warnings() {
        return warnings;
    }
}
