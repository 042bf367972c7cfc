package dev.tripline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the events of a small file given on the command line (explain's --event). */
final class EventFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventFiles() {
    }

    record Read(List<Event> events, List<String> failures) {
    }

    static Read read(Path file) {
        List<Event> events = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            JsonNode records = root.has("Records") ? root.get("Records") : root;
            if (records.isArray()) {
                records.forEach(r -> add(r, events, failures));
            } else {
                add(records, events, failures);
            }
        } catch (IOException e) {
            failures.add("cannot read events: " + e.getMessage());
        }
        return new Read(events, failures);
    }

    private static void add(JsonNode r, List<Event> events, List<String> failures) {
        if (r instanceof ObjectNode o) {
            events.add(new Event(LogType.CLOUDTRAIL, o));
        } else {
            failures.add("not a JSON object: " + r.getNodeType());
        }
    }
}
