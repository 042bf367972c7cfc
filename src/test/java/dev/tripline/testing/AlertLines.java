package dev.tripline.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares alert output across emission styles: a stream sends an alert and later an update with the same
 * {@code alert_id}; BATCH sends one final line. What both agree on is each alert's last line.
 */
public final class AlertLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertLines() {}

    /**
     * The last line of each alert (highest {@code revision} per {@code alert_id}) without its {@code revision},
     * sorted.
     */
    public static List<String> lastOfEachAlert(List<String> jsonLines) {
        Map<String, ObjectNode> last = new LinkedHashMap<>();
        for (String line : jsonLines) {
            ObjectNode a = parse(line);
            String id = a.path("alert_id").asText();
            ObjectNode held = last.get(id);
            if (held == null
                    || a.path("revision").asInt() > held.path("revision").asInt()) {
                last.put(id, a);
            }
        }
        List<String> out = new ArrayList<>();
        for (ObjectNode a : last.values()) {
            a.remove("revision");
            out.add(a.toString());
        }
        out.sort(null);
        return out;
    }

    private static ObjectNode parse(String line) {
        try {
            return (ObjectNode) JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
