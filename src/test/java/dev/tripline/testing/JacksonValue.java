package dev.tripline.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.ParseLimits;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One JSON value decoded through a Jackson parser created for its bytes, into the nodes {@code EventParser}'s
 * {@code readValue} builds (whole values, default limits): the reference that {@code ValidJsonTree} is held to,
 * and the per-value decoding it replaces in the benchmark.
 */
public final class JacksonValue {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(ParseLimits.defaults().maxDepth())
                    .maxStringLength(ParseLimits.defaults().maxStringLength())
                    .build())
            .build();

    private JacksonValue() {}

    /** The value in {@code b[from, to)}; fails on anything else there, as the job's parser does. */
    public static JsonNode decode(byte[] b, int from, int to) {
        try (JsonParser p = FACTORY.createParser(b, from, to - from)) {
            JsonNode value = read(p, p.nextToken());
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("more than one value");
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code EventParser.readValue} without budget or field selection. */
    private static JsonNode read(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            throw new IllegalArgumentException("no value");
        }
        switch (t) {
            case START_OBJECT: {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    o.set(name, read(p, p.nextToken()));
                }
                return o;
            }
            case START_ARRAY: {
                ArrayNode a = NODES.arrayNode();
                JsonToken n;
                while ((n = p.nextToken()) != JsonToken.END_ARRAY) {
                    a.add(read(p, n));
                }
                return a;
            }
            case VALUE_STRING:
                return NODES.textNode(p.getText());
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                        return NODES.numberNode(p.getIntValue());
                    case LONG:
                        return NODES.numberNode(p.getLongValue());
                    default:
                        return NODES.numberNode(p.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new IllegalArgumentException("unexpected token " + t);
        }
    }
}
