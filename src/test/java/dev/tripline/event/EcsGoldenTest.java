package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Elastic's own pipeline test outputs as oracle: every expected ECS key Tripline supports must resolve on the
 * raw record to the value Elastic indexed.
 */
class EcsGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Keys deliberately not provided, with the reason; anything else in the golden file must match. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "user_agent.name", "needs the ECS user-agent parser (regex database); only user_agent.original is kept",
            "note", "annotation in the golden file, not a field");

    @Test
    void supportedKeysMatchElasticOutput() throws IOException {
        List<String> lines = Files.readAllLines(
                SharedData.path("data/elastic-integrations-ecs-golden").resolve("cloudtrail_ecs_golden_subset.jsonl"));
        assertThat(lines).hasSize(5);
        EventParser parser = new EventParser();
        SoftAssertions soft = new SoftAssertions();
        int checked = 0;
        for (String line : lines) {
            JsonNode c = JSON.readTree(line);
            String name = c.get("case").asText();
            ParseResult r = parser.parse(JSON.writeValueAsBytes(c.get("raw")));
            assertThat(r.failures()).as(name).isEmpty();
            Event e = r.events().get(0);
            for (Iterator<Map.Entry<String, JsonNode>> it =
                            c.get("expected_subset").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> kv = it.next();
                if (UNSUPPORTED.containsKey(kv.getKey())) {
                    continue;
                }
                List<JsonNode> actual = e.values(FieldPath.of(kv.getKey()));
                List<JsonNode> expected = new ArrayList<>();
                if (kv.getValue().isArray()) {
                    kv.getValue().forEach(expected::add);
                } else {
                    expected.add(kv.getValue());
                }
                soft.assertThat(actual).as(name + " " + kv.getKey()).isEqualTo(expected);
                checked++;
            }
        }
        soft.assertAll();
        assertThat(checked).isGreaterThan(90);
    }

    @Test
    void unsupportedKeysReallyAreUnresolved() throws IOException {
        ObjectNode raw = (ObjectNode) JSON.readTree("{\"eventVersion\":\"1.08\",\"eventTime\":\"2020-01-01T00:00:00Z\","
                + "\"userAgent\":\"aws-cli/1.16.248 Python/3.4.7\",\"sourceIPAddress\":\"81.2.69.144\"}");
        Event e = new Event(LogType.CLOUDTRAIL, raw);
        for (String key : new String[] {
            "user_agent.name",
            "source.geo.country_iso_code",
            "source.as.number",
            "source.as.organization.name",
            "event.created",
            "event.original",
            "ecs.version"
        }) {
            assertThat(e.exists(FieldPath.of(key))).as(key).isFalse();
        }
        assertThat(e.exists(FieldPath.of("user_agent.original"))).isTrue();
        assertThat(e.exists(FieldPath.of("source.ip"))).isTrue();
    }
}
