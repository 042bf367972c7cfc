package dev.tripline.match;

import dev.tripline.event.Event;

/** Test-side access to the matcher's candidate counts, for benchmarks in other packages. */
public final class MatcherCandidates {
    private MatcherCandidates() {}

    /** How many candidate rules {@code event} visits in {@code m} (rules that pin no field included). */
    public static int of(CompiledMatcher m, Event event) {
        return m.candidateCount(event);
    }

    /** How many fields {@code m}'s index reads from {@code event} (its detections' own reads not counted). */
    public static int indexFieldsRead(CompiledMatcher m, Event event) {
        return m.indexFieldsRead(event);
    }

    /** How many detections run on {@code event} in {@code m} (rules sharing a detection count once). */
    public static int detections(CompiledMatcher m, Event event) {
        return m.detectionCount(event);
    }
}
