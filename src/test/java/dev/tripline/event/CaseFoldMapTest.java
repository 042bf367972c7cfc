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
}
