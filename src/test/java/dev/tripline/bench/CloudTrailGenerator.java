package dev.tripline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.job.TriplineConfig;
import dev.tripline.testing.SharedData;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * Writes realistic CloudTrail traffic as JSON Lines for the end-to-end benchmarks, with the flagship correlation
 * (an unapproved region enabled, then resources created there or an access key created within the hour) planted
 * for a known set of principals and near-misses that must stay quiet.
 *
 * <p><b>Realism comes from the real datasets, read at generation time</b> ({@link #datasets}, nothing copied
 * into the repository): every noise record is one of the real records, drawn by the shares {@link #datasets}
 * gives (the contiguous captures mostly), so the mix of eventName/eventSource, identity types, error codes, read-only calls, optional fields and record
 * sizes is the datasets' own. What a real record cannot give is replaced: the identity (a population of
 * accounts with IAM users, assumed-role sessions and root, activity skewed like real organisations), the account
 * wherever the template names it, source IPs, event and request ids, the region (approved regions mostly, a
 * little elsewhere; global services stay in us-east-1) and the time.
 *
 * <p><b>Time</b>: one day of traffic with a diurnal rate. Records are written in <em>arrival</em> order: each
 * has a delivery delay (a few minutes at most, bounded by {@link Config#maxDelay}, below the job's 15-minute
 * out-of-orderness), so the file is roughly in event-time order with bounded jitter, as CloudTrail delivers.
 *
 * <p><b>Planted</b> ({@link Kind#plant}): each plant has its own principal, expects exactly one composite alert,
 * and some arrive out of order (the follow-up before the EnableRegion, within the bound). Near-misses have
 * principals of their own too. The {@link Manifest} written next to the file names every scenario, its
 * principal, its event ids and, for plants, the record whose arrival completes the match (for latency).
 *
 * <p>Deterministic: the same config (seed included) and the same datasets give the same bytes.
 */
public final class CloudTrailGenerator {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Correlation ids of the flagship rule (rules/aws/cloudtrail/aws_unused_region_then_activity.yml). */
    public static final String FLAGSHIP_RESOURCES = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a10";

    public static final String FLAGSHIP_ACCESS_KEY = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a11";
    public static final Set<String> FLAGSHIP = Set.of(FLAGSHIP_RESOURCES, FLAGSHIP_ACCESS_KEY);

    static final List<String> APPROVED = TriplineConfig.DEFAULT_APPROVED_REGIONS;
    /** Opt-in regions (not approved by default) that the plants enable. */
    static final List<String> OPT_IN = List.of(
            "ap-east-1",
            "me-south-1",
            "af-south-1",
            "eu-south-1",
            "ap-southeast-3",
            "me-central-1",
            "il-central-1",
            "ap-south-2",
            "eu-south-2",
            "ca-west-1");
    /** Noise regions with their weights: approved mostly, then two ordinary regions outside the list. */
    static final String[] NOISE_REGIONS = {
        "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "us-east-2", "ap-southeast-1"
    };

    static final double[] NOISE_REGION_WEIGHTS = {0.50, 0.25, 0.13, 0.09, 0.02, 0.01};
    /** Services CloudTrail logs in us-east-1 whatever the caller's region. */
    static final Set<String> GLOBAL_SOURCES = Set.of(
            "iam.amazonaws.com",
            "sts.amazonaws.com",
            "signin.amazonaws.com",
            "organizations.amazonaws.com",
            "account.amazonaws.com",
            "cloudfront.amazonaws.com",
            "route53.amazonaws.com",
            "support.amazonaws.com");
    /** Creation calls of the flagship's resource arm that are regional (IAM's are global, so not here). */
    static final List<String> REGIONAL_CREATIONS =
            List.of("RunInstances", "CreateBucket", "CreateVpc", "CreateVolume", "CreateDBInstance", "CreateSecret");

    static final Set<String> NEVER_NOISE = Set.of("EnableRegion", "DisableRegion");

    /**
     * @param records         lines written in total, planted ones included
     * @param seed            the RNG seed; the same seed gives the same file
     * @param planted         flagship sequences planted (each with its own principal, one composite each)
     * @param nearMisses      near-miss scenarios of each {@link Kind} that is not a plant
     * @param start           event time of the first record
     * @param span            how much event time the file covers
     * @param maxDelay        the largest delivery delay: the bound on disorder (keep it below 15 minutes)
     * @param outOfOrderShare share of plants whose follow-up arrives before the EnableRegion
     * @param accounts        AWS accounts of the population (traffic Zipf-skewed over them); an archive has a
     *                        folder per account and region, so fewer accounts mean fuller files
     */
    public record Config(
            long records,
            long seed,
            int planted,
            int nearMisses,
            String start,
            long spanMillis,
            long maxDelayMillis,
            double outOfOrderShare,
            int accounts) {
        public Config {
            if (records < 1000) {
                throw new IllegalArgumentException("records must be at least 1000: " + records);
            }
            if (planted < 0 || nearMisses < 0) {
                throw new IllegalArgumentException("planted and near-miss counts must not be negative");
            }
            if (maxDelayMillis < Duration.ofMinutes(5).toMillis()
                    || maxDelayMillis >= Duration.ofMinutes(15).toMillis()) {
                throw new IllegalArgumentException("max delay must be in [5 min, 15 min): " + maxDelayMillis);
            }
            if (spanMillis < Duration.ofHours(4).toMillis()) {
                throw new IllegalArgumentException("span must be at least 4 hours");
            }
            if (accounts < 1) {
                throw new IllegalArgumentException("accounts must be at least 1: " + accounts);
            }
            Instant.parse(start);
        }

        public static Config defaults() {
            return new Config(
                    2_000_000,
                    20261124L,
                    400,
                    40,
                    "2024-03-05T00:00:00Z",
                    Duration.ofHours(24).toMillis(),
                    Duration.ofMinutes(10).toMillis(),
                    0.2,
                    120);
        }

        public Config withRecords(long n) {
            return new Config(
                    n, seed, planted, nearMisses, start, spanMillis, maxDelayMillis, outOfOrderShare, accounts);
        }

        public Config withSeed(long s) {
            return new Config(
                    records, s, planted, nearMisses, start, spanMillis, maxDelayMillis, outOfOrderShare, accounts);
        }

        public Config withSpan(Duration span) {
            return new Config(
                    records,
                    seed,
                    planted,
                    nearMisses,
                    start,
                    span.toMillis(),
                    maxDelayMillis,
                    outOfOrderShare,
                    accounts);
        }

        public Config withScenarios(int plants, int near) {
            return new Config(
                    records, seed, plants, near, start, spanMillis, maxDelayMillis, outOfOrderShare, accounts);
        }

        public Config withAccounts(int n) {
            return new Config(
                    records, seed, planted, nearMisses, start, spanMillis, maxDelayMillis, outOfOrderShare, n);
        }
    }

    /** Scenario kinds. Plants expect one composite alert; the rest expect none. */
    public enum Kind {
        PLANT_RESOURCES(true),
        PLANT_ACCESS_KEY(true),
        NEAR_APPROVED_REGION(false),
        NEAR_OTHER_PRINCIPAL(false),
        NEAR_OUTSIDE_WINDOW(false),
        NEAR_REVERSED(false),
        NEAR_FAILED_FOLLOW_UP(false),
        NEAR_FAILED_ENABLE(false),
        NEAR_OTHER_REGION(false);

        public final boolean plant;

        Kind(boolean plant) {
            this.plant = plant;
        }
    }

    /**
     * One scenario as written. For a plant, {@code completingEventId}/{@code completingLine} name the record
     * whose arrival gives the correlation everything it needs (the alert cannot come earlier).
     */
    public record Scenario(
            int id,
            Kind kind,
            String account,
            String principal,
            String region,
            boolean outOfOrder,
            String expectedCorrelation,
            List<String> eventIds,
            String completingEventId,
            long completingLine) {}

    /** What was written: the config, the counts and every scenario. */
    public record Manifest(
            Config config,
            long records,
            long plantedRecords,
            Map<String, Long> identityTypes,
            long failedCalls,
            long readOnlyCalls,
            long bytes,
            List<Scenario> scenarios) {
        public List<Scenario> plants() {
            return scenarios.stream().filter(s -> s.kind().plant).toList();
        }

        public void write(Path file) throws IOException {
            JSON.writeValue(file.toFile(), this);
        }

        public static Manifest read(Path file) throws IOException {
            return JSON.readValue(file.toFile(), Manifest.class);
        }
    }

    /** The manifest's path for a generated file. */
    public static Path manifestOf(Path out) {
        return out.resolveSibling(out.getFileName() + ".manifest.json");
    }

    // ---- templates -------------------------------------------------------------------------------------------

    private static final Pattern IP = Pattern.compile("[0-9.]+|[0-9a-fA-F:]+");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

    /** A real record with the fields we regenerate taken out, its body pre-serialised and split at its account. */
    static final class Template {
        final String eventName;
        final String eventSource;
        final String type;
        final boolean global;
        final boolean readOnly;
        final boolean failed;
        /** The body's JSON members (no braces), split wherever the template's account id appeared. */
        final String[] body;
        /** The template's own userIdentity (for types we do not model), split at its account; or null. */
        final String[] identity;
        /** The template's sourceIPAddress when it is a service name rather than an address, else null. */
        final String fixedSource;

        Template(ObjectNode record) {
            ObjectNode t = record.deepCopy();
            eventName = t.path("eventName").asText();
            eventSource = t.path("eventSource").asText();
            JsonNode id = t.get("userIdentity");
            type = id != null && id.isObject() && id.hasNonNull("type")
                    ? id.get("type").asText()
                    : null;
            global = GLOBAL_SOURCES.contains(eventSource);
            readOnly = t.path("readOnly").asBoolean(false)
                    || "true".equalsIgnoreCase(t.path("readOnly").asText());
            failed = !t.path("errorCode").asText("").isEmpty()
                    || !t.path("errorMessage").asText("").isEmpty();
            String account = t.path("recipientAccountId")
                    .asText(id == null ? "" : id.path("accountId").asText(""));
            String src = t.path("sourceIPAddress").asText("");
            fixedSource = src.isEmpty() || IP.matcher(src).matches() ? null : src;
            for (String f : List.of(
                    "userIdentity",
                    "eventTime",
                    "eventID",
                    "requestID",
                    "awsRegion",
                    "sourceIPAddress",
                    "recipientAccountId",
                    "@timestamp",
                    "@version")) {
                t.remove(f);
            }
            String json = t.toString();
            String inner = json.substring(1, json.length() - 1);
            boolean splitable = ACCOUNT.matcher(account).matches();
            body = splitable ? inner.split(Pattern.quote(account), -1) : new String[] {inner};
            if (modelled(type) || id == null || !id.isObject()) {
                identity = null;
            } else {
                String ij = id.toString();
                identity = splitable ? ij.split(Pattern.quote(account), -1) : new String[] {ij};
            }
        }

        static boolean modelled(String type) {
            return "IAMUser".equals(type) || "AssumedRole".equals(type) || "Root".equals(type);
        }
    }

    /** An identity of the generated population. */
    static final class Identity {
        final String type;
        final String account;
        final String arn;
        final String json;
        final String[] ips;

        Identity(String type, String account, String arn, String json, String[] ips) {
            this.type = type;
            this.account = account;
            this.arn = arn;
            this.json = json;
            this.ips = ips;
        }
    }

    /** Identities of one type with cumulative weights for skewed draws. */
    static final class Population {
        final List<Identity> ids = new ArrayList<>();
        double[] cumulative = new double[0];
        private final List<Double> weights = new ArrayList<>();

        void add(Identity id, double weight) {
            ids.add(id);
            weights.add(weight);
        }

        void seal() {
            cumulative = new double[ids.size()];
            double sum = 0;
            for (int i = 0; i < cumulative.length; i++) {
                sum += weights.get(i);
                cumulative[i] = sum;
            }
        }

        Identity draw(SplittableRandom rng) {
            double x = rng.nextDouble() * cumulative[cumulative.length - 1];
            int i = Arrays.binarySearch(cumulative, x);
            return ids.get(i >= 0 ? i : Math.min(-i - 1, ids.size() - 1));
        }
    }

    // ---- generation state --------------------------------------------------------------------------------------

    private final Config config;
    private final SplittableRandom rng;
    private final List<List<Template>> noise = new ArrayList<>();
    private final double[] noiseShares;
    private final List<Template> readOnlyFiller = new ArrayList<>();
    private final Map<String, List<Template>> byName = new LinkedHashMap<>();
    private final Template enableRegion;
    private final Map<String, Population> populations = new LinkedHashMap<>();
    private final List<String> accounts = new ArrayList<>();
    private int uniqueName;

    public CloudTrailGenerator(Config config) {
        this(config, datasets());
    }

    /**
     * The datasets by source with the share of noise each gives. The two contiguous captures (Invictus' S3
     * delivery of one account's hour, OTRF's Logstash export) are traffic and give 95 % in proportion to their
     * sizes. The labelled samples (Panther's rule-test events, Stratus Red Team's per-technique detonations,
     * Elastic's golden records) are written to trigger rules, so at their natural 21 % share one record in ten
     * would alert; they give 5 %, enough for their identity types (Root, FederatedUser, AWSAccount), regions of
     * use and shapes to appear.
     */
    record Dataset(String name, double share, List<ObjectNode> records) {}

    static List<Dataset> datasets() {
        List<ObjectNode> invictus = new ArrayList<>();
        for (Path f : SharedData.files("data/invictus-aws-stratus", ".json")) {
            SharedData.readTree(f).path("Records").forEach(r -> invictus.add((ObjectNode) r));
        }
        List<ObjectNode> otrf = new ArrayList<>();
        for (Path f : SharedData.files("data/otrf-security-datasets-aws", ".json")) {
            SharedData.lines(f).forEach(l -> otrf.add((ObjectNode) SharedData.parse(l)));
        }
        List<ObjectNode> samples = new ArrayList<>();
        for (Path f : SharedData.files("data/stratus-red-team-detonation-logs", ".json")) {
            SharedData.readTree(f).forEach(r -> samples.add((ObjectNode) r));
        }
        for (JsonNode t : SharedData.pantherCloudTrailTests()) {
            if (t.path("event").isObject()) {
                samples.add((ObjectNode) t.get("event"));
            }
        }
        SharedData.lines(SharedData.path("data/elastic-integrations-ecs-golden/cloudtrail_ecs_golden_subset.jsonl"))
                .forEach(l -> samples.add((ObjectNode) SharedData.parse(l).get("raw")));
        double captured = invictus.size() + otrf.size();
        return List.of(
                new Dataset("invictus-aws-stratus", 0.95 * invictus.size() / captured, invictus),
                new Dataset("otrf-security-datasets-aws", 0.95 * otrf.size() / captured, otrf),
                new Dataset("labelled samples (panther, stratus, elastic)", 0.05, samples));
    }

    CloudTrailGenerator(Config config, List<Dataset> datasets) {
        this.config = config;
        this.rng = new SplittableRandom(config.seed());
        ObjectNode enable = null;
        noiseShares = new double[datasets.size()];
        double sum = 0;
        for (Dataset d : datasets) {
            List<Template> group = new ArrayList<>();
            for (ObjectNode r : d.records()) {
                // eventTime is regenerated, so records without one (OTRF's carry @timestamp) still serve.
                if (!r.path("eventName").isTextual()
                        || !r.path("eventSource").isTextual()
                        || !r.path("userIdentity").isObject()) {
                    continue;
                }
                String name = r.get("eventName").asText();
                if (NEVER_NOISE.contains(name)) {
                    enable = enable == null ? r : enable;
                    continue;
                }
                Template t = new Template(r);
                group.add(t);
                byName.computeIfAbsent(name, k -> new ArrayList<>()).add(t);
                if (t.readOnly && !t.failed && t.identity == null) {
                    readOnlyFiller.add(t);
                }
            }
            if (group.isEmpty()) {
                throw new IllegalStateException(
                        "no usable CloudTrail records in " + d.name() + " under " + SharedData.root());
            }
            sum += d.share();
            noiseShares[noise.size()] = sum;
            noise.add(group);
        }
        // The datasets' only EnableRegion (a Panther test event) names cloudtrail as its source; the real
        // call is logged by account.amazonaws.com, which the rule requires.
        ObjectNode e = enable == null ? minimalEnable() : enable.deepCopy();
        e.put("eventSource", "account.amazonaws.com");
        e.put("eventName", "EnableRegion");
        e.remove("errorCode");
        e.remove("errorMessage");
        enableRegion = new Template(e);
        buildPopulation();
    }

    private Template noiseTemplate() {
        double x = rng.nextDouble() * noiseShares[noiseShares.length - 1];
        int g = 0;
        while (g < noiseShares.length - 1 && x >= noiseShares[g]) {
            g++;
        }
        List<Template> group = noise.get(g);
        return group.get(rng.nextInt(group.size()));
    }

    private static ObjectNode minimalEnable() {
        ObjectNode e = JSON.createObjectNode();
        e.put("eventVersion", "1.08");
        e.putObject("userIdentity").put("type", "IAMUser");
        e.put("eventTime", "2024-01-01T00:00:00Z");
        e.put("eventType", "AwsApiCall");
        e.putNull("responseElements");
        return e;
    }

    private static final String[] FIRST = {
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia",
        "peggy", "rupert", "sybil", "trent", "victor", "walter", "yusuf", "zoe", "amir", "bea", "chen", "dina", "emeka",
        "fatima", "goran", "hana", "ines"
    };
    private static final String[] ROLES = {
        "OrganizationAccountAccessRole",
        "AWSReservedSSO_AdministratorAccess",
        "AWSReservedSSO_ReadOnly",
        "GitHubActionsDeploy",
        "TerraformApply",
        "eks-node-group-role",
        "lambda-exec-orders",
        "ecs-task-payments",
        "DatadogIntegrationRole",
        "SecurityAuditRole",
        "BackupServiceRole",
        "ci-build-runner",
        "data-pipeline-etl",
        "ops-breakglass",
        "cost-explorer-reader"
    };

    private void buildPopulation() {
        populations.put("IAMUser", new Population());
        populations.put("AssumedRole", new Population());
        populations.put("Root", new Population());
        for (int a = 0; a < config.accounts(); a++) {
            String account = String.format(Locale.ROOT, "%012d", 100_000_000_000L + rng.nextLong(900_000_000_000L));
            accounts.add(account);
            // A few large accounts carry most traffic (Zipf over accounts), and inside an account a few busy
            // principals (automation roles) do most of the calls.
            double accountWeight = 1.0 / Math.pow(a + 1, 1.1);
            int users = 2 + rng.nextInt(20);
            for (int u = 0; u < users; u++) {
                Identity id = iamUser(account, FIRST[rng.nextInt(FIRST.length)] + "." + (u + 1));
                populations.get("IAMUser").add(id, accountWeight / (u + 1));
            }
            int roles = 3 + rng.nextInt(ROLES.length - 2);
            int rank = 0;
            for (int r = 0; r < roles; r++) {
                String role = ROLES[(a + r) % ROLES.length];
                int sessions = 1 + rng.nextInt(4);
                for (int s = 0; s < sessions; s++) {
                    Identity id = assumedRole(account, role, sessionName(role, s));
                    populations.get("AssumedRole").add(id, accountWeight / (++rank));
                }
            }
            populations.get("Root").add(root(account), accountWeight);
        }
        populations.values().forEach(Population::seal);
    }

    private String sessionName(String role, int s) {
        if (role.startsWith("AWSReservedSSO")) {
            return FIRST[rng.nextInt(FIRST.length)] + "@example.com";
        }
        if (role.startsWith("eks") || role.startsWith("ecs") || role.startsWith("lambda")) {
            return "i-" + hex(17);
        }
        return role.toLowerCase(Locale.ROOT) + "-" + (1_700_000_000L + rng.nextInt(30_000_000)) + "-" + s;
    }

    private String[] ips() {
        int k = 1 + rng.nextInt(3);
        String[] out = new String[k];
        for (int i = 0; i < k; i++) {
            out[i] = (3 + rng.nextInt(220)) + "." + rng.nextInt(256) + "." + rng.nextInt(256) + "."
                    + (1 + rng.nextInt(254));
        }
        return out;
    }

    private String hex(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(Character.forDigit(rng.nextInt(16), 16));
        }
        return b.toString();
    }

    private String upperId(int n) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(rng.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    Identity iamUser(String account, String name) {
        String arn = "arn:aws:iam::" + account + ":user/" + name;
        String json = "{\"type\":\"IAMUser\",\"principalId\":\"AIDA" + upperId(17) + "\",\"arn\":\"" + arn
                + "\",\"accountId\":\"" + account + "\",\"accessKeyId\":\"AKIA" + upperId(16)
                + "\",\"userName\":\"" + name + "\"}";
        return new Identity("IAMUser", account, arn, json, ips());
    }

    Identity assumedRole(String account, String role, String session) {
        String roleId = "AROA" + upperId(17);
        String arn = "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session;
        String created = Instant.parse(config.start())
                .minusSeconds(60 + rng.nextInt(6 * 3600))
                .toString();
        String json = "{\"type\":\"AssumedRole\",\"principalId\":\"" + roleId + ":" + session + "\",\"arn\":\"" + arn
                + "\",\"accountId\":\"" + account + "\",\"accessKeyId\":\"ASIA" + upperId(16)
                + "\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"" + roleId
                + "\",\"arn\":\"arn:aws:iam::" + account + ":role/" + role + "\",\"accountId\":\"" + account
                + "\",\"userName\":\"" + role + "\"},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":\""
                + created + "\",\"mfaAuthenticated\":\"false\"}}}";
        return new Identity("AssumedRole", account, arn, json, ips());
    }

    Identity root(String account) {
        String arn = "arn:aws:iam::" + account + ":root";
        String json = "{\"type\":\"Root\",\"principalId\":\"" + account + "\",\"arn\":\"" + arn + "\",\"accountId\":\""
                + account + "\",\"accessKeyId\":\"ASIA" + upperId(16) + "\"}";
        return new Identity("Root", account, arn, json, ips());
    }

    // ---- rendering ---------------------------------------------------------------------------------------------

    private String uuid() {
        String h = hex(32);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-4" + h.substring(13, 16) + "-8" + h.substring(17, 20)
                + "-" + h.substring(20, 32);
    }

    private String noiseRegion() {
        double x = rng.nextDouble();
        for (int i = 0; i < NOISE_REGIONS.length; i++) {
            x -= NOISE_REGION_WEIGHTS[i];
            if (x < 0) {
                return NOISE_REGIONS[i];
            }
        }
        return NOISE_REGIONS[0];
    }

    /** One record; {@code id} is null for the types we do not model (the template's own identity is used). */
    private String render(Template t, Identity id, String account, String region, long timeMillis, String eventId) {
        StringBuilder b = new StringBuilder(1600);
        b.append("{\"userIdentity\":");
        if (id != null) {
            b.append(id.json);
        } else if (t.identity != null) {
            join(b, t.identity, account);
        } else {
            b.append("{\"type\":\"AWSService\",\"invokedBy\":\"")
                    .append(t.eventSource)
                    .append("\"}");
        }
        b.append(",\"eventTime\":\"")
                .append(TIME.format(Instant.ofEpochSecond(timeMillis / 1000)))
                .append("\",\"awsRegion\":\"")
                .append(loggedRegion(t, region))
                .append("\",\"sourceIPAddress\":\"");
        if (t.fixedSource != null) {
            b.append(t.fixedSource);
        } else if (id != null) {
            b.append(id.ips[rng.nextInt(id.ips.length)]);
        } else {
            b.append(t.eventSource);
        }
        b.append("\",");
        if (!(t.body.length == 1 && t.body[0].isEmpty())) {
            join(b, t.body, account);
            b.append(',');
        }
        b.append("\"requestID\":\"")
                .append(uuid())
                .append("\",\"eventID\":\"")
                .append(eventId)
                .append("\",\"recipientAccountId\":\"")
                .append(account)
                .append("\"}");
        return b.toString();
    }

    /** The region CloudTrail logs a call in: the caller's, except for global services. */
    private static String loggedRegion(Template t, String region) {
        return t.global ? "us-east-1" : region;
    }

    private static void join(StringBuilder b, String[] parts, String account) {
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                b.append(account);
            }
            b.append(parts[i]);
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    // ---- scenarios ---------------------------------------------------------------------------------------------

    /** A record waiting in the delivery queue, with the account and region CloudTrail files it under. */
    record Pending(
            long arrival, long seq, String line, String eventId, PlantedRole role, String account, String region) {}

    /** Which part of a scenario a planted record plays, for finding the completing record at write time. */
    record PlantedRole(ScenarioBuilder scenario, boolean enable, boolean qualifyingFollowUp, long eventTime) {}

    final class ScenarioBuilder {
        final int id;
        final Kind kind;
        final Identity principal;
        final String region;
        final boolean outOfOrder;
        final List<String> eventIds = new ArrayList<>();
        long enableTime = Long.MIN_VALUE;
        boolean complete;
        String completingEventId;
        long completingLine;
        long earliestQualifying = Long.MAX_VALUE;

        ScenarioBuilder(int id, Kind kind, Identity principal, String region, boolean outOfOrder) {
            this.id = id;
            this.kind = kind;
            this.principal = principal;
            this.region = region;
            this.outOfOrder = outOfOrder;
        }

        /** Called as each of its records is written, in arrival order. */
        void written(PlantedRole role, String eventId, long line) {
            if (!kind.plant || complete) {
                return;
            }
            if (role.enable()) {
                enableTime = role.eventTime();
            } else if (role.qualifyingFollowUp()) {
                earliestQualifying = Math.min(earliestQualifying, role.eventTime());
            }
            if (enableTime != Long.MIN_VALUE
                    && earliestQualifying != Long.MAX_VALUE
                    && earliestQualifying > enableTime) {
                complete = true;
                completingEventId = eventId;
                completingLine = line;
            }
        }

        Scenario scenario() {
            String expected = kind == Kind.PLANT_RESOURCES
                    ? FLAGSHIP_RESOURCES
                    : kind == Kind.PLANT_ACCESS_KEY ? FLAGSHIP_ACCESS_KEY : null;
            return new Scenario(
                    id,
                    kind,
                    principal.account,
                    principal.arn,
                    region,
                    outOfOrder,
                    expected,
                    List.copyOf(eventIds),
                    completingEventId,
                    kind.plant ? completingLine : -1);
        }
    }

    private Template pick(String eventName, boolean failed) {
        List<Template> ts = byName.getOrDefault(eventName, List.of());
        List<Template> ok = ts.stream()
                .filter(t -> t.failed == failed && t.identity == null)
                .toList();
        if (ok.isEmpty()) {
            ok = ts.stream().filter(t -> !t.failed && t.identity == null).toList();
        }
        if (ok.isEmpty()) {
            throw new IllegalStateException("no template for " + eventName + " in the datasets");
        }
        return ok.get(rng.nextInt(ok.size()));
    }

    /** A template turned into a success or a failure, with overrides. */
    private Template variant(
            Template base,
            boolean fail,
            String errorCode,
            String errorMessage,
            Map<String, String> set,
            String regionName) {
        try {
            ObjectNode o = (ObjectNode) JSON.readTree("{" + String.join("000000000000", base.body) + "}");
            o.remove("errorCode");
            o.remove("errorMessage");
            if (fail) {
                o.put("errorCode", errorCode);
                o.put("errorMessage", errorMessage);
            }
            set.forEach(o::put);
            if (regionName != null) {
                o.putObject("requestParameters").put("RegionName", regionName);
            }
            o.putObject("userIdentity").put("type", "IAMUser");
            o.put("eventTime", "2024-01-01T00:00:00Z");
            o.put("recipientAccountId", "000000000000");
            return new Template(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String optIn() {
        return OPT_IN.get(rng.nextInt(OPT_IN.size()));
    }

    private final List<Pending> plantedEvents = new ArrayList<>();
    private long seq;

    private long delay() {
        // Mostly a minute or two, with a tail up to the bound (CloudTrail's typical delivery is minutes).
        double d = 20_000 + (-Math.log(1 - rng.nextDouble()) * 90_000);
        return Math.min(config.maxDelayMillis(), (long) d);
    }

    private void plantRecord(
            ScenarioBuilder s,
            Template t,
            Identity who,
            String region,
            long time,
            long delay,
            boolean enable,
            boolean qualifying) {
        String eventId = uuid();
        String line = render(t, who, who.account, region, time, eventId);
        s.eventIds.add(eventId);
        plantedEvents.add(new Pending(
                time + delay,
                seq++,
                line,
                eventId,
                new PlantedRole(s, enable, qualifying, time / 1000 * 1000),
                who.account,
                loggedRegion(t, region)));
    }

    private void filler(ScenarioBuilder s, long from, long to) {
        int k = 2 + rng.nextInt(4);
        for (int i = 0; i < k; i++) {
            Template t = readOnlyFiller.get(rng.nextInt(readOnlyFiller.size()));
            long time = from + (long) (rng.nextDouble() * (to - from));
            plantRecord(s, t, s.principal, rng.nextBoolean() ? s.region : APPROVED.get(0), time, delay(), false, false);
        }
    }

    private Identity freshIdentity(String account) {
        int n = ++uniqueName;
        if (rng.nextBoolean()) {
            return iamUser(account, FIRST[rng.nextInt(FIRST.length)] + ".ops" + n);
        }
        String role = ROLES[rng.nextInt(ROLES.length)];
        return assumedRole(account, role, FIRST[rng.nextInt(FIRST.length)] + "-session-" + n);
    }

    private static final long MIN = 60_000;

    private ScenarioBuilder scenario(int id, Kind kind, long t) {
        String account = accounts.get(rng.nextInt(accounts.size()));
        Identity who = freshIdentity(account);
        boolean ooo = kind.plant && rng.nextDouble() < config.outOfOrderShare();
        String region =
                kind == Kind.NEAR_APPROVED_REGION ? APPROVED.get(1 + rng.nextInt(APPROVED.size() - 1)) : optIn();
        ScenarioBuilder s = new ScenarioBuilder(id, kind, who, region, ooo);
        Template enable = variant(enableRegion, false, null, null, Map.of(), region);
        Template failedEnable = variant(
                enableRegion,
                true,
                "AccessDenied",
                "User is not authorized to perform: account:EnableRegion",
                Map.of(),
                region);
        Template key = pick("CreateAccessKey", false);
        Template failedKey =
                variant(key, true, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", Map.of(), null);
        String creation = REGIONAL_CREATIONS.get(rng.nextInt(REGIONAL_CREATIONS.size()));
        Template create = pick(creation, false);
        Template failedCreate = variant(
                pick("RunInstances", true),
                true,
                "Client.UnauthorizedOperation",
                "You are not authorized to perform this operation.",
                Map.of(),
                null);
        filler(s, t - 10 * MIN, t + 50 * MIN);
        switch (kind) {
            case PLANT_RESOURCES, PLANT_ACCESS_KEY -> {
                boolean resources = kind == Kind.PLANT_RESOURCES;
                if (ooo) {
                    // The EnableRegion is delivered late (near the bound) and the first follow-up, a couple of
                    // minutes later in event time, promptly: it arrives first.
                    plantRecord(
                            s, enable, who, "us-east-1", t, config.maxDelayMillis() - rng.nextInt(60_000), true, false);
                    long f = t + MIN + rng.nextInt(120_000);
                    plantRecord(s, resources ? create : key, who, region, f, rng.nextInt(30_000), false, true);
                } else {
                    plantRecord(s, enable, who, "us-east-1", t, delay(), true, false);
                    int follows = resources ? 1 + (rng.nextDouble() < 0.4 ? 1 + rng.nextInt(2) : 0) : 1;
                    long f = t + MIN + rng.nextInt(20 * 60_000);
                    for (int i = 0; i < follows; i++) {
                        if (!resources && rng.nextBoolean()) {
                            // The classic persistence pair: CreateUser, then a key for it moments later.
                            plantRecord(s, pick("CreateUser", false), who, region, f - 30_000, delay(), false, false);
                        }
                        plantRecord(
                                s,
                                resources
                                        ? pick(REGIONAL_CREATIONS.get(rng.nextInt(REGIONAL_CREATIONS.size())), false)
                                        : key,
                                who,
                                region,
                                f,
                                delay(),
                                false,
                                true);
                        f += MIN + rng.nextInt(10 * 60_000);
                    }
                }
            }
            case NEAR_APPROVED_REGION -> {
                plantRecord(s, enable, who, "us-east-1", t, delay(), false, false);
                plantRecord(s, create, who, region, t + 5 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
                plantRecord(s, key, who, region, t + 6 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
            }
            case NEAR_OTHER_PRINCIPAL -> {
                Identity other = freshIdentity(account);
                plantRecord(s, enable, who, "us-east-1", t, delay(), false, false);
                plantRecord(s, create, other, region, t + 5 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
                plantRecord(s, key, other, region, t + 6 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
            }
            case NEAR_OUTSIDE_WINDOW -> {
                plantRecord(s, enable, who, "us-east-1", t, delay(), false, false);
                plantRecord(s, create, who, region, t + 65 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
                plantRecord(s, key, who, region, t + 66 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
            }
            case NEAR_REVERSED -> {
                plantRecord(s, create, who, region, t, delay(), false, false);
                plantRecord(s, key, who, region, t + MIN, delay(), false, false);
                plantRecord(
                        s, enable, who, "us-east-1", t + 10 * MIN + rng.nextInt(20 * 60_000), delay(), false, false);
            }
            case NEAR_FAILED_FOLLOW_UP -> {
                plantRecord(s, enable, who, "us-east-1", t, delay(), false, false);
                plantRecord(
                        s, failedCreate, who, region, t + 5 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
                plantRecord(s, failedKey, who, region, t + 6 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
            }
            case NEAR_FAILED_ENABLE -> {
                plantRecord(s, failedEnable, who, "us-east-1", t, delay(), false, false);
                plantRecord(s, create, who, region, t + 5 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
                plantRecord(s, key, who, region, t + 6 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
            }
            case NEAR_OTHER_REGION -> {
                String elsewhere = rng.nextBoolean()
                        ? APPROVED.get(rng.nextInt(APPROVED.size()))
                        : OPT_IN.stream()
                                .filter(r -> !r.equals(region))
                                .toList()
                                .get(rng.nextInt(OPT_IN.size() - 1));
                plantRecord(s, enable, who, "us-east-1", t, delay(), false, false);
                plantRecord(s, create, who, elsewhere, t + 5 * MIN + rng.nextInt(30 * 60_000), delay(), false, false);
            }
            default -> throw new IllegalStateException(kind.name());
        }
        return s;
    }

    /**
     * {@code n} successful EnableRegion records of unapproved regions, each by a principal of its own (IAM users
     * and assumed-role sessions of the population's accounts), a second apart: many partial matches open at once.
     */
    public List<String> enableRegions(int n) {
        long t = Instant.parse(config.start()).toEpochMilli();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Identity who = freshIdentity(accounts.get(rng.nextInt(accounts.size())));
            Template e = variant(enableRegion, false, null, null, Map.of(), optIn());
            out.add(render(e, who, who.account, "us-east-1", t + i * 1000L, uuid()));
        }
        return out;
    }

    // ---- the file ----------------------------------------------------------------------------------------------

    /** Writes {@code out} as JSON Lines and its manifest ({@link #manifestOf}); returns the manifest. */
    public Manifest write(Path out) throws IOException {
        return generate(out, new JsonLines(out));
    }

    /**
     * Writes the same records as {@link #write} into {@code dir} in CloudTrail's S3 layout ({@link Archive}) and
     * the manifest beside {@code dir} ({@link #manifestOf}); returns the manifest. A manifest is written last, so
     * its presence means the archive is complete.
     */
    public Manifest writeArchive(Path dir) throws IOException {
        Files.deleteIfExists(manifestOf(dir));
        return generate(dir, new Archive(dir, config.seed()));
    }

    private Manifest generate(Path out, Delivery delivery) throws IOException {
        long start = Instant.parse(config.start()).toEpochMilli();
        long span = config.spanMillis();
        List<ScenarioBuilder> scenarios = new ArrayList<>();
        List<Kind> kinds = new ArrayList<>();
        for (int i = 0; i < config.planted(); i++) {
            kinds.add(i % 2 == 0 ? Kind.PLANT_RESOURCES : Kind.PLANT_ACCESS_KEY);
        }
        for (Kind k : Kind.values()) {
            if (!k.plant) {
                for (int i = 0; i < config.nearMisses(); i++) {
                    kinds.add(k);
                }
            }
        }
        // Scenario start times spread over the day, clear of its first half hour and last three hours so every
        // record (fillers and late follow-ups included) falls inside the file's span.
        long lo = start + 30 * MIN;
        long hi = start + span - 3 * 60 * MIN;
        TreeMap<Long, Kind> schedule = new TreeMap<>();
        for (Kind k : kinds) {
            long t;
            do {
                t = lo + (long) (rng.nextDouble() * (hi - lo)) / 1000 * 1000;
            } while (schedule.containsKey(t));
            schedule.put(t, k);
        }
        int sid = 0;
        for (Map.Entry<Long, Kind> e : schedule.entrySet()) {
            scenarios.add(scenario(++sid, e.getValue(), e.getKey()));
        }
        plantedEvents.sort(Comparator.comparingLong(p -> p.role().eventTime()));
        long plantedCount = plantedEvents.size();
        long noiseCount = config.records() - plantedCount;
        if (noiseCount < 0) {
            throw new IllegalArgumentException(
                    "too few records (" + config.records() + ") for " + plantedCount + " planted ones");
        }

        PriorityQueue<Pending> queue =
                new PriorityQueue<>(Comparator.comparingLong(Pending::arrival).thenComparingLong(Pending::seq));
        Map<String, Long> types = new TreeMap<>();
        long failed = 0;
        long readOnly = 0;
        long bytes = 0;
        long line = 0;
        int nextPlanted = 0;
        // Event times: a diurnal rate (quiet at night UTC, busiest mid-afternoon), gaps exponential around it.
        double meanGap = (double) span / Math.max(1, noiseCount);
        double time = start;
        try (Delivery w = delivery) {
            for (long i = 0; i < noiseCount || nextPlanted < plantedEvents.size(); i++) {
                long now;
                Pending p;
                if (i < noiseCount) {
                    double hour = ((time - start) / 3_600_000.0) % 24;
                    double rate = 1 + 0.6 * Math.sin((hour - 9) / 24 * 2 * Math.PI);
                    time += -Math.log(1 - rng.nextDouble()) * meanGap / rate;
                    now = (long) time;
                    while (nextPlanted < plantedEvents.size()
                            && plantedEvents.get(nextPlanted).role().eventTime() <= now) {
                        queue.add(plantedEvents.get(nextPlanted++));
                    }
                    Template t = noiseTemplate();
                    Identity id =
                            Template.modelled(t.type) ? populations.get(t.type).draw(rng) : null;
                    String account = id != null
                            ? id.account
                            : accounts.get(Math.min(
                                    accounts.size() - 1, (int) (accounts.size() * Math.pow(rng.nextDouble(), 3))));
                    String eventId = uuid();
                    long arrival = now + delay(); // drawn before the region: the same seed keeps its bytes
                    String region = noiseRegion();
                    p = new Pending(
                            arrival,
                            seq++,
                            render(t, id, account, region, now, eventId),
                            eventId,
                            null,
                            account,
                            loggedRegion(t, region));
                    types.merge(t.type == null ? "(none)" : t.type, 1L, Long::sum);
                    failed += t.failed ? 1 : 0;
                    readOnly += t.readOnly ? 1 : 0;
                    queue.add(p);
                } else {
                    now = Long.MAX_VALUE;
                    while (nextPlanted < plantedEvents.size()) {
                        queue.add(plantedEvents.get(nextPlanted++));
                    }
                }
                // Everything due by now is delivered: any later record arrives at or after its own event time.
                while (!queue.isEmpty() && queue.peek().arrival() <= now) {
                    Pending d = queue.poll();
                    line++;
                    w.deliver(d);
                    bytes += d.line().length() + 1;
                    if (d.role() != null) {
                        d.role().scenario().written(d.role(), d.eventId(), line);
                    }
                }
            }
            while (!queue.isEmpty()) {
                Pending d = queue.poll();
                line++;
                w.deliver(d);
                bytes += d.line().length() + 1;
                if (d.role() != null) {
                    d.role().scenario().written(d.role(), d.eventId(), line);
                }
            }
        }
        for (ScenarioBuilder s : scenarios) {
            if (s.kind.plant && !s.complete) {
                throw new IllegalStateException("plant " + s.id + " never completed");
            }
        }
        Manifest m = new Manifest(
                config,
                line,
                plantedCount,
                types,
                failed,
                readOnly,
                bytes,
                scenarios.stream().map(ScenarioBuilder::scenario).toList());
        m.write(manifestOf(out));
        return m;
    }

    /** Where delivered records go, in arrival order. */
    private interface Delivery extends Closeable {
        void deliver(Pending d) throws IOException;
    }

    /** One JSON object per line, in arrival order. */
    private static final class JsonLines implements Delivery {
        private final Writer out;

        JsonLines(Path file) throws IOException {
            out = new BufferedWriter(
                    new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 20);
        }

        @Override
        public void deliver(Pending d) throws IOException {
            out.write(d.line());
            out.write('\n');
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /**
     * CloudTrail's S3 layout: one gzip {@code {"Records":[...]}} per account, region and {@link #FILE_MILLIS} of
     * arrival, at {@code AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_ID
     * .json.gz}, the time being the end of its five minutes (when CloudTrail would deliver it) and the id sixteen
     * letters and digits from an RNG of its own, so that the records are the same as the JSON Lines file's.
     *
     * <p>State: the records of the current five minutes by account and region; written out and cleared when a
     * record arrives in a later five minutes, and at close. Arrival order makes each file's records its own.
     */
    static final class Archive implements Delivery {
        static final long FILE_MILLIS = 5 * MIN;
        private static final DateTimeFormatter STAMP =
                DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);
        private static final DateTimeFormatter DAY =
                DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
        private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

        private final Path root;
        private final SplittableRandom ids;
        /** The start of the five minutes being collected; Long.MIN_VALUE before the first record. */
        private long window = Long.MIN_VALUE;
        /** Records of the current five minutes by account, then region (sorted: files are written in one order). */
        private final TreeMap<String, TreeMap<String, List<String>>> open = new TreeMap<>();

        Archive(Path root, long seed) throws IOException {
            this.root = root;
            this.ids = new SplittableRandom(seed ^ 0x5EED_F11E5L);
            Files.createDirectories(root);
        }

        @Override
        public void deliver(Pending d) throws IOException {
            long w = Math.floorDiv(d.arrival(), FILE_MILLIS) * FILE_MILLIS;
            if (w < window) {
                throw new IllegalStateException("a record arrived after its five minutes were written: " + d);
            }
            if (w > window) {
                flush();
                window = w;
            }
            open.computeIfAbsent(d.account(), a -> new TreeMap<>())
                    .computeIfAbsent(d.region(), r -> new ArrayList<>())
                    .add(d.line());
        }

        private void flush() throws IOException {
            Instant delivered = Instant.ofEpochMilli(window + FILE_MILLIS);
            for (Map.Entry<String, TreeMap<String, List<String>>> byAccount : open.entrySet()) {
                String account = byAccount.getKey();
                for (Map.Entry<String, List<String>> byRegion :
                        byAccount.getValue().entrySet()) {
                    String region = byRegion.getKey();
                    Path dir =
                            root.resolve("AWSLogs/" + account + "/CloudTrail/" + region + "/" + DAY.format(delivered));
                    Files.createDirectories(dir);
                    String name = account + "_CloudTrail_" + region + "_" + STAMP.format(delivered) + "_" + fileId()
                            + ".json.gz";
                    try (Writer out = new OutputStreamWriter(
                            new GZIPOutputStream(Files.newOutputStream(dir.resolve(name)), 1 << 16),
                            StandardCharsets.UTF_8)) {
                        out.write("{\"Records\":[");
                        out.write(String.join(",", byRegion.getValue()));
                        out.write("]}");
                    }
                }
            }
            open.clear();
        }

        private String fileId() {
            char[] id = new char[16];
            for (int i = 0; i < id.length; i++) {
                id[i] = ID_CHARS.charAt(ids.nextInt(ID_CHARS.length()));
            }
            return new String(id);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /**
     * {@code CloudTrailGenerator OUT [--archive] [--records N] [--seed S] [--planted P] [--near-misses K] [--days
     * D] [--accounts A]}: writes OUT (JSON Lines, or with {@code --archive} a directory in CloudTrail's S3 layout) and
     * OUT.manifest.json. Needs {@code -Dtripline.shared} pointing at the shared datasets.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: CloudTrailGenerator OUT [--archive] [--records N] [--seed S] [--planted P] "
                    + "[--near-misses K] [--days D] [--accounts A]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        boolean archive = rest.remove("--archive");
        Config c = parse(rest.toArray(String[]::new), 0);
        long t0 = System.nanoTime();
        CloudTrailGenerator g = new CloudTrailGenerator(c);
        Manifest m = archive ? g.writeArchive(out) : g.write(out);
        System.err.printf(
                Locale.ROOT,
                "wrote %s: %,d records (%,d planted in %d scenarios), %,d bytes, %.1f s%n",
                out,
                m.records(),
                m.plantedRecords(),
                m.scenarios().size(),
                m.bytes(),
                (System.nanoTime() - t0) / 1e9);
    }

    static Config parse(String[] args, int from) {
        Config c = Config.defaults();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--records" -> c = c.withRecords(Long.parseLong(v.replace("_", "")));
                case "--seed" -> c = c.withSeed(Long.parseLong(v));
                case "--planted" -> c = c.withScenarios(Integer.parseInt(v), c.nearMisses());
                case "--near-misses" -> c = c.withScenarios(c.planted(), Integer.parseInt(v));
                case "--days" -> c = c.withSpan(Duration.ofDays(Integer.parseInt(v)));
                case "--accounts" -> c = c.withAccounts(Integer.parseInt(v));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return c;
    }
}
