package dev.tripline.match;

import dev.tripline.event.CaseFoldMap;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds every occurrence of many literals in a text in one pass, ignoring case (Aho–Corasick, compiled into a
 * deterministic automaton). Literals are ASCII and already case folded ({@link CaseFoldMap#fold}); the text
 * is folded one character at a time while it is read, so nothing is copied. Transitions are stored per
 * character class (the distinct characters the literals use, plus one class for every other character), which
 * keeps the table small: states times classes.
 *
 * <p>Immutable after construction. Walk it with {@link #start}, {@link #step} and {@link #literalsEndingAt};
 * {@link #depth} tells a walk anchored at the text's first character when it can stop.
 */
final class AhoCorasick implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final int[] NO_LITERALS = new int[0];

    /** Class of each folded ASCII character; 0 for characters no literal contains. */
    private final byte[] classOf = new byte[128];

    private final int classes;
    /** Transition table: {@code next[state * classes + class]}. */
    private final int[] next;
    /** Per state, the literals (by index in the constructor's list) that end at it, suffixes included. */
    private final int[][] ending;

    private final int[] lengths;
    /** Per state, the length of the text it stands for (its depth in the trie). */
    private final int[] depths;

    /** @param literals non-empty, folded, ASCII; duplicates allowed (each keeps its own index) */
    AhoCorasick(List<String> literals) {
        int n = 1;
        for (String l : literals) {
            if (l.isEmpty()) {
                throw new IllegalArgumentException("empty literal");
            }
            for (int i = 0; i < l.length(); i++) {
                char c = l.charAt(i);
                if (c >= 128 || CaseFoldMap.fold(c) != c) {
                    throw new IllegalArgumentException("literal not folded ASCII: " + l);
                }
                if (classOf[c] == 0) {
                    if (n == 128) {
                        throw new IllegalStateException("more than 127 character classes");
                    }
                    classOf[c] = (byte) n++;
                }
            }
        }
        classes = n;
        lengths = literals.stream().mapToInt(String::length).toArray();

        // The trie: state 0 is the root; -1 marks a missing edge until the automaton fills it in.
        List<int[]> edges = new ArrayList<>();
        List<List<Integer>> ends = new ArrayList<>();
        List<Integer> depth = new ArrayList<>();
        edges.add(newRow());
        ends.add(new ArrayList<>());
        depth.add(0);
        for (int id = 0; id < literals.size(); id++) {
            String l = literals.get(id);
            int state = 0;
            for (int i = 0; i < l.length(); i++) {
                int c = classOf[l.charAt(i)];
                if (edges.get(state)[c] < 0) {
                    edges.get(state)[c] = edges.size();
                    edges.add(newRow());
                    ends.add(new ArrayList<>());
                    depth.add(i + 1);
                }
                state = edges.get(state)[c];
            }
            ends.get(state).add(id);
        }

        // Breadth first: each state's failure state is already complete when the state is reached, so a missing
        // edge takes the failure state's edge, and a state inherits the literals that end at its failure state.
        int states = edges.size();
        depths = depth.stream().mapToInt(Integer::intValue).toArray();
        next = new int[states * classes];
        ending = new int[states][];
        int[] fail = new int[states];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int c = 0; c < classes; c++) {
            int child = edges.get(0)[c];
            next[c] = Math.max(child, 0);
            if (child > 0) {
                fail[child] = 0;
                queue.add(child);
            }
        }
        ending[0] = NO_LITERALS;
        while (!queue.isEmpty()) {
            int s = queue.poll();
            List<Integer> own = new ArrayList<>(ends.get(s));
            for (int id : ending[fail[s]]) {
                own.add(id);
            }
            ending[s] = own.isEmpty()
                    ? NO_LITERALS
                    : own.stream().mapToInt(Integer::intValue).toArray();
            for (int c = 0; c < classes; c++) {
                int child = edges.get(s)[c];
                if (child > 0) {
                    fail[child] = next[fail[s] * classes + c];
                    next[s * classes + c] = child;
                    queue.add(child);
                } else {
                    next[s * classes + c] = next[fail[s] * classes + c];
                }
            }
        }
    }

    private int[] newRow() {
        int[] row = new int[128];
        Arrays.fill(row, -1);
        return row;
    }

    /** The state before any character is read. */
    int start() {
        return 0;
    }

    /** The state after reading {@code c} (any case, any character) in {@code state}. */
    int step(int state, char c) {
        char folded = CaseFoldMap.fold(c);
        return next[state * classes + (folded < 128 ? classOf[folded] : 0)];
    }

    /** The literals that end with the character that led to {@code state}; an empty array for most states. */
    int[] literalsEndingAt(int state) {
        return ending[state];
    }

    /** The length of literal {@code id}, to tell where an occurrence starts. */
    int length(int id) {
        return lengths[id];
    }

    /**
     * How many characters the text read so far shares with some literal's beginning, at most: a walk that only
     * looks for literals at the start of a text may stop once this is less than the characters read.
     */
    int depth(int state) {
        return depths[state];
    }

    /** How many states the automaton has (for the index description). */
    int states() {
        return ending.length;
    }
}
