package dev.tripline.rule;

import java.io.Serializable;

/** Where something was written: 1-based line and column, printed as {@code file:line:col}. */
public record SourceLocation(String file, int line, int column) implements Serializable {
    public static SourceLocation ofFile(String file) {
        return new SourceLocation(file, 1, 1);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
