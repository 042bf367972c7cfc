package dev.tripline.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The derived values and ECS names of an Azure Activity Log record, in either shape Azure delivers it:
 * <ul>
 *   <li>the <em>diagnostic-settings export</em> (Event Hubs, storage accounts): {@code time}, {@code resourceId},
 *       {@code operationName} (a string), {@code category}, {@code resultType}, {@code callerIpAddress},
 *       {@code identity.claims}, {@code properties}, {@code location};</li>
 *   <li>the <em>REST / Azure Monitor</em> shape (Activity Log API, {@code az monitor activity-log list}):
 *       {@code eventTimestamp}, {@code operationName.value}, {@code status.value}, {@code caller},
 *       {@code claims}, {@code subscriptionId}, {@code resourceGroupName}, {@code httpRequest.clientIpAddress}.</li>
 * </ul>
 * Every computation reads the diagnostic field first and the REST one second, so each name answers on both
 * shapes. The table of names and the choices behind {@code account}, {@code principal} and {@code cloud.region}
 * are in docs/event-view.md. {@link MissingNode} means absent.
 */
final class AzureFields {
    private static final JsonNode MISSING = MissingNode.getInstance();
    private static final TextNode DATASET = TextNode.valueOf("azure.activitylogs");
    private static final TextNode KIND_EVENT = TextNode.valueOf("event");
    private static final TextNode AZURE = TextNode.valueOf("azure");
    private static final TextNode SUCCESS = TextNode.valueOf("success");
    private static final TextNode FAILURE = TextNode.valueOf("failure");

    static final String UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
    static final String OBJECT_ID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    /** Bodies are JSON text inside the record; only this much of one is read for its location. */
    private static final int MAX_BODY_CHARS = 64 * 1024;

    private static final JsonFactory BODY_JSON = JsonFactory.builder()
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();
    /** Fallback for a body cut short by Azure (it truncates long request bodies): the first location key. */
    private static final Pattern BODY_LOCATION = Pattern.compile("\"location\"\\s*:\\s*\"([^\"\\\\]{1,64})\"");
    /** A region after normalisation: {@code japaneast}, {@code usgovvirginia}, {@code eastus2euap}. */
    private static final Pattern REGION = Pattern.compile("[a-z][a-z0-9]{1,39}");

    private static final Pattern SUBSCRIPTION = Pattern.compile("(?i)/subscriptions/([^/]{1,64})");
    private static final Pattern RESOURCE_GROUP = Pattern.compile("(?i)/resourcegroups/([^/]{1,90})");
    private static final Pattern PROVIDER = Pattern.compile("(?i)/providers/([^/]{1,100})");
    private static final String[] BODY_KEYS = {"requestbody", "requestBody", "responseBody", "responsebody"};

    private AzureFields() {}

    /**
     * The node holding the event time: {@code time}, else {@code eventTimestamp}, else {@code @timestamp};
     * {@code member} looks up a top-level member of the record.
     */
    static JsonNode timeField(Function<String, JsonNode> member) {
        JsonNode t = member.apply("time");
        if (t == null) {
            t = member.apply("eventTimestamp");
        }
        return t != null ? t : member.apply("@timestamp");
    }

