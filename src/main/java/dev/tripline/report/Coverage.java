package dev.tripline.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which MITRE ATT&CK techniques the loaded rules and correlations cover, from their {@code attack.tNNNN[.NNN]} tags
 * (Sigma tags; Panther {@code Reports: MITRE ATT&CK} entries, which the Panther loader turns into the same tags).
 * A technique is <em>informational only</em> when every rule tagged with it is at level informational: it is seen,
 * but nothing that pages anyone fires on it. Rendered as a text table or as an ATT&CK Navigator layer (JSON).
 */
public final class Coverage {
    private static final Pattern TECHNIQUE = Pattern.compile("attack\\.(t\\d{4}(?:\\.\\d{3})?)");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One rule or correlation that names a technique. */
    public record Entry(String id, String title, Level level, boolean correlation) {}

    /** Technique id (upper case, {@code T1078.004}) to the rules naming it, by id; and the ids of rules naming none. */
    public record Result(Map<String, List<Entry>> byTechnique, List<String> untagged, int rules, int correlations) {
        /** Techniques all of whose rules are informational. */
        public List<String> informationalOnly() {
            return byTechnique.entrySet().stream()
                    .filter(e -> e.getValue().stream().allMatch(r -> r.level() == Level.INFORMATIONAL))
                    .map(Map.Entry::getKey)
                    .toList();
        }
    }

    private Coverage() {}

    public static Result of(RuleSet set) {
        Map<String, List<Entry>> by = new TreeMap<>();
        List<String> untagged = new ArrayList<>();
        for (Rule r : set.rules()) {
            add(by, untagged, r.tags(), new Entry(r.id(), r.title(), r.level(), false));
        }
        for (CorrelationRule c : set.correlations()) {
            add(by, untagged, c.tags(), new Entry(c.id(), c.title(), c.level(), true));
        }
        by.values().forEach(l -> l.sort(java.util.Comparator.comparing(Entry::id)));
        untagged.sort(null);
        return new Result(by, untagged, set.rules().size(), set.correlations().size());
    }

    private static void add(Map<String, List<Entry>> by, List<String> untagged, List<String> tags, Entry e) {
        TreeSet<String> techniques = new TreeSet<>();
        for (String t : tags) {
            Matcher m = TECHNIQUE.matcher(t.trim().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                techniques.add(m.group(1).toUpperCase(Locale.ROOT));
            }
        }
        if (techniques.isEmpty()) {
            untagged.add(e.id());
        }
        techniques.forEach(t -> by.computeIfAbsent(t, k -> new ArrayList<>()).add(e));
    }

    /** The text table: technique, rule count, levels, rule ids; then the informational-only techniques. */
    public static String text(Result r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-11s %5s  %-34s %s%n", "TECHNIQUE", "RULES", "LEVELS", "RULE IDS"));
        r.byTechnique()
                .forEach((t, entries) -> b.append(String.format(
                        Locale.ROOT,
                        "%-11s %5d  %-34s %s%n",
                        t,
                        entries.size(),
                        levels(entries),
                        entries.stream().map(Entry::id).collect(Collectors.joining(", ")))));
        List<String> info = r.informationalOnly();
        b.append(String.format(
                Locale.ROOT,
                "%n%d techniques covered by %d rules and %d correlations; %d rules or correlations name no technique.%n",
                r.byTechnique().size(),
                r.rules(),
                r.correlations(),
                r.untagged().size()));
        b.append("Techniques with only informational rules: ")
                .append(info.isEmpty() ? "none" : String.join(", ", info))
                .append(System.lineSeparator());
        return b.toString();
    }

    /** "high 2, informational 1", highest level first. */
    private static String levels(List<Entry> entries) {
        Map<Level, Long> counts = new TreeMap<>(java.util.Comparator.reverseOrder());
        entries.forEach(e -> counts.merge(e.level(), 1L, Long::sum));
        return counts.entrySet().stream()
                .map(e -> e.getKey().lowerName() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /**
     * An ATT&CK Navigator layer (format 4.5, enterprise domain): each covered technique scored by how many of its
     * rules are above informational, its rules in the comment and metadata; informational-only techniques in grey.
     */
    public static String navigatorLayer(Result r, String name) {
        ObjectNode layer = JSON.createObjectNode();
        layer.put("name", name);
        ObjectNode versions = layer.putObject("versions");
        versions.put("layer", "4.5");
        versions.put("navigator", "5.1.0");
        versions.put("attack", "16");
        layer.put("domain", "enterprise-attack");
        layer.put(
                "description",
                "Tripline rule coverage: score = rules above informational; grey = informational rules only");
        ArrayNode techniques = layer.putArray("techniques");
        long max = 1;
        for (Map.Entry<String, List<Entry>> e : r.byTechnique().entrySet()) {
            long alerting = e.getValue().stream()
                    .filter(x -> x.level() != Level.INFORMATIONAL)
                    .count();
            max = Math.max(max, alerting);
            ObjectNode t = techniques.addObject();
            t.put("techniqueID", e.getKey());
            t.put("score", alerting);
            if (alerting == 0) {
                t.put("color", "#d3d3d3");
            }
            t.put("enabled", true);
            t.put(
                    "comment",
                    e.getValue().stream()
                            .map(x -> x.id() + " (" + x.level().lowerName() + ")")
                            .collect(Collectors.joining("; ")));
            ArrayNode meta = t.putArray("metadata");
            for (Entry x : e.getValue()) {
                ObjectNode m = meta.addObject();
                m.put("name", x.correlation() ? "correlation" : "rule");
                m.put("value", x.id() + ": " + x.title());
            }
        }
        ObjectNode gradient = layer.putObject("gradient");
        gradient.putArray("colors").add("#fff3b0").add("#e4572e");
        gradient.put("minValue", 0);
        gradient.put("maxValue", max);
        ArrayNode legend = layer.putArray("legendItems");
        legend.addObject().put("label", "informational rules only").put("color", "#d3d3d3");
        try {
            return JSON.writeValueAsString(layer) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
