package dev.tripline.alert;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Locale;
import java.util.Optional;

/** The output formats of alerts; {@link #encode} gives one line of JSON without its line break. */
public enum AlertFormat {
    /** Tripline's own alert object, one per line (docs/alerts.md). */
    JSONL,
    /** OCSF 1.4 Detection Finding (class_uid 2004), one per line. */
    OCSF;

    /** Serializes the JSON values copied from events ({@link JsonLinesEncoding#writeValues}). */
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** {@link #MAPPER}'s own, so that its generators carry it as their codec. */
    static final JsonFactory FACTORY = MAPPER.getFactory();

    /** Accepts {@code jsonl} (also {@code json}) and {@code ocsf}, any case. */
    public static Optional<AlertFormat> parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "jsonl", "json", "json-lines" -> Optional.of(JSONL);
            case "ocsf" -> Optional.of(OCSF);
            default -> Optional.empty();
        };
    }

    /** The alert as one line of compact JSON, without the line break. */
    public String encode(Alert alert) {
        // As ObjectMapper.writeValueAsString writes: into recycled segments, not a StringWriter's locked buffer.
        BufferRecycler buffers = FACTORY._getBufferRecycler();
        try (SegmentedStringWriter out = new SegmentedStringWriter(buffers)) {
            write(alert, out);
            return out.getAndClear();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory does not fail
        } finally {
            buffers.releaseToPool();
        }
    }

    /** Writes the alert as compact JSON to {@code out}, without a line break; does not close it. */
    public void write(Alert alert, Writer out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            if (this == JSONL) {
                JsonLinesEncoding.write(alert, g);
            } else {
                OcsfEncoding.write(alert, g);
            }
        }
    }
}
