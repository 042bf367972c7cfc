package dev.tripline.event;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Which fields the events of a log type can carry, as far as that is known before any event is read: the
 * top-level fields of the record's published schema (CloudTrail's record contents; Azure Activity Log in both
 * the diagnostic-settings form and the REST form), and the names the event view adds (ECS aliases, derived
 * fields such as {@code account} and {@code principal}). Below an object that is open by design
 * ({@code requestParameters}, {@code properties}, ECS {@code user}) anything may occur, so only a path's first
 * segment is judged, case-insensitively as the event view looks fields up. Stateless.
 */
public final class RecordFields {
    /** CloudTrail record contents (AWS CloudTrail User Guide, "CloudTrail record contents"). */
    private static final Set<String> CLOUDTRAIL = Set.of(
            "eventversion",
            "useridentity",
            "eventtime",
            "eventsource",
            "eventname",
            "awsregion",
            "sourceipaddress",
            "useragent",
            "errorcode",
            "errormessage",
            "requestparameters",
            "responseelements",
            "additionaleventdata",
            "requestid",
            "eventid",
            "eventtype",
            "apiversion",
            "managementevent",
            "readonly",
            "resources",
            "recipientaccountid",
            "serviceeventdetails",
            "sharedeventid",
            "vpcendpointid",
            "vpcendpointaccountid",
            "eventcategory",
            "addendum",
            "sessioncredentialfromconsole",
            "edgedevicedetails",
            "tlsdetails",
            "insightdetails");

    /** Azure Activity Log: the diagnostic-settings (Event Hubs, storage) record and the REST API's event. */
    private static final Set<String> AZURE_ACTIVITY = Set.of(
            "time",
            "resourceid",
            "operationname",
            "category",
            "resulttype",
            "resultsignature",
            "durationms",
            "calleripaddress",
            "correlationid",
            "identity",
            "level",
            "location",
            "properties",
            "tenantid",
            "authorization",
            "caller",
            "channels",
            "claims",
            "description",
            "eventdataid",
            "eventname",
            "eventtimestamp",
            "httprequest",
            "id",
            "operationid",
            "resourcegroupname",
            "resourceprovidername",
            "resourcetype",
            "status",
            "substatus",
            "submissiontimestamp",
            "subscriptionid");

    /** First segments of the names the event view adds to every log type's events. */
    private static final Set<String> VIEW = viewNames();

    private RecordFields() {}

    /** False only when no event of {@code type} can carry {@code path}: its first segment is no field of it. */
    public static boolean mayCarry(LogType type, FieldPath path) {
        String first = path.segment(0).toLowerCase(Locale.ROOT);
        Set<String> record = type == LogType.CLOUDTRAIL ? CLOUDTRAIL : AZURE_ACTIVITY;
        return record.contains(first) || VIEW.contains(first);
    }

    private static Set<String> viewNames() {
        Set<String> names = new TreeSet<>();
        Stream.of(
                        EcsAliases.renames().keySet().stream(),
                        EcsAliases.computedNames().stream(),
                        EcsAliases.azureNames().stream())
                .flatMap(s -> s)
                .map(n -> FieldPath.of(n).segment(0).toLowerCase(Locale.ROOT))
                .forEach(names::add);
        return Set.copyOf(names);
    }

    /** For tests and tooling: the schema names of each log type, in lower case. */
    static Map<LogType, Set<String>> schemas() {
        return Map.of(LogType.CLOUDTRAIL, CLOUDTRAIL, LogType.AZURE_ACTIVITY, AZURE_ACTIVITY);
    }
}
