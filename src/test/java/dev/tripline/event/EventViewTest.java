package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.testing.SharedData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EventViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventParser parser = new EventParser();

    private Event real(String dataset, String file, String eventId) throws IOException {
        Path p = SharedData.path("data/" + dataset).resolve(file);
        try (InputStream in = Files.newInputStream(p)) {
            List<Event> hits = parser.parseAll(in).events().stream()
                    .filter(e -> eventId.equals(e.root().path("eventID").asText()))
                    .collect(Collectors.toList());
            assertThat(hits).as(eventId).hasSize(1);
            return hits.get(0);
        }
    }

    private static Event synthetic(String json) throws IOException {
        return new Event(LogType.CLOUDTRAIL, (ObjectNode) JSON.readTree(json));
    }

    private static List<String> strings(Event e, String path) {
        return e.values(FieldPath.of(path)).stream().map(Event::stringForm).collect(Collectors.toList());
    }

    @Test
    void principalAndAccountFromRealRecords() throws IOException {
        String inv = "invictus-aws-stratus";
        Event iamUser = real(
                inv,
                "218007301253_CloudTrail_us-east-1_20230710T1220Z_WMiHxZgr5Hdd6UDc.json",
                "f0cce5bc-5f9e-4ee1-bb48-e20fecb32403");
        assertThat(iamUser.principal()).isEqualTo("arn:aws:iam::123837392027:user/bert-jan");
        assertThat(iamUser.account()).isEqualTo("123837392027");

        Event role = real(
                inv,
                "218007301253_CloudTrail_us-east-1_20230710T1220Z_sM25jC0Ku0QcGkDa.json",
                "75f05727-9451-4593-9dd2-921cb841f2c3");
        assertThat(role.principal())
                .isEqualTo("arn:aws:sts::123837392027:assumed-role/AWSServiceRoleForRDS/SLRManagement");

        Event service = real(
                inv,
                "218007301253_CloudTrail_us-east-1_20230710T1220Z_WMiHxZgr5Hdd6UDc.json",
                "aa8d0d50-f346-45dc-b6d7-8d208322ca9e");
        assertThat(service.principal()).isEqualTo("rds.amazonaws.com");
        assertThat(service.account()).isEqualTo("123837392027"); // only recipientAccountId is present

        Event untyped = real(
                inv,
                "218007301253_CloudTrail_us-east-1_20230710T1215Z_nBsuPO1qSTEVerMD.json",
                "f37f7f61-629b-42f0-b6d7-18168b99876d");
        assertThat(untyped.principal()).isEqualTo("secretsmanager.amazonaws.com");

        Event federated = real(
                "stratus-red-team-detonation-logs",
                "aws.persistence.sts-federation-token.json",
                "91529247-c4c4-4793-afc8-d70bbcfe9d19");
        assertThat(federated.principal()).isEqualTo("arn:aws:sts::742491224508:federated-user/stratus_red_team");
        assertThat(federated.account()).isEqualTo("742491224508");

        // derived fields resolve through the normal lookup
        assertThat(iamUser.anyValue(
                        FieldPath.of("principal"), v -> v.asText().equals("arn:aws:iam::123837392027:user/bert-jan")))
                .isTrue();
        assertThat(strings(role, "account")).containsExactly("123837392027");
    }

    /**
     * A failed console sign-in as CloudTrail writes it: no ARN, an empty access key, the user's id and name
     * (the shape of the failed-login record in Panther's labelled events, taken from AWS's documentation).
     */
    static String failedConsoleLogin(String account, String principalId, String userName) {
        return "{\"eventVersion\":\"1.05\",\"userIdentity\":{\"accessKeyId\":\"\",\"accountId\":\"" + account + "\","
                + (principalId == null ? "" : "\"principalId\":\"" + principalId + "\",")
                + "\"type\":\"IAMUser\",\"userName\":\"" + userName + "\"},\"eventTime\":\"2023-07-10T12:20:00Z\","
                + "\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"awsRegion\":\"us-east-1\","
                + "\"errorMessage\":\"Failed authentication\",\"responseElements\":{\"ConsoleLogin\":\"Failure\"},"
                + "\"eventType\":\"AwsConsoleSignIn\",\"recipientAccountId\":\"" + account + "\"}";
    }

    @Test
    void oneUserIsOnePrincipalAcrossFailedAndSuccessfulSignInAndApiCalls() throws IOException {
        String inv = "invictus-aws-stratus";
        Event success = real(
                inv,
                "218007301253_CloudTrail_us-east-1_20230710T1230Z_AvIajGd5rkz6vTy4.json",
                "8feee4c2-5e27-4857-8475-bfa7e7b6d791");
        Event api = real(
                inv,
                "218007301253_CloudTrail_us-east-1_20230710T1220Z_WMiHxZgr5Hdd6UDc.json",
                "f0cce5bc-5f9e-4ee1-bb48-e20fecb32403");
        Event failure = synthetic(failedConsoleLogin("123837392027", "AIDATFQR7NSC5AU2ZV3IE", "bert-jan"));
        String bertJan = "arn:aws:iam::123837392027:user/bert-jan";
        assertThat(success.principal()).isEqualTo(bertJan);
        assertThat(api.principal()).isEqualTo(bertJan);
        assertThat(failure.principal()).isEqualTo(bertJan);
        assertThat(failure.exists(FieldPath.of("userIdentity.arn"))).isFalse();

        // The access key follows the API call; a failed sign-in writes an empty key, which is none.
        assertThat(strings(api, "access_key_id")).containsExactly("AKIATFQR7NSC8Q4X20BJ");
        assertThat(failure.exists(FieldPath.of("access_key_id"))).isFalse();
        assertThat(success.exists(FieldPath.of("principal_role"))).isFalse();

        // A user name that does not exist is hidden by CloudTrail: the record names no one.
        Event hidden = synthetic(failedConsoleLogin("123837392027", null, CloudTrailFields.HIDDEN_USER));
        assertThat(hidden.principal()).isNull();
        assertThat(hidden.account()).isEqualTo("123837392027");

        // Root's failed sign-in has no ARN either; the partition follows the region.
        Event root = synthetic("{\"awsRegion\":\"cn-north-1\",\"recipientAccountId\":\"111122223333\","
                + "\"userIdentity\":{\"type\":\"Root\",\"principalId\":\"111122223333\",\"accountId\":\"111122223333\","
                + "\"accessKeyId\":\"\"}}");
        assertThat(root.principal()).isEqualTo("arn:aws-cn:iam::111122223333:root");
    }

    @Test
    void theRoleBehindASessionGroupsItsSessions() throws IOException {
        Event rds = real(
                "invictus-aws-stratus",
                "218007301253_CloudTrail_us-east-1_20230710T1220Z_sM25jC0Ku0QcGkDa.json",
                "75f05727-9451-4593-9dd2-921cb841f2c3");
        // The issuer's ARN keeps the role's path, which the session ARN drops.
        assertThat(strings(rds, "principal_role"))
                .containsExactly(
                        "arn:aws:iam::123837392027:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS");
        assertThat(rds.principal())
                .isEqualTo("arn:aws:sts::123837392027:assumed-role/AWSServiceRoleForRDS/SLRManagement");

        // Without a session context, the role is read from the session ARN.
        Event bare = synthetic("{\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":\"AROAEXAMPLE:s1\","
                + "\"arn\":\"arn:aws:sts::123456789012:assumed-role/Deploy/s1\",\"accessKeyId\":\"ASIAEXAMPLE\"}}");
        assertThat(strings(bare, "principal_role")).containsExactly("arn:aws:iam::123456789012:role/Deploy");
        assertThat(strings(bare, "access_key_id")).containsExactly("ASIAEXAMPLE");

        // A failed sign-in of a role session (no ARN) gets the session ARN back from role and session name.
        Event failed = synthetic("{\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":\"AROAEXAMPLE:s2\","
                + "\"accountId\":\"123456789012\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\","
                + "\"arn\":\"arn:aws:iam::123456789012:role/Deploy\",\"userName\":\"Deploy\"}}}}");
        assertThat(failed.principal()).isEqualTo("arn:aws:sts::123456789012:assumed-role/Deploy/s2");
        assertThat(strings(failed, "principal_role")).containsExactly("arn:aws:iam::123456789012:role/Deploy");

        // A federated user is no role session.
        Event federated = real(
                "stratus-red-team-detonation-logs",
                "aws.persistence.sts-federation-token.json",
                "91529247-c4c4-4793-afc8-d70bbcfe9d19");
        assertThat(federated.exists(FieldPath.of("principal_role"))).isFalse();
        assertThat(strings(federated, "access_key_id")).containsExactly("ASIASTJKC5GCM7ZE6LUP");
        Event federatedNoArn = synthetic("{\"userIdentity\":{\"type\":\"FederatedUser\","
                + "\"principalId\":\"742491224508:stratus_red_team\",\"accountId\":\"742491224508\"}}");
        assertThat(federatedNoArn.principal()).isEqualTo(federated.principal());
    }

    @Test
    void principalForIdentityTypesWithoutRealSamples() throws IOException {
        Event root = synthetic("{\"recipientAccountId\":\"111122223333\",\"userIdentity\":{\"type\":\"Root\","
                + "\"principalId\":\"111122223333\",\"arn\":\"arn:aws:iam::111122223333:root\","
                + "\"accountId\":\"111122223333\"}}");
        assertThat(root.principal()).isEqualTo("arn:aws:iam::111122223333:root");
        Event account = synthetic("{\"recipientAccountId\":\"999988887777\",\"userIdentity\":{\"type\":\"AWSAccount\","
                + "\"principalId\":\"AIDAEXAMPLE\",\"accountId\":\"111122223333\"}}");
        assertThat(account.principal()).isEqualTo("111122223333");
        assertThat(account.account()).isEqualTo("999988887777"); // recipient wins over caller
        Event sso = synthetic("{\"userIdentity\":{\"type\":\"IdentityCenterUser\",\"accountId\":\"111122223333\","
                + "\"onBehalfOf\":{\"userId\":\"906769bc-0001\",\"identityStoreArn\":\"arn:aws:identitystore::"
                + "111122223333:identitystore/d-1\"},\"credentialId\":\"abc\"}}");
        assertThat(sso.principal()).isEqualTo("906769bc-0001");
        assertThat(sso.account()).isEqualTo("111122223333");
        Event saml = synthetic("{\"userIdentity\":{\"type\":\"SAMLUser\",\"principalId\":\"SAML:alice@example.com\","
                + "\"userName\":\"alice@example.com\"}}");
        assertThat(saml.principal()).isEqualTo("SAML:alice@example.com");
        Event web = synthetic("{\"userIdentity\":{\"type\":\"WebIdentityUser\",\"userName\":\"app-user\"}}");
        assertThat(web.principal()).isEqualTo("app-user");
        Event unknown =
                synthetic("{\"userIdentity\":{\"type\":\"Unknown\",\"principalId\":\"\",\"userName\":\"bob\"}}");
        assertThat(unknown.principal()).isEqualTo("bob");
        Event none = synthetic("{\"eventName\":\"X\"}");
        assertThat(none.principal()).isNull();
        assertThat(none.exists(FieldPath.of("principal"))).isFalse();
    }

    @Test
    void rawFieldWinsOverAliasAndStaticLookupSeesRawOnly() throws IOException {
        Event e = synthetic("{\"eventName\":\"CreateUser\",\"principal\":\"raw-value\",\"@timestamp\":\"raw-ts\","
                + "\"eventTime\":\"2020-09-14T01:19:40Z\",\"userIdentity\":{\"arn\":\"arn:x\"}}");
        assertThat(strings(e, "principal")).containsExactly("raw-value");
        assertThat(strings(e, "@timestamp")).containsExactly("raw-ts");
        assertThat(strings(e, "event.action")).containsExactly("CreateUser");
        assertThat(Event.anyValue(e.root(), FieldPath.of("event.action"), v -> true))
                .isFalse();
        Event plain = synthetic("{\"eventTime\":\"2020-09-14T01:19:40Z\"}");
        assertThat(strings(plain, "@timestamp")).containsExactly("2020-09-14T01:19:40.000Z");
    }

    @Test
    void cloudTrailAliasesDoNotApplyToAzureRecords() throws IOException {
        // Azure records have their own table (AzureEventViewTest): event.action reads the operation, never eventName.
        Event azure = new Event(LogType.AZURE_ACTIVITY, (ObjectNode) JSON.readTree("{\"eventName\":\"x\"}"));
        assertThat(azure.exists(FieldPath.of("event.action"))).isFalse();
        assertThat(azure.values(FieldPath.of("event.dataset")))
                .extracting(JsonNode::asText)
                .containsExactly("azure.activitylogs");
    }

    @Test
    void canonicalRenames() {
        assertThat(EcsAliases.canonical(FieldPath.of("event.action"))).isEqualTo(FieldPath.of("eventName"));
        assertThat(EcsAliases.canonical(FieldPath.of("cloud.region"))).isEqualTo(FieldPath.of("awsRegion"));
        assertThat(EcsAliases.canonical(FieldPath.of("aws.cloudtrail.flattened.request_parameters.userName")))
                .isEqualTo(FieldPath.of("requestParameters.userName"));
        assertThat(EcsAliases.canonical(FieldPath.caseInsensitive("event.provider")))
                .isEqualTo(FieldPath.caseInsensitive("eventSource"));
        FieldPath computed = FieldPath.of("event.outcome");
        assertThat(EcsAliases.canonical(computed)).isSameAs(computed);
        assertThat(EcsAliases.isComputed(computed)).isTrue();
        FieldPath raw = FieldPath.of("eventName");
        assertThat(EcsAliases.canonical(raw)).isSameAs(raw);
        assertThat(EcsAliases.canonical(FieldPath.of("event"))).isEqualTo(FieldPath.of("event"));
    }

    @Test
    void computedAliasesAndNullDropping() throws IOException {
        Event e = synthetic("{\"eventName\":\"GetObject\",\"eventSource\":\"s3.amazonaws.com\",\"errorCode\":null,"
                + "\"errorMessage\":\"\",\"sourceIPAddress\":\"ec2.amazonaws.com\",\"tlsDetails\":{\"tlsVersion\":"
                + "\"TLSv1.2\",\"cipherSuite\":\"ECDHE-RSA-AES128-GCM-SHA256\",\"clientProvidedHostHeader\":\"b.s3."
                + "amazonaws.com\"},\"resources\":[{\"ARN\":\"arn:aws:s3:::b\",\"type\":\"AWS::S3::Bucket\"},"
                + "{\"ARN\":\"arn:aws:s3:::b\",\"type\":\"AWS::S3::Bucket\"}]}");
        assertThat(strings(e, "event.outcome")).containsExactly("success");
        assertThat(e.exists(FieldPath.of("aws.cloudtrail.error_code"))).isFalse();
        assertThat(e.exists(FieldPath.of("errorCode"))).isTrue();
        assertThat(strings(e, "source.address")).containsExactly("ec2.amazonaws.com");
        assertThat(e.exists(FieldPath.of("source.ip"))).isFalse();
        assertThat(strings(e, "tls.version")).containsExactly("1.2");
        assertThat(strings(e, "tls.version_protocol")).containsExactly("tls");
        assertThat(strings(e, "tls.client.server_name")).containsExactly("b.s3.amazonaws.com");
        assertThat(strings(e, "aws.cloudtrail.resources.arn")).containsExactly("arn:aws:s3:::b");
        assertThat(strings(e, "event.type")).containsExactly("info");
        assertThat(e.exists(FieldPath.of("event.category"))).isFalse();
        assertThat(strings(e, "data_stream.dataset")).containsExactly("aws.cloudtrail");
        assertThat(strings(e, "cloud.provider")).containsExactly("aws");
        // cached: the same node instance on repeated lookups
        JsonNode first = e.values(FieldPath.of("event.outcome")).get(0);
        assertThat(e.values(FieldPath.of("event.outcome")).get(0)).isSameAs(first);
    }

    @Test
    void ipLiterals() {
        assertThat(IpLiteral.isIp("89.160.20.156")).isTrue();
        assertThat(IpLiteral.isIp("2001:db8::1")).isTrue();
        assertThat(IpLiteral.isIp("::ffff:10.0.0.1")).isTrue();
        assertThat(IpLiteral.isIp("::")).isTrue();
        assertThat(IpLiteral.isIp("fe80::1%eth0")).isTrue();
        assertThat(IpLiteral.isIp("1:2:3:4:5:6:7:8")).isTrue();
        assertThat(IpLiteral.isIp("1:2:3:4:5:6:7:8:9")).isFalse();
        assertThat(IpLiteral.isIp("1::2::3")).isFalse();
        assertThat(IpLiteral.isIp("256.1.1.1")).isFalse();
        assertThat(IpLiteral.isIp("1.2.3")).isFalse();
        assertThat(IpLiteral.isIp("1.2.3.4.5")).isFalse();
        assertThat(IpLiteral.isIp("AWS Internal")).isFalse();
        assertThat(IpLiteral.isIp("ec2.amazonaws.com")).isFalse();
        assertThat(IpLiteral.isIp("")).isFalse();
    }

    @Test
    void everySharedCloudTrailFileParses() throws IOException {
        int total = 0;
        for (String dataset :
                new String[] {"invictus-aws-stratus", "stratus-red-team-detonation-logs", "otrf-security-datasets-aws"
                }) {
            List<Path> files;
            try (var s = Files.list(SharedData.path("data/" + dataset))) {
                files = s.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
            }
            assertThat(files).isNotEmpty();
            for (Path f : files) {
                try (InputStream in = Files.newInputStream(f)) {
                    ParseResult r = parser.parseAll(in);
                    assertThat(r.failures()).as(f.toString()).isEmpty();
                    assertThat(r.events()).as(f.toString()).isNotEmpty();
                    for (Event e : r.events()) {
                        assertThat(e.eventTimeMillis()).isNotEqualTo(Event.NO_TIME);
                        assertThat(e.account()).as(f + " account").isNotNull();
                    }
                    total += r.events().size();
                }
            }
        }
        assertThat(total).isEqualTo(2900 + 310 + 103);
    }
}
