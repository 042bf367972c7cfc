package dev.tripline.rule;

/** The file format a rule was written in. */
public enum RuleFormat {
    SIGMA,
    PANTHER,
    ELASTIC
}
