package dev.tripline.match;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegexLiteralsTest {

    @Test
    void findsTheLongestRequiredLiteral() {
        assertThat(RegexLiterals.requiredLiteral(".+:assumed-role/aws:.+")).isEqualTo(":assumed-role/aws:");
        assertThat(RegexLiterals.requiredLiteral("^arn:aws:iam::\\d+:root$")).isEqualTo("arn:aws:iam::");
        assertThat(RegexLiterals.requiredLiteral("abc?def")).isEqualTo("def");
        assertThat(RegexLiterals.requiredLiteral("ab+cde")).isEqualTo("cde");
        assertThat(RegexLiterals.requiredLiteral("x(foo|bar)yz")).isEqualTo("yz");
        assertThat(RegexLiterals.requiredLiteral("a\\.b\\.c")).isEqualTo("a.b.c");
        assertThat(RegexLiterals.requiredLiteral("[abc]+xyz{0,2}")).isEqualTo("xy");
    }

    @Test
    void givesUpWhereNoLiteralIsProvablyRequired() {
        assertThat(RegexLiterals.requiredLiteral("foo|bar")).isNull();
        assertThat(RegexLiterals.requiredLiteral("(?i)foo")).isNull();
        assertThat(RegexLiterals.requiredLiteral(".*")).isNull();
        assertThat(RegexLiterals.requiredLiteral("a?b?")).isNull();
        assertThat(RegexLiterals.requiredLiteral("\\d+\\w*")).isNull();
    }

    /** Every value the regex finds must contain the literal, or the prefilter would lose matches. */
    @Test
    void literalIsContainedInEveryMatch() {
        List<String> patterns = List.of(
                ".+:assumed-role/aws:.+",
                "ab+cde",
                "x(foo|bar)yz",
                "[abc]+xyz{0,2}",
                "abc?def",
                "a\\.b\\.c",
                "^arn:aws:iam::\\d+:root$");
        List<String> values = List.of(
                "arn:aws:sts::1:assumed-role/aws:x/y",
                "abbbcde",
                "xbaryz",
                "cxy",
                "xyzz",
                "abdef",
                "abcdef",
                "a.b.c",
                "arn:aws:iam::123:root",
                "nothing here");
        for (String p : patterns) {
            String literal = RegexLiterals.requiredLiteral(p);
            for (String v : values) {
                if (Pattern.compile(p).matcher(v).find()) {
                    assertThat(v).as(p).contains(literal);
                }
            }
        }
    }

    @Test
    void containsIgnoreCase() {
        assertThat(RegexLiterals.containsIgnoreCase("Arn:AWS:sts", "aws:s")).isTrue();
        assertThat(RegexLiterals.containsIgnoreCase("abc", "abcd")).isFalse();
        assertThat(RegexLiterals.containsIgnoreCase("abc", "")).isTrue();
    }
}
