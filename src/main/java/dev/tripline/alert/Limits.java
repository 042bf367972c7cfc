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

    /** The value itself when small enough; otherwise a text node with the start of its JSON and a marker. */
    static JsonNode value(JsonNode v) {
        if (v.isTextual()) {
            String t = v.textValue();
            return t.length() <= MAX_VALUE_JSON ? v : JsonNodeFactory.instance.textNode(truncate(t, MAX_VALUE_JSON));
        }
        if (v.isValueNode()) {
            return v;
        }
        String json = v.toString();
        if (json.length() <= MAX_VALUE_JSON) {
            return v;
        }
        return JsonNodeFactory.instance.textNode(truncate(json, MAX_TEXT));
    }
}
