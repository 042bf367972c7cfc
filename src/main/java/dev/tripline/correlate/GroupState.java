package dev.tripline.correlate;

import java.util.List;

/**
 * Port: the state of one (correlation, group) as the {@link Correlator} and {@link CorrelationPlan} use it, one
 * entry per concern so that a step touches only what it changes: the slot index ({@link CorrelationState}), the
 * packed evidence of each slot under the slot's id, and the one timer of the group. The Flink
 * layer backs it with a keyed ValueState holding the index and the timer ({@link CorrelationState#timer()}), a
 * MapState and the timer service; tests with maps. A step reads the index once and, with the timer, writes it at
 * most once.
 */
public interface GroupState {
    /** The group values, in the correlation's group-by order. */
    List<String> group();

    /** The slot index, or null when nothing is open. */
    CorrelationState index();

    /** Stores the index after a change; null deletes it. */
    void index(CorrelationState index);

    /**
     * The packed evidence of the slot with this id, or null. Slot ids are passed as the slot holds them, boxed once
     * per slot, so that a map keyed by them can find its entry by identity.
     */
    byte[] evidence(Long slot);

    void evidence(Long slot, byte[] packed);

    void removeSlot(Long slot);

    /** The event time of the group's registered timer; {@link Long#MAX_VALUE} when none. */
    long timer();

    /** Replaces the group's timer by one at {@code time}; {@link Long#MAX_VALUE} deletes it. */
    void timer(long time);
}
