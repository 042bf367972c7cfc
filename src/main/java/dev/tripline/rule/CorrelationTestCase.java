package dev.tripline.rule;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * One test of a correlation: inputs in arrival order (event time may go backwards, as in a real stream) and the
 * firings expected once the input ends. An empty {@code fires} list means the correlation must not fire.
 *
 * @param inputs what arrives, in order; the test ends with the watermark at the end of time (every window closes)
 * @param fires  the firings expected; firings of the tested correlation not listed here fail the test, firings of
 *               other correlations (inner ones of a chain) are only checked when listed
 */
public record CorrelationTestCase(String name, List<Input> inputs, List<ExpectedFiring> fires, SourceLocation location)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public CorrelationTestCase {
        inputs = List.copyOf(inputs);
        fires = List.copyOf(fires);
    }

    /** One arrival. */
    public sealed interface Input extends Serializable permits EventInput, SignalInput, WatermarkInput {
        SourceLocation location();
    }

    /** A raw record, read by the job's parser and matched by every loaded rule; its time is its own event time. */
    public record EventInput(JsonNode event, SourceLocation location) implements Input {}

    /**
     * A match of a referenced rule given directly, without an event (Panther's {@code RuleOutputs}): the rule, the
     * values of its fields (path to value) and the event time in epoch millis.
     */
    public record SignalInput(String rule, Map<String, String> fields, long time, SourceLocation location)
            implements Input {
        public SignalInput {
            fields = Map.copyOf(fields);
        }
    }

    /** The watermark advances to {@code time}: windows ending at or before it are decided, older signals are late. */
    public record WatermarkInput(long time, SourceLocation location) implements Input {}

    /**
     * One firing expected.
     *
     * @param correlation id or name of the correlation; null means the tested one
     * @param group       group-by values the firing must carry (a subset of its group-by fields); empty: any
     * @param count       the number of signals in the match, or null to not check it
     * @param value       the aggregate (count, distinct count, sum, average, percentile), or null to not check it
     */
    public record ExpectedFiring(
            String correlation, Map<String, String> group, Integer count, BigDecimal value, SourceLocation location)
            implements Serializable {
        public ExpectedFiring {
            group = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(group));
        }
    }
}
