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
        assertThat(state.slots).extracting(s -> s.id).containsExactly(1L, 2L, 0L);
        state.removeIf(s -> s.id == 2, s -> {});
        state.insert(state.newSlot(1, 15, "v", 1, 1, false));
        assertThat(state.slots)
                .extracting(s -> s.id)
                .as("a removed id is not handed out again")
                .containsExactly(1L, 3L, 0L);

        CorrelationState back = CorrelationState.fromBytes(state.toBytes());
        assertThat(back.slots).extracting(s -> s.id).containsExactly(1L, 3L, 0L);
        assertThat(back.slots).extracting(s -> s.value).containsExactly(null, "v", null);
        assertThat(back.newSlot(0, 40, null, 1, 1, false).id).isEqualTo(4L);
        assertThat(state.copy().newSlot(0, 40, null, 1, 1, false).id).isEqualTo(4L);
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
