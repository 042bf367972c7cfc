package dev.tripline.rule.sigma;

import dev.tripline.rule.Expr;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.ValuePredicate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Recursive-descent parser for a Sigma detection condition. Precedence, weakest first: {@code or}, {@code and},
 * {@code not}, {@code 1 of}/{@code any of}/{@code all of}, parentheses. Other counts ({@code 2 of}) are not
 * in the Sigma grammar and are rejected with a message saying so. Every token keeps its offset in the
 * condition text so an error points at file:line:col inside the condition.
 *
 * <p>Each search identifier becomes an {@link Expr.Selection} so explanations can name what fired.
 */
final class SigmaCondition {
    static final int MAX_TOKENS = 10_000;
    static final int MAX_DEPTH = 100;

    private record Token(String text, int offset) {}

    private final String text;
    private final Map<String, Expr> identifiers;
    private final IntFunction<SourceLocation> at;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int depth;

    private SigmaCondition(String text, Map<String, Expr> identifiers, IntFunction<SourceLocation> at) {
        this.text = text;
        this.identifiers = identifiers;
        this.at = at;
    }

    /**
     * Parses one condition. {@code identifiers} are the compiled search identifiers in file order; {@code at}
     * maps an offset in {@code text} to a source location.
     */
    static Expr parse(String text, Map<String, Expr> identifiers, IntFunction<SourceLocation> at) {
        SigmaCondition p = new SigmaCondition(text, identifiers, at);
        p.tokenize();
        if (p.tokens.isEmpty()) {
            throw new RuleSyntaxException(at.apply(0), "the condition is empty");
        }
        Expr e = p.orExpr();
        if (p.pos < p.tokens.size()) {
            Token t = p.tokens.get(p.pos);
            throw p.error(t, "unexpected '" + t.text() + "' after a complete condition" + operatorHint(t.text()));
        }
        return e;
    }

