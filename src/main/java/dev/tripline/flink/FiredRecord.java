package dev.tripline.flink;

import dev.tripline.correlate.Fired;

/**
 * A correlation that fired for one group, as {@link CorrelateFunction} emits it: a Flink POJO with the key
 * fields dedup and routing need in the clear and the {@link Fired} itself as {@link Codec} bytes.
 */
public class FiredRecord {
    public String correlationId;
    /** The state key it fired for (plan id and group values). */
    public String key;
    /** The firing's last_seen, epoch millis. */
    public long lastSeen;
    /** False when the correlation only feeds an outer correlation. */
    public boolean alert;
    public byte[] fired;

    public FiredRecord() {
    }

    public static FiredRecord of(String key, Fired f) {
        FiredRecord r = new FiredRecord();
        r.correlationId = f.correlationId();
        r.key = key;
        r.lastSeen = f.lastSeen();
        r.alert = f.alert();
        r.fired = Codec.fired(f);
        return r;
    }

    public Fired fired() {
        return Codec.fired(fired);
    }

    @Override
    public String toString() {
        return "FiredRecord{" + key + " @" + lastSeen + "}";
    }
}
