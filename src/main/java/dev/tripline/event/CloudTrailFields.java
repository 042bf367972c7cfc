package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The computations behind {@link EcsAliases.Computed}: one place that defines each derived value, so the
 * event view, the docs and the golden tests agree. Results are JSON nodes; {@link MissingNode} means absent.
 */
final class CloudTrailFields {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final JsonNode MISSING = MissingNode.getInstance();
    private static final TextNode AWS_CLOUDTRAIL = TextNode.valueOf("aws.cloudtrail");
    private static final TextNode KIND_EVENT = TextNode.valueOf("event");
    private static final TextNode AWS = TextNode.valueOf("aws");
    private static final TextNode SUCCESS = TextNode.valueOf("success");
    private static final TextNode FAILURE = TextNode.valueOf("failure");

    /**
     * Elastic's ECS categorisation by eventName (integration pipeline, commit 0046748f): name, category, types.
     * Names not listed get no category and type [info].
     */
    private static final String[][] CATEGORISATION = {
        {"AddUserToGroup", "iam", "group,change"}, {"AssumeRole", "authentication", "info"},
        {"AttachGroupPolicy", "iam", "group,change"}, {"AttachUserPolicy", "iam", "user,change"},
        {"ChangePassword", "iam", "user,change"}, {"ConsoleLogin", "authentication", "info"},
        {"CreateAccessKey", "iam", "user,change"}, {"CreateBucket", "file", "creation"},
        {"CreateGroup", "iam", "group,creation"}, {"CreateKeyPair", "iam", "admin,creation"},
        {"CreateUser", "iam", "user,creation"}, {"CreateVirtualMFADevice", "iam", "user,change"},
        {"DeactivateMFADevice", "iam", "user,change"}, {"DeleteAccessKey", "iam", "user,change"},
        {"DeleteBucket", "file", "deletion"}, {"DeleteGroup", "iam", "group,deletion"},
        {"DeleteGroupPolicy", "iam", "group,change"}, {"DeleteSSHPublicKey", "iam", "user,change"},
        {"DeleteUser", "iam", "user,deletion"}, {"DeleteUserPermissionsBoundary", "iam", "user,change"},
        {"DeleteUserPolicy", "iam", "user,change"}, {"DeleteVirtualMFADevice", "iam", "user,change"},
        {"DetachGroupPolicy", "iam", "group,change"}, {"DetachUserPolicy", "iam", "user,change"},
        {"EnableMFADevice", "iam", "user,change"}, {"GetGroup", "iam", "group,info"},
        {"GetGroupPolicy", "iam", "group,info"}, {"GetUser", "iam", "user,info"},
        {"GetUserPolicy", "iam", "user,info"}, {"ListAttachedGroupPolicies", "iam", "group,info"},
        {"ListAttachedUserPolicies", "iam", "user,info"}, {"ListGroupPolicies", "iam", "group,info"},
        {"ListGroups", "iam", "group,info"}, {"ListGroupsForUser", "iam", "user,info"},
        {"ListUserPolicies", "iam", "user,info"}, {"ListUsers", "iam", "user,info"},
        {"ListUserTags", "iam", "user,info"}, {"PutGroupPolicy", "iam", "group,change"},
        {"PutUserPermissionsBoundary", "iam", "user,change"}, {"PutUserPolicy", "iam", "user,change"},
        {"RemoveUserFromGroup", "iam", "group,change"}, {"SetDefaultPolicyVersion", "iam", "admin,change"},
        {"SetSecurityTokenServicePreferences", "iam", "admin,change"}, {"TagUser", "iam", "user,change"},
        {"UntagUser", "iam", "user,change"}, {"UpdateAccessKey", "iam", "user,change"},
        {"UpdateAccountPasswordPolicy", "iam", "admin,change"}, {"UpdateGroup", "iam", "group,change"},
        {"UpdateLoginProfile", "iam", "user,change"}, {"UpdateRole", "iam", "admin,change"},
        {"UpdateSSHPublicKey", "iam", "user,change"}, {"UpdateUser", "iam", "user,change"},
    };

    private static final Map<String, JsonNode> CATEGORY = new HashMap<>();
    private static final Map<String, JsonNode> TYPE = new HashMap<>();
    private static final JsonNode DEFAULT_TYPE = frozenArray("info");