    private void tokenize() {
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '|') {
                throw new RuleSyntaxException(
                        at.apply(i),
                        "legacy aggregation syntax ('| count() … by …') is "
                                + "not part of Sigma 2; rewrite the rule as a Sigma correlation rule (event_count, "
                                + "value_count, …)");
            } else if (c == '(' || c == ')') {
                add(new Token(String.valueOf(c), i));
                i++;
            } else {
                int start = i;
                while (i < text.length()
                        && !Character.isWhitespace(text.charAt(i))
                        && "()|".indexOf(text.charAt(i)) < 0) {
                    i++;
                }
                String word = text.substring(start, i);
                if (word.equals("near")) {
                    throw new RuleSyntaxException(
                            at.apply(start),
                            "legacy 'near' syntax is not part of Sigma 2; "
                                    + "rewrite the rule as a Sigma correlation rule of type temporal");
                }
                add(new Token(word, start));
            }
        }
    }

    private void add(Token t) {
        if (tokens.size() >= MAX_TOKENS) {
            throw new RuleSyntaxException(at.apply(t.offset()), "condition has more than " + MAX_TOKENS + " tokens");
        }
        tokens.add(t);
    }

    private Token peek() {
        return pos < tokens.size() ? tokens.get(pos) : null;
    }

    private boolean peekIs(String word) {
        Token t = peek();
        return t != null && t.text().equals(word);
    }

    private RuleSyntaxException error(Token t, String message) {
        return new RuleSyntaxException(at.apply(t == null ? text.length() : t.offset()), message);
    }

    private Expr orExpr() {
        enter();
        List<Expr> terms = new ArrayList<>();
        terms.add(andExpr());
        while (peekIs("or")) {
            pos++;
            terms.add(andExpr());
        }
        depth--;
        return Expr.or(terms);
    }

    private Expr andExpr() {
        List<Expr> terms = new ArrayList<>();
        terms.add(notExpr());
        while (peekIs("and")) {
            pos++;
            terms.add(notExpr());
        }
        return Expr.and(terms);
    }

    private Expr notExpr() {
        if (peekIs("not")) {
            pos++;
            enter();
            Expr inner = notExpr();
            depth--;
            return new Expr.Not(inner);
        }
        return primary();
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error(peek(), "condition is nested more than " + MAX_DEPTH + " levels deep");
        }
    }

    private Expr primary() {
        Token t = peek();
        if (t == null) {
            throw error(null, "condition ends where a search identifier, 'not', '(' or 'x of' was expected");
        }
        String w = t.text();
        if (w.equals("(")) {
            pos++;
            Expr inner = orExpr();
            Token close = peek();
            if (close == null || !close.text().equals(")")) {
                throw error(
                        close == null ? t : close,
                        close == null
                                ? "unbalanced parentheses: '(' is never closed"
                                : "expected ')' but found '" + close.text() + "'");
            }
            pos++;
            return inner;
        }
        if (w.equals(")")) {
            throw error(t, "unbalanced parentheses: unexpected ')'");
        }
        if (w.equals("and") || w.equals("or") || w.equals("of")) {
            throw error(t, "unexpected '" + w + "' where a search identifier was expected");
        }
        boolean ofFollows =
                pos + 1 < tokens.size() && tokens.get(pos + 1).text().equals("of");
        if ((w.equals("1") || w.equals("any") || w.equals("all")) && ofFollows) {
            pos += 2;
            return selector(t, !w.equals("all"));
        }
        if (ofFollows && !w.isEmpty() && w.chars().allMatch(c -> c >= '0' && c <= '9')) {
            // The Sigma grammar counts only 1 (or any) and all; a rule written for another count would mean
            // something else in every other Sigma tool, so it is refused rather than given a private meaning.
            throw error(
                    t,
                    "'" + w + " of' is not Sigma: a condition may use '1 of', 'any of' or 'all of'; for "
                            + "\"at least " + w
                            + "\" write the combinations out, e.g. '(a and b) or (a and c) or (b and c)'");
        }
        pos++;
        return identifier(t);
    }

    private Expr selector(Token quantifier, boolean any) {
        Token target = peek();
        if (target == null || target.text().equals("(") || target.text().equals(")")) {
            throw error(
                    target, "'" + quantifier.text() + " of' must be followed by 'them' or a search identifier pattern");
        }
        pos++;
        String pattern = target.text();
        List<Expr> matched = new ArrayList<>();
        boolean them = pattern.equals("them");
        boolean includeUnderscore = pattern.startsWith("_");
        for (Map.Entry<String, Expr> e : identifiers.entrySet()) {
            String name = e.getKey();
            if (name.startsWith("_") && !includeUnderscore) {
                continue;
            }
            if (them || globMatches(pattern, name)) {
                matched.add(new Expr.Selection(name, e.getValue()));
            }
        }
        if (matched.isEmpty()) {
            throw error(
                    target,
                    them
                            ? "'them' matches no search identifier"
                            : "pattern '" + pattern + "' matches no search identifier (defined: " + identifiers.keySet()
                                    + ")");
        }
        return any ? Expr.or(matched) : Expr.and(matched);
    }

    private Expr identifier(Token t) {
        String w = t.text();
        Expr body = identifiers.get(w);
        if (body == null) {
            String hint = operatorHint(w);
            if (hint.isEmpty() && w.contains("*")) {
                hint = " (wildcard patterns need '1 of' or 'all of')";
            }
            throw error(t, "unknown search identifier '" + w + "'" + hint + "; defined: " + identifiers.keySet());
        }
        return new Expr.Selection(w, body);
    }

    private static String operatorHint(String word) {
        String lower = word.toLowerCase(java.util.Locale.ROOT);
        boolean operator = lower.equals("and") || lower.equals("or") || lower.equals("not") || lower.equals("of");
        return operator && !lower.equals(word) ? " (operators are lower-case: '" + lower + "')" : "";
    }

    /** Full match of an identifier pattern where {@code *} is any run of characters (case-sensitive). */
    static boolean globMatches(String pattern, String name) {
        List<ValuePredicate.GlobPart> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= pattern.length(); i++) {
            if (i == pattern.length() || pattern.charAt(i) == '*') {
                if (i > start) {
                    parts.add(ValuePredicate.GlobPart.literal(pattern.substring(start, i)));
                }
                if (i < pattern.length()) {
                    parts.add(ValuePredicate.GlobPart.ANY_RUN);
                }
                start = i + 1;
            }
        }
        return new ValuePredicate.Glob(parts, true).matches(name);
    }
}
