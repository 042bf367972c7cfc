package dev.tripline.rule.panther;

import dev.tripline.event.LogType;
import java.util.Map;
import java.util.Optional;

/** Panther's log type names ({@code LogTypes:}, a test's {@code LogType:}, an event's {@code p_log_type}) mapped to Tripline's. */
public final class PantherLogTypes {
    private static final Map<String, LogType> BY_NAME = Map.of(
            "AWS.CloudTrail", LogType.CLOUDTRAIL,
            "Azure.MonitorActivity", LogType.AZURE_ACTIVITY);

    private PantherLogTypes() {}

    /** The Tripline log type for a Panther name; empty for log types Tripline does not read. */
    public static Optional<LogType> fromPanther(String name) {
        return Optional.ofNullable(name == null ? null : BY_NAME.get(name));
    }
}
