package dev.tripline.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The members of one JSON object the parser builds, for Jackson's {@code ObjectNode}: behaves as the {@code
 * LinkedHashMap} Jackson uses by default (members in insertion order; putting a present key replaces its value
 * in place; removing keeps the order of the rest; equal to any map with the same members) but holds the keys,
 * their hashes and the values in three arrays instead of one entry object per member in a table that resizes.
 * Building those entries and tables was most of what the parser spends beyond tokenizing.
 *
 * <p>State: the members in order, each key beside its value (a lookup in a record that is no longer in the cache
 * touches as few cache lines as possible), their hashes apart, and for objects of more than {@value #LINEAR}
 * members an open-addressing index holding each member's hash with its position (at most half full, so most
 * misses end on the index's own line), rebuilt when the arrays grow or a member is removed. Smaller objects are
 * searched in order, by identity first: keys Jackson hands out are interned, as are the keys the matcher looks
 * up, so most hits compare by identity. An entry of {@link #entrySet} reads its member by position: it is valid until
 * the map's next structural change (no code keeps one that long). Null keys are refused. Not thread-safe.
 */
final class MemberMap extends AbstractMap<String, JsonNode> {
    /** Objects up to this many members are searched in order, without an index. */
    private static final int LINEAR = 8;

    /** Key {@code i} at {@code 2i}, its value at {@code 2i + 1}, in insertion order. */
    private Object[] members = new Object[2 * LINEAR];
    /** {@link #hash} of each member's key. */
    private int[] hashes = new int[LINEAR];

    private int size;
    /**
     * By hash slot, a member's hash in the high half and its position + 1 in the low half (0: empty); null while
     * the object has at most {@value #LINEAR} members.
     */
    private long[] index;
    /** Structural changes (members added or removed), for the iterators' fail-fast check. */
    private int modCount;

    private Set<Map.Entry<String, JsonNode>> entries;

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public JsonNode get(Object key) {
        int at = key instanceof String s ? find(s) : -1;
        return at < 0 ? null : value(at);
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String s && find(s) >= 0;
    }

    @Override
    public JsonNode put(String key, JsonNode value) {
        int at = find(Objects.requireNonNull(key, "key"));
        if (at >= 0) {
            JsonNode old = value(at);
            members[2 * at + 1] = value;
            return old;
        }
        if (size == hashes.length) {
            members = Arrays.copyOf(members, 4 * size);
            hashes = Arrays.copyOf(hashes, 2 * size);
            index = null; // sized for the old arrays; rebuilt below
        }
        members[2 * size] = key;
        members[2 * size + 1] = value;
        hashes[size] = hash(key);
        size++;
        modCount++;
        if (index != null) {
            indexMember(index, size - 1);
        } else if (size > LINEAR) {
            buildIndex();
        }
        return null;
    }

    @Override
    public JsonNode remove(Object key) {
        int at = key instanceof String s ? find(s) : -1;
        if (at < 0) {
            return null;
        }
        JsonNode old = value(at);
        removeAt(at);
        return old;
    }

    @Override
    public void clear() {
        Arrays.fill(members, 0, 2 * size, null);
        size = 0;
        index = null;
        modCount++;
    }

    @Override
    public Set<Map.Entry<String, JsonNode>> entrySet() {
        Set<Map.Entry<String, JsonNode>> e = entries;
        if (e == null) {
            e = new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, JsonNode>> iterator() {
                    return new Members();
                }

                @Override
                public int size() {
                    return size;
                }

                @Override
                public void clear() {
                    MemberMap.this.clear();
                }
            };
            entries = e;
        }
        return e;
    }

    private String key(int position) {
        return (String) members[2 * position];
    }

    private JsonNode value(int position) {
        return (JsonNode) members[2 * position + 1];
    }

    /** {@link String#hashCode} spread as {@code HashMap} spreads it, so the index's low bits see the high ones. */
    private static int hash(String key) {
        int h = key.hashCode();
        return h ^ (h >>> 16);
    }

    /** The position of {@code key}, or -1. */
    private int find(String key) {
        Object[] m = members;
        long[] slots = index;
        if (slots == null) {
            for (int i = 0; i < size; i++) {
                if (m[2 * i] == key) {
                    return i;
                }
            }
            int h = hash(key);
            for (int i = 0; i < size; i++) {
                if (hashes[i] == h && key.equals(m[2 * i])) {
                    return i;
                }
            }
            return -1;
        }
        int h = hash(key);
        int mask = slots.length - 1;
        for (int s = h & mask; ; s = (s + 1) & mask) {
            long slot = slots[s];
            if (slot == 0) {
                return -1;
            }
            if ((int) (slot >>> 32) == h) {
                int p = (int) slot - 1;
                if (m[2 * p] == key || key.equals(m[2 * p])) {
                    return p;
                }
            }
        }
    }

    private void buildIndex() {
        long[] slots = new long[2 * hashes.length]; // a power of two (the arrays double from 8), at most half full
        for (int i = 0; i < size; i++) {
            indexMember(slots, i);
        }
        index = slots;
    }

    private void indexMember(long[] slots, int position) {
        int h = hashes[position];
        int mask = slots.length - 1;
        int s = h & mask;
        while (slots[s] != 0) {
            s = (s + 1) & mask;
        }
        slots[s] = ((long) h << 32) | (position + 1);
    }

    private void removeAt(int at) {
        int after = size - at - 1;
        System.arraycopy(members, 2 * at + 2, members, 2 * at, 2 * after);
        System.arraycopy(hashes, at + 1, hashes, at, after);
        size--;
        members[2 * size] = null;
        members[2 * size + 1] = null;
        modCount++;
        index = null; // positions moved
        if (size > LINEAR) {
            buildIndex();
        }
    }

    /** Iterates the members in order; fails fast, as {@code LinkedHashMap}'s iterators do. */
    private final class Members implements Iterator<Map.Entry<String, JsonNode>> {
        private int next;
        private int last = -1;
        private int expected = modCount;

        @Override
        public boolean hasNext() {
            return next < size;
        }

        @Override
        public Map.Entry<String, JsonNode> next() {
            if (modCount != expected) {
                throw new ConcurrentModificationException();
            }
            if (next >= size) {
                throw new NoSuchElementException();
            }
            last = next++;
            return new Member(last);
        }

        @Override
        public void remove() {
            if (last < 0) {
                throw new IllegalStateException();
            }
            if (modCount != expected) {
                throw new ConcurrentModificationException();
            }
            removeAt(last);
            next = last;
            last = -1;
            expected = modCount;
        }
    }

    /** The member at one position: reads and writes through to the map. */
    private final class Member implements Map.Entry<String, JsonNode> {
        private final int position;

        Member(int position) {
            this.position = position;
        }

        @Override
        public String getKey() {
            return key(position);
        }

        @Override
        public JsonNode getValue() {
            return value(position);
        }

        @Override
        public JsonNode setValue(JsonNode value) {
            JsonNode old = value(position);
            members[2 * position + 1] = value;
            return old;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Map.Entry<?, ?> e
                    && getKey().equals(e.getKey())
                    && Objects.equals(getValue(), e.getValue());
        }

        @Override
        public int hashCode() {
            return getKey().hashCode() ^ Objects.hashCode(getValue());
        }

        @Override
        public String toString() {
            return getKey() + "=" + getValue();
        }
    }
}
