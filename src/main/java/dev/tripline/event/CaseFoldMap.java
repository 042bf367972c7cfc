package dev.tripline.event;

import java.io.Serializable;
import java.util.Map;

/**
 * An immutable string-keyed map whose lookups ignore case without allocating: the hash and the comparison
 * fold each character on the fly. Folding is {@code toLowerCase(toUpperCase(c))}, which makes two strings
 * equal here exactly when {@link String#equalsIgnoreCase} says so, so index lookups and equality tests agree.
 *
 * @param <V> the value type
 */
public final class CaseFoldMap<V extends Serializable> implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String[] keys; // folded
    private final Object[] values;
    private final int mask;
    private final int size;
    private final java.util.BitSet lengths; // most misses differ in length from every key: no hashing needed

    public CaseFoldMap(Map<String, V> entries) {
        int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2) - 1) << 1;
        keys = new String[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        lengths = new java.util.BitSet();
        int n = 0;
        for (Map.Entry<String, V> e : entries.entrySet()) {
            String k = fold(e.getKey());
            int i = hash(k) & mask;
            while (keys[i] != null && !keys[i].equals(k)) {
                i = (i + 1) & mask;
            }
            if (keys[i] == null) {
                n++;
            }
            keys[i] = k;
            values[i] = e.getValue();
            lengths.set(k.length());
        }
        size = n;
    }

    /** The value for {@code key} compared ignoring case, or null. */
    @SuppressWarnings("unchecked")
    public V get(String key) {
        if (!lengths.get(key.length())) {
            return null;
        }
        int i = hash(key) & mask;
        String k;
        while ((k = keys[i]) != null) {
            if (foldEquals(key, k)) {
                return (V) values[i];
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    public int size() {
        return size;
    }

    public static char fold(char c) {
        if (c < 0x80) {
            return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c; // ASCII: the common case, kept cheap
        }
        return Character.toLowerCase(Character.toUpperCase(c));
    }

    public static String fold(String s) {
        char[] out = new char[s.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = fold(s.charAt(i));
        }
        return new String(out);
    }

    /**
     * A hash under which strings equal ignoring case collide, computed without allocating. It hashes each
     * character's fold with bit 5 set: for ASCII that is {@code c | 0x20} whatever the case, one instruction
     * instead of a range test (it also pairs a few punctuation marks, such as {@code @} and {@code `}, which only
     * costs a rare extra comparison).
     */
    public static int hash(String s) {
        int h = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            h = 31 * h + ((c < 0x80 ? c : fold(c)) | 0x20);
        }
        return h ^ (h >>> 16);
    }

    private static boolean foldEquals(String raw, String folded) {
        if (raw.length() != folded.length()) {
            return false;
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != folded.charAt(i) && fold(c) != folded.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