    static {
        for (String[] row : CATEGORISATION) {
            CATEGORY.put(row[0], frozenArray(row[1]));
            TYPE.put(row[0], frozenArray(row[2].split(",")));
        }
    }

    private CloudTrailFields() {}

    private static JsonNode frozenArray(String... values) {
        ArrayNode a = F.arrayNode(values.length);
        for (String v : values) {
            a.add(v);
        }
        return a;
    }

    static JsonNode compute(EcsAliases.Computed which, Event r) {
        switch (which) {
            case TIMESTAMP: {
                long t = r.eventTimeMillis();
                return t == Event.NO_TIME ? MISSING : TextNode.valueOf(EventTime.format(t));
            }
            case DATASET:
                return AWS_CLOUDTRAIL;
            case EVENT_KIND:
                return KIND_EVENT;
            case CLOUD_PROVIDER:
                return AWS;
            case EVENT_OUTCOME:
                return outcome(r);
            case EVENT_CATEGORY: {
                JsonNode c = CATEGORY.get(text(r.member("eventName")));
                return c == null ? MISSING : c;
            }
            case EVENT_TYPE: {
                JsonNode t = TYPE.get(text(r.member("eventName")));
                return t == null ? DEFAULT_TYPE : t;
            }
            case USER_NAME:
                return firstText(
                        at(r, "userIdentity", "userName"),
                        at(r, "userIdentity", "sessionContext", "sessionIssuer", "userName"));
            case SOURCE_IP: {
                String s = text(r.member("sourceIPAddress"));
                return s != null && IpLiteral.isIp(s) ? TextNode.valueOf(s) : MISSING;
            }
            case SESSION_CREATION_DATE: {
                String s = text(at(r, "userIdentity", "sessionContext", "attributes", "creationDate"));
                long t = s == null ? Event.NO_TIME : EventTime.parseMillis(s);
                return t == Event.NO_TIME ? MISSING : TextNode.valueOf(EventTime.format(t));
            }
            case REQUEST_PARAMETERS_TEXT:
                return javaMapText(r.member("requestParameters"));
            case RESPONSE_ELEMENTS_TEXT:
                return javaMapText(r.member("responseElements"));
            case ADDITIONAL_EVENTDATA_TEXT:
                return javaMapText(r.member("additionalEventData"));
            case SERVICE_EVENT_DETAILS_TEXT:
                return javaMapText(r.member("serviceEventDetails"));
            case CONSOLE_LOGIN_MFA_USED:
                return consoleLoginFlag(r, "MFAUsed");
            case CONSOLE_LOGIN_MOBILE_VERSION:
                return consoleLoginFlag(r, "MobileVersion");
            case CONSOLE_LOGIN_LOGIN_TO:
                return isConsoleLogin(r) ? nonEmptyText(at(r, "additionalEventData", "LoginTo")) : MISSING;
            case RESOURCES:
                return resources(r.member("resources"));
            case RELATED_USER:
                return relatedUser(r);
            case TLS_VERSION:
                return tlsPart(r, false);
            case TLS_VERSION_PROTOCOL:
                return tlsPart(r, true);
            case ACCOUNT:
                return firstText(r.member("recipientAccountId"), at(r, "userIdentity", "accountId"));
            case PRINCIPAL:
                return principal(r);
            case PRINCIPAL_ROLE:
                return principalRole(r);
            case ACCESS_KEY_ID:
                // Failed console sign-ins write an empty key; that is no key.
                return nonEmptyText(at(r, "userIdentity", "accessKeyId"));
            default:
                throw new IllegalStateException("unhandled " + which);
        }
    }

