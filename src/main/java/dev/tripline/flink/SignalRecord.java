package dev.tripline.flink;

import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Signal;
import java.util.List;

/**
 * One {@link Signal} for one correlation plan on its way to {@link CorrelateFunction}: a Flink POJO whose
 * {@link #key} is the state key (plan id, the plan's semantic fingerprint, and group values) and whose signal
 * travels as {@link Codec} bytes. The fingerprint in the key is what lets a rollout keep the state of unchanged
 * correlations and drop the rest: a changed correlation's new signals land on new keys.
 */
public class SignalRecord {
    /** Plan id, fingerprint and group values, unambiguously joined; see {@link #key(String, String, List)}. */
    public String key;

    public String planId;
    /** Event time of the signal, epoch millis; what the downstream watermark strategy reads. */
    public long time;

    public byte[] signal;
    /**
     * The correlate stage that holds the plan ({@code CorrelationEngine#stageOf}) under the rules that made the
     * signal, so that routing follows live rule updates; 0 when not known (route by the job's start rules).
     */
    public int stage;

    public SignalRecord() {}

    public static SignalRecord of(CorrelationPlan plan, Signal s) {
        SignalRecord r = new SignalRecord();
        r.key = key(plan.id(), plan.fingerprint(), s.group());
        r.planId = plan.id();
        r.time = s.time();
        r.signal = Codec.signal(s);
        return r;
    }

    /** As {@link #of(CorrelationPlan, Signal)}, routed to {@code stage}. */
    public static SignalRecord of(CorrelationPlan plan, Signal s, int stage) {
        SignalRecord r = of(plan, s);
        r.stage = stage;
        return r;
    }

    public Signal signal() {
        return Codec.signal(signal);
    }

    /**
     * The state key, {@code <n>:<plan id>@<fingerprint>} then {@code |<n>:<value>} per group value: each part
     * length-prefixed, so that no choice of group values (which come from events and may contain any separator)
     * makes two groups share a key.
     */
    public static String key(String planId, String fingerprint, List<String> group) {
        StringBuilder b = new StringBuilder(planId.length() + fingerprint.length() + 16 * group.size() + 8);
        b.append(planId.length()).append(':').append(planId).append('@').append(fingerprint);
        for (String g : group) {
            b.append('|').append(g.length()).append(':').append(g);
        }
        return b.toString();
    }

    /** The plan id at the front of a {@link #key}. */
    public static String planIdOf(String key) {
        int colon = key.indexOf(':');
        int n = Integer.parseInt(key.substring(0, colon));
        return key.substring(colon + 1, colon + 1 + n);
    }

    /** The plan fingerprint of a {@link #key}. */
    public static String fingerprintOf(String key) {
        int colon = key.indexOf(':');
        int start = colon + 1 + Integer.parseInt(key.substring(0, colon)) + 1;
        int bar = key.indexOf('|', start);
        return key.substring(start, bar < 0 ? key.length() : bar);
    }

    /** The group values of a {@link #key}, in group-by order. */
    public static List<String> groupOf(String key) {
        int colon = key.indexOf(':');
        int at = key.indexOf('|', colon + 1 + Integer.parseInt(key.substring(0, colon)));
        List<String> group = new java.util.ArrayList<>();
        while (at >= 0 && at < key.length()) {
            int c = key.indexOf(':', at);
            int n = Integer.parseInt(key.substring(at + 1, c));
            group.add(key.substring(c + 1, c + 1 + n));
            at = c + 1 + n;
        }
        return group;
    }

    @Override
    public String toString() {
        return "SignalRecord{" + key + " @" + time + "}";
    }
}
