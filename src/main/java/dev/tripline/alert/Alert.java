package dev.tripline.alert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.rule.Level;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One alert, single-event or composite, as every sink writes it. Build with {@link Alerts}; write with
 * {@link AlertFormat} or {@link AlertWriter}. docs/alerts.md describes the fields.
 *
 * @param severity        the rule level (Panther DynamicSeverities are not applied yet)
 * @param title           the rendered alert title
 * @param group           group field to value, in order: account, principal, then other group-by fields; a
 *                        null value is a group field the events lack
 * @param firstSeenMillis earliest event time counted into the alert (epoch millis, event time)
 * @param lastSeenMillis  latest event time counted into the alert
 * @param evidence        the events shown, in event-time order: for an alert that folds several matches or
 *                        firings, those of the earliest and the latest ones ({@link EvidenceSample})
 * @param count           events counted into the alert: the matches of a single-event rule's period, the
 *                        events a correlation's folded firings counted
 * @param alertId         deterministic id, see {@link Alerts#alertId}; an update keeps its alert's id
 * @param context         Panther AlertContext: name to value (JSON null when the event lacks the field); in an
 *                        alert dedup emits, these and the evidence's objects and arrays are raw JSON text
 *                        ({@link AlertCodec#decodeForWriting}), written as they are
 * @param revision        0 for a new alert; n for its n-th update, which replaces the lines before it
 * @param occurrences     matches (single) or firings (correlation) folded into the alert
 * @param evidenceOmitted occurrences whose events the evidence does not show (the sample is bounded)
 */
public record Alert(
        Kind kind,
        RuleRef rule,
        Level severity,
        String title,
        Map<String, String> group,
        long firstSeenMillis,
        long lastSeenMillis,
        List<Evidence> evidence,
        long count,
        String dedupKey,
        String alertId,
        Map<String, JsonNode> context,
        int revision,
        long occurrences,
        long evidenceOmitted)
        implements Serializable {
    private static final long serialVersionUID = 2L;

    public enum Kind {
        SINGLE,
        CORRELATION;

        /** Made once: every alert record asks for it, and the record's writer looks it up by its hash. */
        private final String wireName = name().toLowerCase(Locale.ROOT);

        /** The wire name: {@code single} or {@code correlation}. */
        public String wireName() {
            return wireName;
        }
    }

    public Alert {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(dedupKey, "dedupKey");
        Objects.requireNonNull(alertId, "alertId");
        group = Collections.unmodifiableMap(new LinkedHashMap<>(group));
        evidence = List.copyOf(evidence);
        // Most rules set no context: an empty one is not copied.
        context =
                context.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(new LinkedHashMap<>(context));
        if (revision < 0 || occurrences < 1 || evidenceOmitted < 0 || evidenceOmitted >= occurrences) {
            throw new IllegalArgumentException(
                    "revision " + revision + ", occurrences " + occurrences + ", evidence omitted " + evidenceOmitted);
        }
    }

    /** A new alert that stands for one match or firing: revision 0, nothing folded into it yet. */
    public Alert(
            Kind kind,
            RuleRef rule,
            Level severity,
            String title,
            Map<String, String> group,
            long firstSeenMillis,
            long lastSeenMillis,
            List<Evidence> evidence,
            long count,
            String dedupKey,
            String alertId,
            Map<String, JsonNode> context) {
        this(
                kind,
                rule,
                severity,
                title,
                group,
                firstSeenMillis,
                lastSeenMillis,
                evidence,
                count,
                dedupKey,
                alertId,
                context,
                0,
                1,
                0);
    }

    /** The account the alert is about, or null. */
    public String account() {
        return group.get("account");
    }

    /** The principal the alert is about, or null. */
    public String principal() {
        return group.get("principal");
    }
}
