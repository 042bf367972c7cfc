package dev.tripline.event;

import java.util.List;

/** What one parse produced: the events in input order and the failures in input order. */
public record ParseResult(List<Event> events, List<ParseFailure> failures) {
    public ParseResult {
        events = List.copyOf(events);
        failures = List.copyOf(failures);
    }

    public boolean ok() {
        return failures.isEmpty();
    }
}
