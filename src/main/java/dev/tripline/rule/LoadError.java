package dev.tripline.rule;

/** One problem found while loading rules, with where it is. Load errors are collected, never thrown one by one. */
public record LoadError(SourceLocation location, String message) {
    @Override
    public String toString() {
        return location + ": " + message;
    }
}
