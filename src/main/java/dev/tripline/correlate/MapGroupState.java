package dev.tripline.correlate;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@link GroupState} over plain fields and a map: the test and benchmark side of the port. */
public final class MapGroupState implements GroupState {
    private final List<String> group;
    private CorrelationState index;
    private final Map<Long, byte[]> slots = new HashMap<>();
    private long timer = Long.MAX_VALUE;

    public MapGroupState(List<String> group) {
        this.group = List.copyOf(group);
    }

    @Override
    public List<String> group() {
        return group;
    }

    @Override
    public CorrelationState index() {
        return index;
    }

    @Override
    public void index(CorrelationState s) {
        index = s;
    }

    @Override
    public byte[] evidence(Long slot) {
        return slots.get(slot);
    }

    @Override
    public void evidence(Long slot, byte[] packed) {
        slots.put(slot, packed);
    }

    @Override
    public void removeSlot(Long slot) {
        slots.remove(slot);
    }

    @Override
    public long timer() {
        return timer;
    }

    @Override
    public void timer(long time) {
        timer = time;
    }

    /** True when nothing at all is held: no index, no slot evidence, no timer. */
    public boolean isEmpty() {
        return index == null && slots.isEmpty() && timer == Long.MAX_VALUE;
    }

    /** Slot evidence entries held. */
    public int slotEntries() {
        return slots.size();
    }

    /**
     * Bytes this group would store: the encoded index with the timer in it (as the Flink operator keeps them), and
     * each slot's key (its id, a long) and packed evidence. What the keyed state holds as values and map keys; the state key
     * itself (plan, fingerprint, group) is not counted.
     */
    public long storedBytes() {
        long n = 0;
        if (index != null) {
            CorrelationState stored = index.copy();
            stored.timer(timer);
            n = stored.toBytes().length;
        }
        for (byte[] packed : slots.values()) {
            n += Long.BYTES + packed.length;
        }
        return n;
    }

    /** A deep copy through the byte forms, as a snapshot and restore would give. */
    public MapGroupState roundTrip() {
        MapGroupState c = new MapGroupState(group);
        c.index = index == null ? null : CorrelationState.fromBytes(index.toBytes());
        slots.forEach((k, v) -> c.slots.put(k, v.clone()));
        c.timer = timer;
        return c;
    }
}
