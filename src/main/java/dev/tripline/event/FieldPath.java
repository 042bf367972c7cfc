package dev.tripline.event;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dotted path into an event, such as {@code userIdentity.sessionContext.sessionIssuer.arn}, split once at
 * load time so that nothing is re-parsed per event.
 *
 * <p>Lookup first tries the whole text as one literal key (some producers put dots in key names), then walks
 * the segments. {@code caseInsensitiveKeys} makes each step fall back to a case-insensitive key match, as
 * Panther's event lookup does; Sigma paths are case-sensitive. A segment written {@code [N]} (built by the
 * Panther loader for {@code a[2]} and integer DeepKey steps) picks the N-th list element.
 *
 * <p>A segment {@link #JSON_STEP} ({@code [json]}) reads the string value reached so far as a JSON document
 * and goes on inside it: {@code requestParameters.policyDocument[json].Statement.Action}. Every parser here
 * splits a {@code [json]} written at the end of a dotted part into a step of its own, so Sigma field names,
 * Panther KeyPaths and DeepKeys (the step {@code "[json]"}) spell it the same way; see docs/event-view.md.
 */
public final class FieldPath implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The step that decodes JSON held in a string (see the class comment and {@link Event}). */
    public static final String JSON_STEP = "[json]";

    /** The path that denotes the value itself; used for list elements that are scalars. */
    public static final FieldPath SELF = new FieldPath("", new String[0], false);

    private final String text;
    private final String[] segments;
    private final boolean caseInsensitiveKeys;
    private final int firstSegmentFoldedHash; // lets Event rule out a missing key without scanning
    /**
     * The alias a CloudTrail event, and an Azure one, reads this path under ({@link EcsAliases#match(LogType,
     * FieldPath)}), matched on first use so that a read does not walk the alias trie again: null until then,
     * {@link EcsAliases#NO_ALIAS} when there is none. A benign race: every thread finds the same immutable alias,
     * and a path read back from a stream matches again.
     */
    private transient EcsAliases.Alias cloudTrailAlias;

    private transient EcsAliases.Alias azureAlias;

    private FieldPath(String text, String[] segments, boolean caseInsensitiveKeys) {
        this.text = text;
        this.segments = segments;
        this.caseInsensitiveKeys = caseInsensitiveKeys;
        this.firstSegmentFoldedHash = segments.length == 0 ? 0 : CaseFoldMap.hash(segments[0]);
    }

    /** The alias of {@code type} this path starts with ({@link EcsAliases#match(LogType, FieldPath)}), or null. */
    EcsAliases.Alias alias(LogType type) {
        EcsAliases.Alias a;
        if (type == LogType.CLOUDTRAIL) {
            a = cloudTrailAlias;
            if (a == null) {
                a = orNoAlias(EcsAliases.match(type, this));
                cloudTrailAlias = a;
            }
        } else {
            a = azureAlias;
            if (a == null) {
                a = orNoAlias(EcsAliases.match(type, this));
                azureAlias = a;
            }
        }
        return a == EcsAliases.NO_ALIAS ? null : a;
    }

    private static EcsAliases.Alias orNoAlias(EcsAliases.Alias a) {
        return a == null ? EcsAliases.NO_ALIAS : a;
    }

    /** {@link CaseFoldMap#hash} of the first segment. */
    int firstSegmentFoldedHash() {
        return firstSegmentFoldedHash;
    }

    /** A case-sensitive path (Sigma). */
    public static FieldPath of(String text) {
        return parse(text, false);
    }

    /** A path whose keys also match case-insensitively when no exact key exists (Panther). */
    public static FieldPath caseInsensitive(String text) {
        return parse(text, true);
    }

    private static FieldPath parse(String text, boolean caseInsensitiveKeys) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            return caseInsensitiveKeys ? new FieldPath("", new String[0], true) : SELF;
        }
        java.util.List<String> segments = new java.util.ArrayList<>();
        for (String part : text.split("\\.", -1)) {
            // "doc[json]" is the key "doc" and then the step; "doc[json][json]" decodes twice (JSON in JSON).
            int steps = 0;
            String key = part;
            while (key.endsWith(JSON_STEP)) {
                key = key.substring(0, key.length() - JSON_STEP.length());
                steps++;
            }
            if (!key.isEmpty() || steps == 0) {
                segments.add(key);
            }
            for (int i = 0; i < steps; i++) {
                segments.add(JSON_STEP);
            }
        }
        return new FieldPath(text, segments.toArray(new String[0]), caseInsensitiveKeys);
    }

    /** True for the {@code [json]} step. */
    public static boolean isJsonStep(String segment) {
        return JSON_STEP.equals(segment);
    }

    /** The most steps a {@link #keyPath} may have. */
    public static final int MAX_KEY_PATH_STEPS = 64;

    /**
     * Parses Panther's KeyPath syntax: dotted keys with {@code [N]} list indexes and {@code [*]} wildcards,
     * e.g. {@code requestParameters.items[0].name} or {@code resources[*].ARN}. A wildcard is the normal
     * fan-out over a list, so it adds no step. {@code [json]} is the embedded-JSON step.
     *
     * @throws IllegalArgumentException with a message saying what is wrong
     */
    public static FieldPath keyPath(String text, boolean caseInsensitiveKeys) {
        java.util.List<String> segments = new java.util.ArrayList<>();
        for (String part : text.split("\\.", -1)) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("KeyPath '" + text + "' has an empty step");
            }
            int bracket = part.indexOf('[');
            String name = bracket < 0 ? part : part.substring(0, bracket);
            if (name.indexOf(']') >= 0) {
                throw new IllegalArgumentException("KeyPath '" + text + "' has a ']' without '['");
            }
            if (!name.isEmpty()) {
                segments.add(name);
            }
            String rest = bracket < 0 ? "" : part.substring(bracket);
            while (!rest.isEmpty()) {
                int close = rest.indexOf(']');
                if (!rest.startsWith("[") || close < 0) {
                    throw new IllegalArgumentException(
                            "KeyPath '" + text + "': expected [N] or [*] after '" + name + "'");
                }
                String inside = rest.substring(1, close);
                if (inside.equals("json")) {
                    segments.add(JSON_STEP);
                } else if (!inside.equals("*")) {
                    if (inside.isEmpty()
                            || inside.length() > 8
                            || !inside.chars().allMatch(c -> c >= '0' && c <= '9')) {
                        throw new IllegalArgumentException("KeyPath '" + text
                                + "': a step in brackets must be a list index, * or json, found '" + inside + "'");
                    }
                    segments.add("[" + Integer.parseInt(inside) + "]");
                }
                rest = rest.substring(close + 1);
            }
        }
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("KeyPath '" + text + "' names no key");
        }
        if (segments.size() > MAX_KEY_PATH_STEPS) {
            throw new IllegalArgumentException("KeyPath has more than " + MAX_KEY_PATH_STEPS + " steps");
        }
        return ofSegments(segments.toArray(new String[0]), caseInsensitiveKeys);
    }

    /** A path from explicit segments (Panther DeepKey); segments may contain dots. */
    public static FieldPath ofSegments(String[] segments, boolean caseInsensitiveKeys) {
        return new FieldPath(String.join(".", segments), segments.clone(), caseInsensitiveKeys);
    }

    public String text() {
        return text;
    }

    public int length() {
        return segments.length;
    }

    public String segment(int i) {
        return segments[i];
    }

    public boolean isSelf() {
        return segments.length == 0;
    }

    public boolean caseInsensitiveKeys() {
        return caseInsensitiveKeys;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldPath p
                && p.caseInsensitiveKeys == caseInsensitiveKeys
                && Arrays.equals(p.segments, segments);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(segments) * 31 + (caseInsensitiveKeys ? 1 : 0);
    }

    @Override
    public String toString() {
        return text;
    }
}
