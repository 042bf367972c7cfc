package dev.tripline.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Decodes JSON held in a string field, such as an IAM policy document in {@code requestParameters.policyDocument}
 * or a role's URL-encoded {@code assumeRolePolicyDocument}, for the {@code [json]} path step (see
 * {@link FieldPath#JSON_STEP}). Keeps no state; {@link Event} caches what it decodes.
 *
 * <p>The text is untrusted, so it gets the limits a record gets ({@link ParseLimits#defaults()}, as the job
 * parses records): size, nesting depth and string length. Text that starts with {@code %} is percent-decoded
 * first (RFC 3986, as IAM encodes policies in its responses; {@code +} stays a plus sign).
 */
final class EmbeddedJson {
    private static final ParseLimits LIMITS = ParseLimits.defaults();
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(LIMITS.maxDepth())
                            .maxStringLength(LIMITS.maxStringLength())
                            .build())
                    .build())
            // "{} trailing" is not a JSON document: refuse it rather than read its first value.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** What {@link #decode} returns for text that holds no JSON document. */
    enum Outcome {
        /** Blank text: nothing to decode, and nothing wrong (a GetBucketPolicy's empty {@code policy}). */
        EMPTY,
        /** Not JSON, bad percent-encoding, or over a limit. */
        UNREADABLE
    }

    private EmbeddedJson() {}

    /** The document in {@code text}, or {@code null} with {@code outcome[0]} saying why there is none. */
    static JsonNode decode(String text, Outcome[] outcome) {
        if (text.isBlank()) {
            outcome[0] = Outcome.EMPTY;
            return null;
        }
        if (text.length() > LIMITS.maxRecordBytes()) {
            outcome[0] = Outcome.UNREADABLE;
            return null;
        }
        String json = text;
        if (text.stripLeading().startsWith("%")) {
            json = percentDecode(text);
            if (json == null) {
                outcome[0] = Outcome.UNREADABLE;
                return null;
            }
        }
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) {
                outcome[0] = Outcome.EMPTY;
                return null;
            }
            return node;
        } catch (IOException | RuntimeException e) {
            // Jackson reports limit breaches as StreamConstraintsException (an IOException); anything it throws
            // on hostile text means the same thing here: no document.
            outcome[0] = Outcome.UNREADABLE;
            return null;
        }
    }

    /** RFC 3986 percent-decoding into UTF-8 text; null on a malformed escape. */
    static String percentDecode(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    return null;
                }
                int hi = Character.digit(text.charAt(i + 1), 16);
                int lo = Character.digit(text.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                int end = text.indexOf('%', i);
                end = end < 0 ? text.length() : end;
                byte[] utf8 = text.substring(i, end).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
                i = end - 1;
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
