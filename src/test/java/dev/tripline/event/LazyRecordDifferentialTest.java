package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.program.FieldDemand;
import dev.tripline.rule.Rule;
import dev.tripline.testing.Corpus;
import dev.tripline.testing.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The parser's fast path ({@link StrictJsonPass} indexing a record, members decoded when read) against the Jackson
 * path it falls back to ({@link EventParser#withoutFastPath}): for every record of ../shared/data, as a message and
 * in envelopes, as it is and corrupted (truncated, bytes overwritten, a line feed put in, keys repeated or
 * escaped, over the limits),
 * both give the same failures, or the same events: type, time, record text, every value the field set reads, and
 * the same tree once it is read whole.
 */
class LazyRecordDifferentialTest {

    @Test
    void theFastPathGivesWhatTheJacksonPathGives() {
        List<Rule> rules = Corpus.allRules().stream().filter(Rule::enabled).toList();
        FieldSet ruleFields = FieldDemand.of(rules, List.of());
        // A field set that keeps only parts of some members, with a case-insensitive path.
        FieldSet someFields = FieldSet.builder()
                .add(FieldPath.of("userIdentity.arn"))
                .add(FieldPath.of("requestParameters.bucketName"))
                .add(FieldPath.caseInsensitive("sourceipaddress"))
                .add(FieldPath.of("resources.ARN"))
                .build();
        assertThat(ruleFields.isAll()).isFalse();
        List<byte[]> messages = messages();
        int events = 0;
        int fast = 0;
        int failures = 0;
        for (FieldSet fields : List.of(ruleFields, someFields)) {
            for (boolean requireIdentity : new boolean[] {true, false}) {
                EventParser parser = new EventParser(ParseLimits.defaults(), requireIdentity, fields);
                EventParser jacksonOnly = parser.withoutFastPath();
                for (byte[] m : messages) {
                    ParseResult lazy = parser.parse(m.clone());
                    ParseResult jackson = jacksonOnly.parse(m.clone());
                    String what = new String(m, StandardCharsets.UTF_8);
                    assertThat(lazy.failures()).as(what).isEqualTo(jackson.failures());
                    assertThat(lazy.events()).as(what).hasSameSizeAs(jackson.events());
                    for (int i = 0; i < lazy.events().size(); i++) {
                        Event a = lazy.events().get(i);
                        compare(a, jackson.events().get(i), fields, what);
                        fast += a.decodesOnRead() ? 1 : 0;
                    }
                    events += lazy.events().size();
                    failures += lazy.failures().size();
                }
            }
        }
        assertThat(events).isGreaterThan(20_000);
        assertThat(failures).isGreaterThan(20_000);
        assertThat(fast).as("events from the fast path").isGreaterThan(events / 2);
        System.out.printf(
                "lazy records: %d messages, %d events (%d on the fast path), %d failures, 0 disagreements%n",
                messages.size() * 4, events, fast, failures);
    }

    /** Reads {@code a} member by member first, as the matcher does, and only then whole. */
    private static void compare(Event a, Event b, FieldSet fields, String what) {
        assertThat(a.logType()).as(what).isEqualTo(b.logType());
        assertThat(a.eventTimeMillis()).as(what).isEqualTo(b.eventTimeMillis());
        assertThat(a.isPartial()).as(what).isEqualTo(b.isPartial());
        assertThat(a.recordText()).as(what).isEqualTo(b.recordText());
        for (FieldPath p : fields.paths()) {
            assertThat(a.values(p)).as(what + " at " + p).isEqualTo(b.values(p));
        }
        for (Iterator<String> it = b.root().fieldNames(); it.hasNext(); ) {
            String key = it.next();
            assertThat(a.member(key))
                    .as(what + " member " + key)
                    .isEqualTo(b.root().get(key));
        }
        assertThat(a.member("no such key")).isNull();
        assertThat(a.principal()).as(what).isEqualTo(b.principal());
        assertThat(a.account()).as(what).isEqualTo(b.account());
        ObjectNode tree = a.root();
        assertThat(tree).as(what).isEqualTo(b.root());
        assertThat(List.copyOf(iterable(tree.fieldNames())))
                .as(what)
                .isEqualTo(List.copyOf(iterable(b.root().fieldNames())));
    }

    private static <T> List<T> iterable(Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    /** Every record of the data sets, and each corrupted in several ways, as single messages. */
    private static List<byte[]> messages() {
        Set<String> records = new LinkedHashSet<>();
        SharedData.allCloudTrailRecords().forEach(r -> records.add(r.toString()));
        EventParser whole = new EventParser(ParseLimits.defaults(), false);
        try (Stream<Path> files = Files.walk(SharedData.path("data"))) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".gz")) {
                    whole.parse(Files.readAllBytes(f))
                            .events()
                            .forEach(e -> records.add(e.root().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Random random = new Random(14);
        List<byte[]> out = new ArrayList<>();
        List<String> envelope = new ArrayList<>();
        for (String r : records) {
            byte[] b = bytes(r);
            out.add(b);
            out.add(bytes(" \t" + r + "\r\n"));
            out.add(bytes("\uFEFF" + r));
            out.add(bytes(r + "\n" + r));
            out.add(bytes(r + " {}"));
            out.add(java.util.Arrays.copyOf(b, random.nextInt(b.length)));
            byte[] flipped = b.clone();
            for (int k = 0; k < 1 + random.nextInt(2); k++) {
                flipped[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            out.add(flipped);
            int at = r.indexOf(',', random.nextInt(r.length()));
            if (at > 0) {
                out.add(bytes(r.substring(0, at + 1) + "\n" + r.substring(at + 1)));
            }
            // A key repeated: Jackson keeps its first place and its last value.
            out.add(bytes("{\"eventName\":\"First\",\"userIdentity\":7," + r.substring(1)));
            out.add(bytes(r.substring(0, r.length() - 1) + ",\"eventName\":\"Last\",\"eventVersion\":null}"));
            out.add(bytes(r.replace("\"eventName\"", "\"event\\u004eame\"").replace("\"arn\"", "\"\\u0061rn\"")));
            out.add(bytes(r.replace("\"eventTime\"", "\"eventtime\"")));
            out.add(bytes(r.replace("\"userIdentity\"", "\"userIdentityX\"")));
            // Envelope elements, pretty-printed now and then, some of them corrupted.
            String element = random.nextInt(4) == 0 ? r.replace(",\"", ",\n  \"") : r;
            envelope.add(random.nextInt(8) == 0 ? new String(flipped, StandardCharsets.UTF_8) : element);
            if (envelope.size() == 20) {
                out.add(bytes("{\"Records\":[" + String.join(",\n", envelope) + "]}"));
                out.add(bytes("[" + String.join(", ", envelope) + "]\n"));
                envelope.clear();
            }
        }
        String head = "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"userIdentity\":{},"
                + "\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",";
        for (int depth : new int[] {62, 63, 64, 65}) {
            out.add(bytes(head + "\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}"));
        }
        for (int digits : new int[] {999, 1000, 1001}) {
            out.add(bytes(head + "\"x\":" + "9".repeat(digits) + "}"));
            out.add(bytes(head + "\"x\":-" + "9".repeat(digits) + "}"));
            out.add(bytes(head + "\"x\":0." + "9".repeat(digits) + "}"));
        }
        for (String tail : List.of(
                "\"x\":1e999999}",
                "\"x\":12345678901234567890123}",
                "\"x\":-0.0}",
                "\"x\":\"\\ud800\"}",
                "\"Records\":{}}",
                "\"records\":[]}",
                "\"value\":1}",
                "\"detail-type\":\"x\"}",
                "\"messageType\":\"CONTROL_MESSAGE\"}",
                "\"x\":\"" + "a".repeat(70_000) + "\"}",
                "\"x\":\"a\u0001\"}",
                "\"" + "n".repeat(55_000) + "\":1}")) {
            out.add(bytes(head + tail));
        }
        out.add(bytes("{\"eventVersion\":\"1.08\",\"eventTime\":17,\"userIdentity\":{}}"));
        out.add(bytes("{\"eventVersion\":\"1.08\",\"eventTime\":\"yesterday\",\"userIdentity\":{}}"));
        out.add(bytes("{\"eventVersion\":\"1.08\",\"@timestamp\":\"2024-01-01T00:00:00Z\",\"userIdentity\":\"x\"}"));
        out.add(bytes("{\"operationName\":\"Microsoft.Storage/x\",\"category\":\"StorageRead\","
                + "\"time\":\"2024-01-01T00:00:00Z\"}"));
        out.add(bytes("[{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"userIdentity\":{}}]"));
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
