package dev.tripline.rule;

/**
 * Thrown inside a loader to abandon one rule (or one part of it) at a known location; the loader catches it
 * and records a {@link LoadError}, so one bad rule never hides the errors of the next.
 */
public final class RuleSyntaxException extends RuntimeException {
    private final SourceLocation location;

    public RuleSyntaxException(SourceLocation location, String message) {
        super(message);
        this.location = location;
    }

    public SourceLocation location() {
        return location;
    }

    public LoadError toLoadError() {
        return new LoadError(location, getMessage());
    }
}
