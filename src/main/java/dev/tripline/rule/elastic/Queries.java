package dev.tripline.rule.elastic;

import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.ValuePredicate;
import dev.tripline.rule.ValuePredicate.GlobPart;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Lexer;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/** What the KQL and EQL compilers share: input limits, running an ANTLR parser, and wildcard values. */
final class Queries {
    /** Queries longer than this are refused unparsed (the longest Elastic rule query is about 4,000 characters). */
    static final int MAX_QUERY_CHARS = 100_000;
    /** Bracket nesting deeper than this is refused before parsing, so that the recursive parser cannot overflow. */
    static final int MAX_NESTING = 100;

    private Queries() {}

    /** A parser over {@code query}, failing at the first syntax error, after the size and nesting checks. */
    static <P extends Parser> P parser(
            QueryText query,
            String language,
            java.util.function.Function<org.antlr.v4.runtime.CharStream, Lexer> lexerOf,
            java.util.function.Function<CommonTokenStream, P> parserOf) {
        checkLimits(query, language);
        Lexer lexer = lexerOf.apply(CharStreams.fromString(query.text()));
        lexer.removeErrorListeners();
        lexer.addErrorListener(query.failFast(language));
        P parser = parserOf.apply(new CommonTokenStream(lexer));
        parser.removeErrorListeners();
        parser.addErrorListener(query.failFast(language));
        return parser;
    }

    /** Runs {@code parse}, turning the listener's cancellation back into the load error it carries. */
    static <T> T run(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (ParseCancellationException e) {
            if (e.getCause() instanceof RuleSyntaxException r) {
                throw r;
            }
            throw e;
        }
    }

    private static void checkLimits(QueryText query, String language) {
        String s = query.text();
        if (s.length() > MAX_QUERY_CHARS) {
            throw new RuleSyntaxException(
                    query.at(1, 0),
                    language + " query is " + s.length() + " characters, over the limit of " + MAX_QUERY_CHARS);
        }
        int depth = 0;
        int line = 1;
        int column = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                if (++depth > MAX_NESTING) {
                    throw new RuleSyntaxException(
                            query.at(line, column),
                            language + " query nests brackets deeper than " + MAX_NESTING + " levels");
                }
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
            if (c == '\n') {
                line++;
                column = 0;
            } else {
                column++;
            }
        }
    }

    /**
     * A wildcard value: {@code *} is any run, {@code ?} (when {@code questionMark}) exactly one character, and
     * (when {@code backslashEscapes}, as in KQL) a backslash makes the next character literal. Without wildcards
     * the result is a plain equality test.
     */
    static ValuePredicate wildcard(String raw, boolean caseSensitive, boolean questionMark, boolean backslashEscapes) {
        List<GlobPart> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        boolean wild = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (backslashEscapes && c == '\\' && i + 1 < raw.length()) {
                literal.append(raw.charAt(++i));
            } else if (c == '*' || (questionMark && c == '?')) {
                if (!literal.isEmpty()) {
                    parts.add(GlobPart.literal(literal.toString()));
                    literal.setLength(0);
                }
                parts.add(c == '*' ? GlobPart.ANY_RUN : GlobPart.ANY_CHAR);
                wild = true;
            } else {
                literal.append(c);
            }
        }
        if (!wild) {
            return new ValuePredicate.Text(ValuePredicate.Mode.EQUALS, literal.toString(), caseSensitive);
        }
        if (!literal.isEmpty()) {
            parts.add(GlobPart.literal(literal.toString()));
        }
        return new ValuePredicate.Glob(parts, caseSensitive);
    }
}