    /**
     * The raw fields (each with everything below it) that {@link #compute} reads for {@code which}, so that a
     * parser building only the fields rules need builds these too ({@link FieldSet}). Kept next to the
     * computations: a computation that reads a new field must list it here, or the selective-parse
     * differential test fails.
     */
    static List<String> reads(EcsAliases.Computed which) {
        switch (which) {
            case TIMESTAMP:
                return List.of("eventTime", "@timestamp");
            case EVENT_OUTCOME:
                return List.of("eventName", "responseElements.ConsoleLogin", "errorCode", "errorMessage");
            case EVENT_CATEGORY:
            case EVENT_TYPE:
                return List.of("eventName");
            case USER_NAME:
                return List.of("userIdentity.userName", "userIdentity.sessionContext.sessionIssuer.userName");
            case SOURCE_IP:
                return List.of("sourceIPAddress");
            case SESSION_CREATION_DATE:
                return List.of("userIdentity.sessionContext.attributes.creationDate");
            case REQUEST_PARAMETERS_TEXT:
                return List.of("requestParameters");
            case RESPONSE_ELEMENTS_TEXT:
                return List.of("responseElements");
            case ADDITIONAL_EVENTDATA_TEXT:
                return List.of("additionalEventData");
            case SERVICE_EVENT_DETAILS_TEXT:
                return List.of("serviceEventDetails");
            case CONSOLE_LOGIN_MFA_USED:
                return List.of("eventName", "additionalEventData.MFAUsed");
            case CONSOLE_LOGIN_MOBILE_VERSION:
                return List.of("eventName", "additionalEventData.MobileVersion");
            case CONSOLE_LOGIN_LOGIN_TO:
                return List.of("eventName", "additionalEventData.LoginTo");
            case RESOURCES:
                return List.of("resources");
            case RELATED_USER:
                return List.of("userIdentity.userName", "requestParameters.userName", "requestParameters.newUserName");
            case TLS_VERSION:
            case TLS_VERSION_PROTOCOL:
                return List.of("tlsDetails.tlsVersion");
            case ACCOUNT:
                return List.of("recipientAccountId", "userIdentity.accountId");
            case PRINCIPAL:
                return List.of("userIdentity", "recipientAccountId", "awsRegion", "additionalEventData.UserName");
            case PRINCIPAL_ROLE:
                return List.of("userIdentity");
            case ACCESS_KEY_ID:
                return List.of("userIdentity.accessKeyId");
            default:
                return List.of(); // constants, and Azure's names
        }
    }

    /** What CloudTrail writes for userName when a console sign-in failed on a user name that does not exist. */
    static final String HIDDEN_USER = "HIDDEN_DUE_TO_SECURITY_REASONS";

    /**
     * The identity that acted, by userIdentity.type, the same for one identity across success and failure,
     * console and API. Full ARNs where CloudTrail gives one (IAMUser, AssumedRole session, Root, FederatedUser);
     * a failed console sign-in carries no ARN, so for those types the ARN is rebuilt from what the record does
     * carry (account and user name, account alone for Root, role and session for AssumedRole). The calling
     * service for AWSService, the account for AWSAccount, and for everything else the most specific identifier
     * present: arn, principalId, userName, invokedBy. A user name CloudTrail hid ({@value #HIDDEN_USER}) is
     * never used: a failed sign-in on an unknown user name carries nothing else, so it has no principal.
     */
    static JsonNode principal(Event r) {
        JsonNode id = r.member("userIdentity");
        if (id == null || !id.isObject()) {
            return MISSING;
        }
        String type = text(id.get("type"));
        JsonNode arn = id.get("arn");
        JsonNode principalId = id.get("principalId");
        if ("AWSService".equals(type)) {
            return firstText(id.get("invokedBy"), arn, principalId);
        }
        if ("AWSAccount".equals(type)) {
            return firstText(id.get("accountId"), principalId);
        }
        JsonNode userName = HIDDEN_USER.equals(text(id.get("userName"))) ? null : id.get("userName");
        if ("IdentityCenterUser".equals(type)) {
            return firstText(
                    arn,
                    at(id, "onBehalfOf", "userId"),
                    principalId,
                    userName,
                    at(r, "additionalEventData", "UserName"));
        }
        if (nonEmpty(text(arn))) {
            return arn;
        }
        String rebuilt = rebuiltArn(r, id, type, text(userName));
        if (rebuilt != null) {
            return TextNode.valueOf(rebuilt);
        }
        return firstText(principalId, userName, id.get("invokedBy"));
    }