    static JsonNode compute(EcsAliases.Computed which, Event r) {
        switch (which) {
            case TIMESTAMP: {
                long t = r.eventTimeMillis();
                return t == Event.NO_TIME ? MISSING : TextNode.valueOf(EventTime.format(t));
            }
            case DATASET:
                return DATASET;
            case EVENT_KIND:
                return KIND_EVENT;
            case CLOUD_PROVIDER:
                return AZURE;
            case EVENT_ACTION: {
                String op = operationName(r);
                return op == null ? MISSING : TextNode.valueOf(op.toUpperCase(Locale.ROOT));
            }
            case EVENT_OUTCOME:
                return outcome(r);
            case CLOUD_REGION: {
                String region = region(r);
                return region == null ? MISSING : TextNode.valueOf(region);
            }
            case ACCOUNT: {
                String s = subscription(r);
                return s == null ? MISSING : TextNode.valueOf(s);
            }
            case PRINCIPAL: {
                String p = principal(r);
                return p == null ? MISSING : TextNode.valueOf(p);
            }
            case SOURCE_IP: {
                // Storage resource logs write the caller as ip:port; source.ip is the address alone.
                String s = callerIp(r);
                String ip = s == null ? null : IpLiteral.withoutPort(s);
                return ip == null ? MISSING : TextNode.valueOf(ip);
            }
            case SOURCE_ADDRESS:
            case AZ_CALLER_IP: {
                String s = callerIp(r);
                return s == null ? MISSING : TextNode.valueOf(s);
            }
            case USER_NAME: {
                JsonNode claims = claims(r);
                return orMissing(firstText(claims.get("name"), claims.get(UPN_CLAIM), r.member("caller")));
            }
            case AZ_OPERATION_NAME: {
                String op = operationName(r);
                return op == null ? MISSING : TextNode.valueOf(op);
            }
            case AZ_CATEGORY:
                return orMissing(textOrValue(r.member("category")));
            case AZ_RESULT_TYPE:
                return orMissing(firstText(r.member("resultType"), valueOf(r.member("status"))));
            case AZ_STATUS:
                return orMissing(firstText(valueOf(r.member("status")), r.member("resultType")));
            case AZ_TIME:
                return orMissing(firstText(r.member("time"), r.member("eventTimestamp")));
            case AZ_CLAIMS:
                return claims(r);
            case AZ_CLAIMS_ECS:
                return ecsClaims(claims(r));
            case AZ_AUTHORIZATION: {
                JsonNode a = CloudTrailFields.at(r, "identity", "authorization");
                if (a == null || !a.isObject()) {
                    a = r.member("authorization");
                }
                return a != null && a.isObject() ? a : MISSING;
            }
            case AZ_CALLER: {
                JsonNode c = firstText(r.member("caller"));
                if (c != null) {
                    return c;
                }
                String p = principal(r);
                return p == null ? MISSING : TextNode.valueOf(p);
            }
            case AZ_RESOURCE_GROUP: {
                JsonNode g = firstText(r.member("resourceGroupName"));
                if (g != null) {
                    return g;
                }
                String s = group(RESOURCE_GROUP, text(r.member("resourceId")));
                return s == null ? MISSING : TextNode.valueOf(s);
            }
            case AZ_RESOURCE_PROVIDER: {
                JsonNode p = firstText(valueOf(r.member("resourceProviderName")));
                if (p != null) {
                    return TextNode.valueOf(p.textValue().toUpperCase(Locale.ROOT));
                }
                String s = group(PROVIDER, text(r.member("resourceId")));
                if (s == null) {
                    String op = operationName(r);
                    int slash = op == null ? -1 : op.indexOf('/');
                    s = slash > 0 ? op.substring(0, slash) : null;
                }
                return s == null ? MISSING : TextNode.valueOf(s.toUpperCase(Locale.ROOT));
            }
            default:
                return MISSING; // a CloudTrail-only value
        }
    }

    /**
     * The raw fields (each with everything below it) that {@link #compute} reads for {@code which}, for
     * {@link FieldSet}: both record shapes. A computation that reads a new field must list it here, or the
     * selective-parse differential test fails.
     */
    static List<String> reads(EcsAliases.Computed which) {
        switch (which) {
            case TIMESTAMP:
            case AZ_TIME:
                return List.of("time", "eventTimestamp", "@timestamp");
            case EVENT_ACTION:
            case AZ_OPERATION_NAME:
                return List.of("operationName");
            case EVENT_OUTCOME:
            case AZ_RESULT_TYPE:
            case AZ_STATUS:
                return List.of("resultType", "status");
            case CLOUD_REGION:
                return List.of(
                        "location",
                        "properties.location",
                        "properties.resourceLocation",
                        "properties.requestbody",
                        "properties.requestBody",
                        "properties.responseBody",
                        "properties.responsebody");
            case ACCOUNT:
                return List.of("subscriptionId", "resourceId");
            case PRINCIPAL:
            case AZ_CALLER:
                return List.of("identity.claims", "claims", "caller", "identity.requester");
            case SOURCE_IP:
            case SOURCE_ADDRESS:
            case AZ_CALLER_IP:
                return List.of("callerIpAddress", "httpRequest.clientIpAddress");
            case USER_NAME:
                return List.of("identity.claims", "claims", "caller");
            case AZ_CATEGORY:
                return List.of("category");
            case AZ_CLAIMS:
            case AZ_CLAIMS_ECS:
                return List.of("identity.claims", "claims");
            case AZ_AUTHORIZATION:
                return List.of("identity.authorization", "authorization");
            case AZ_RESOURCE_GROUP:
                return List.of("resourceGroupName", "resourceId");
            case AZ_RESOURCE_PROVIDER:
                return List.of("resourceProviderName", "resourceId", "operationName");
            default:
                return List.of(); // constants, and CloudTrail's names
        }
    }

    /** The operation, {@code Microsoft.Resources/resourceGroups/write}, as written (case varies by service). */
    static String operationName(Event r) {
        JsonNode op = textOrValue(r.member("operationName"));
        return op == null ? null : op.textValue();
    }

    /**
     * {@code success} for Success/Succeeded, {@code failure} for Failure/Failed (resultType, else status.value);
     * nothing for the intermediate Start/Accept/Started/Accepted records, which say nothing of the outcome yet.
     */
    private static JsonNode outcome(Event r) {
        JsonNode n = firstText(r.member("resultType"), valueOf(r.member("status")));
        if (n == null) {
            return MISSING;
        }
        String s = n.textValue().toLowerCase(Locale.ROOT);
        if (s.equals("success") || s.equals("succeeded")) {
            return SUCCESS;
        }
        if (s.equals("failure") || s.equals("failed")) {
            return FAILURE;
        }
        return MISSING;
    }

    /** The subscription id, lower-cased: {@code subscriptionId}, else the one in {@code resourceId}. */
    static String subscription(Event r) {
        String s = text(r.member("subscriptionId"));
        if (s == null || s.isEmpty()) {
            s = group(SUBSCRIPTION, text(r.member("resourceId")));
        }
        return s == null || s.isEmpty() ? null : s.toLowerCase(Locale.ROOT);
    }

