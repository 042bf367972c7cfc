package dev.tripline.rule;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load errors of a file no rule format has recognised: one that does not parse, is not a map, or is a map no
 * format claims. Such a file may be anything a rule path points at by mistake (a private key, a {@code .env}
 * file, a system file behind a symbolic link in a rule directory), so its errors say where and what went wrong
 * but quote nothing it holds: every word of the message that also occurs in the file is replaced by {@code …},
 * except the words the parsers' own messages are made of, and only the message's first line is kept (parsers
 * append a snippet of the file below it). Stateless.
 */
public final class NonRuleText {
    /** The words of SnakeYAML's and Jackson's messages, which a file may hold too without the word being its. */
    private static final Set<String> MESSAGE_WORDS = Set.of(
            "a",
            "alias",
            "aliases",
            "allowed",
            "alphabetic",
            "an",
            "anchor",
            "and",
            "another",
            "any",
            "are",
            "be",
            "block",
            "break",
            "but",
            "cannot",
            "char",
            "character",
            "characters",
            "chomping",
            "code",
            "collection",
            "column",
            "comment",
            "content",
            "could",
            "current",
            "detected",
            "digit",
            "directive",
            "document",
            "double",
            "duplicate",
            "end",
            "entries",
            "entry",
            "error",
            "escape",
            "exceeded",
            "exceeds",
            "expected",
            "explicit",
            "file",
            "find",
            "first",
            "flow",
            "for",
            "found",
            "got",
            "handle",
            "here",
            "hexadecimal",
            "if",
            "implicit",
            "in",
            "incompatible",
            "indentation",
            "indicator",
            "indicators",
            "instead",
            "invalid",
            "is",
            "it",
            "key",
            "keys",
            "last",
            "limit",
            "line",
            "map",
            "mapping",
            "max",
            "must",
            "no",
            "node",
            "nodes",
            "non",
            "not",
            "number",
            "numeric",
            "of",
            "only",
            "or",
            "parsing",
            "plain",
            "point",
            "premature",
            "quoted",
            "range",
            "required",
            "rule",
            "scalar",
            "scanning",
            "separator",
            "sequence",
            "simple",
            "single",
            "special",
            "start",
            "stream",
            "string",
            "tag",
            "that",
            "the",
            "this",
            "token",
            "toml",
            "unacceptable",
            "undefined",
            "unexpected",
            "unknown",
            "use",
            "valid",
            "value",
            "values",
            "version",
            "which",
            "while",
            "whitespace",
            "yaml");

    /** A word: a run of characters other than space, quotes and the punctuation around words in messages. */
    private static final Pattern WORD = Pattern.compile("[^\\s'\"`(),;:<>\\[\\]{}]+");

    private NonRuleText() {}

    /** {@code error} with every word of its message that {@code fileText} holds masked, and its first line only. */
    public static LoadError redact(LoadError error, String fileText) {
        return new LoadError(error.location(), redact(error.message(), fileText));
    }

    /**
     * The top-level keys of the rule formats, as they are spelled: a message naming one (a duplicate {@code RuleID})
     * says what the file was meant to be and quotes nothing of what it holds.
     */
    private static final Set<String> RULE_KEYS = Set.of(
            // Sigma and Sigma correlations
            "title",
            "id",
            "name",
            "status",
            "description",
            "references",
            "author",
            "date",
            "modified",
            "tags",
            "logsource",
            "detection",
            "condition",
            "fields",
            "falsepositives",
            "level",
            "related",
            "correlation",
            "filter",
            "generate",
            "timespan",
            "group-by",
            "aliases",
            "rules",
            "type",
            "taxonomy",
            "license",
            // Panther
            "AnalysisType",
            "RuleID",
            "DisplayName",
            "Enabled",
            "LogTypes",
            "Severity",
            "Description",
            "Detection",
            "Tests",
            "DedupPeriodMinutes",
            "Threshold",
            "Runbook",
            "Reference",
            "Reports",
            "Tags",
            "AlertTitle",
            "AlertContext",
            "SummaryAttributes",
            "OutputIds",
            "CreateAlert",
            "InlineFilters",
            "DynamicSeverities",
            "GroupBy",
            "Suppressions",
            "Filename",
            "Schedule",
            "Query");

    public static String redact(String message, String fileText) {
        String firstLine = message.lines().findFirst().orElse("");
        Matcher m = WORD.matcher(firstLine);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String word = m.group();
            boolean fromFile = word.length() > 1
                    && !MESSAGE_WORDS.contains(word.toLowerCase(java.util.Locale.ROOT))
                    && !RULE_KEYS.contains(word)
                    && fileText.contains(word);
            m.appendReplacement(out, Matcher.quoteReplacement(fromFile ? "…" : word));
        }
        m.appendTail(out);
        return out.toString();
    }
}