    /**
     * The ARN that the identity's successful sign-in and API calls carry, built from a record that has none
     * (failed console sign-ins), or null when the record does not hold the parts. An IAM user's path is not in
     * the record, so a user created under a path (user/division/alice) gets the ARN without it.
     */
    private static String rebuiltArn(Event r, JsonNode id, String type, String userName) {
        if (type == null) {
            return null;
        }
        String account = text(firstText(id.get("accountId"), r.member("recipientAccountId")));
        String partition = partition(text(r.member("awsRegion")));
        switch (type) {
            case "IAMUser":
                return nonEmpty(account) && nonEmpty(userName)
                        ? "arn:" + partition + ":iam::" + account + ":user/" + userName
                        : null;
            case "Root":
                return nonEmpty(account) ? "arn:" + partition + ":iam::" + account + ":root" : null;
            case "AssumedRole": {
                // principalId is "<role id>:<session name>"; the issuer names the role.
                String role = text(at(id, "sessionContext", "sessionIssuer", "userName"));
                String pid = text(id.get("principalId"));
                int colon = pid == null ? -1 : pid.indexOf(':');
                return nonEmpty(account) && nonEmpty(role) && colon > 0 && colon < pid.length() - 1
                        ? "arn:" + partition + ":sts::" + account + ":assumed-role/" + role + "/"
                                + pid.substring(colon + 1)
                        : null;
            }
            case "FederatedUser": {
                // principalId is "<account>:<federated user name>".
                String pid = text(id.get("principalId"));
                int colon = pid == null ? -1 : pid.indexOf(':');
                return colon > 0 && colon < pid.length() - 1
                        ? "arn:" + partition + ":sts::" + pid.substring(0, colon) + ":federated-user/"
                                + pid.substring(colon + 1)
                        : null;
            }
            default:
                return null;
        }
    }

    /** The ARN partition of a region: aws-cn, aws-us-gov, aws-iso, aws-iso-b, else aws. */
    private static String partition(String region) {
        if (region == null) {
            return "aws";
        }
        if (region.startsWith("cn-")) {
            return "aws-cn";
        }
        if (region.startsWith("us-gov-")) {
            return "aws-us-gov";
        }
        if (region.startsWith("us-isob-")) {
            return "aws-iso-b";
        }
        if (region.startsWith("us-iso-")) {
            return "aws-iso";
        }
        return "aws";
    }

    /**
     * The role behind a role session, so rules can group one role's sessions: the session issuer's ARN when
     * the issuer is a Role (it keeps the role's path), else the role parsed from an assumed-role session ARN
     * ({@code arn:aws:sts::1:assumed-role/R/s} gives {@code arn:aws:iam::1:role/R}). Absent for other identities.
     */
    static JsonNode principalRole(Event r) {
        JsonNode id = r.member("userIdentity");
        if (id == null || !id.isObject()) {
            return MISSING;
        }
        JsonNode issuer = at(id, "sessionContext", "sessionIssuer");
        if ("Role".equals(text(at(issuer, "type"))) && nonEmpty(text(at(issuer, "arn")))) {
            return at(issuer, "arn");
        }
        String arn = text(id.get("arn"));
        if (arn == null) {
            return MISSING;
        }
        // arn:<partition>:sts::<account>:assumed-role/<role>/<session>
        String[] parts = arn.split(":", 6);
        if (parts.length != 6
                || !parts[0].equals("arn")
                || !parts[2].equals("sts")
                || !parts[5].startsWith("assumed-role/")) {
            return MISSING;
        }
        String rest = parts[5].substring("assumed-role/".length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || parts[4].isEmpty()) {
            return MISSING;
        }
        return TextNode.valueOf("arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + rest.substring(0, slash));
    }

    private static boolean nonEmpty(String s) {
        return s != null && !s.isEmpty();
    }

    private static JsonNode outcome(Event r) {
        if (isConsoleLogin(r)) {
            String cl = text(at(r, "responseElements", "ConsoleLogin"));
            if (cl != null && !cl.isEmpty()) {
                return TextNode.valueOf(cl.toLowerCase(Locale.ROOT));
            }
        }
        return present(r.member("errorCode")) || present(r.member("errorMessage")) ? FAILURE : SUCCESS;
    }

    private static boolean isConsoleLogin(Event r) {
        return "ConsoleLogin".equals(text(r.member("eventName")));
    }

    /** Elastic turns the ConsoleLogin additionalEventData Yes/No strings into booleans: "No" is false. */
    private static JsonNode consoleLoginFlag(Event r, String key) {
        if (!isConsoleLogin(r)) {
            return MISSING;
        }
        JsonNode v = at(r, "additionalEventData", key);
        if (!present(v)) {
            return MISSING;
        }
        return BooleanNode.valueOf(!"No".equals(text(v)));
    }

    private static JsonNode tlsPart(Event r, boolean protocol) {
        String v = text(at(r, "tlsDetails", "tlsVersion"));
        int i = v == null ? -1 : v.indexOf('v');
        if (i < 0) {
            return MISSING;
        }
        return TextNode.valueOf(protocol ? v.substring(0, i).toLowerCase(Locale.ROOT) : v.substring(i + 1));
    }

    /** resources[] with keys ARN/accountId renamed to arn/account_id and duplicates removed. */
    private static JsonNode resources(JsonNode resources) {
        if (resources == null || !resources.isArray()) {
            return MISSING;
        }
        ArrayNode out = F.arrayNode();
        Set<String> seen = new LinkedHashSet<>();
        for (JsonNode res : resources) {
            if (!res.isObject()) {
                continue;
            }
            ObjectNode copy = F.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = res.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String k =
                        e.getKey().equals("ARN") ? "arn" : e.getKey().equals("accountId") ? "account_id" : e.getKey();
                if (present(e.getValue())) {
                    copy.set(k, e.getValue());
                }
            }
            if (seen.add(copy.path("arn").asText() + "_"
                    + copy.path("account_id").asText() + "_" + copy.path("type").asText())) {
                out.add(copy);
            }
        }
        return out.isEmpty() ? MISSING : out;
    }

