package dev.tripline.alert;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
import dev.tripline.rule.Rule;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What an alert says about the rule that raised it. Authors are kept because Sigma's Detection Rule Licence
 * requires attribution wherever a rule's output is shown.
 *
 * @param description the rule's description, or null; used for OCSF {@code finding_info.desc}, not for JSON Lines
 */
public record RuleRef(String id, String title, Level level, List<String> tags, List<String> authors, String description)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public RuleRef {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(level, "level");
        title = title == null || title.isBlank() ? id : title;
        tags = List.copyOf(tags);
        authors = List.copyOf(authors);
    }

    /** A descriptor built from plain values, as the correlation engine has them. */
    public static RuleRef of(String id, String title, Level level, List<String> tags, List<String> authors) {
        return new RuleRef(id, title, level, tags, authors, null);
    }

    public static RuleRef of(Rule rule) {
        return new RuleRef(rule.id(), rule.title(), rule.level(), rule.tags(), rule.authors(), rule.description());
    }

    public static RuleRef of(CorrelationRule rule) {
        return new RuleRef(rule.id(), rule.title(), rule.level(), rule.tags(), rule.authors(), rule.description());
    }

    /**
     * The id's hash: an encoder looks the descriptor up on every alert ({@code AlertCodec}), and the record's own
     * hash would walk the tags and authors each time. Descriptors that are equal have equal ids.
     */
    @Override
    public int hashCode() {
        return id.hashCode();
    }

    /** The authors as one line ({@code a, b}), or null when the rule names none. */
    public String author() {
        return authors.isEmpty() ? null : String.join(", ", authors);
    }
}
