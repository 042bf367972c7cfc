package dev.tripline.rule.sigma;

import com.google.re2j.PatternSyntaxException;
import dev.tripline.rule.ValuePredicate;

/**
 * Compiles Sigma {@code re} values on RE2/J. Rules are often written for PCRE; RE2 guarantees linear-time
 * matching by leaving out backreferences, lookaround, atomic groups and possessive quantifiers. This class
 * finds those constructs first so the author is told which one to rewrite, rather than getting RE2's terse
 * parser message.
 */
final class SigmaRegex {
    private SigmaRegex() {}

    /** Compiles, or throws IllegalArgumentException with a message meant for the rule author. */
    static ValuePredicate.Regex compile(String pattern, boolean ignoreCase, boolean multiline, boolean dotAll) {
        String unsupported = unsupportedConstruct(pattern);
        if (unsupported != null) {
            throw new IllegalArgumentException("regular expression uses " + unsupported
                    + ", which RE2 does not support (Tripline runs regexes on RE2 for linear-time matching)");
        }
        try {
            return ValuePredicate.Regex.compile(pattern, ignoreCase, multiline, dotAll);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regular expression for RE2: " + e.getDescription()
                    + (e.getPattern() == null || e.getPattern().isEmpty() ? "" : " near '" + e.getPattern() + "'"));
        }
    }

    /** A description of the first construct RE2 lacks, or null. */
    static String unsupportedConstruct(String p) {
        boolean inClass = false;
        boolean afterQuantifier = false;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\') {
                if (i + 1 >= p.length()) {
                    return null; // RE2 reports the trailing backslash itself
                }
                char n = p.charAt(i + 1);
                if (!inClass) {
                    if (n >= '1' && n <= '9') {
                        return "a backreference (\\" + n + ")";
                    }
                    if (n == 'k'
                            && i + 2 < p.length()
                            && (p.charAt(i + 2) == '<' || p.charAt(i + 2) == '{' || p.charAt(i + 2) == '\'')) {
                        return "a named backreference (\\k<…>)";
                    }
                    if (n == 'g'
                            && i + 2 < p.length()
                            && (Character.isDigit(p.charAt(i + 2)) || p.charAt(i + 2) == '{')) {
                        return "a backreference (\\g…)";
                    }
                    if (n == 'G') {
                        return "the \\G anchor";
                    }
                    if (n == 'Z') {
                        return "the \\Z anchor (use \\z or $)";
                    }
                }
                i++;
                afterQuantifier = false;
                continue;
            }
            if (inClass) {
                if (c == ']') {
                    inClass = false;
                }
                continue;
            }
            if (c == '[') {
                inClass = true;
                afterQuantifier = false;
                // A ']' right after '[' or '[^' is a literal member, not the end of the class.
                if (i + 1 < p.length() && p.charAt(i + 1) == '^') {
                    i++;
                }
                if (i + 1 < p.length() && p.charAt(i + 1) == ']') {
                    i++;
                }
                continue;
            }
            if (c == '(' && p.startsWith("(?", i)) {
                String rest = p.substring(i + 2);
                if (rest.startsWith("=")) {
                    return "a lookahead ((?=…))";
                }
                if (rest.startsWith("!")) {
                    return "a negative lookahead ((?!…))";
                }
                if (rest.startsWith("<=")) {
                    return "a lookbehind ((?<=…))";
                }
                if (rest.startsWith("<!")) {
                    return "a negative lookbehind ((?<!…))";
                }
                if (rest.startsWith(">")) {
                    return "an atomic group ((?>…))";
                }
                if (rest.startsWith("(")) {
                    return "a conditional group ((?(…)…))";
                }
                if (rest.startsWith("R)")
                        || (!rest.isEmpty()
                                && (Character.isDigit(rest.charAt(0))
                                        || ((rest.charAt(0) == '+' || rest.charAt(0) == '-')
                                                && rest.length() > 1
                                                && Character.isDigit(rest.charAt(1)))))) {
                    return "a recursive pattern ((?R) or (?1))";
                }
                if (rest.startsWith("P=") || rest.startsWith("P>") || rest.startsWith("&")) {
                    return "a named backreference or subroutine call";
                }
                afterQuantifier = false;
                continue;
            }
            if (c == '+' && afterQuantifier) {
                return "a possessive quantifier (…" + p.charAt(i - 1) + "+)";
            }
            if (c == '?' && afterQuantifier) {
                afterQuantifier = false; // lazy quantifier: supported
                continue;
            }
            if (c == '*' || c == '+' || c == '?' || (c == '}' && closesRepetition(p, i))) {
                afterQuantifier = true;
                continue;
            }
            afterQuantifier = false;
        }
        return null;
    }

    /** True if the '}' at {@code end} closes a repetition such as {2} or {2,5}. */
    private static boolean closesRepetition(String p, int end) {
        int open = p.lastIndexOf('{', end);
        return open >= 0 && p.substring(open + 1, end).matches("\\d+(,\\d*)?");
    }
}
