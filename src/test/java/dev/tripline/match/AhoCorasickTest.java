package dev.tripline.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class AhoCorasickTest {

    /** Every (literal, end index) occurrence the automaton reports while walking {@code text}. */
    private static TreeSet<String> occurrences(AhoCorasick a, String text) {
        TreeSet<String> out = new TreeSet<>();
        int state = a.start();
        for (int i = 0; i < text.length(); i++) {
            state = a.step(state, text.charAt(i));
            for (int id : a.literalsEndingAt(state)) {
                out.add(id + "@" + i);
            }
        }
        return out;
    }

    /** The same by brute force: every position where a literal matches ignoring case. */
    private static TreeSet<String> naive(List<String> literals, String text) {
        TreeSet<String> out = new TreeSet<>();
        for (int id = 0; id < literals.size(); id++) {
            String l = literals.get(id);
            for (int i = 0; i + l.length() <= text.length(); i++) {
                if (text.regionMatches(true, i, l, 0, l.length())) {
                    out.add(id + "@" + (i + l.length() - 1));
                }
            }
        }
        return out;
    }

    @Test
    void findsOverlappingNestedAndRepeatedLiteralsIgnoringCase() {
        List<String> literals = List.of("he", "she", "his", "hers", "assumed-role/", "e", "he");
        AhoCorasick a = new AhoCorasick(literals);
        for (String text : List.of("USHERS", "ahishers", "arn:aws:sts::1:Assumed-Role/x", "", "zzz", "hehehe")) {
            assertThat(occurrences(a, text)).as(text).isEqualTo(naive(literals, text));
        }
        assertThat(a.length(3)).isEqualTo(4);
    }

    @Test
    void agreesWithBruteForceOnRandomTexts() {
        SplittableRandom rng = new SplittableRandom(7);
        String alphabet = "abcAB:/-é\u212A"; // the Kelvin sign folds to k, é to itself
        for (int round = 0; round < 200; round++) {
            List<String> literals = new ArrayList<>();
            for (int k = 1 + rng.nextInt(8); k > 0; k--) {
                StringBuilder b = new StringBuilder();
                for (int n = 1 + rng.nextInt(4); n > 0; n--) {
                    b.append("abck:/-".charAt(rng.nextInt(7)));
                }
                literals.add(b.toString().toLowerCase(Locale.ROOT));
            }
            AhoCorasick a = new AhoCorasick(literals);
            StringBuilder text = new StringBuilder();
            for (int n = rng.nextInt(40); n > 0; n--) {
                text.append(alphabet.charAt(rng.nextInt(alphabet.length())));
            }
            assertThat(occurrences(a, text.toString()))
                    .as(literals + " in " + text)
                    .isEqualTo(naive(literals, text.toString()));
        }
    }

    @Test
    void refusesLiteralsItCannotLookFor() {
        assertThatThrownBy(() -> new AhoCorasick(List.of(""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AhoCorasick(List.of("Upper"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AhoCorasick(List.of("é"))).isInstanceOf(IllegalArgumentException.class);
    }
}
