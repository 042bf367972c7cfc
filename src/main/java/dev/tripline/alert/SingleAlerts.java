package dev.tripline.alert;

import dev.tripline.event.Event;
import dev.tripline.rule.Rule;

/**
 * The whole path from a single-event match to an alert or none in one call: signal-only rules, dedup key, dedup
 * and threshold, alert building. The job splits the same path in two ({@code DetectFunction} writes the candidate
 * through {@link SingleAlertTemplate#encode}, {@code DedupFunction} offers it to {@link Dedup}); only tests call
 * this one, keeping the state per dedup key themselves:
 *
 * <pre>{@code
 * String key = DedupKeys.single(rule, event);
 * SingleAlerts.Result r = SingleAlerts.offer(rule, event, states.get(key), defaultMinutes);
 * if (r.state() != null) states.put(key, r.state());   // and a timer at Dedup.clearableAt(...)
 * if (r.alert() != null) out.collect(r.alert());
 * }</pre>
 */
public final class SingleAlerts {
    private SingleAlerts() {}

    /**
     * @param state  the key's state, or null; left as is (and returned) for signal-only rules
     * @param alert  the alert to emit now, or null
     * @param outcome what dedup decided; null for a signal-only rule, which never reaches dedup
     */
    public record Result(DedupState state, Alert alert, Dedup.Outcome outcome) {}

    public static Result offer(Rule rule, Event event, DedupState state, int defaultDedupMinutes) {
        if (rule.signalOnly()) {
            return new Result(state, null, null);
        }
        Dedup.Decision d = Dedup.offer(state, event.eventTimeMillis(), DedupPolicy.forRule(rule, defaultDedupMinutes));
        Alert alert = d.emit() ? Alerts.single(rule, event, d.count(), d.firstSeen(), d.lastSeen()) : null;
        return new Result(d.state(), alert, d.outcome());
    }
}
