package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CorrelationStateTest {
    @Test
    void slotIdsAreNotReusedAndSurviveTheByteForm() {
        CorrelationState state = new CorrelationState();
        for (long t : new long[] {30, 10, 20}) {
            state.insert(state.newSlot(0, t, null, 1, 1, false));
        }
        assertThat(state.slots()).extracting(s -> s.id).containsExactly(1L, 2L, 0L);
        state.removeIf(s -> s.id == 2, s -> {});
        state.insert(state.newSlot(1, 15, "v", 1, 1, false));
        assertThat(state.slots())
                .extracting(s -> s.id)
                .as("a removed id is not handed out again")
                .containsExactly(1L, 3L, 0L);

        CorrelationState back = CorrelationState.fromBytes(state.toBytes());
        assertThat(back.slots()).extracting(s -> s.id).containsExactly(1L, 3L, 0L);
        assertThat(back.slots()).extracting(s -> s.value).containsExactly(null, "v", null);
        assertThat(back.newSlot(0, 40, null, 1, 1, false).id).isEqualTo(4L);
        assertThat(state.copy().newSlot(0, 40, null, 1, 1, false).id).isEqualTo(4L);
    }

    @Test
    void searchesByTimeAgreeWithTheSlotsThroughInsertsRemovalsAndCopies() {
        java.util.Random random = new java.util.Random(7);
        CorrelationState state = new CorrelationState();
        for (int round = 0; round < 2_000; round++) {
            if (random.nextInt(3) > 0) {
                state.insert(state.newSlot(random.nextInt(2), random.nextInt(50), null, 1, 1, false));
            } else {
                int from = state.size() == 0 ? 0 : random.nextInt(state.size());
                int to = from + random.nextInt(state.size() - from + 1);
                state.removeIf(from, to, s -> random.nextBoolean(), s -> {});
            }
            if (round % 100 == 0) {
                state = round % 200 == 0 ? state.copy() : CorrelationState.fromBytes(state.toBytes());
            }
            for (long t = -1; t <= 51; t++) {
                int naive = 0;
                while (naive < state.size() && state.slot(naive).time < t) {
                    naive++;
                }
                assertThat(state.firstAtOrAfter(t))
                        .as("round %d, time %d", round, t)
                        .isEqualTo(naive);
            }
            for (int i = 1; i < state.size(); i++) {
                assertThat(state.slot(i - 1).time).isLessThanOrEqualTo(state.slot(i).time);
            }
        }
    }

    @Test
    void anIdAtOrPastTheNextIdIsRefused() {
        CorrelationState state = new CorrelationState();
        state.insert(state.newSlot(0, 10, null, 1, 1, false));
        byte[] bytes = state.toBytes();
        // format, flags, next id (1), one slot, its id: raise the id to the next id.
        assertThat(bytes[4]).isEqualTo((byte) 0);
        bytes[4] = 1;
        assertThatThrownBy(() -> CorrelationState.fromBytes(bytes)).hasMessageContaining("slot id 1");
    }
}
