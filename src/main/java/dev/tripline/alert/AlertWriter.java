package dev.tripline.alert;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Writes alerts one per line in the chosen format, UTF-8. Not thread-safe. */
public final class AlertWriter implements Closeable, Flushable {
    private final Writer out;
    private final AlertFormat format;
    private long written;

    public AlertWriter(OutputStream out, AlertFormat format) {
        this(new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8)), format);
    }

    public AlertWriter(Writer out, AlertFormat format) {
        this.out = Objects.requireNonNull(out, "out");
        this.format = Objects.requireNonNull(format, "format");
    }

    public void write(Alert alert) throws IOException {
        format.write(alert, out);
        out.write('\n');
        written++;
    }

    public AlertFormat format() {
        return format;
    }

    /** Alerts written so far. */
    public long written() {
        return written;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
