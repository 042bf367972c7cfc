package dev.tripline.flink;

import dev.tripline.correlate.Signal;
import java.util.List;

/**
 * One {@link Signal} for one correlation plan on its way to {@link CorrelateFunction}: a Flink POJO whose
 * {@link #key} is the state key (plan id and group values) and whose signal travels as {@link Codec} bytes.
 */
public class SignalRecord {
    /** Plan id and group values, unambiguously joined; see {@link #key(String, List)}. */
    public String key;
    public String planId;
    /** Event time of the signal, epoch millis; what the downstream watermark strategy reads. */
    public long time;
    public byte[] signal;

    public SignalRecord() {
    }

    public static SignalRecord of(String planId, Signal s) {
        SignalRecord r = new SignalRecord();
        r.key = key(planId, s.group());
        r.planId = planId;
        r.time = s.time();
        r.signal = Codec.signal(s);
        return r;
    }

    public Signal signal() {
        return Codec.signal(signal);
    }

    /**
     * The state key: each part length-prefixed, so that no choice of group values (which come from events and may
     * contain any separator) makes two groups share a key.
     */
    public static String key(String planId, List<String> group) {
        StringBuilder b = new StringBuilder(planId.length() + 16 * group.size() + 8);
        b.append(planId.length()).append(':').append(planId);
        for (String g : group) {
            b.append('|').append(g.length()).append(':').append(g);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "SignalRecord{" + key + " @" + time + "}";
    }
}
