package dev.tripline.match;

import dev.tripline.event.Event;

/** Test-side access to the matcher's candidate counts, for benchmarks in other packages. */
public final class MatcherCandidates {
    private MatcherCandidates() {}

    /** How many candidate rules {@code event} visits in {@code m} (rules that pin no field included). */
    public static int of(CompiledMatcher m, Event event) {
        return m.candidateCount(event);
    }

    /** How many detections run on {@code event} in {@code m} (rules sharing a detection count once). */
    public static int detections(CompiledMatcher m, Event event) {
        return m.detectionCount(event);
    }
}
