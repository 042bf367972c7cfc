package dev.tripline.match;

/**
 * Finds a literal that every match of a regular expression must contain, so the compiled matcher can reject
 * most values with one {@code indexOf} before running the regex engine. Conservative by design: it only reads
 * the top level of the pattern, gives up on alternation and inline flags, and treats groups, classes, escapes
 * other than escaped punctuation, and optional or repeated-zero characters as breaks between literal runs.
 * Returning null (no prefilter) is always safe; the differential test checks it against the plain regex.
 */
final class RegexLiterals {
    private RegexLiterals() {}

    /** The longest required literal of {@code pattern}, or null when none can be proven. */
    static String requiredLiteral(String pattern) {
        String best = null;
        StringBuilder run = new StringBuilder();
        int depth = 0;
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (depth == 0 && c == '|') {
                return null; // top-level alternation: no single literal is required
            }
            if (c == '(') {
                if (i + 1 < pattern.length()
                        && pattern.charAt(i + 1) == '?'
                        && depth == 0
                        && (i + 2 >= pattern.length() || pattern.charAt(i + 2) != ':')) {
                    return null; // inline flags change how literals match
                }
                best = longer(best, run);
                run.setLength(0);
                depth++;
                i++;
                continue;
            }
            if (c == ')') {
                depth--;
                i++;
                i = skipQuantifier(pattern, i);
                continue;
            }
            if (depth > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '[') {
                    i = skipClass(pattern, i);
                    continue;
                }
                i++;
                continue;
            }
            String literal = null;
            int next;
            if (c == '\\' && i + 1 < pattern.length()) {
                char e = pattern.charAt(i + 1);
                if (!Character.isLetterOrDigit(e)) {
                    literal = String.valueOf(e);
                }
                next = i + 2;
            } else if (c == '[') {
                next = skipClass(pattern, i);
            } else if (".^$*+?{".indexOf(c) >= 0) {
                next = i + 1;
            } else {
                literal = String.valueOf(c);
                next = i + 1;
            }
            char q = next < pattern.length() ? pattern.charAt(next) : 0;
            boolean optional = q == '?'
                    || q == '*'
                    || (q == '{' && next + 1 < pattern.length() && pattern.charAt(next + 1) == '0');
            if (literal != null && !optional) {
                run.append(literal);
                if (q == '+' || q == '{') {
                    // "a+" or "a{2,}" requires the character once but ends the run after it.
                    best = longer(best, run);
                    run.setLength(0);
                }
            } else {
                best = longer(best, run);
                run.setLength(0);
            }
            i = literal != null && !optional && q != '+' && q != '{' ? next : skipQuantifier(pattern, next);
        }
        best = longer(best, run);
        return best == null || best.isEmpty() ? null : best;
    }

    private static String longer(String best, StringBuilder run) {
        return run.length() > (best == null ? 0 : best.length()) ? run.toString() : best;
    }

    private static int skipClass(String p, int i) {
        int j = i + 1;
        if (j < p.length() && p.charAt(j) == '^') {
            j++;
        }
        if (j < p.length() && p.charAt(j) == ']') {
            j++;
        }
        while (j < p.length() && p.charAt(j) != ']') {
            j += p.charAt(j) == '\\' ? 2 : 1;
        }
        return j + 1;
    }

    private static int skipQuantifier(String p, int i) {
        if (i >= p.length()) {
            return i;
        }
        char c = p.charAt(i);
        if (c == '*' || c == '+' || c == '?') {
            i++;
        } else if (c == '{') {
            int close = p.indexOf('}', i);
            i = close < 0 ? p.length() : close + 1;
        }
        if (i < p.length() && (p.charAt(i) == '?' || p.charAt(i) == '+')) {
            i++; // lazy or possessive suffix
        }
        return i;
    }

    /** Case-insensitive indexOf without allocating a lower-cased copy of {@code haystack}. */
    static boolean containsIgnoreCase(String haystack, String needle) {
        int n = needle.length();
        for (int i = 0, last = haystack.length() - n; i <= last; i++) {
            if (haystack.regionMatches(true, i, needle, 0, n)) {
                return true;
            }
        }
        return false;
    }
}
