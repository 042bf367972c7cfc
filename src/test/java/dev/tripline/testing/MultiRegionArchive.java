package dev.tripline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a multi-region CloudTrail archive in the S3 layout
 * ({@code AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>Z_<id>.json.gz},
 * one {@code {"Records":[…]}} file per region and five minutes, as CloudTrail delivers them) from real records:
 *
 * <ul>
 *   <li>the Invictus Stratus Red Team hour, copied into four regions, each copy at its own offset so that
 *       region folders in path order are not in event-time order (a reader going region by region meets
 *       older events after newer ones, hours apart);</li>
 *   <li>the Stratus Red Team detonation logs, in their own (anonymised) region folders, months apart;</li>
 *   <li>planted flagship sequences whose steps sit in different region folders: EnableRegion of an unapproved
 *       region (logged in us-east-1), two resources created in the same second in that region's folder ten
 *       minutes later, an access key created in us-east-1 after that. The creations sort before the enabling
 *       in path order.</li>
 * </ul>
 *
 * <p>Everything is derived from the inputs and the fixed offsets: two archives written from the same data are
 * byte-for-byte the same. {@link #main} writes one to a directory, for trying {@code tripline run} on it.
 */
public final class MultiRegionArchive {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Region of each copy of the Invictus hour and that copy's offset in hours; path order is not time order. */
    private static final Map<String, Integer> COPY_OFFSET_HOURS =
            new TreeMap<>(Map.of("ap-southeast-2", 12, "eu-west-1", 6, "sa-east-1", 18, "us-east-1", 0));
    /** Unapproved regions (not in the default regions.approved) the planted sequences enable and use. */
    private static final List<String> PLANTED_REGIONS = List.of("af-south-1", "ap-east-1", "me-south-1");

    public static final int PLANTED_SEQUENCES = 6;
    private static final DateTimeFormatter FILE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);

    private MultiRegionArchive() {}

    /** {@code java ... MultiRegionArchive DIR}: writes the archive under DIR/AWSLogs. */
    public static void main(String[] args) throws IOException {
        List<Path> files = write(Path.of(args[0]));
        System.out.println(files.size() + " files under " + Path.of(args[0]).resolve("AWSLogs"));
    }

    /** Writes the archive under {@code root}/AWSLogs and returns its files in path order. */
    public static List<Path> write(Path root) throws IOException {
        List<ObjectNode> records = new ArrayList<>();
        List<ObjectNode> invictus = read(SharedData.path("data/invictus-aws-stratus"));
        Instant base = invictus.stream()
                .map(r -> Instant.parse(r.path("eventTime").asText()))
                .min(Comparator.naturalOrder())
                .orElseThrow();
        for (Map.Entry<String, Integer> copy : COPY_OFFSET_HOURS.entrySet()) {
            for (ObjectNode r : invictus) {
                ObjectNode c = r.deepCopy();
                c.put("awsRegion", copy.getKey());
                c.put(
                        "eventID",
                        UUID.nameUUIDFromBytes((r.path("eventID").asText() + "/" + copy.getKey())
                                        .getBytes(StandardCharsets.UTF_8))
                                .toString());
                c.put(
                        "eventTime",
                        Instant.parse(r.path("eventTime").asText())
                                .plus(Duration.ofHours(copy.getValue()))
                                .toString());
                records.add(c);
            }
        }
        records.addAll(read(SharedData.path("data/stratus-red-team-detonation-logs")));
        String account = invictus.get(0).path("recipientAccountId").asText();
        for (int n = 0; n < PLANTED_SEQUENCES; n++) {
            String region = PLANTED_REGIONS.get(n % PLANTED_REGIONS.size());
            Instant t = base.plus(Duration.ofHours(3L * n)).plus(Duration.ofMinutes(20));
            String user = "planted-" + n;
            records.add(planted(
                    account,
                    user,
                    t,
                    "account.amazonaws.com",
                    "EnableRegion",
                    "us-east-1",
                    "{\"RegionName\":\"" + region + "\"}",
                    n + "-enable"));
            // Two creations in the same second (as a script or Terraform makes them): either could be the
            // composite's evidence, unless same-instant signals are taken in a fixed order.
            for (String run : List.of("-run-a", "-run-b")) {
                records.add(planted(
                        account,
                        user,
                        t.plus(Duration.ofMinutes(10)),
                        "ec2.amazonaws.com",
                        "RunInstances",
                        region,
                        "{\"instanceType\":\"t3.micro\"}",
                        n + run));
            }
            records.add(planted(
                    account,
                    user,
                    t.plus(Duration.ofMinutes(25)),
                    "iam.amazonaws.com",
                    "CreateAccessKey",
                    "us-east-1",
                    "{\"userName\":\"" + user + "\"}",
                    n + "-key"));
        }
        return writeFiles(root, records);
    }

    /** The records of every .json file of {@code dir}: a {"Records":[…]} object or an array. */
    private static List<ObjectNode> read(Path dir) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList();
        }
        for (Path f : files) {
            JsonNode doc = JSON.readTree(f.toFile());
            JsonNode list = doc.isArray() ? doc : doc.path("Records");
            list.forEach(r -> out.add((ObjectNode) r));
        }
        return out;
    }

    private static ObjectNode planted(
            String account,
            String user,
            Instant time,
            String source,
            String name,
            String region,
            String requestParameters,
            String idSeed)
            throws IOException {
        ObjectNode r = (ObjectNode) JSON.readTree("{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\","
                + "\"principalId\":\"AIDAPLANTED" + user.hashCode() + "\",\"arn\":\"arn:aws:iam::" + account
                + ":user/" + user + "\",\"accountId\":\"" + account + "\",\"userName\":\"" + user + "\"},"
                + "\"sourceIPAddress\":\"198.51.100.7\",\"userAgent\":\"aws-cli/2.15.0\",\"readOnly\":false,"
                + "\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"eventCategory\":\"Management\"}");
        r.put("eventTime", time.toString());
        r.put("eventSource", source);
        r.put("eventName", name);
        r.put("awsRegion", region);
        r.set("requestParameters", JSON.readTree(requestParameters));
        r.put(
                "eventID",
                UUID.nameUUIDFromBytes(("planted/" + idSeed).getBytes(StandardCharsets.UTF_8))
                        .toString());
        r.put("recipientAccountId", account);
        return r;
    }

    /** One gzipped file per account, region and five minutes of event time, named as CloudTrail names them. */
    private static List<Path> writeFiles(Path root, List<ObjectNode> records) throws IOException {
        Map<String, List<ObjectNode>> byFile = new TreeMap<>();
        for (ObjectNode r : records) {
            String account = r.path("recipientAccountId").asText();
            String region = r.path("awsRegion").asText();
            Instant t = Instant.parse(r.path("eventTime").asText());
            Instant window = t.truncatedTo(ChronoUnit.HOURS)
                    .plus(Duration.ofMinutes(t.atZone(ZoneOffset.UTC).getMinute() / 5 * 5L));
            Instant delivered = window.plus(Duration.ofMinutes(5));
            String name = account + "_CloudTrail_" + region + "_" + FILE_TIME.format(delivered) + "_"
                    + UUID.nameUUIDFromBytes((account + region + window).getBytes(StandardCharsets.UTF_8))
                            .toString()
                            .replace("-", "")
                            .substring(0, 16)
                    + ".json.gz";
            String path = "AWSLogs/" + account + "/CloudTrail/" + region + "/" + DAY.format(delivered) + "/" + name;
            byFile.computeIfAbsent(path, k -> new ArrayList<>()).add(r);
        }
        List<Path> out = new ArrayList<>();
        for (Map.Entry<String, List<ObjectNode>> f : byFile.entrySet()) {
            Path file = root.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            ObjectNode doc = JSON.createObjectNode();
            ArrayNode list = doc.putArray("Records");
            f.getValue().forEach(list::add);
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
                JSON.writeValue(o, doc);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
            out.add(file);
        }
        return out;
    }
}
