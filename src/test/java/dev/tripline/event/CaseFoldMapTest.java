package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaseFoldMapTest {

    @Test
    void looksUpIgnoringCase() {
        CaseFoldMap<Integer> m = new CaseFoldMap<>(Map.of("RunInstances", 1, "createaccesskey", 2));
        assertThat(m.get("runinstances")).isEqualTo(1);
        assertThat(m.get("RUNINSTANCES")).isEqualTo(1);
        assertThat(m.get("CreateAccessKey")).isEqualTo(2);
        assertThat(m.get("RunInstance")).isNull();
        assertThat(m.get("")).isNull();
        assertThat(m.size()).isEqualTo(2);
    }

    /** Agreement with String.equalsIgnoreCase, including letters whose cases do not round-trip. */
    @Test
    void agreesWithEqualsIgnoreCase() {
        List<String> words = List.of(
                "Runınstances",
                "RunInstances",
                "RUNİNSTANCES",
                "straße",
                "STRASSE",
                "ǅ",
                "ǆ",
                "Ǆ",
                "K",
                "k",
                "\u212A",
                "σ",
                "ς",
                "Σ");
        Map<String, Integer> entries = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            entries.putIfAbsent(CaseFoldMap.fold(words.get(i)), i);
        }
        CaseFoldMap<Integer> m = new CaseFoldMap<>(entries);
        for (String a : words) {
            for (String b : words) {
                boolean sameKey = m.get(a) != null && m.get(a).equals(m.get(b));
                assertThat(sameKey).as(a + " vs " + b).isEqualTo(a.equalsIgnoreCase(b));
            }
        }
    }

    /**
     * The hash pairs characters that differ only in bit 5 ({@code @} and {@code `}, {@code [} and {@code {}), so
     * such keys share a hash: each must still find only itself, and the mixed-case forms of letters theirs.
     */
    @Test
    void keysOfEqualHashStayApart() {
        assertThat(CaseFoldMap.hash("a@b")).isEqualTo(CaseFoldMap.hash("a`b"));
        assertThat(CaseFoldMap.hash("x[1]")).isEqualTo(CaseFoldMap.hash("X{1}"));
        CaseFoldMap<Integer> m = new CaseFoldMap<>(Map.of("a@b", 1, "a`b", 2, "x[1]", 3, "x{1}", 4));
        assertThat(m.get("A@B")).isEqualTo(1);
        assertThat(m.get("a`B")).isEqualTo(2);
        assertThat(m.get("X[1]")).isEqualTo(3);
        assertThat(m.get("x{1}")).isEqualTo(4);
        assertThat(m.get("a b")).isNull();
        assertThat(m.get("a\u00c0b")).isNull();
    }

    /** Non-ASCII letters hash by their fold, so their cases collide like ASCII ones and are found. */
    @Test
    void nonAsciiKeysFoundInEitherCase() {
        CaseFoldMap<Integer> m = new CaseFoldMap<>(Map.of(CaseFoldMap.fold("ÜberGröße"), 1));
        assertThat(CaseFoldMap.hash("übergröße")).isEqualTo(CaseFoldMap.hash("ÜBERGRÖßE"));
        assertThat(m.get("ÜBERGRÖßE")).isEqualTo(1);
        assertThat(m.get("übergröße")).isEqualTo(1);
        assertThat(m.get("ubergroße")).isNull();
    }
}
