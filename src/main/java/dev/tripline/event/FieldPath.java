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
 */
public final class FieldPath implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The path that denotes the value itself; used for list elements that are scalars. */
    public static final FieldPath SELF = new FieldPath("", new String[0], false);

    private final String text;
    private final String[] segments;
    private final boolean caseInsensitiveKeys;
    private final int firstSegmentFoldedHash; // lets Event rule out a missing key without scanning

    private FieldPath(String text, String[] segments, boolean caseInsensitiveKeys) {
        this.text = text;
        this.segments = segments;
        this.caseInsensitiveKeys = caseInsensitiveKeys;
        this.firstSegmentFoldedHash = segments.length == 0 ? 0 : CaseFoldMap.hash(segments[0]);
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
        return new FieldPath(text, text.split("\\.", -1), caseInsensitiveKeys);
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
        return o instanceof FieldPath p && p.caseInsensitiveKeys == caseInsensitiveKeys
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
