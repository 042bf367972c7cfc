package dev.tripline.rule.elastic;

import dev.tripline.rule.SourceLocation;

/**
 * Where keys and string values sit in a TOML file. The TOML reader gives values without positions, so the
 * loader finds a key by its line ({@code key = ...} at the start of a line, as Elastic's files are written) to
 * put errors at file:line:col, and the start of a string value to map positions inside a query.
 */
final class TomlPositions {
    private final String file;
    private final String text;

    TomlPositions(String file, String text) {
        this.file = file;
        this.text = text;
    }

    /** The location of the first line assigning {@code key}, or the file's start when there is none. */
    SourceLocation key(String key) {
        int at = keyOffset(key);
        return at < 0 ? SourceLocation.ofFile(file) : location(at);
    }

    /**
     * The query text as a {@link QueryText} positioned at the first character of the value of {@code key}:
     * after the opening quotes, and past the newline a multi-line string starts with.
     */
    QueryText stringValue(String key, String value) {
        int at = keyOffset(key);
        if (at < 0) {
            return new QueryText(value, SourceLocation.ofFile(file));
        }
        int i = text.indexOf('=', at) + 1;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        if (text.startsWith("'''", i) || text.startsWith("\"\"\"", i)) {
            i += 3;
            if (text.startsWith("\r\n", i)) {
                i += 2;
            } else if (i < text.length() && text.charAt(i) == '\n') {
                i++;
            }
        } else if (i < text.length() && (text.charAt(i) == '\'' || text.charAt(i) == '"')) {
            i++;
        }
        return new QueryText(value, location(i));
    }

    private int keyOffset(String key) {
        int from = 0;
        while (from <= text.length()) {
            int end = text.indexOf('\n', from);
            String line = text.substring(from, end < 0 ? text.length() : end);
            String trimmed = line.stripLeading();
            if (trimmed.startsWith(key)) {
                String rest = trimmed.substring(key.length()).stripLeading();
                if (rest.startsWith("=")) {
                    return from + (line.length() - trimmed.length());
                }
            }
            if (end < 0) {
                break;
            }
            from = end + 1;
        }
        return -1;
    }

    private SourceLocation location(int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new SourceLocation(file, line, offset - lineStart + 1);
    }
}
