package dev.tripline.correlate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The extended temporal condition (Sigma draft v2.2): a boolean expression over the names of the referenced
 * rules, e.g. {@code enable and (create or key) and not approved}. A name is true when the rule has a signal
 * in the window; {@code not x} is true when {@code x} has none around it (see docs/correlation.md).
 */
final class TemporalCondition {
    private static final int MAX_TOKENS = 10_000;
    private static final int MAX_DEPTH = 100;

    /** A node of the expression. */
    sealed interface Node extends java.io.Serializable permits Var, Not, And, Or {}

    record Var(int rule) implements Node {}

    record Not(Node child) implements Node {}

    record And(Node left, Node right) implements Node {}

    record Or(Node left, Node right) implements Node {}

    /** What a variable means during one evaluation: positive use and negated use may differ. */
    interface Assignment {
        boolean positive(int rule);

        boolean negative(int rule);
    }

    private final List<String> tokens;
    private final Function<String, Integer> resolve;
    private int pos;

    private TemporalCondition(List<String> tokens, Function<String, Integer> resolve) {
        this.tokens = tokens;
        this.resolve = resolve;
    }

    /**
     * Parses {@code text}; {@code resolve} maps a name to the rule's index (null when unknown). Throws
     * {@link IllegalArgumentException} with the offending token.
     */
    static Node parse(String text, Function<String, Integer> resolve) {
        List<String> tokens = tokenize(text);
        TemporalCondition p = new TemporalCondition(tokens, resolve);
        Node n = p.or(0);
        if (p.pos != tokens.size()) {
            throw new IllegalArgumentException("unexpected '" + tokens.get(p.pos) + "' in condition '" + text + "'");
        }
        return n;
    }

    /** True if the expression contains a {@code not}: it can then only be decided when the window closes. */
    static boolean hasNot(Node n) {
        if (n instanceof Not) {
            return true;
        }
        if (n instanceof And a) {
            return hasNot(a.left()) || hasNot(a.right());
        }
        if (n instanceof Or o) {
            return hasNot(o.left()) || hasNot(o.right());
        }
        return false;
    }

    /** Evaluates with negations pushed to the variables (De Morgan), so each variable sees its polarity. */
    static boolean eval(Node n, Assignment a, boolean negated) {
        if (n instanceof Var v) {
            return negated ? !a.negative(v.rule()) : a.positive(v.rule());
        }
        if (n instanceof Not not) {
            return eval(not.child(), a, !negated);
        }
        if (n instanceof And and) {
            return negated
                    ? eval(and.left(), a, true) || eval(and.right(), a, true)
                    : eval(and.left(), a, false) && eval(and.right(), a, false);
        }
        Or or = (Or) n;
        return negated
                ? eval(or.left(), a, true) && eval(or.right(), a, true)
                : eval(or.left(), a, false) || eval(or.right(), a, false);
    }

    private static List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '(' || c == ')') {
                out.add(String.valueOf(c));
                i++;
            } else {
                int start = i;
                while (i < text.length()
                        && !Character.isWhitespace(text.charAt(i))
                        && text.charAt(i) != '('
                        && text.charAt(i) != ')') {
                    i++;
                }
                out.add(text.substring(start, i));
            }
            if (out.size() > MAX_TOKENS) {
                throw new IllegalArgumentException("condition has more than " + MAX_TOKENS + " tokens");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty condition");
        }
        return out;
    }

    private boolean keyword(String k) {
        if (pos < tokens.size() && tokens.get(pos).toLowerCase(Locale.ROOT).equals(k)) {
            pos++;
            return true;
        }
        return false;
    }

    private Node or(int depth) {
        Node left = and(depth);
        while (keyword("or")) {
            left = new Or(left, and(depth));
        }
        return left;
    }

    private Node and(int depth) {
        Node left = unary(depth);
        while (keyword("and")) {
            left = new And(left, unary(depth));
        }
        return left;
    }

    private Node unary(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("condition nests deeper than " + MAX_DEPTH);
        }
        if (keyword("not")) {
            return new Not(unary(depth + 1));
        }
        if (pos >= tokens.size()) {
            throw new IllegalArgumentException("condition ends where a rule name was expected");
        }
        String t = tokens.get(pos++);
        if (t.equals("(")) {
            Node inner = or(depth + 1);
            if (pos >= tokens.size() || !tokens.get(pos).equals(")")) {
                throw new IllegalArgumentException("missing ')' in condition");
            }
            pos++;
            return inner;
        }
        if (t.equals(")") || t.equalsIgnoreCase("and") || t.equalsIgnoreCase("or")) {
            throw new IllegalArgumentException("unexpected '" + t + "' where a rule name was expected");
        }
        Integer index = resolve.apply(t);
        if (index == null) {
            throw new IllegalArgumentException("'" + t + "' in the condition is not one of the correlation's rules");
        }
        return new Var(index);
    }
}
