package dev.tripline.alert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Renders alert title templates such as {@code Region {requestParameters.RegionName} enabled by {userIdentity.arn}}
 * against an event.
 *
 * <p>Rules, chosen to keep a title useful whatever the event holds:
 * <ul>
 *   <li>A placeholder is a field path as in a Panther KeyPath: dotted steps, {@code [N]} picks a list element,
 *       {@code [*]} is a no-op (lookup fans out over lists anyway). {@code {{} and {@code }}} are literal braces.</li>
 *   <li>A field that is missing or JSON null renders as {@code <missing>}: the rest of the title still says
 *       what happened, and the gap is visible instead of an empty string that reads like a value.</li>
 *   <li>Several values (fan-out) render joined with {@code ", "}; objects and arrays render as compact JSON;
 *       each value is cut at {@value Limits#MAX_TEXT} characters, the title at {@value Limits#MAX_TITLE}.</li>
 *   <li>Text the loader would reject (an unclosed brace, a placeholder that is not a path) renders literally:
 *       rendering never fails, since it runs on the alert path.</li>
 * </ul>
 */
public final class AlertTitles {
    /** What a missing or null field renders as. */
    public static final String MISSING = "<missing>";

    private AlertTitles() {}

    /**
     * Renders {@code template} against {@code event}. {@code caseInsensitiveKeys} makes field lookup ignore key
     * case, as Panther's does.
     */
    public static String render(String template, Event event, boolean caseInsensitiveKeys) {
        return compile(template, caseInsensitiveKeys).render(event);
    }

    /**
     * {@code template} read once, for a rule that renders it on every alert: which of its braces are placeholders
     * depends on the text alone, so only the values are looked up per event.
     */
    static SingleTitle compile(String template, boolean caseInsensitiveKeys) {
        return new SingleTitle(Template.parse(template, text -> parsePath(text, caseInsensitiveKeys)));
    }

    /** A single-event rule's title template, its placeholders field paths. */
    static final class SingleTitle {
        private final Template<FieldPath> template;

        private SingleTitle(Template<FieldPath> template) {
            this.template = template;
        }

        String render(Event event) {
            return template.render(path -> valueText(event, path));
        }
    }

    /**
     * Renders a correlation's {@code alert_title} for a composite alert. A placeholder names a group-by field
     * ({@code {region}}, {@code {principal}}), else an evidence field: {@code eventName}, {@code eventSource},
     * {@code awsRegion}, {@code eventID} or one of the referenced rules' output fields
     * ({@code {requestParameters.RegionName}}), with the distinct values of all evidence events in event-time
     * order; {@value #MISSING} when none has it.
     */
    public static String renderCorrelation(String template, Map<String, String> group, List<Evidence> evidence) {
        return Template.parse(template, text -> isPlaceholderText(text) ? text : null)
                .render(text -> {
                    if (group.containsKey(text)) {
                        String v = group.get(text);
                        return v == null ? MISSING : Limits.text(v);
                    }
                    Set<String> values = new LinkedHashSet<>();
                    for (Evidence e : evidence) {
                        String v = switch (text) {
                            case "eventName" -> e.eventName();
                            case "eventSource" -> e.eventSource();
                            case "awsRegion" -> e.awsRegion();
                            case "eventID" -> e.eventId();
                            default -> {
                                JsonNode n = e.fields().get(text);
                                yield n == null ? null : Event.stringForm(n);
                            }
                        };
                        if (v != null) {
                            values.add(Limits.text(v));
                        }
                    }
                    return values.isEmpty() ? MISSING : Limits.text(String.join(", ", values));
                });
    }

    /**
     * A title template as literal texts and placeholders, in order: the brace syntax read once. {@code P} is what a
     * placeholder stands for (a field path, a correlation's field name).
     */
    private static final class Template<P> {
        /** A literal text ({@code String}) or a placeholder ({@link Slot}). */
        private final Object[] parts;

        private record Slot(Object key) {}

        private Template(Object[] parts) {
            this.parts = parts;
        }

        /**
         * Splits {@code template}; {@code placeholder} turns the trimmed text between braces into what it stands
         * for, or null to write the braces literally.
         */
        static <P> Template<P> parse(String template, Function<String, P> placeholder) {
            List<Object> parts = new ArrayList<>();
            StringBuilder literal = new StringBuilder();
            int i = 0;
            int n = template.length();
            while (i < n) {
                char c = template.charAt(i);
                if ((c == '{' || c == '}') && i + 1 < n && template.charAt(i + 1) == c) {
                    literal.append(c);
                    i += 2;
                    continue;
                }
                if (c == '{') {
                    int close = template.indexOf('}', i + 1);
                    P key = close < 0
                            ? null
                            : placeholder.apply(template.substring(i + 1, close).trim());
                    if (key != null) {
                        if (!literal.isEmpty()) {
                            parts.add(literal.toString());
                            literal.setLength(0);
                        }
                        parts.add(new Slot(key));
                        i = close + 1;
                        continue;
                    }
                }
                literal.append(c);
                i++;
            }
            if (!literal.isEmpty()) {
                parts.add(literal.toString());
            }
            return new Template<>(parts.toArray());
        }

        /** The title, each placeholder as {@code value} renders it, cut at {@link Limits#MAX_TITLE}. */
        @SuppressWarnings("unchecked")
        String render(Function<P, String> value) {
            StringBuilder out = new StringBuilder(64);
            for (Object part : parts) {
                int room = Limits.MAX_TITLE - out.length();
                if (room <= 0) {
                    break;
                }
                if (part instanceof String literal) {
                    out.append(literal, 0, Math.min(literal.length(), room));
                } else {
                    out.append(value.apply((P) ((Slot) part).key()));
                }
            }
            return Limits.truncate(out.toString(), Limits.MAX_TITLE);
        }
    }

    private static String valueText(Event event, FieldPath path) {
        List<JsonNode> values = event.values(path);
        if (values.size() == 1) { // most placeholders: the text below, without the list and the join
            String s = Event.stringForm(values.get(0));
            return s == null ? MISSING : Limits.text(Limits.text(s));
        }
        List<String> parts = new ArrayList<>(values.size());
        for (JsonNode v : values) {
            String s = Event.stringForm(v);
            if (s != null) {
                parts.add(Limits.text(s));
            }
        }
        return parts.isEmpty() ? MISSING : Limits.text(String.join(", ", parts));
    }

    /** Text between braces that may name a field; anything else is written as it stands. */
    private static boolean isPlaceholderText(String text) {
        return !text.isEmpty() && text.length() <= 256 && text.indexOf('{') < 0;
    }

    /** A KeyPath-style placeholder as a field path, or null when the text is not one. */
    static FieldPath parsePath(String text, boolean caseInsensitiveKeys) {
        if (!isPlaceholderText(text)) {
            return null;
        }
        Map<String, Optional<FieldPath>> parsed = caseInsensitiveKeys ? PARSED_CASE_INSENSITIVE : PARSED;
        Optional<FieldPath> path = parsed.get(text);
        if (path == null) {
            if (parsed.size() >= MAX_PARSED) {
                parsed.clear(); // live updates can bring new templates for ever; rule sets hold far fewer
            }
            path = Optional.ofNullable(keyPath(text, caseInsensitiveKeys));
            parsed.put(text, path);
        }
        return path.orElse(null);
    }

    private static FieldPath keyPath(String text, boolean caseInsensitiveKeys) {
        try {
            return FieldPath.keyPath(text, caseInsensitiveKeys);
        } catch (IllegalArgumentException e) {
            return null; // not a placeholder after all: the text is written as it is
        }
    }

    /**
     * Placeholders already parsed, so that a title costs a lookup per placeholder and not a parse on every alert
     * (FieldPath is immutable). Emptied when it reaches {@link #MAX_PARSED} entries.
     */
    private static final Map<String, Optional<FieldPath>> PARSED = new ConcurrentHashMap<>();

    private static final Map<String, Optional<FieldPath>> PARSED_CASE_INSENSITIVE = new ConcurrentHashMap<>();
    private static final int MAX_PARSED = 4096;
}
