package dev.tripline.event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The alias names under which a raw CloudTrail event (and, with a table of its own, an Azure Activity Log event)
 * can also be read: Elastic's ECS field names (so that a
 * rule written against Elastic's AWS integration evaluates on raw CloudTrail) and Tripline's derived fields
 * {@code account}, {@code principal}, {@code principal_role} and {@code access_key_id}.
 *
 * <p>Two kinds: a <em>rename</em> points to a raw CloudTrail path ({@code event.action → eventName}) and can be
 * canonicalised at rule-load time with {@link #canonical(FieldPath)}; a <em>computed</em> alias is derived from
 * several fields or reformatted ({@code event.outcome}, {@code source.ip}, {@code @timestamp}) and is resolved
 * by {@link Event} at lookup time. An alias matches as a path prefix, so {@code aws.cloudtrail.flattened
 * .request_parameters.userName} resolves to {@code requestParameters.userName}. Alias names are matched
 * case-sensitively even on case-insensitive (Panther) paths. The full table with reasons is in
 * docs/event-view.md.
 */
public final class EcsAliases {

    /** The computed aliases and derived fields; the ordinal indexes the per-event cache. */
    public enum Computed {
        TIMESTAMP,
        DATASET,
        EVENT_KIND,
        CLOUD_PROVIDER,
        EVENT_OUTCOME,
        EVENT_CATEGORY,
        EVENT_TYPE,
        USER_NAME,
        SOURCE_IP,
        SESSION_CREATION_DATE,
        REQUEST_PARAMETERS_TEXT,
        RESPONSE_ELEMENTS_TEXT,
        ADDITIONAL_EVENTDATA_TEXT,
        SERVICE_EVENT_DETAILS_TEXT,
        CONSOLE_LOGIN_MFA_USED,
        CONSOLE_LOGIN_MOBILE_VERSION,
        CONSOLE_LOGIN_LOGIN_TO,
        RESOURCES,
        RELATED_USER,
        TLS_VERSION,
        TLS_VERSION_PROTOCOL,
        ACCOUNT,
        PRINCIPAL,
        PRINCIPAL_ROLE,
        ACCESS_KEY_ID,
        // Azure Activity Log (AzureFields): ECS names and the bridges between its two record shapes.
        CLOUD_REGION,
        EVENT_ACTION,
        SOURCE_ADDRESS,
        AZ_OPERATION_NAME,
        AZ_CATEGORY,
        AZ_RESULT_TYPE,
        AZ_STATUS,
        AZ_TIME,
        AZ_CLAIMS,
        AZ_CLAIMS_ECS,
        AZ_AUTHORIZATION,
        AZ_CALLER_IP,
        AZ_CALLER,
        AZ_RESOURCE_GROUP,
        AZ_RESOURCE_PROVIDER,
        AZ_SUBSCRIPTION;

        static final int COUNT = values().length;
    }

    /** One alias: its name, how many path segments the name has, and either a raw target or a computation. */
    static final class Alias {
        private final String name;
        private final int depth;
        private final String[] target;
        private final FieldPath targetSensitive;
        private final FieldPath targetInsensitive;
        private final Computed computed;

        private Alias(String name, String[] target, Computed computed) {
            this.name = name;
            this.depth = name.split("\\.", -1).length;
            this.target = target;
            this.targetSensitive = target == null ? null : FieldPath.ofSegments(target, false);
            this.targetInsensitive = target == null ? null : FieldPath.ofSegments(target, true);
            this.computed = computed;
        }

        String name() {
            return name;
        }

        int depth() {
            return depth;
        }

        Computed computed() {
            return computed;
        }

        FieldPath target(boolean caseInsensitive) {
            return caseInsensitive ? targetInsensitive : targetSensitive;
        }
    }

    /** What {@link FieldPath#alias} keeps for a path that has no alias; never returned as an alias. */
    static final Alias NO_ALIAS = new Alias("", null, null);

    /** Trie over path segments so that matching a path allocates nothing and costs one map probe for raw names. */
    private static final class Node {
        final Map<String, Node> children = new HashMap<>(4);
        Alias alias;
    }

    private static final Node ROOT = new Node();
    private static final Map<String, String> RENAMES = new LinkedHashMap<>();
    private static final Map<String, Computed> COMPUTED = new LinkedHashMap<>();
    /** Azure Activity Log names; all computed, because each must read either record shape (AzureFields). */
    private static final Node AZURE_ROOT = new Node();

    private static final Map<String, Computed> AZURE = new LinkedHashMap<>();

    static {
        rename("event.action", "eventName");
        rename("event.provider", "eventSource");
        rename("event.id", "eventID");
        rename("cloud.region", "awsRegion");
        rename("cloud.account.id", "userIdentity.accountId");
        rename("user.id", "userIdentity.principalId");
        rename("source.address", "sourceIPAddress");
        rename("user_agent.original", "userAgent");
        rename("user.target.name", "requestParameters.userName");
        rename("user.target.id", "responseElements.user.userId");
        rename("user.changes.name", "requestParameters.newUserName");
        rename("group.name", "requestParameters.groupName");
        rename("group.id", "responseElements.group.groupId");
        rename("tls.cipher", "tlsDetails.cipherSuite");
        rename("tls.client.server_name", "tlsDetails.clientProvidedHostHeader");
        rename("aws.cloudtrail.event_version", "eventVersion");
        rename("aws.cloudtrail.user_identity.type", "userIdentity.type");
        rename("aws.cloudtrail.user_identity.arn", "userIdentity.arn");
        rename("aws.cloudtrail.user_identity.access_key_id", "userIdentity.accessKeyId");
        rename("aws.cloudtrail.user_identity.invoked_by", "userIdentity.invokedBy");
        rename(
                "aws.cloudtrail.user_identity.session_context.mfa_authenticated",
                "userIdentity.sessionContext.attributes.mfaAuthenticated");
        rename(
                "aws.cloudtrail.user_identity.session_context.session_issuer.type",
                "userIdentity.sessionContext.sessionIssuer.type");
        rename(
                "aws.cloudtrail.user_identity.session_context.session_issuer.arn",
                "userIdentity.sessionContext.sessionIssuer.arn");
        rename(
                "aws.cloudtrail.user_identity.session_context.session_issuer.principal_id",
                "userIdentity.sessionContext.sessionIssuer.principalId");
        rename(
                "aws.cloudtrail.user_identity.session_context.session_issuer.account_id",
                "userIdentity.sessionContext.sessionIssuer.accountId");
        rename("aws.cloudtrail.error_code", "errorCode");
        rename("aws.cloudtrail.error_message", "errorMessage");
        rename("aws.cloudtrail.request_id", "requestID");
        rename("aws.cloudtrail.event_type", "eventType");
        rename("aws.cloudtrail.api_version", "apiVersion");
        rename("aws.cloudtrail.management_event", "managementEvent");
        rename("aws.cloudtrail.read_only", "readOnly");
        rename("aws.cloudtrail.event_category", "eventCategory");
        rename("aws.cloudtrail.recipient_account_id", "recipientAccountId");
        rename("aws.cloudtrail.shared_event_id", "sharedEventID");
        rename("aws.cloudtrail.vpc_endpoint_id", "vpcEndpointId");
        rename("aws.cloudtrail.session_credential_from_console", "sessionCredentialFromConsole");
        rename("aws.cloudtrail.flattened.request_parameters", "requestParameters");
        rename("aws.cloudtrail.flattened.response_elements", "responseElements");
        rename("aws.cloudtrail.flattened.additional_eventdata", "additionalEventData");
        rename("aws.cloudtrail.flattened.service_event_details", "serviceEventDetails");

        computed("@timestamp", Computed.TIMESTAMP);
        computed("event.dataset", Computed.DATASET);
        computed("data_stream.dataset", Computed.DATASET);
        computed("event.kind", Computed.EVENT_KIND);
        computed("cloud.provider", Computed.CLOUD_PROVIDER);
        computed("event.outcome", Computed.EVENT_OUTCOME);
        computed("event.category", Computed.EVENT_CATEGORY);
        computed("event.type", Computed.EVENT_TYPE);
        computed("user.name", Computed.USER_NAME);
        computed("source.ip", Computed.SOURCE_IP);
        computed("aws.cloudtrail.user_identity.session_context.creation_date", Computed.SESSION_CREATION_DATE);
        computed("aws.cloudtrail.request_parameters", Computed.REQUEST_PARAMETERS_TEXT);
        computed("aws.cloudtrail.response_elements", Computed.RESPONSE_ELEMENTS_TEXT);
        computed("aws.cloudtrail.additional_eventdata", Computed.ADDITIONAL_EVENTDATA_TEXT);
        computed("aws.cloudtrail.service_event_details", Computed.SERVICE_EVENT_DETAILS_TEXT);
        computed("aws.cloudtrail.console_login.additional_eventdata.mfa_used", Computed.CONSOLE_LOGIN_MFA_USED);
        computed(
                "aws.cloudtrail.console_login.additional_eventdata.mobile_version",
                Computed.CONSOLE_LOGIN_MOBILE_VERSION);
        computed("aws.cloudtrail.console_login.additional_eventdata.login_to", Computed.CONSOLE_LOGIN_LOGIN_TO);
        computed("aws.cloudtrail.resources", Computed.RESOURCES);
        computed("related.user", Computed.RELATED_USER);
        computed("tls.version", Computed.TLS_VERSION);
        computed("tls.version_protocol", Computed.TLS_VERSION_PROTOCOL);
        computed("account", Computed.ACCOUNT);
        computed("principal", Computed.PRINCIPAL);
        computed("principal_role", Computed.PRINCIPAL_ROLE);
        computed("access_key_id", Computed.ACCESS_KEY_ID);

        azure("@timestamp", Computed.TIMESTAMP);
        azure("event.dataset", Computed.DATASET);
        azure("data_stream.dataset", Computed.DATASET);
        azure("event.kind", Computed.EVENT_KIND);
        azure("event.action", Computed.EVENT_ACTION);
        azure("event.outcome", Computed.EVENT_OUTCOME);
        azure("cloud.provider", Computed.CLOUD_PROVIDER);
        azure("cloud.region", Computed.CLOUD_REGION);
        azure("cloud.account.id", Computed.ACCOUNT);
        azure("source.ip", Computed.SOURCE_IP);
        azure("source.address", Computed.SOURCE_ADDRESS);
        azure("user.name", Computed.USER_NAME);
        azure("azure.subscription_id", Computed.ACCOUNT);
        azure("azure.resource.group", Computed.AZ_RESOURCE_GROUP);
        azure("azure.resource.provider", Computed.AZ_RESOURCE_PROVIDER);
        azure("azure.activitylogs.operation_name", Computed.AZ_OPERATION_NAME);
        azure("azure.activitylogs.category", Computed.AZ_CATEGORY);
        azure("azure.activitylogs.result_type", Computed.AZ_RESULT_TYPE);
        azure("azure.activitylogs.identity.claims", Computed.AZ_CLAIMS_ECS);
        azure("azure.activitylogs.identity.authorization", Computed.AZ_AUTHORIZATION);
        azure("account", Computed.ACCOUNT);
        azure("principal", Computed.PRINCIPAL);
        // The diagnostic-settings names, readable on REST records ...
        azure("time", Computed.AZ_TIME);
        azure("operationName", Computed.AZ_OPERATION_NAME);
        azure("category", Computed.AZ_CATEGORY);
        azure("resultType", Computed.AZ_RESULT_TYPE);
        azure("callerIpAddress", Computed.AZ_CALLER_IP);
        azure("identity.claims", Computed.AZ_CLAIMS);
        azure("identity.authorization", Computed.AZ_AUTHORIZATION);
        // ... and the REST (Activity Log API, Azure Monitor) names, readable on diagnostic records.
        azure("eventTimestamp", Computed.AZ_TIME);
        azure("operationName.value", Computed.AZ_OPERATION_NAME);
        azure("category.value", Computed.AZ_CATEGORY);
        azure("status.value", Computed.AZ_STATUS);
        azure("httpRequest.clientIpAddress", Computed.AZ_CALLER_IP);
        azure("claims", Computed.AZ_CLAIMS);
        azure("authorization", Computed.AZ_AUTHORIZATION);
        azure("caller", Computed.AZ_CALLER);
        azure("subscriptionId", Computed.ACCOUNT);
        azure("resourceGroupName", Computed.AZ_RESOURCE_GROUP);
        azure("resourceProviderName.value", Computed.AZ_RESOURCE_PROVIDER);
    }

    private EcsAliases() {}

    private static void rename(String alias, String raw) {
        RENAMES.put(alias, raw);
        add(new Alias(alias, raw.split("\\.", -1), null));
    }

    private static void computed(String alias, Computed c) {
        COMPUTED.put(alias, c);
        add(new Alias(alias, null, c));
    }

    private static void azure(String alias, Computed c) {
        AZURE.put(alias, c);
        add(AZURE_ROOT, new Alias(alias, null, c));
    }

    private static void add(Alias alias) {
        add(ROOT, alias);
    }

    private static void add(Node root, Alias alias) {
        Node n = root;
        for (String seg : alias.name.split("\\.", -1)) {
            n = n.children.computeIfAbsent(seg, k -> new Node());
        }
        if (n.alias != null) {
            throw new IllegalStateException("duplicate alias " + alias.name);
        }
        n.alias = alias;
    }

    /** The longest CloudTrail alias that is a segment prefix of {@code path}, or null; allocation-free. */
    static Alias match(FieldPath path) {
        return match(ROOT, path);
    }

    /**
     * True when {@link Event#anyValue} may answer {@code path} on an event of {@code type} from an alias or a
     * derived field (when no raw field is there); false when only the record's own fields can.
     */
    public static boolean isAlias(LogType type, FieldPath path) {
        return path.alias(type) != null;
    }

    /** The longest alias of {@code type} that is a segment prefix of {@code path}, or null. */
    static Alias match(LogType type, FieldPath path) {
        return match(type == LogType.CLOUDTRAIL ? ROOT : AZURE_ROOT, path);
    }

    private static Alias match(Node root, FieldPath path) {
        Node n = root;
        Alias best = null;
        for (int i = 0; i < path.length(); i++) {
            n = n.children.get(path.segment(i));
            if (n == null) {
                break;
            }
            if (n.alias != null) {
                best = n.alias;
            }
        }
        return best;
    }

    /**
     * The raw CloudTrail path a rename alias stands for, keeping any sub-path and the case-sensitivity flag:
     * {@code event.action → eventName}, {@code aws.cloudtrail.flattened.request_parameters.userName →
     * requestParameters.userName}. Paths that are not renames (raw names, computed aliases) come back as is.
     * Rule indexes may rely on this only for CloudTrail; a record that literally carries a field named like
     * the alias would win over the alias at lookup time (never the case in CloudTrail).
     */
    public static FieldPath canonical(FieldPath path) {
        Alias a = match(path);
        if (a == null || a.target == null) {
            return path;
        }
        if (a.depth == path.length()) {
            return a.target(path.caseInsensitiveKeys());
        }
        String[] segs = new String[a.target.length + path.length() - a.depth];
        System.arraycopy(a.target, 0, segs, 0, a.target.length);
        for (int i = a.depth; i < path.length(); i++) {
            segs[a.target.length + i - a.depth] = path.segment(i);
        }
        return FieldPath.ofSegments(segs, path.caseInsensitiveKeys());
    }

    /** True if {@code path} starts with a computed alias, i.e. it resolves only at lookup time. */
    public static boolean isComputed(FieldPath path) {
        Alias a = match(path);
        return a != null && a.computed != null;
    }

    /** Alias name to raw CloudTrail path, for documentation and tooling. */
    public static Map<String, String> renames() {
        return Collections.unmodifiableMap(RENAMES);
    }

    /** Names of computed aliases and derived fields. */
    public static List<String> computedNames() {
        return Collections.unmodifiableList(new ArrayList<>(COMPUTED.keySet()));
    }

    /** Names that Azure Activity Log events resolve (ECS names, derived fields and shape bridges). */
    public static List<String> azureNames() {
        return Collections.unmodifiableList(new ArrayList<>(AZURE.keySet()));
    }
}
