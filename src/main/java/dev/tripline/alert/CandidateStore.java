package dev.tripline.alert;

import java.util.HashMap;
import java.util.Map;

/**
 * Where an {@link EvidenceSample} keeps the serialized alerts of the candidates it holds, one entry per candidate
 * alert id: written once when the candidate enters the sample, removed when it leaves, read only when a line is
 * built. The dedup operator backs it with keyed map state, so a match that does not enter the sample touches no
 * entry; {@link #inMemory} serves tests and tools.
 */
public interface CandidateStore {
    /** The serialized alert of {@code candidateId}, or null if none is held. */
    byte[] get(String candidateId);

    void put(String candidateId, byte[] serialized);

    void remove(String candidateId);

    /** A store in a map of its own. */
    static CandidateStore inMemory() {
        Map<String, byte[]> entries = new HashMap<>();
        return new CandidateStore() {
            @Override
            public byte[] get(String candidateId) {
                return entries.get(candidateId);
            }

            @Override
            public void put(String candidateId, byte[] serialized) {
                entries.put(candidateId, serialized);
            }

            @Override
            public void remove(String candidateId) {
                entries.remove(candidateId);
            }
        };
    }
}
