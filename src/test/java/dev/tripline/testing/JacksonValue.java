package dev.tripline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.EventParser;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One JSON value decoded by the job parser's Jackson path ({@link EventParser#readWholeValue}, default limits),
 * through a Jackson parser created for its bytes: the reference that {@code ValidJsonTree} is held to, and the
 * per-value decoding it replaces in the benchmark.
 */
public final class JacksonValue {
    private static final EventParser PARSER = new EventParser();

    private JacksonValue() {}

    /** The value in {@code b[from, to)}; fails on anything else there, as the job's parser does. */
    public static JsonNode decode(byte[] b, int from, int to) {
        try {
            return PARSER.readWholeValue(b, from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
