package dev.tripline.rule.sigma;

import static dev.tripline.rule.sigma.SigmaTesting.error;
import static dev.tripline.rule.sigma.SigmaTesting.matches;
import static dev.tripline.rule.sigma.SigmaTesting.one;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.Expr;
import dev.tripline.rule.Exprs;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SigmaConditionTest {
    private static final String SELECTIONS =
            "  sel_a:\n    a: 'yes'\n  sel_b:\n    b: 'yes'\n  filter_c:\n    c: 'yes'\n"
                    + "  _hidden:\n    h: 'yes'\n";

    private static Rule cond(String condition) {
        return one(SELECTIONS + "  condition: " + condition + "\n");
    }

    /** Event with the given single-letter fields set to 'yes'. */
    private static String ev(String letters) {
        List<String> parts = new ArrayList<>();
        for (char c : letters.toCharArray()) {
            parts.add("\"" + c + "\":\"yes\"");
        }
        return "{" + String.join(",", parts) + "}";
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "sel_a, a, true",
        "sel_a, b, false",
        "sel_a and sel_b, ab, true",
        "sel_a and sel_b, a, false",
        "sel_a or sel_b, b, true",
        "sel_a or sel_b, c, false",
        "not sel_a, b, true",
        "not sel_a, a, false",
        "sel_a or sel_b and filter_c, a, true",
        "sel_a or sel_b and filter_c, b, false",
        "(sel_a or sel_b) and filter_c, a, false",
        "(sel_a or sel_b) and filter_c, ac, true",
        "not sel_a and sel_b, b, true",
        "not sel_a and sel_b, ab, false",
        "not (sel_a and sel_b), a, true",
        "not (sel_a and sel_b), ab, false",
        "1 of sel_*, b, true",
        "1 of sel_*, c, false",
        "any of sel_*, a, true",
        "all of sel_*, a, false",
        "all of sel_*, ab, true",
        "not 1 of sel_*, c, true",
        "not 1 of sel_*, a, false",
        "all of them, abc, true",
        "all of them, ab, false",
        "1 of them, c, true",
        "1 of them, h, false",
        "1 of _hid*, h, true",
        "all of sel_* and not 1 of filter_*, ab, true",
        "all of sel_* and not 1 of filter_*, abc, false",
        "1 of sel_a, a, true",
        "((sel_a)), a, true",
    })
    void conditionForms(String condition, String fields, boolean expected) {
        assertThat(matches(cond(condition), ev(fields))).isEqualTo(expected);
    }

    @Test
    void listOfConditionsIsOr() {
        Rule r = one(SELECTIONS + "  condition:\n    - sel_a and sel_b\n    - filter_c\n");
        assertThat(matches(r, ev("ab"))).isTrue();
        assertThat(matches(r, ev("c"))).isTrue();
        assertThat(matches(r, ev("a"))).isFalse();
    }

    @Test
    void identifiersBecomeSelections() {
        Rule r = cond("sel_a and not 1 of filter_*");
        List<String> names = new ArrayList<>();
        collect(r.detection(), names);
        assertThat(names).containsExactly("sel_a", "filter_c");
    }

    private static void collect(Expr e, List<String> out) {
        if (e instanceof Expr.Selection s) {
            out.add(s.name());
        }
        Exprs.children(e).forEach(c -> collect(c, out));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = ';',
            value = {
                // condition ; message ; column of the error inside the line 'condition: …' (value starts at col 14)
                "sel_a and nope; unknown search identifier 'nope'; 24",
                "1 of nothing_*; matches no search identifier; 19",
                "sel_a sel_b; unexpected 'sel_b'; 20",
                "(sel_a or sel_b; '(' is never closed; 14",
                "sel_a or sel_b); unexpected ')'; 28",
                "sel_a and; condition ends; 23",
                "sel_a AND sel_b; operators are lower-case; 20",
                "sel_*; wildcard patterns need '1 of'; 14",
                "all of (sel_a); must be followed by 'them' or a search identifier pattern; 21",
                "2 of them; '2 of' is not Sigma: a condition may use '1 of', 'any of' or 'all of'; 14",
                "sel_a and 3 of sel_*; '3 of' is not Sigma; 24",
            })
    void conditionErrorsPointInsideTheCondition(String condition, String message, int column) {
        LoadError e = error(SELECTIONS + "  condition: " + condition + "\n");
        assertThat(e.message()).contains(message);
        assertThat(e.location().line()).isEqualTo(15);
        assertThat(e.location().column()).isEqualTo(column);
    }

    @Test
    void quotedConditionColumnsSkipTheQuote() {
        LoadError e = error(SELECTIONS + "  condition: 'sel_a and nope'\n");
        assertThat(e.location().column()).isEqualTo(25);
    }

    @Test
    void legacyAggregationAndNearAndTimeframeAreRejected() {
        LoadError pipe = error(SELECTIONS + "  condition: sel_a | count() by x > 5\n");
        assertThat(pipe.message()).contains("legacy aggregation").contains("correlation");
        assertThat(pipe.location().column()).isEqualTo(20);
        LoadError near = error(SELECTIONS + "  condition: sel_a near sel_b\n");
        assertThat(near.message()).contains("'near'").contains("correlation");
        LoadError timeframe = error(SELECTIONS + "  timeframe: 10m\n  condition: sel_a\n");
        assertThat(timeframe.message()).contains("'timeframe'").contains("correlation");
        assertThat(timeframe.location().line()).isEqualTo(15);
    }

    @Test
    void deepNestingIsRejectedNotOverflowed() {
        String deep = "(".repeat(2000) + "sel_a" + ")".repeat(2000);
        LoadError e = error(SELECTIONS + "  condition: " + deep + "\n");
        assertThat(e.message()).contains("nested more than");
        String nots = "not ".repeat(2000) + "sel_a";
        assertThat(error(SELECTIONS + "  condition: " + nots + "\n").message()).contains("nested more than");
    }
}
