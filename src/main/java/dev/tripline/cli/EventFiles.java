package dev.tripline.cli;

import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.ParseFailure;
import dev.tripline.event.ParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the events of a file named on the command line, through the same parser the job uses. */
final class EventFiles {
    private EventFiles() {}

    record Read(List<Event> events, List<String> failures) {}

    static Read read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            ParseResult r = new EventParser().parseAll(in);
            return new Read(
                    r.events(),
                    r.failures().stream().map(ParseFailure::toString).toList());
        } catch (IOException e) {
            return new Read(List.of(), List.of("cannot read " + file + ": " + e.getMessage()));
        }
    }
}
