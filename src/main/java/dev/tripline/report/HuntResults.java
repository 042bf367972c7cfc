package dev.tripline.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a hunt produced, as a backtest and the HTML report read it: every alert counted by rule, by rule and group,
 * and by level; dead letters by reason and late records by stage and rule; and the alerts themselves up to
 * {@link #KEPT_ALERTS} (the counts stay complete past that). Fed one output line at a time by the thread that
 * collects the hunt's output; not thread-safe. Lines are Tripline's JSON Lines alerts; an alert update (revision
 * above 0) replaces nothing and is counted apart, as the run summary counts it.
 */
public final class HuntResults {
    /** Alerts kept for the report's timeline; a hunt with more shows the first ones and says how many it left out. */
    public static final int KEPT_ALERTS = 5_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Long> byRule = new TreeMap<>();
    private final Map<String, Map<String, Long>> byRuleGroup = new TreeMap<>();
    private final Map<String, Long> byLevel = new TreeMap<>();
    private final Map<String, String> ruleTitles = new TreeMap<>();
    private final Map<String, String> ruleLevels = new TreeMap<>();
    private final Map<String, Long> deadLettersByReason = new TreeMap<>();
    private final Map<String, Long> lateByStageAndRule = new TreeMap<>();
    private final List<JsonNode> alerts = new ArrayList<>();
    private long alertCount;
    private long updates;

    /** One alert line (Tripline JSON Lines). */
    public void alert(String line) {
        JsonNode a = parse(line, "alert");
        if (a.path("revision").asLong(0) > 0) {
            updates++;
            return;
        }
        alertCount++;
        String rule = a.path("rule").path("id").asText();
        byRule.merge(rule, 1L, Long::sum);
        byRuleGroup.computeIfAbsent(rule, k -> new TreeMap<>()).merge(groupKey(a.path("group")), 1L, Long::sum);
        String level = a.path("rule").path("level").asText("unknown");
        byLevel.merge(level, 1L, Long::sum);
        ruleTitles.putIfAbsent(rule, a.path("rule").path("title").asText());
        ruleLevels.putIfAbsent(rule, level);
        if (alerts.size() < KEPT_ALERTS) {
            alerts.add(a);
        }
    }

    /** One dead-letter line. */
    public void deadLetter(String line) {
        deadLettersByReason.merge(parse(line, "dead letter").path("reason").asText("unknown"), 1L, Long::sum);
    }

    /** One late-record line. */
    public void late(String line) {
        JsonNode l = parse(line, "late record");
        lateByStageAndRule.merge(
                l.path("stage").asText() + " " + l.path("rule_id").asText(), 1L, Long::sum);
    }

    /**
     * The group of an alert as one key, {@code field=value} pairs in the alert's order joined by commas
     * ({@code account=123456789012,principal=alice}); empty for an alert without a group.
     */
    public static String groupKey(JsonNode group) {
        StringBuilder b = new StringBuilder();
        Iterator<Map.Entry<String, JsonNode>> it = group.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(e.getKey()).append('=').append(e.getValue().asText());
        }
        return b.toString();
    }

    private static JsonNode parse(String line, String what) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            // The hunt wrote these lines itself: a line it cannot read back is a bug, not bad input.
            throw new IllegalStateException("the hunt wrote a " + what + " that is not JSON: " + e.getMessage(), e);
        }
    }

    public Map<String, Long> byRule() {
        return byRule;
    }

    public Map<String, Map<String, Long>> byRuleGroup() {
        return byRuleGroup;
    }

    public Map<String, Long> byLevel() {
        return byLevel;
    }

    public Map<String, String> ruleTitles() {
        return ruleTitles;
    }

    public Map<String, String> ruleLevels() {
        return ruleLevels;
    }

    public Map<String, Long> deadLettersByReason() {
        return deadLettersByReason;
    }

    public Map<String, Long> lateByStageAndRule() {
        return lateByStageAndRule;
    }

    /** The alerts kept, in the order the hunt wrote them. */
    public List<JsonNode> alerts() {
        return alerts;
    }

    public long alertCount() {
        return alertCount;
    }

    public long updates() {
        return updates;
    }
}
