package dev.tripline.rule.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.LoadError;
import org.junit.jupiter.api.Test;

/** A document over one of the safe-YAML limits is refused at the line and column where it crossed the limit. */
class SafeYamlLimitsTest {

    @Test
    void anAliasBombIsRefusedAtTheAliasOverTheLimit() {
        // Line 1 anchors a list; every later line holds one alias to it, so alias n is on line n + 1.
        StringBuilder text = new StringBuilder("a: &a [x, y]\n");
        for (int i = 1; i <= SafeYaml.MAX_ALIASES + 5; i++) {
            text.append("b").append(i).append(": *a\n");
        }
        int over = SafeYaml.MAX_ALIASES + 1;
        String expected = "bomb.yml:" + (over + 1) + ":" + (("b" + over + ": ").length() + 1) + ": ";

        SafeYaml.Parsed parsed = SafeYaml.parseAll("bomb.yml", text.toString());

        assertThat(parsed.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.toString()).startsWith(expected).containsIgnoringCase("aliases"));
    }

    @Test
    void anOverDeepDocumentIsRefusedAtTheCollectionOneLevelTooDeep() {
        String text = "title: deep\nvalue: " + "[".repeat(SafeYaml.MAX_DEPTH + 10) + "]".repeat(SafeYaml.MAX_DEPTH + 10)
                + "\n";

        SafeYaml.Parsed parsed = SafeYaml.parseAll("deep.yml", text);

        // The top map is depth 1, so the list that crosses the limit is the MAX_DEPTH-th bracket.
        LoadError e = parsed.errors().get(0);
        assertThat(e.location().line()).isEqualTo(2);
        assertThat(e.location().column()).isEqualTo("value: ".length() + SafeYaml.MAX_DEPTH);
        assertThat(e.message()).containsIgnoringCase("nesting");
    }
}