    private static JsonNode relatedUser(Event r) {
        Set<String> users = new LinkedHashSet<>();
        for (JsonNode n : new JsonNode[] {
            at(r, "userIdentity", "userName"),
            at(r, "requestParameters", "userName"),
            at(r, "requestParameters", "newUserName")
        }) {
            String s = text(n);
            if (s != null && !s.isEmpty()) {
                users.add(s);
            }
        }
        if (users.isEmpty()) {
            return MISSING;
        }
        ArrayNode a = F.arrayNode(users.size());
        users.forEach(a::add);
        return a;
    }

    /**
     * The string Elastic's pipeline stores for request_parameters and friends: the Java {@code Map.toString()}
     * of the object after null and empty values were dropped. Elastic's JSON processor builds a
     * {@code HashMap}, so the order is HashMap iteration order; building a HashMap from the same keys in the
     * same order reproduces it exactly.
     */
    private static JsonNode javaMapText(JsonNode node) {
        Object o = node == null ? null : toJava(node);
        return o == null ? MISSING : TextNode.valueOf(o.toString());
    }

    /** JSON to the Java types Elastic holds, dropping null and empty values recursively; null when empty. */
    private static Object toJava(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Object v = toJava(e.getValue());
                if (v != null) {
                    m.put(e.getKey(), v);
                }
            }
            return m.isEmpty() ? null : m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>(n.size());
            for (JsonNode e : n) {
                Object v = toJava(e);
                if (v != null) {
                    l.add(v);
                }
            }
            return l.isEmpty() ? null : l;
        }
        if (n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isTextual()) {
            return n.textValue().isEmpty() ? null : n.textValue();
        }
        if (n.isNumber()) {
            return n.numberValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        return n.asText();
    }

    /** {@link #at(JsonNode, String...)} from the record's member {@code key}. */
    static JsonNode at(Event record, String key, String... keys) {
        return at(record.member(key), keys);
    }

    static JsonNode at(JsonNode n, String... keys) {
        for (String k : keys) {
            if (n == null || !n.isObject()) {
                return null;
            }
            n = n.get(k);
        }
        return n;
    }

    static String text(JsonNode n) {
        return n != null && n.isTextual() ? n.textValue() : null;
    }

    private static boolean present(JsonNode n) {
        return n != null
                && !n.isNull()
                && !n.isMissingNode()
                && !(n.isTextual() && n.textValue().isEmpty());
    }

    private static JsonNode nonEmptyText(JsonNode n) {
        return n != null && n.isTextual() && !n.textValue().isEmpty() ? n : MISSING;
    }

    private static JsonNode firstText(JsonNode... candidates) {
        for (JsonNode c : candidates) {
            if (c != null && c.isTextual() && !c.textValue().isEmpty()) {
                return c;
            }
        }
        return MISSING;
    }
}
