package dev.tripline.alert;

import static dev.tripline.alert.AlertFixtures.enableRegion;
import static dev.tripline.alert.AlertFixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tripline.rule.Rule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The alert of a dedup period: count, first and latest evidence, independent of arrival order. */
class EvidenceSampleTest {
    private static final Rule RULE = rule(AlertFixtures.SIGMA_ENABLE_REGION);

    private static Alert candidate(String eventId, String time) {
        return Alerts.single(RULE, enableRegion(eventId, time, "alice", "ap-east-1"));
    }

    /** {@code n} matches, {@code perSecond} of them in each second (CloudTrail's resolution gives ties). */
    private static List<Alert> candidates(int n, int perSecond) {
        List<Alert> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int second = i / perSecond;
            out.add(candidate("ev-" + i, "2024-03-01T10:%02d:%02dZ".formatted(second / 60, second % 60)));
        }
        return out;
    }

    private static List<Alert> candidates(int n) {
        return candidates(n, 1);
    }

    private static EvidenceSample fold(List<Alert> alerts, int limit) {
        EvidenceSample s = new EvidenceSample(limit);
        alerts.forEach(s::add);
        return s;
    }

    @Test
    void aSingleMatchGivesExactlyItsOwnAlert() {
        Alert only = candidate("ev-1", "2024-03-01T10:00:00Z");
        assertThat(fold(List.of(only), 10).alert()).isEqualTo(only);
    }

    @Test
    void theAlertShowsTheFirstAndTheLatestMatchesAndCountsAll() {
        Alert a = fold(candidates(25), 6).alert();
        assertThat(a.evidence())
                .extracting(Evidence::eventId)
                .containsExactly("ev-0", "ev-1", "ev-2", "ev-22", "ev-23", "ev-24");
        assertThat(a.count()).isEqualTo(25);
        assertThat(a.occurrences()).isEqualTo(25);
        assertThat(a.evidenceOmitted()).isEqualTo(19);
        assertThat(a.firstSeenMillis()).isEqualTo(a.evidence().get(0).eventTimeMillis());
        assertThat(a.lastSeenMillis()).isEqualTo(a.evidence().get(5).eventTimeMillis());
        assertThat(a.alertId())
                .as("the id of the earliest match's alert")
                .isEqualTo(candidates(1).get(0).alertId());
    }

    @Test
    void theSameMatchesInAnyOrderGiveTheSameAlert() {
        List<Alert> all = candidates(40, 3);
        String reference = AlertFormat.JSONL.encode(fold(all, 10).alert());
        Random random = new Random(13);
        for (int i = 0; i < 50; i++) {
            List<Alert> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, random);
            assertThat(AlertFormat.JSONL.encode(fold(shuffled, 10).alert())).isEqualTo(reference);
        }
    }

    @Test
    void emittingFixesTheIdAndLaterLinesAreUpdates() {
        EvidenceSample s = fold(candidates(1), 10);
        Alert first = s.emit();
        assertThat(s.hasUnreported()).isFalse();
        s.add(candidate("ev-0-earlier", "2024-03-01T09:59:00Z")); // out of order, earlier than the first
        assertThat(s.hasUnreported()).isTrue();
        Alert update = s.emit();
        assertThat(update.revision()).isEqualTo(1);
        assertThat(update.alertId()).isEqualTo(first.alertId());
        assertThat(update.evidence()).extracting(Evidence::eventId).containsExactly("ev-0-earlier", "ev-0");
    }

    @Test
    void anUpdateIsAnOcsfUpdateActivityOfTheSameFinding() throws Exception {
        EvidenceSample s = fold(candidates(1), 10);
        Alert first = s.emit();
        s.add(candidate("ev-late", "2024-03-01T10:30:00Z"));
        Alert update = s.emit();
        ObjectMapper json = new ObjectMapper();
        JsonNode created = json.readTree(AlertFormat.OCSF.encode(first));
        JsonNode updated = json.readTree(AlertFormat.OCSF.encode(update));
        assertThat(created.get("activity_id").asInt()).isEqualTo(1);
        assertThat(updated.get("activity_id").asInt()).isEqualTo(2);
        assertThat(updated.get("type_uid").asInt()).isEqualTo(200402);
        assertThat(updated.at("/finding_info/uid").asText())
                .isEqualTo(created.at("/finding_info/uid").asText());
        assertThat(updated.get("count").asInt()).isEqualTo(2);
        assertThat(updated.at("/unmapped/revision").asInt()).isEqualTo(1);
    }

    @Test
    void stateRoundTripsThroughItsBytes() throws Exception {
        CandidateStore store = CandidateStore.inMemory();
        EvidenceSample s = new EvidenceSample(4, store);
        candidates(30).forEach(s::add);
        s.emit();
        s.add(candidate("ev-last", "2024-03-01T11:00:00Z"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.write(new DataOutputStream(bytes));
        EvidenceSample back =
                EvidenceSample.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), store);
        assertThat(back.alert()).isEqualTo(s.alert());
        assertThat(back.lines()).isEqualTo(1);
        assertThat(back.hasUnreported()).isTrue();
    }

    /** A store that records what was written and removed. */
    private static final class RecordingStore implements CandidateStore {
        final Map<String, byte[]> entries = new HashMap<>();
        final List<String> writes = new ArrayList<>();
        final List<String> removals = new ArrayList<>();

        @Override
        public byte[] get(String candidateId) {
            return entries.get(candidateId);
        }

        @Override
        public void put(String candidateId, byte[] serialized) {
            writes.add(candidateId);
            entries.put(candidateId, serialized);
        }

        @Override
        public void remove(String candidateId) {
            removals.add(candidateId);
            entries.remove(candidateId);
        }
    }

    @Test
    void theStoreHoldsExactlyTheKeptCandidatesAndAMatchBetweenThemTouchesNoEntry() {
        List<Alert> all = candidates(30);
        RecordingStore store = new RecordingStore();
        EvidenceSample s = new EvidenceSample(4, store);
        all.forEach(s::add);
        assertThat(store.entries.keySet())
                .containsExactlyInAnyOrder(
                        all.get(0).alertId(),
                        all.get(1).alertId(),
                        all.get(28).alertId(),
                        all.get(29).alertId());
        assertThat(store.writes)
                .as("each candidate written once, when it entered")
                .doesNotHaveDuplicates();
        assertThat(store.removals)
                .as("every candidate that left the sample, and no other")
                .containsExactlyInAnyOrderElementsOf(
                        all.subList(2, 28).stream().map(Alert::alertId).toList());

        int writes = store.writes.size();
        int removals = store.removals.size();
        s.add(candidate("ev-between", "2024-03-01T10:00:15Z"));
        assertThat(store.writes).hasSize(writes);
        assertThat(store.removals).hasSize(removals);
        assertThat(s.occurrences()).isEqualTo(31);
    }

    @Test
    void aCandidateCountedTwiceKeepsItsEntryWhileACopyIsKept() {
        List<Alert> all = candidates(5);
        RecordingStore store = new RecordingStore();
        EvidenceSample s = new EvidenceSample(4, store);
        s.add(all.get(0));
        s.add(all.get(1));
        s.add(all.get(2));
        s.add(all.get(2)); // the same event delivered again: both copies are the latest two
        assertThat(store.writes)
                .containsExactly(
                        all.get(0).alertId(), all.get(1).alertId(), all.get(2).alertId());
        s.add(all.get(3)); // displaces one copy; the other still needs the entry
        assertThat(store.entries).containsKey(all.get(2).alertId());
        assertThat(s.alert().evidence()).extracting(Evidence::eventId).containsExactly("ev-0", "ev-1", "ev-2", "ev-3");
        s.add(all.get(4)); // displaces the last copy
        assertThat(store.entries)
                .containsOnlyKeys(
                        all.get(0).alertId(),
                        all.get(1).alertId(),
                        all.get(3).alertId(),
                        all.get(4).alertId());
        assertThat(s.alert().occurrences()).isEqualTo(6);
    }

    @Test
    void theLimitIsChecked() {
        assertThatThrownBy(() -> new EvidenceSample(1)).hasMessageContaining("from 2 to 100");
        assertThatThrownBy(() -> new EvidenceSample(101)).hasMessageContaining("from 2 to 100");
    }
}
