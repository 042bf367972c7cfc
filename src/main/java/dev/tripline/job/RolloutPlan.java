package dev.tripline.job;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What restoring a savepoint under a new rule set does to each correlation's open partial matches, by the rule the
 * job applies at restore ({@code CorrelateFunction#dropStaleState}): state whose correlation id and fingerprint
 * are both in the new rule set is kept; state of a correlation whose fingerprint changed, or that is gone, is
 * dropped; correlations new to the rule set start empty.
 */
public final class RolloutPlan {
    public enum Verdict {
        KEEP("keep"),
        DROP_CHANGED("drop (changed)"),
        DROP_REMOVED("drop (removed)"),
        NEW("new (starts empty)");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * One correlation version: the state the savepoint holds for it and what the rollout does with it.
     *
     * @param savedFingerprint the fingerprint the state was made under; null for a new correlation
     * @param newFingerprint   the fingerprint in the new rule set; null when the correlation is removed
     * @param groups           groups with an open partial match (0 for a new correlation)
     * @param signals          signals those groups hold
     * @param oldestSignalTime event time of the oldest, epoch millis; {@link Long#MAX_VALUE} when none
     */
    public record Row(
            String correlationId,
            String title,
            String savedFingerprint,
            String newFingerprint,
            Verdict verdict,
            long groups,
            long signals,
            long oldestSignalTime) {}

    private final List<Row> rows;
    private final List<String> notes;

    private RolloutPlan(List<Row> rows, List<String> notes) {
        this.rows = List.copyOf(rows);
        this.notes = List.copyOf(notes);
    }

    /** The plan for restoring {@code saved} (from {@link SavepointCorrelations#read}) under {@code next}. */
    public static RolloutPlan of(List<SavepointCorrelations.Group> saved, CorrelationEngine next) {
        Map<String, long[]> totals = new LinkedHashMap<>();
        Set<String> stagesWithState = new TreeSet<>();
        for (SavepointCorrelations.Group g : saved) {
            long[] t = totals.computeIfAbsent(
                    g.correlationId() + "@" + g.fingerprint(), k -> new long[] {0, 0, Long.MAX_VALUE});
            t[0]++;
            t[1] += g.signals();
            t[2] = Math.min(t[2], g.oldestSignalTime());
            stagesWithState.add(g.operatorUid());
        }
        List<Row> rows = new ArrayList<>();
        Set<String> kept = new TreeSet<>();
        for (Map.Entry<String, long[]> e : totals.entrySet()) {
            int at = e.getKey().lastIndexOf('@');
            String id = e.getKey().substring(0, at);
            String fingerprint = e.getKey().substring(at + 1);
            CorrelationPlan now = next.plan(id);
            Verdict v = now == null
                    ? Verdict.DROP_REMOVED
                    : now.fingerprint().equals(fingerprint) ? Verdict.KEEP : Verdict.DROP_CHANGED;
            if (v == Verdict.KEEP) {
                kept.add(id);
            }
            long[] t = e.getValue();
            rows.add(new Row(
                    id,
                    now == null ? null : now.rule().title(),
                    fingerprint,
                    now == null ? null : now.fingerprint(),
                    v,
                    t[0],
                    t[1],
                    t[2]));
        }
        for (CorrelationPlan p : next.plans()) {
            if (!kept.contains(p.id())) {
                rows.add(new Row(p.id(), p.rule().title(), null, p.fingerprint(), Verdict.NEW, 0, 0, Long.MAX_VALUE));
            }
        }
        List<String> notes = new ArrayList<>();
        int stages = Math.max(1, next.stages());
        for (String uid : stagesWithState) {
            int stage = uid.equals(dev.tripline.flink.CorrelateFunction.UID)
                    ? 1
                    : Integer.parseInt(uid.substring(uid.lastIndexOf('-') + 1));
            if (stage > stages) {
                notes.add("operator " + uid + " holds state but the new rules need only " + stages
                        + " correlate stage(s): restore with --allowNonRestoredState (its state is dropped)");
            }
        }
        return new RolloutPlan(rows, notes);
    }

    public List<Row> rows() {
        return rows;
    }

    /** Things the operator of the rollout must do or know beyond the per-correlation verdicts. */
    public List<String> notes() {
        return notes;
    }

    public long groups(Verdict v) {
        return rows.stream()
                .filter(r -> r.verdict() == v)
                .mapToLong(Row::groups)
                .sum();
    }
}
