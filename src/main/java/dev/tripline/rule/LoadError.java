package dev.tripline.rule;

import java.io.Serializable;

/**
 * One problem found while loading rules, with where it is. Load errors are collected, never thrown one by one.
 * {@code location} is null only for a problem of a whole rule set that no file position names (e.g. an update
 * that holds no rule file).
 */
public record LoadError(SourceLocation location, String message) implements Serializable {
    @Override
    public String toString() {
        return location == null ? message : location + ": " + message;
    }
}
