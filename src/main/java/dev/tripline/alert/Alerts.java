package dev.tripline.alert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Builds alerts: single-event alerts from a rule and the event it matched, composite alerts from what the
 * correlation engine found. Pure: the same inputs always give the same alert, id included.
 */
public final class Alerts {
    private Alerts() {}

    /** A single-event alert for one match counted alone (count 1, first and last seen at the event's time). */
    public static Alert single(Rule rule, Event event) {
        long t = event.eventTimeMillis();
        return single(rule, event, DedupKeys.single(rule, event), 1, t, t);
    }

    /**
     * A single-event alert as dedup emits it: {@code event} is the match that emitted it and is the evidence;
     * count and first/last seen come from the {@link Dedup.Decision}.
     */
    public static Alert single(Rule rule, Event event, String dedupKey, long count, long firstSeen, long lastSeen) {
        List<Evidence> evidence = List.of(Evidence.of(event, rule.outputFields()));
        String title = rule.alertTitle() == null
                ? rule.title()
                : AlertTitles.render(rule.alertTitle(), event, rule.format() == RuleFormat.PANTHER);
        Map<String, JsonNode> context = new LinkedHashMap<>();
        for (Map.Entry<String, FieldPath> e : rule.alertContext().entrySet()) {
            context.put(e.getKey(), Limits.value(Evidence.valueAt(event, e.getValue())));
        }
        RuleRef ref = RuleRef.of(rule);
        return new Alert(
                Alert.Kind.SINGLE,
                ref,
                rule.level(),
                title,
                singleGroup(rule, event),
                firstSeen,
                lastSeen,
                evidence,
                count,
                dedupKey,
                alertId(Alert.Kind.SINGLE, ref.id(), dedupKey, evidence),
                context);
    }

    /**
     * A composite alert, as the correlation engine reports a firing.
     *
     * @param rule     the correlation's descriptor ({@link RuleRef#of(dev.tripline.rule.CorrelationRule)} or
     *                 {@link RuleRef#of(String, String, dev.tripline.rule.Level, List, List)})
     * @param group    group-by field to value in the correlation's group-by order; {@code account} and
     *                 {@code principal} are written first when present; null for a field the events lack
     * @param evidence the events that made the correlation fire, in event-time order
     * @param count    the number of matching events the correlation counted (for temporal types, the evidence size)
     * @param title    the rendered title, or null for the rule title (see {@link AlertTitles#render})
     */
    public static Alert correlation(
            RuleRef rule, Map<String, String> group, List<Evidence> evidence, long count, String title) {
        return correlation(rule, group, evidence, count, title, Map.of());
    }

    /** A correlation alert with {@code context} (e.g. the aggregate and the input rule of each evidence event). */
    public static Alert correlation(
            RuleRef rule,
            Map<String, String> group,
            List<Evidence> evidence,
            long count,
            String title,
            Map<String, com.fasterxml.jackson.databind.JsonNode> context) {
        if (evidence.isEmpty()) {
            throw new IllegalArgumentException("a correlation alert needs at least one evidence event");
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        if (group.containsKey("account")) {
            ordered.put("account", group.get("account"));
        }
        if (group.containsKey("principal")) {
            ordered.put("principal", group.get("principal"));
        }
        ordered.putAll(group);
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (Evidence e : evidence) {
            first = Math.min(first, e.eventTimeMillis());
            last = Math.max(last, e.eventTimeMillis());
        }
        String dedupKey = DedupKeys.of(rule.id(), new ArrayList<>(group.values()));
        String t = title == null || title.isBlank() ? rule.title() : Limits.truncate(title, Limits.MAX_TITLE);
        return new Alert(
                Alert.Kind.CORRELATION,
                rule,
                rule.level(),
                t,
                ordered,
                first,
                last,
                evidence,
                count,
                dedupKey,
                alertId(Alert.Kind.CORRELATION, rule.id(), dedupKey, evidence),
                context);
    }

    /**
     * The alert id: a UUID (version 8, RFC 9562's custom layout) made of the first 128 bits of SHA-256 over the
     * kind, rule id, dedup key and the identities of the evidence events (eventID, else the evidence's fields),
     * sorted. A replay of the same input raises alerts from the same events, so it gets the same ids, whatever
     * the wall clock and the parallelism; two alerts of one rule can share an id only if they show the same
     * events for the same key, which dedup prevents.
     */
    public static String alertId(Alert.Kind kind, String ruleId, String dedupKey, List<Evidence> evidence) {
        List<String> ids = new ArrayList<>(evidence.size());
        for (Evidence e : evidence) {
            ids.add(e.identity());
        }
        ids.sort(null);
        StringBuilder b = new StringBuilder("tripline-alert-v1\n")
                .append(kind.wireName())
                .append('\n')
                .append(ruleId)
                .append('\n')
                .append(dedupKey);
        for (String id : ids) {
            b.append('\n').append(id);
        }
        ByteBuffer digest = ByteBuffer.wrap(DedupKeys.sha256(b.toString()));
        long hi = (digest.getLong() & ~0xF000L) | 0x8000L;
        long lo = (digest.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }

    private static Map<String, String> singleGroup(Rule rule, Event event) {
        Map<String, String> group = new LinkedHashMap<>();
        group.put("account", event.account());
        group.put("principal", event.principal());
        for (FieldPath p : rule.groupBy()) {
            String name = Limits.text(p.text());
            if (!group.containsKey(name)) {
                List<String> texts = new ArrayList<>();
                for (JsonNode v : event.values(p)) {
                    String s = Event.stringForm(v);
                    if (s != null) {
                        texts.add(s);
                    }
                }
                group.put(name, texts.isEmpty() ? null : Limits.text(String.join(",", texts)));
            }
        }
        return group;
    }
}
