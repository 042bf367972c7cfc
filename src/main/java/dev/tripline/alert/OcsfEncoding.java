package dev.tripline.alert;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.rule.Level;
import java.io.IOException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An alert as an OCSF 1.4 Detection Finding (class_uid 2004, category Findings). The mapping, and why, is in
 * docs/alerts.md. Times are epoch milliseconds, as OCSF's timestamp_t; {@code time} is the alert's last_seen
 * (event time), not the wall clock, so that a replay writes identical findings.
 */
final class OcsfEncoding {
    static final String OCSF_VERSION = "1.4.0";
    static final int CLASS_UID = 2004;
    static final int CATEGORY_UID = 2;
    static final int ACTIVITY_CREATE = 1;
    /** An update of a finding already sent (same finding_info.uid): a deduplicated alert that grew. */
    static final int ACTIVITY_UPDATE = 2;

    private OcsfEncoding() {}

    /** OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical. */
    static int severityId(Level level) {
        return switch (level) {
            case INFORMATIONAL -> 1;
            case LOW -> 2;
            case MEDIUM -> 3;
            case HIGH -> 4;
            case CRITICAL -> 5;
        };
    }

    static String severityName(Level level) {
        return switch (level) {
            case INFORMATIONAL -> "Informational";
            case LOW -> "Low";
            case MEDIUM -> "Medium";
            case HIGH -> "High";
            case CRITICAL -> "Critical";
        };
    }

