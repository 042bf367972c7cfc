package dev.tripline.match;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ValueNode;
import dev.tripline.event.EcsAliases;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import java.io.Serializable;
import java.util.function.Predicate;

/**
 * Reads one field path of an event with {@link Event#anyValue}'s meaning, taking a shortcut in the common case:
 * when every step is a key present, spelled exactly, in an object, and the last one holds a scalar (or JSON
 * null), that scalar is the path's only value, since a raw field that is there wins over ECS aliases and derived
 * fields, and exact keys win over case-insensitive ones. A path with {@code [json]} or {@code [N]} steps, a
 * record with the whole dotted path as one key, a list on the way or at the end, or a missing key take the
 * full lookup. The shortcut costs one hash lookup per step and allocates nothing. Likewise a path that names no
 * alias or derived field is missing when its first key (and the whole dotted path) is not a key of the record:
 * for a case-sensitive path one exact lookup says so, for a case-insensitive one the event's filter of its keys
 * in every case ({@link Event#certainlyAbsent}).
 *
 * <p>Immutable; decided once per path when rules are compiled. A matcher gives its readers slots ({@link
 * FieldValues.Numbering}) so that each path's keys are walked once per event, for every path of the same keys; a
 * reader made alone has no slot.
 */
final class FieldReader implements Serializable {
    private static final long serialVersionUID = 3L;

    private final FieldPath path;
    /** Its slot among the walks a matcher keeps per event ({@link FieldValues}); -1 for a reader of no matcher. */
    private final int id;
    /** The path's keys for the shortcut; null when the path always takes the full lookup. */
    private final String[] keys;
    /** By log type ordinal: whether the path may be answered by an alias or a derived field. */
    private final boolean[] alias;

    FieldReader(FieldPath path) {
        this(path, -1);
    }

    /**
     * {@code id}: its slot among the walks a matcher keeps per event ({@link FieldValues}); paths of the same keys
     * (a Sigma path and a Panther path, which differ only on a missing first key) share one.
     */
    FieldReader(FieldPath path, int id) {
        this.path = path;
        this.id = id;
        this.keys = plainKeys(path);
        this.alias = new boolean[LogType.values().length];
        for (LogType type : LogType.values()) {
            alias[type.ordinal()] = !path.isSelf() && EcsAliases.isAlias(type, path);
        }
    }

    /** Built anew when deserialised (the job ships its matcher to the tasks): a copy's keys are not interned. */
    private Object readResolve() {
        return new FieldReader(path, id);
    }

    static String[] plainKeys(FieldPath path) {
        if (path.isSelf()) {
            return null;
        }
        String[] keys = new String[path.length()];
        for (int i = 0; i < keys.length; i++) {
            String segment = path.segment(i);
            if (FieldPath.isJsonStep(segment) || segment.startsWith("[")) {
                return null;
            }
            keys[i] = segment.intern(); // Jackson interns keys too: most lookups then compare by identity
        }
        return keys;
    }

    FieldPath path() {
        return path;
    }

    int id() {
        return id;
    }

    /**
     * What the event holds at the path, as far as the shortcuts tell: its only value when the shortcut applies,
     * {@link FieldValues#MISSING} when it certainly has none ({@link #certainlyMissing}), or null when only the
     * full lookup ({@link Event#anyValue}) can say. A first key that is not there is looked up once for both.
     */
    JsonNode read(Event event) {
        return answer(walk(event), event);
    }

    /**
     * The part of {@link #read} that depends only on the keys, so readers of the same keys share it: the scalar
     * at the exact keys, {@link #FIRST_KEY_ABSENT}, or null when only the full lookup can say.
     */
    JsonNode walk(Event event) {
        String[] k = keys;
        if (k == null) {
            return null;
        }
        if (k.length > 1 && event.wholeTextIsRootKey(path)) {
            return null; // a key holding the whole dotted path wins; the full lookup handles it
        }
        // The event's filter of its keys rules out most absent first keys (errorCode on a call that succeeded)
        // without the search of the record's names a miss costs.
        JsonNode node = event.noRootKeyFolds(path) ? null : event.member(k[0]);
        if (node == null) {
            return FIRST_KEY_ABSENT;
        }
        for (int i = 1; i < k.length; i++) {
            node = node.get(k[i]); // null on a missing key, and on anything that is not an object
            if (node == null) {
                return null;
            }
        }
        // A type test rather than isValueNode(), a call on every kind of node (ObjectNode.get never gives missing).
        return node instanceof ValueNode ? node : null;
    }

    /** {@link #read}'s answer from the {@link #walk} of its keys. */
    JsonNode answer(JsonNode walked, Event event) {
        if (walked != FIRST_KEY_ABSENT) {
            return walked;
        }
        if (alias[event.logType().ordinal()]) {
            return null;
        }
        return !path.caseInsensitiveKeys() || event.noRootKeyFolds(path) ? FieldValues.MISSING : null;
    }

    /**
     * What {@link #walk} gives when the first key is not a key of the record, exactly spelled (nor the whole
     * dotted path): compared by identity, never a value.
     */
    static final JsonNode FIRST_KEY_ABSENT = JsonNodeFactory.instance.objectNode();

    /**
     * The path's only value when the shortcut applies (see the class comment), else null: the caller then asks
     * {@link #anyValue}, which also covers a missing field.
     */
    JsonNode exactScalar(Event event) {
        JsonNode v = read(event);
        return v == FieldValues.MISSING ? null : v;
    }

    /**
     * True when the event certainly has no value at the path (see the class comment); false when it may have
     * one.
     */
    boolean certainlyMissing(Event event) {
        return read(event) == FieldValues.MISSING;
    }

    /** True if any value at the path passes {@code test}, as {@link Event#anyValue}. */
    boolean anyValue(Event event, Predicate<JsonNode> test) {
        return FieldValues.anyValue(null, this, event, null, test);
    }
}
