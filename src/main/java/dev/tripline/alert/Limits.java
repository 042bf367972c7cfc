package dev.tripline.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Size limits on what an alert copies out of an event. Events are untrusted: one record with a megabyte of
 * requestParameters must not turn every alert, dedup key and state entry into a megabyte.
 */
final class Limits {
    /** Longest text kept from an event (ids, names, rendered placeholder values). */
    static final int MAX_TEXT = 1024;
    /** Longest JSON value kept in evidence fields and context, as compact JSON. */
    static final int MAX_VALUE_JSON = 16 * 1024;

    static final int MAX_OUTPUT_FIELDS = 64;
    static final int MAX_TITLE = 2048;
    /** Longest dedup key; longer keys are replaced by a digest (see {@link DedupKeys}). */
    static final int MAX_DEDUP_KEY = 512;

    private Limits() {}

    static String text(String s) {
        return truncate(s, MAX_TEXT);
    }

    static String truncate(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int cut = max;
        if (Character.isHighSurrogate(s.charAt(cut - 1))) {
            cut--;
        }
        return s.substring(0, cut) + "…[truncated " + (s.length() - cut) + " chars]";
    }

    /**
     * An upper bound of the length of {@code v} as compact JSON, found without writing it (most evidence values
     * are small objects such as userIdentity); the walk stops once the bound passes {@code budget}. Each string
     * character counts 6, the most an escape takes.
     */
    static long jsonLengthBound(JsonNode v, long budget) {
        if (v.isTextual()) {
            return 2 + 6L * v.textValue().length();
        }
        if (v.isNumber()) {
            return v.isBigInteger() || v.isBigDecimal() ? v.asText().length() : 32;
        }
        if (!v.isContainerNode()) {
            return 5; // true, false, null
        }
        long n = 2;
        if (v.isObject()) {
            for (var it = v.fields(); it.hasNext() && n <= budget; ) {
                var e = it.next();
                n += 4 + 6L * e.getKey().length() + jsonLengthBound(e.getValue(), budget - n);
            }
        } else {
            for (int i = 0; i < v.size() && n <= budget; i++) {
                n += 1 + jsonLengthBound(v.get(i), budget - n);
            }
        }
        return n;
    }

    /** The value itself when small enough; otherwise a text node with the start of its JSON and a marker. */
    static JsonNode value(JsonNode v) {
        if (v.isTextual()) {
            String t = v.textValue();
            return t.length() <= MAX_VALUE_JSON ? v : JsonNodeFactory.instance.textNode(truncate(t, MAX_VALUE_JSON));
        }
        if (v.isValueNode() || jsonLengthBound(v, MAX_VALUE_JSON) <= MAX_VALUE_JSON) {
            return v;
        }
        String json = v.toString();
        if (json.length() <= MAX_VALUE_JSON) {
            return v;
        }
        return JsonNodeFactory.instance.textNode(truncate(json, MAX_TEXT));
    }
}