    static void write(Alert a, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("class_uid", CLASS_UID);
        g.writeStringField("class_name", "Detection Finding");
        g.writeNumberField("category_uid", CATEGORY_UID);
        g.writeStringField("category_name", "Findings");
        boolean update = a.revision() > 0;
        int activity = update ? ACTIVITY_UPDATE : ACTIVITY_CREATE;
        g.writeNumberField("activity_id", activity);
        g.writeStringField("activity_name", update ? "Update" : "Create");
        g.writeNumberField("type_uid", CLASS_UID * 100L + activity);
        g.writeStringField("type_name", update ? "Detection Finding: Update" : "Detection Finding: Create");
        g.writeNumberField("severity_id", severityId(a.severity()));
        g.writeStringField("severity", severityName(a.severity()));
        g.writeNumberField("status_id", 1);
        g.writeStringField("status", "New");
        g.writeBooleanField("is_alert", true);
        writeTime(g, "time", a.lastSeenMillis());
        writeTime(g, "start_time", a.firstSeenMillis());
        writeTime(g, "end_time", a.lastSeenMillis());
        g.writeNumberField("count", a.count());
        g.writeStringField("message", a.title());

        g.writeObjectFieldStart("metadata");
        g.writeStringField("version", OCSF_VERSION);
        g.writeStringField("uid", a.alertId());
        g.writeStringField("correlation_uid", a.dedupKey());
        g.writeObjectFieldStart("product");
        g.writeStringField("name", "Tripline");
        g.writeStringField("vendor_name", "Tripline");
        g.writeEndObject();
        g.writeEndObject();

        g.writeObjectFieldStart("finding_info");
        g.writeStringField("uid", a.alertId());
        g.writeStringField("title", a.title());
        if (a.rule().description() != null) {
            g.writeStringField("desc", Limits.truncate(a.rule().description(), 8192));
        }
        g.writeArrayFieldStart("types");
        g.writeString(a.kind() == Alert.Kind.SINGLE ? "Single-event detection" : "Correlation");
        g.writeEndArray();
        writeTime(g, "first_seen_time", a.firstSeenMillis());
        writeTime(g, "last_seen_time", a.lastSeenMillis());
        g.writeObjectFieldStart("analytic");
        g.writeStringField("uid", a.rule().id());
        g.writeStringField("name", a.rule().title());
        g.writeNumberField("type_id", 1);
        g.writeStringField("type", "Rule");
        g.writeEndObject();
        g.writeNumberField("related_events_count", a.evidence().size());
        g.writeEndObject();

        String region = region(a);
        g.writeObjectFieldStart("cloud");
        g.writeStringField("provider", provider(a));
        if (a.account() != null) {
            g.writeObjectFieldStart("account");
            g.writeStringField("uid", a.account());
            g.writeEndObject();
        }
        if (region != null) {
            g.writeStringField("region", region);
        }
        g.writeEndObject();

        if (a.principal() != null) {
            g.writeObjectFieldStart("actor");
            g.writeObjectFieldStart("user");
            g.writeStringField("uid", a.principal());
            g.writeEndObject();
            g.writeEndObject();
        }

        g.writeArrayFieldStart("evidences");
        for (Evidence e : a.evidence()) {
            g.writeStartObject();
            g.writeObjectFieldStart("api");
            g.writeStringField("operation", e.eventName());
            g.writeObjectFieldStart("service");
            g.writeStringField("name", e.eventSource());
            g.writeEndObject();
            g.writeEndObject();
            String ip = text(e.fields().get("sourceIPAddress"));
            if (ip != null) {
                g.writeObjectFieldStart("src_endpoint");
                g.writeStringField("ip", ip);
                g.writeEndObject();
            }
            g.writeObjectFieldStart("data");
            g.writeStringField("eventID", e.eventId());
            g.writeStringField("eventTime", JsonLinesEncoding.time(e.eventTimeMillis()));
            g.writeStringField("awsRegion", e.awsRegion());
            JsonLinesEncoding.writeValues(g, e.fields());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();

        g.writeArrayFieldStart("observables");
        for (int i = 0; i < a.evidence().size(); i++) {
            String ip = text(a.evidence().get(i).fields().get("sourceIPAddress"));
            if (ip != null) {
                g.writeStartObject();
                g.writeStringField("name", "evidences[" + i + "].src_endpoint.ip");
                g.writeNumberField("type_id", 2);
                g.writeStringField("type", "IP Address");
                g.writeStringField("value", ip);
                g.writeEndObject();
            }
        }
        g.writeEndArray();

        g.writeObjectFieldStart("unmapped");
        g.writeStringField("kind", a.kind().wireName());
        g.writeStringField("dedup_key", a.dedupKey());
        g.writeNumberField("revision", a.revision());
        g.writeNumberField("occurrences", a.occurrences());
        g.writeNumberField("evidence_omitted", a.evidenceOmitted());
        g.writeObjectFieldStart("group");
        for (Map.Entry<String, String> e : a.group().entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        JsonLinesEncoding.writeStrings(g, "rule_tags", a.rule().tags());
        g.writeStringField("rule_author", a.rule().author());
        g.writeObjectFieldStart("context");
        JsonLinesEncoding.writeValues(g, a.context());
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
    }

    /**
     * OCSF {@code cloud.provider}: {@code Azure} when the evidence comes from Azure Activity records, else
     * {@code AWS} (CloudTrail, the only other log type). An alert does not carry its log type, so the evidence
     * tells: Azure evidence names a resource provider ({@code Microsoft.*}) where CloudTrail names a
     * {@code *.amazonaws.com} service, and an Azure account is a subscription GUID, never 12 digits.
     */
    static String provider(Alert a) {
        for (Evidence e : a.evidence()) {
            String source = e.eventSource();
            if (source != null && source.endsWith(".amazonaws.com")) {
                return "AWS";
            }
            if (source != null && source.regionMatches(true, 0, "Microsoft.", 0, "Microsoft.".length())) {
                return "Azure";
            }
        }
        String account = a.account();
        return account != null && SUBSCRIPTION_ID.matcher(account).matches() ? "Azure" : "AWS";
    }

    private static final Pattern SUBSCRIPTION_ID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** The output field in which an EnableRegion/DisableRegion event names the region it acts on. */
    private static final String NAMED_REGION = "requestParameters.RegionName";

    /**
     * OCSF {@code cloud.region}. A single alert: the region its event was recorded in. A correlation: the
     * region the alert is about, which for region-enabling calls is not where they are logged (EnableRegion
     * is always recorded in us-east-1): the group's {@code region} when the correlation groups by region,
     * else the region an evidence event names ({@code requestParameters.RegionName}), else the first
     * evidence event's region.
     */
    static String region(Alert a) {
        if (a.kind() == Alert.Kind.CORRELATION) {
            String grouped = a.group().get("region");
            if (grouped != null && !grouped.isEmpty()) {
                return grouped;
            }
            for (Evidence e : a.evidence()) {
                String named = text(e.fields().get(NAMED_REGION));
                if (named != null) {
                    return named;
                }
            }
        }
        return a.evidence().isEmpty() ? null : a.evidence().get(0).awsRegion();
    }

    private static void writeTime(JsonGenerator g, String name, long millis) throws IOException {
        if (millis != Event.NO_TIME) {
            g.writeNumberField(name, millis);
        }
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() && !n.textValue().isEmpty() ? n.textValue() : null;
    }
}