    /**
     * Who acted: the UPN claim (users), else {@code caller} (REST shape: UPN, e-mail or a service principal's
     * id), else the object-id claim, else the application-id claim (service principals in the diagnostic
     * shape), else a storage resource log's OAuth {@code identity.requester} (upn, objectId, appId). The UPN
     * comes first so that the same user's records agree across shapes. Records whose caller used a shared key
     * or SAS token ({@code identity.type} AccountKey, SAS), and platform records, have no principal.
     */
    static String principal(Event r) {
        JsonNode claims = claims(r);
        JsonNode requester = CloudTrailFields.at(r, "identity", "requester");
        JsonNode p = firstText(
                claims.get(UPN_CLAIM),
                r.member("caller"),
                claims.get(OBJECT_ID_CLAIM),
                claims.get("oid"),
                claims.get("appid"),
                CloudTrailFields.at(requester, "upn"),
                CloudTrailFields.at(requester, "objectId"),
                CloudTrailFields.at(requester, "appId"));
        return p == null ? null : p.textValue();
    }

    private static String callerIp(Event r) {
        JsonNode n = firstText(r.member("callerIpAddress"), CloudTrailFields.at(r, "httpRequest", "clientIpAddress"));
        return n == null ? null : n.textValue();
    }

    private static JsonNode claims(Event r) {
        JsonNode c = CloudTrailFields.at(r, "identity", "claims");
        if (c == null || !c.isObject()) {
            c = r.member("claims");
        }
        return c != null && c.isObject() ? c : MISSING;
    }

    /** Elastic's azure.activitylogs.identity.claims: claim names with dots turned into underscores. */
    private static JsonNode ecsClaims(JsonNode claims) {
        if (!claims.isObject()) {
            return MISSING;
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = claims.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.set(e.getKey().replace('.', '_'), e.getValue());
        }
        return out;
    }

    /**
     * The Azure region the record's resource lives in, normalised like Azure's own names ({@code Japan East} →
     * {@code japaneast}). In order: a top-level {@code location} that is not {@code global}; then
     * {@code properties.location} / {@code properties.resourceLocation}; then the {@code location} of the
     * request or response body in {@code properties} (JSON text or an object). A resource group write, say, logs
     * {@code global} at the top and its region only in the body.
     */
    static String region(Event r) {
        String top = normaliseRegion(text(r.member("location")));
        if (top != null && !top.equals("global")) {
            return top;
        }
        JsonNode props = r.member("properties");
        if (props == null || !props.isObject()) {
            return null;
        }
        for (String k : new String[] {"location", "resourceLocation"}) {
            String s = normaliseRegion(text(props.get(k)));
            if (s != null && !s.equals("global")) {
                return s;
            }
        }
        for (String k : BODY_KEYS) {
            String s = normaliseRegion(bodyLocation(props.get(k)));
            if (s != null && !s.equals("global")) {
                return s;
            }
        }
        return null;
    }

    private static String bodyLocation(JsonNode body) {
        if (body == null) {
            return null;
        }
        if (body.isObject()) {
            return text(body.get("location"));
        }
        if (!body.isTextual() || body.textValue().isEmpty()) {
            return null;
        }
        String s = body.textValue();
        if (s.length() > MAX_BODY_CHARS) {
            s = s.substring(0, MAX_BODY_CHARS);
        }
        String top = topLevelLocation(s);
        if (top != null) {
            return top;
        }
        Matcher m = BODY_LOCATION.matcher(s);
        return m.find() ? m.group(1) : null;
    }

    /** The top-level {@code location} string of a JSON object text, streamed; null when absent or not JSON. */
    private static String topLevelLocation(String json) {
        try (JsonParser p = BODY_JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("location") && v == JsonToken.VALUE_STRING) {
                    return p.getText();
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    static String normaliseRegion(String s) {
        if (s == null) {
            return null;
        }
        String n = s.replace(" ", "").toLowerCase(Locale.ROOT);
        return REGION.matcher(n).matches() ? n : null;
    }

    private static String group(Pattern p, String s) {
        if (s == null) {
            return null;
        }
        Matcher m = p.matcher(s);
        return m.find() ? m.group(1) : null;
    }

    /** A string, or the {@code value} of a REST {@code {value, localizedValue}} pair. */
    private static JsonNode textOrValue(JsonNode n) {
        return firstText(n, valueOf(n));
    }

    private static JsonNode valueOf(JsonNode n) {
        return n != null && n.isObject() ? n.get("value") : null;
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() ? n.textValue() : null;
    }

    private static JsonNode orMissing(JsonNode n) {
        return n == null ? MISSING : n;
    }

    /** The first non-empty text node, or null. */
    private static JsonNode firstText(JsonNode... candidates) {
        for (JsonNode c : candidates) {
            if (c != null && c.isTextual() && !c.textValue().isEmpty()) {
                return c;
            }
        }
        return null;
    }
}
