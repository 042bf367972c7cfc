package dev.tripline.correlate;

import java.util.List;

/**
 * What one {@link CorrelationPlan#step} or {@link CorrelationPlan#expire} call produced.
 *
 * @param state     the group's state afterwards, or null when nothing is open (the caller deletes its entry)
 * @param fired     correlations that fired, in the order they were proven
 * @param nextTimer event time at which the caller must call {@code expire} next (register an event-time
 *                  timer); {@link Long#MAX_VALUE} when nothing is open
 * @param evicted   signals dropped by this call because a group hit its per-rule signal limit
 */
public record StepResult(CorrelationState state, List<Fired> fired, long nextTimer, int evicted) {
    public StepResult {
        fired = List.copyOf(fired);
    }
}
