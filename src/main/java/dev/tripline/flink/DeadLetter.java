package dev.tripline.flink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.ParseFailure;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Input that did not become an event, with why and where: what the dead-letter output receives and writes as one
 * JSON line. A Flink POJO so that the side output needs no Kryo.
 */
public class DeadLetter {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String origin;
    /** Position of the raw record within its origin (line or offset), -1 when unknown. */
    public long position = -1;
    /** A {@link ParseFailure.Reason} name. */
    public String reason;

    public String message;
    /** The parser's location inside the record (e.g. {@code byte 12, Records[3]}), or empty. */
    public String where;

    public String snippet;
    /**
     * The raw bytes of the input record (the Kafka value, the Kinesis data) for replay from a dead-letter topic;
     * null when the reader refused the record unread or it is above {@link #MAX_RAW_BYTES}. Not part of
     * {@link #toJsonLine()} nor of equality (a dead letter read back from its line has no raw bytes).
     */
    public byte[] raw;

    /** Raw bytes above this are left out, so a dead letter still fits Kafka's default 1 MB message limit. */
    public static final int MAX_RAW_BYTES = 900 * 1024;

    public DeadLetter() {}

    public DeadLetter(String origin, long position, String reason, String message, String where, String snippet) {
        this.origin = origin;
        this.position = position;
        this.reason = reason;
        this.message = message;
        this.where = where;
        this.snippet = snippet;
    }

    /** The dead letter for {@code failure} found in the raw record at {@code origin}/{@code position}. */
    public static DeadLetter of(RawRecord record, ParseFailure failure) {
        DeadLetter d = new DeadLetter(
                record.origin,
                record.position,
                failure.reason().name(),
                failure.message(),
                failure.where(),
                failure.snippet());
        if (record.payload != null && record.payload.length <= MAX_RAW_BYTES) {
            d.raw = record.payload;
        }
        return d;
    }

    /** {@link #toJsonLine()} plus {@code raw_base64}: for sinks without headers, such as Kinesis. */
    public String toJsonLineWithRaw() {
        ObjectNode n = toJson();
        if (raw != null) {
            n.put("raw_base64", java.util.Base64.getEncoder().encodeToString(raw));
        }
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One JSON object on one line (JSON escapes newlines in strings), without the trailing newline. */
    public String toJsonLine() {
        try {
            return JSON.writeValueAsString(toJson());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("origin", origin);
        n.put("position", position);
        n.put("reason", reason);
        n.put("message", message);
        n.put("where", where);
        n.put("snippet", snippet);
        return n;
    }

    /** Reads {@link #toJsonLine()} back. */
    public static DeadLetter fromJsonLine(String line) {
        try {
            ObjectNode n = (ObjectNode) JSON.readTree(line);
            return new DeadLetter(
                    text(n, "origin"),
                    n.path("position").asLong(-1),
                    text(n, "reason"),
                    text(n, "message"),
                    text(n, "where"),
                    text(n, "snippet"));
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalArgumentException("not a dead-letter line", e);
        }
    }

    private static String text(ObjectNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d
                && position == d.position
                && Objects.equals(origin, d.origin)
                && Objects.equals(reason, d.reason)
                && Objects.equals(message, d.message)
                && Objects.equals(where, d.where)
                && Objects.equals(snippet, d.snippet);
    }

    @Override
    public int hashCode() {
        return Objects.hash(origin, position, reason, message, where, snippet);
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + " at " + origin + "@" + position + " " + where + ": " + message + "}";
    }
}
