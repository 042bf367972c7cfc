package dev.tripline.alert;

import dev.tripline.event.Event;
import dev.tripline.rule.Rule;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
        return single(SingleAlertTemplate.of(rule), event);
    }

    /** {@link #single(Rule, Event)} for a rule that raises many: what is per rule comes from its template. */
    public static Alert single(SingleAlertTemplate rule, Event event) {
        long t = event.eventTimeMillis();
        return single(rule, event, 1, t, t);
    }

    /**
     * A single-event alert as dedup emits it: {@code event} is the match that emitted it and is the evidence;
     * count and first/last seen come from the {@link Dedup.Decision}.
     */
    public static Alert single(Rule rule, Event event, long count, long firstSeen, long lastSeen) {
        return single(SingleAlertTemplate.of(rule), event, count, firstSeen, lastSeen);
    }

    /**
     * The alert {@link AlertCodec#encodeSingle} writes, read back: a single alert is built in one place, as the
     * bytes detect sends on, and this is its object form.
     */
    private static Alert single(SingleAlertTemplate t, Event event, long count, long firstSeen, long lastSeen) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            AlertCodec.encodeSingle(t, event, count, firstSeen, lastSeen, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return AlertCodec.decode(bytes.toByteArray());
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
        return alertId(alertIdPrefix(kind, ruleId).getBytes(StandardCharsets.UTF_8), dedupKey, ids);
    }

    /** What the digest input of {@link #alertId} starts with: the format, the kind and the rule id, a line each. */
    static String alertIdPrefix(Alert.Kind kind, String ruleId) {
        return "tripline-alert-v1\n" + kind.wireName() + '\n' + ruleId + '\n';
    }

    /**
     * {@link #alertId} from its {@link #alertIdPrefix} in UTF-8 and the evidence identities, sorted. The parts go
     * into the digest one by one: each starts or ends at a line break, so their UTF-8 is that of the whole text.
     */
    static String alertId(byte[] prefix, String dedupKey, List<String> sortedIds) {
        MessageDigest sha256 = DedupKeys.sha256();
        sha256.update(prefix);
        sha256.update(dedupKey.getBytes(StandardCharsets.UTF_8));
        for (String id : sortedIds) {
            sha256.update((byte) '\n');
            sha256.update(id.getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer digest = ByteBuffer.wrap(sha256.digest());
        long hi = (digest.getLong() & ~0xF000L) | 0x8000L;
        long lo = (digest.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }
}
