package dev.tripline.rule.sigma;

import dev.tripline.rule.ValuePredicate;
import java.util.ArrayList;
import java.util.List;

/**
 * A Sigma string value after escape processing: literal characters plus the wildcards {@code *} and {@code ?},
 * held as one string in which the wildcards are private-use characters. Keeping one flat string lets the
 * value modifiers (windash, contains, base64 …) work with ordinary string operations before the result is
 * turned into the cheapest {@link ValuePredicate} that expresses it.
 */
final class SigmaPattern {
    static final char ANY_RUN = '\uE000';
    static final char ANY_CHAR = '\uE001';

    private SigmaPattern() {}

    /**
     * Applies Sigma's escaping: only {@code \*}, {@code \?} and {@code \\} are escapes; any other backslash,
     * a trailing one included, is a literal backslash.
     */
    static String parse(String raw) {
        StringBuilder b = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\') {
                if (i + 1 < raw.length()) {
                    char n = raw.charAt(i + 1);
                    if (n == '*' || n == '?' || n == '\\') {
                        b.append(n);
                        i++;
                        continue;
                    }
                }
                b.append('\\');
            } else if (c == '*') {
                b.append(ANY_RUN);
            } else if (c == '?') {
                b.append(ANY_CHAR);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static boolean hasWildcard(String pattern) {
        return pattern.indexOf(ANY_RUN) >= 0 || pattern.indexOf(ANY_CHAR) >= 0;
    }

    /** True if the text holds the private-use characters this class uses for wildcards. */
    static boolean hasReservedChars(String raw) {
        return raw.indexOf(ANY_RUN) >= 0 || raw.indexOf(ANY_CHAR) >= 0;
    }

    static String wrap(String pattern, boolean leading, boolean trailing) {
        String p = pattern;
        if (leading && (p.isEmpty() || p.charAt(0) != ANY_RUN)) {
            p = ANY_RUN + p;
        }
        if (trailing && (p.isEmpty() || p.charAt(p.length() - 1) != ANY_RUN)) {
            p = p + ANY_RUN;
        }
        return p;
    }

    /**
     * The cheapest test for a pattern: a plain {@link ValuePredicate.Text} when wildcards appear only as leading or
     * trailing {@code *} runs, a {@link ValuePredicate.Glob} otherwise.
     */
    static ValuePredicate toTest(String pattern, boolean caseSensitive) {
        int start = 0;
        int end = pattern.length();
        while (start < end && pattern.charAt(start) == ANY_RUN) {
            start++;
        }
        while (end > start && pattern.charAt(end - 1) == ANY_RUN) {
            end--;
        }
        String middle = pattern.substring(start, end);
        if (hasWildcard(middle)) {
            return new ValuePredicate.Glob(globParts(pattern), caseSensitive);
        }
        boolean leading = start > 0;
        boolean trailing = end < pattern.length();
        ValuePredicate.Mode mode = leading && trailing
                ? ValuePredicate.Mode.CONTAINS
                : leading
                        ? ValuePredicate.Mode.SUFFIX
                        : trailing ? ValuePredicate.Mode.PREFIX : ValuePredicate.Mode.EQUALS;
        return new ValuePredicate.Text(mode, middle, caseSensitive);
    }

    private static List<ValuePredicate.GlobPart> globParts(String pattern) {
        List<ValuePredicate.GlobPart> parts = new ArrayList<>();
        StringBuilder run = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == ANY_RUN || c == ANY_CHAR) {
                if (run.length() > 0) {
                    parts.add(ValuePredicate.GlobPart.literal(run.toString()));
                    run.setLength(0);
                }
                parts.add(c == ANY_RUN ? ValuePredicate.GlobPart.ANY_RUN : ValuePredicate.GlobPart.ANY_CHAR);
            } else {
                run.append(c);
            }
        }
        if (run.length() > 0) {
            parts.add(ValuePredicate.GlobPart.literal(run.toString()));
        }
        return parts;
    }

    /** For messages: the pattern written back with Sigma's escaping. */
    static String display(String pattern) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            switch (c) {
                case ANY_RUN -> b.append('*');
                case ANY_CHAR -> b.append('?');
                case '*', '?', '\\' -> b.append('\\').append(c);
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
