package dev.tripline.rule.elastic;

import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/**
 * A query string and where it starts in its rule file, so that a position inside the query (1-based line,
 * 0-based column as ANTLR counts) becomes a file:line:col of the TOML file.
 */
record QueryText(String text, SourceLocation start) {

    /** The file location of a position inside the query. */
    SourceLocation at(int line, int column) {
        int fileLine = start.line() + line - 1;
        int fileColumn = line == 1 ? start.column() + column : column + 1;
        return new SourceLocation(start.file(), fileLine, fileColumn);
    }

    SourceLocation at(Token token) {
        return at(token.getLine(), token.getCharPositionInLine());
    }

    RuleSyntaxException error(Token token, String message) {
        return new RuleSyntaxException(at(token), message);
    }

    /**
     * An ANTLR listener that abandons the parse at the first syntax error with a {@link RuleSyntaxException} at
     * the file position, saying what was found and what was expected.
     */
    BaseErrorListener failFast(String language) {
        return new BaseErrorListener() {
            @Override
            public void syntaxError(
                    Recognizer<?, ?> recognizer,
                    Object offending,
                    int line,
                    int column,
                    String message,
                    RecognitionException e) {
                String found = offending instanceof Token t
                        ? (t.getType() == Token.EOF ? "the end of the query" : "'" + t.getText() + "'")
                        : null;
                String expected = "";
                if (recognizer instanceof Parser p && e != null && e.getExpectedTokens() != null) {
                    expected = ", expected " + e.getExpectedTokens().toString(p.getVocabulary());
                }
                String what = found == null ? message : "unexpected " + found + expected + " (" + message + ")";
                RuleSyntaxException error =
                        new RuleSyntaxException(at(line, column), language + " syntax error: " + what);
                throw new ParseCancellationException(error);
            }
        };
    }
}
