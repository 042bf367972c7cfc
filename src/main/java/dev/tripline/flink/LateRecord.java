package dev.tripline.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertFormat;
import dev.tripline.correlate.Evidence;
import dev.tripline.correlate.Signal;
import java.time.Instant;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A rule match that reached a stateful operator later than the allowed lateness behind the watermark, so that
 * operator could no longer decide it correctly (the windows it belonged to may have closed). It is not dropped in
 * silence: it leaves on the job's late output, with what it was, for a file or topic a person can look at, and it
 * is counted in the operator's {@code late_records} metric. A Flink POJO.
 */
public class LateRecord {
    /** "correlate" (a correlation signal) or "dedup" (an alert candidate, which is then not emitted). */
    public String stage;
    /** The correlation (correlate) or rule (dedup) it was for. */
    public String ruleId;
    /** The event time of the late match, epoch millis. */
    public long eventTime;
    /** The operator's watermark when it arrived, epoch millis. */
    public long watermark;
    /** The events involved: eventIDs, comma-separated (null entries skipped). */
    public String eventIds;
    /** For a late alert candidate: the alert as a JSON Lines object, so nothing of it is lost; else null. */
    public String alert;

    private static final ObjectMapper JSON = new ObjectMapper();

    public LateRecord() {}

    static LateRecord ofSignal(String planId, Signal s, long watermark) {
        LateRecord r = new LateRecord();
        r.stage = "correlate";
        r.ruleId = planId;
        r.eventTime = s.time();
        r.watermark = watermark;
        r.eventIds = joinIds(s.evidence().stream().map(Evidence::eventId));
        return r;
    }

    /** A signal whose rules never reached the operator: named by what it carries, without its plan. */
    static LateRecord ofUnknownPlan(SignalRecord s, long watermark) {
        LateRecord r = new LateRecord();
        r.stage = "correlate";
        r.ruleId = s.planId;
        r.eventTime = s.time;
        r.watermark = watermark;
        r.eventIds = joinIds(dev.tripline.correlate.Encoding.packedEventIds(s.evidence).stream());
        return r;
    }

    static LateRecord ofAlert(AlertRecord a, long eventTime, long watermark) {
        Alert alert = a.alert();
        LateRecord r = new LateRecord();
        r.stage = "dedup";
        r.ruleId = a.ruleId;
        r.eventTime = eventTime;
        r.watermark = watermark;
        r.eventIds = joinIds(alert.evidence().stream().map(dev.tripline.alert.Evidence::eventId));
        r.alert = AlertFormat.JSONL.encode(alert);
        return r;
    }

    /** The event ids, comma-separated, nulls skipped. */
    private static String joinIds(Stream<String> ids) {
        return ids.filter(Objects::nonNull).collect(Collectors.joining(","));
    }

    /** One JSON object for the late-events output. */
    public String toJsonLine() {
        ObjectNode o = JSON.createObjectNode();
        o.put("stage", stage);
        o.put("rule_id", ruleId);
        o.put("event_time", Instant.ofEpochMilli(eventTime).toString());
        o.put("watermark", Instant.ofEpochMilli(watermark).toString());
        o.put("late_by_ms", watermark - eventTime);
        ArrayNode ids = o.putArray("event_ids");
        if (eventIds != null && !eventIds.isEmpty()) {
            for (String id : eventIds.split(",")) {
                ids.add(id);
            }
        }
        if (alert != null) {
            try {
                o.set("alert", JSON.readTree(alert));
            } catch (Exception e) {
                o.put("alert", alert);
            }
        }
        return o.toString();
    }

    /** {@link dev.tripline.correlate.Correlator#isLate}: one rule for correlate and dedup. */
    static boolean isLate(long time, long watermark, long lateness) {
        return dev.tripline.correlate.Correlator.isLate(time, watermark, lateness);
    }

    @Override
    public String toString() {
        return "LateRecord{" + stage + " " + ruleId + " @" + eventTime + " wm " + watermark + "}";
    }
}
