package dev.tripline.match;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The fields of one event as read so far, shared by the index and every detection that runs on the event: each
 * path a matcher reads has a slot ({@link Numbering}, one for paths of the same keys), and the {@link
 * FieldReader#walk} of its keys is kept there for the rest of the event. Rules ask for the same few fields again and again ({@code errorCode},
 * {@code eventName}, {@code userIdentity.type} several times an event each), and each read is a few hash lookups
 * in the record's tree, so reading each once is most of what the index and the detections cost together.
 *
 * <p>State: the answers, each stamped with the event's number ({@code epoch}) so nothing needs clearing between
 * events; {@link #start} begins an event, {@link #finish} drops the values read so no event is kept alive. One
 * instance per thread, used by one match at a time.
 */
class FieldValues {
    int epoch;
    private int[] readAt = new int[0];
    /** By slot, when {@code readAt} is this epoch: the {@link FieldReader#walk} of the slot's keys. */
    private JsonNode[] value = new JsonNode[0];
    /** The slots walked this event, to drop their values at the end. */
    private int[] read = new int[0];

    private int readCount;

    /** Begins an event of a matcher whose paths use {@code fields} slots. */
    void start(int fields) {
        if (readAt.length < fields) {
            readAt = new int[fields];
            value = new JsonNode[fields];
            read = new int[fields];
        }
        if (++epoch == Integer.MAX_VALUE) {
            Arrays.fill(readAt, 0);
            epoch = 1;
            resetEpoch();
        }
        readCount = 0;
    }

    /** Called when the epoch wraps, for subclasses that stamp other arrays with it. */
    void resetEpoch() {}

    /** Drops the values read this event. */
    void finish() {
        for (int i = 0; i < readCount; i++) {
            value[read[i]] = null;
        }
        readCount = 0;
    }

    /** {@link FieldReader#read} of this event, read once; a reader without a number is read every time. */
    JsonNode read(FieldReader field, Event event) {
        int f = field.id();
        if (f < 0) {
            return field.read(event);
        }
        if (readAt[f] != epoch) {
            readAt[f] = epoch;
            value[f] = field.walk(event);
            read[readCount++] = f;
        }
        return field.answer(value[f], event);
    }

    /**
     * True if any value at the field passes {@code test}, as {@link Event#anyValue}: within {@code scope} when it
     * is a list element, else on the event root through the answer kept for the event ({@code values} may be
     * null: no event is being matched, and the field is read now).
     */
    static boolean anyValue(
            FieldValues values, FieldReader field, Event event, JsonNode scope, Predicate<JsonNode> test) {
        if (scope != null) {
            return event.anyValueIn(scope, field.path(), test);
        }
        JsonNode v = values == null ? field.read(event) : values.read(field, event);
        if (v == null) {
            return event.anyValue(field.path(), test);
        }
        return v != MISSING && test.test(v);
    }

    /** Gives each distinct path a matcher reads one {@link FieldReader}, and the reader its slot. */
    static final class Numbering {
        private final Map<FieldPath, FieldReader> readers = new HashMap<>();
        /**
         * A slot per path, shared by paths of the same plain keys: a Sigma rule and a Panther rule (or the
         * index, which reads keys ignoring case) testing {@code errorCode} walk the record once per event.
         */
        private final Map<Object, Integer> slots = new HashMap<>();

        FieldReader of(FieldPath path) {
            return readers.computeIfAbsent(path, p -> {
                String[] keys = FieldReader.plainKeys(p);
                Object walk = keys == null ? p : List.of(keys);
                return new FieldReader(p, slots.computeIfAbsent(walk, k -> slots.size()));
            });
        }

        /** How many slots the readers use. */
        int size() {
            return slots.size();
        }
    }

    /** The value {@link FieldReader#read} gives when the event certainly has none. */
    static final JsonNode MISSING = MissingNode.getInstance();
}
