package dev.tripline.correlate;

import java.util.List;

/**
 * What one {@link CorrelationPlan#step} or {@link CorrelationPlan#expire} call produced; the state itself was
 * changed through the {@link GroupState}.
 *
 * @param fired     correlations that fired, in the order they were proven
 * @param nextTimer event time at which {@code expire} must run next; {@link Long#MAX_VALUE} when nothing is open
 *                  (delete the timer); {@link #KEEP_TIMER} when the step changed nothing the timer depends on
 * @param evicted   slots dropped by this call because a group hit its per-rule slot limit
 * @param folded    signals folded into a slot that already stood for their rule, instant (and value)
 * @param firstEviction true when this was the group's first eviction (the driver logs it once per group)
 * @param learned   new_terms: terms first seen while the history window was still being learned, not alerted
 */
public record StepResult(
        List<Fired> fired, long nextTimer, int evicted, int folded, boolean firstEviction, int learned) {
    /** {@link #nextTimer} of a step that leaves the timer as it is. */
    public static final long KEEP_TIMER = Long.MIN_VALUE;

    static final StepResult FOLDED = new StepResult(List.of(), KEEP_TIMER, 0, 1, false);
    static final StepResult NOTHING = new StepResult(List.of(), Long.MAX_VALUE, 0, 0, false);

    public StepResult {
        fired = fired.isEmpty() ? List.of() : List.copyOf(fired);
    }

    public StepResult(List<Fired> fired, long nextTimer, int evicted, int folded, boolean firstEviction) {
        this(fired, nextTimer, evicted, folded, firstEviction, 0);
    }
}
