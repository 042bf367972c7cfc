package dev.tripline.rule.sigma;

import static dev.tripline.rule.sigma.SigmaTesting.error;
import static dev.tripline.rule.sigma.SigmaTesting.matches;
import static dev.tripline.rule.sigma.SigmaTesting.one;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.Expr;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import dev.tripline.rule.ValuePredicate;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SigmaDetectionTest {

    private static Rule sel(String body) {
        return one("  sel:\n" + body + "  condition: sel\n");
    }

    // ---- structure ----

    @Test
    void mapIsAndListOfMapsIsOr() {
        Rule and = sel("    a: x\n    b: y\n");
        assertThat(matches(and, "{\"a\":\"x\",\"b\":\"y\"}")).isTrue();
        assertThat(matches(and, "{\"a\":\"x\",\"b\":\"z\"}")).isFalse();
        Rule or = sel("    - a: x\n    - b: y\n");
        assertThat(matches(or, "{\"a\":\"q\",\"b\":\"y\"}")).isTrue();
        assertThat(matches(or, "{\"a\":\"q\",\"b\":\"q\"}")).isFalse();
        Rule nested = sel("    - - a: x\n      - b: y\n    - c: z\n");
        assertThat(matches(nested, "{\"b\":\"y\"}")).isTrue();
        assertThat(matches(nested, "{\"c\":\"z\"}")).isTrue();
        assertThat(matches(nested, "{\"c\":\"y\"}")).isFalse();
    }

    @Test
    void valueListIsOrAndBecomesOneOf() {
        Rule r = sel("    eventName:\n      - CreateUser\n      - DeleteUser\n");
        Expr.Match m = (Expr.Match) ((Expr.Selection) r.detection()).body();
        assertThat(m.test()).isInstanceOf(ValuePredicate.OneOf.class);
        assertThat(matches(r, "{\"eventName\":\"deleteuser\"}")).isTrue();
        assertThat(matches(r, "{\"eventName\":\"GetUser\"}")).isFalse();
    }

    @Test
    void allModifierAndsTheValues() {
        Rule r = sel("    cmd|contains|all:\n      - foo\n      - bar\n");
        assertThat(matches(r, "{\"cmd\":\"a foo b bar\"}")).isTrue();
        assertThat(matches(r, "{\"cmd\":\"a foo b\"}")).isFalse();
        LoadError e = error("  sel:\n    cmd|contains|all: foo\n  condition: sel\n");
        assertThat(e.message()).contains("'all'");
        assertThat(e.location().line()).isEqualTo(8);
        assertThat(e.location().column()).isEqualTo(5);
    }

    @Test
    void nullMeansMissingOrJsonNull() {
        Rule r = sel("    errorCode: null\n");
        assertThat(matches(r, "{}")).isTrue();
        assertThat(matches(r, "{\"errorCode\":null}")).isTrue();
        assertThat(matches(r, "{\"errorCode\":\"AccessDenied\"}")).isFalse();
        assertThat(matches(r, "{\"errorCode\":\"\"}")).isFalse();
    }

    @Test
    void emptyStringMeansPresentAndEmpty() {
        Rule r = sel("    errorCode: ''\n");
        assertThat(matches(r, "{\"errorCode\":\"\"}")).isTrue();
        assertThat(matches(r, "{}")).isFalse();
        assertThat(matches(r, "{\"errorCode\":null}")).isFalse();
        assertThat(matches(r, "{\"errorCode\":\"x\"}")).isFalse();
    }

    @Test
    void keywordsSearchEveryLeaf() {
        Rule list = one("  keywords:\n    - Microsoft.Authorization/roleAssignments/write\n    - other\n"
                + "  condition: keywords\n");
        assertThat(matches(list, "{\"a\":{\"b\":[\"x\",\"MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE\"]}}"))
                .isTrue();
        assertThat(matches(list, "{\"a\":\"nothing\"}")).isFalse();
        Rule scalar = one("  kw: needle\n  condition: kw\n");
        assertThat(matches(scalar, "{\"x\":\"haystack with a needle in it\"}")).isTrue();
        assertThat(matches(scalar, "{\"x\":\"haystack\"}")).isFalse();
        Rule all = one("  kw:\n    '|all':\n      - foo\n      - bar\n  condition: kw\n");
        assertThat(matches(all, "{\"x\":\"foo\",\"y\":\"bar\"}")).isTrue();
        assertThat(matches(all, "{\"x\":\"foo\"}")).isFalse();
        // Keywords search text: each value may sit inside a longer string, in any leaf.
        assertThat(matches(all, "{\"cmd\":\"Set-OabVirtualDirectory -ExternalUrl x\"}"))
                .isFalse();
        Rule text = one("  kw:\n    '|all':\n      - OabVirtualDirectory\n      - ' -ExternalUrl '\n  condition: kw\n");
        assertThat(matches(text, "{\"cmd\":\"Set-OabVirtualDirectory -ExternalUrl http://x\"}"))
                .isTrue();
        assertThat(matches(text, "{\"a\":\"new-oabvirtualdirectory\",\"b\":[\"y -externalurl z\"]}"))
                .isTrue();
        assertThat(matches(text, "{\"cmd\":\"Set-OabVirtualDirectory\"}")).isFalse();
        Rule anchored = one("  kw:\n    '|startswith':\n      - Set-\n  condition: kw\n");
        assertThat(matches(anchored, "{\"cmd\":\"Set-Oab\"}")).isTrue();
        assertThat(matches(anchored, "{\"cmd\":\"x Set-Oab\"}")).isFalse();
    }

    // ---- wildcards, escapes, case ----

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                // rule text | event value | matches
                "C:\\Windows|C:\\Windows|true",
                "C:\\Windows|C:Windows|false",
                "a\\*b|a*b|true",
                "a\\*b|axxb|false",
                "a\\?b|a?b|true",
                "a\\?b|axb|false",
                "a\\\\*|a\\anything|true",
                "a\\\\*|a|false",
                "a\\\\\\*|a\\*|true",
                "a\\\\\\*|a\\x|false",
                "a\\\\b|a\\b|true",
                "a\\\\\\\\b|a\\\\b|true",
                "a\\\\\\\\b|a\\b|false",
                "end\\|end\\|true",
                "a*c|abbbc|true",
                "a*c|abbbd|false",
                "a?c|abc|true",
                "a?c|abbc|false",
                "*middle*|xxMIDDLExx|true",
                "pre*|prefix|true",
                "*fix|prefix|true",
                "*fix|fixed|false",
            })
    void escapesAndWildcards(String ruleValue, String eventValue, boolean expected) throws Exception {
        String yamlValue = "'" + ruleValue.replace("'", "''") + "'";
        Rule r = sel("    f: " + yamlValue + "\n");
        String json = "{\"f\":" + SigmaTesting.JSON.writeValueAsString(eventValue) + "}";
        assertThat(matches(r, json)).isEqualTo(expected);
    }

    @Test
    void textWhenWildcardsOnlyAtEndsElseGlob() {
        assertThat(leafTest(sel("    f: '*abc*'\n")))
                .isEqualTo(new ValuePredicate.Text(ValuePredicate.Mode.CONTAINS, "abc", false));
        assertThat(leafTest(sel("    f: 'abc*'\n")))
                .isEqualTo(new ValuePredicate.Text(ValuePredicate.Mode.PREFIX, "abc", false));
        assertThat(leafTest(sel("    f: '*abc'\n")))
                .isEqualTo(new ValuePredicate.Text(ValuePredicate.Mode.SUFFIX, "abc", false));
        assertThat(leafTest(sel("    f: 'a\\*bc'\n")))
                .isEqualTo(new ValuePredicate.Text(ValuePredicate.Mode.EQUALS, "a*bc", false));
        assertThat(leafTest(sel("    f: 'a*bc'\n"))).isInstanceOf(ValuePredicate.Glob.class);
        assertThat(leafTest(sel("    f: 'abc?'\n"))).isInstanceOf(ValuePredicate.Glob.class);
    }

    private static ValuePredicate leafTest(Rule r) {
        return ((Expr.Match) ((Expr.Selection) r.detection()).body()).test();
    }

    @Test
    void casedMakesMatchingCaseSensitive() {
        Rule plain = sel("    f: Admin\n");
        assertThat(matches(plain, "{\"f\":\"ADMIN\"}")).isTrue();
        Rule cased = sel("    f|cased: Admin\n");
        assertThat(matches(cased, "{\"f\":\"Admin\"}")).isTrue();
        assertThat(matches(cased, "{\"f\":\"ADMIN\"}")).isFalse();
        Rule casedContains = sel("    f|contains|cased: dmi\n");
        assertThat(matches(casedContains, "{\"f\":\"Admin\"}")).isTrue();
        assertThat(matches(casedContains, "{\"f\":\"ADMIN\"}")).isFalse();
    }

    @Test
    void numbersAndBooleansCompareAsStrings() {
        Rule bool = sel("    requestParameters.enable: 'false'\n");
        assertThat(matches(bool, "{\"requestParameters\":{\"enable\":false}}")).isTrue();
        assertThat(matches(bool, "{\"requestParameters\":{\"enable\":true}}")).isFalse();
        Rule unquotedBool = sel("    publiclyAccessible: true\n");
        assertThat(matches(unquotedBool, "{\"publiclyAccessible\":true}")).isTrue();
        assertThat(matches(unquotedBool, "{\"publiclyAccessible\":\"TRUE\"}")).isTrue();
        Rule number = sel("    EventID: 4625\n");
        assertThat(matches(number, "{\"EventID\":4625}")).isTrue();
        assertThat(matches(number, "{\"EventID\":\"4625\"}")).isTrue();
        assertThat(matches(number, "{\"EventID\":4624}")).isFalse();
    }

    @Test
    void containsOnObjectUsesCompactJson() {
        Rule r = sel("    requestParameters|contains: '\"Status\":\"Suspended\"'\n");
        assertThat(matches(r, "{\"requestParameters\":{\"VersioningConfiguration\":{\"Status\":\"Suspended\"}}}"))
                .isTrue();
        assertThat(matches(r, "{\"requestParameters\":{\"VersioningConfiguration\":{\"Status\":\"Enabled\"}}}"))
                .isFalse();
    }

    @Test
    void arraysFanOut() {
        Rule r = sel(
                "    requestParameters.containerDefinitions.command|contains: '$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'\n");
        assertThat(
                        matches(
                                r,
                                "{\"requestParameters\":{\"containerDefinitions\":[{\"command\":[\"sh\"]},"
                                        + "{\"command\":[\"sh\",\"curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI\"]}]}}"))
                .isTrue();
        assertThat(matches(r, "{\"requestParameters\":{\"containerDefinitions\":[{\"command\":[\"sh\"]}]}}"))
                .isFalse();
    }

    // ---- modifiers ----

    @Test
    void containsStartsWithEndsWith() {
        assertThat(matches(sel("    f|contains: mid\n"), "{\"f\":\"xxMIDxx\"}")).isTrue();
        assertThat(matches(sel("    f|contains: mid\n"), "{\"f\":\"xxmixx\"}")).isFalse();
        assertThat(matches(sel("    f|startswith: arn:aws\n"), "{\"f\":\"arn:aws:iam\"}"))
                .isTrue();
        assertThat(matches(sel("    f|startswith: arn:aws\n"), "{\"f\":\"x arn:aws\"}"))
                .isFalse();
        assertThat(matches(sel("    f|endswith: .exe\n"), "{\"f\":\"cmd.EXE\"}"))
                .isTrue();
        assertThat(matches(sel("    f|endswith: .exe\n"), "{\"f\":\"cmd.exe.txt\"}"))
                .isFalse();
    }

    @Test
    void base64AndBase64offset() {
        String enc = Base64.getEncoder().encodeToString("secret".getBytes(StandardCharsets.UTF_8));
        Rule b64 = sel("    f|base64: secret\n");
        assertThat(matches(b64, "{\"f\":\"" + enc + "\"}")).isTrue();
        assertThat(matches(b64, "{\"f\":\"" + enc.toLowerCase() + "\"}")).isFalse();
        Rule offset = sel("    f|base64offset|contains: secret\n");
        for (String prefix : List.of("", "a", "ab", "abc")) {
            String text =
                    Base64.getEncoder().encodeToString((prefix + "secret" + "tail").getBytes(StandardCharsets.UTF_8));
            assertThat(matches(offset, "{\"f\":\"" + text + "\"}")).as(prefix).isTrue();
        }
        String other = Base64.getEncoder().encodeToString("public data".getBytes(StandardCharsets.UTF_8));
        assertThat(matches(offset, "{\"f\":\"" + other + "\"}")).isFalse();
        // The offsets match pySigma's documented output for 'http://'.
        assertThat(SigmaDetection.base64Offsets("http://".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("aHR0cDovL", "h0dHA6Ly", "odHRwOi8v");
    }

    @Test
    void utf16Encodings() {
        String le = Base64.getEncoder().encodeToString("cmd".getBytes(StandardCharsets.UTF_16LE));
        String be = Base64.getEncoder().encodeToString("cmd".getBytes(StandardCharsets.UTF_16BE));
        byte[] bom = new byte[] {(byte) 0xFF, (byte) 0xFE, 'c', 0, 'm', 0, 'd', 0};
        String withBom = Base64.getEncoder().encodeToString(bom);
        assertThat(matches(sel("    f|wide|base64: cmd\n"), "{\"f\":\"" + le + "\"}"))
                .isTrue();
        assertThat(matches(sel("    f|utf16le|base64: cmd\n"), "{\"f\":\"" + le + "\"}"))
                .isTrue();
        assertThat(matches(sel("    f|utf16be|base64: cmd\n"), "{\"f\":\"" + be + "\"}"))
                .isTrue();
        assertThat(matches(sel("    f|utf16be|base64: cmd\n"), "{\"f\":\"" + le + "\"}"))
                .isFalse();
        assertThat(matches(sel("    f|utf16|base64: cmd\n"), "{\"f\":\"" + withBom + "\"}"))
                .isTrue();
        String longer = Base64.getEncoder().encodeToString("x cmd /c".getBytes(StandardCharsets.UTF_16LE));
        assertThat(matches(sel("    f|wide|base64offset|contains: cmd\n"), "{\"f\":\"" + longer + "\"}"))
                .isTrue();
    }

    @Test
    void windash() {
        Rule r = sel("    cmd|windash|contains: ' -enc '\n");
        for (String dash : List.of("-", "/", "\u2013", "\u2014", "\u2015")) {
            assertThat(matches(r, "{\"cmd\":\"powershell " + dash + "enc AAA\"}"))
                    .as(dash)
                    .isTrue();
        }
        assertThat(matches(r, "{\"cmd\":\"powershell +enc AAA\"}")).isFalse();
    }

    @Test
    void regexWithFlags() {
        Rule r = sel("    userIdentity.arn|re: '.+:assumed-role/aws:.+'\n");
        assertThat(matches(r, "{\"userIdentity\":{\"arn\":\"arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1\"}}"))
                .isTrue();
        assertThat(matches(r, "{\"userIdentity\":{\"arn\":\"arn:aws:iam::1:user/bob\"}}"))
                .isFalse();
        assertThat(matches(sel("    f|re: ^abc$\n"), "{\"f\":\"ABC\"}")).isFalse();
        assertThat(matches(sel("    f|re|i: ^abc$\n"), "{\"f\":\"ABC\"}")).isTrue();
        assertThat(matches(sel("    f|re|ignorecase: ^abc$\n"), "{\"f\":\"ABC\"}"))
                .isTrue();
        assertThat(matches(sel("    f|re: ^b$\n"), "{\"f\":\"a\\nb\"}")).isFalse();
        assertThat(matches(sel("    f|re|m: ^b$\n"), "{\"f\":\"a\\nb\"}")).isTrue();
        assertThat(matches(sel("    f|re|multiline: ^b$\n"), "{\"f\":\"a\\nb\"}"))
                .isTrue();
        assertThat(matches(sel("    f|re: a.b\n"), "{\"f\":\"a\\nb\"}")).isFalse();
        assertThat(matches(sel("    f|re|s: a.b\n"), "{\"f\":\"a\\nb\"}")).isTrue();
        assertThat(matches(sel("    f|re|dotall: a.b\n"), "{\"f\":\"a\\nb\"}")).isTrue();
        // substring semantics
        assertThat(matches(sel("    f|re: b+\n"), "{\"f\":\"abbbc\"}")).isTrue();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "(a)\\1|backreference",
                "foo(?=bar)|lookahead",
                "foo(?!bar)|negative lookahead",
                "(?<=foo)bar|lookbehind",
                "(?<!foo)bar|negative lookbehind",
                "(?>a+)b|atomic group",
                "a++b|possessive quantifier",
                "a{2}+b|possessive quantifier",
            })
    void regexConstructsRe2LacksAreNamed(String pattern, String construct) {
        LoadError e = error("  sel:\n    f|re: '" + pattern + "'\n  condition: sel\n");
        assertThat(e.message()).contains(construct).contains("RE2 does not support");
        assertThat(e.location().line()).isEqualTo(8);
        assertThat(e.location().column()).isEqualTo(11);
    }

    @Test
    void regexLookalikesThatRe2SupportsAreAccepted() {
        for (String p : List.of("a+?b", "[(?=]x", "\\(?=x", "(?i)abc", "(?:ab)+", "(?P<n>x)", "a*?", "\\++")) {
            assertThat(SigmaRegex.unsupportedConstruct(p)).as(p).isNull();
        }
    }

    @Test
    void catastrophicBacktrackingPatternRunsLinear() {
        Rule r = sel("    f|re: '(a+)+$'\n");
        String input = "a".repeat(100_000) + "b";
        assertThat(matches(r, "{\"f\":\"" + input + "\"}")).isFalse();
        Rule anchored = sel("    f|re: '^(a+)+b$'\n");
        assertThat(matches(anchored, "{\"f\":\"" + input + "\"}")).isTrue();
    }

    @Test
    void cidr() {
        Rule r = sel("    sourceIPAddress|cidr:\n      - 10.0.0.0/8\n      - '2001:db8::/32'\n");
        assertThat(matches(r, "{\"sourceIPAddress\":\"10.1.2.3\"}")).isTrue();
        assertThat(matches(r, "{\"sourceIPAddress\":\"2001:db8::1\"}")).isTrue();
        assertThat(matches(r, "{\"sourceIPAddress\":\"11.1.2.3\"}")).isFalse();
        assertThat(matches(r, "{\"sourceIPAddress\":\"AWS Internal\"}")).isFalse();
        assertThat(error("  sel:\n    ip|cidr: 10.0.0.0/33\n  condition: sel\n").message())
                .contains("cidr");
    }

    @Test
    void exists() {
        Rule yes = sel("    errorCode|exists: true\n");
        assertThat(matches(yes, "{\"errorCode\":\"x\"}")).isTrue();
        assertThat(matches(yes, "{\"errorCode\":null}")).isTrue();
        assertThat(matches(yes, "{}")).isFalse();
        Rule no = sel("    errorCode|exists: false\n");
        assertThat(matches(no, "{}")).isTrue();
        assertThat(matches(no, "{\"errorCode\":\"\"}")).isFalse();
        assertThat(error("  sel:\n    f|exists: yes\n  condition: sel\n").message())
                .contains("true or false");
    }

    @Test
    void fieldref() {
        Rule eq = sel("    a|fieldref: b\n");
        assertThat(matches(eq, "{\"a\":\"Bob\",\"b\":\"bob\"}")).isTrue();
        assertThat(matches(eq, "{\"a\":\"Bob\",\"b\":\"alice\"}")).isFalse();
        assertThat(matches(eq, "{\"a\":\"Bob\"}")).isFalse();
        Rule ends = sel("    userIdentity.arn|fieldref|endswith: requestParameters.userName\n");
        assertThat(matches(
                        ends,
                        "{\"userIdentity\":{\"arn\":\"arn:aws:iam::1:user/bob\"},"
                                + "\"requestParameters\":{\"userName\":\"bob\"}}"))
                .isTrue();
        assertThat(matches(
                        ends,
                        "{\"userIdentity\":{\"arn\":\"arn:aws:iam::1:user/bob\"},"
                                + "\"requestParameters\":{\"userName\":\"alice\"}}"))
                .isFalse();
        Rule starts = sel("    a|fieldref|startswith: b\n");
        assertThat(matches(starts, "{\"a\":\"prefix-rest\",\"b\":\"prefix\"}")).isTrue();
        assertThat(matches(starts, "{\"a\":\"rest-prefix\",\"b\":\"prefix\"}")).isFalse();
        Rule contains = sel("    a|fieldref|contains: b\n");
        assertThat(matches(contains, "{\"a\":\"xxmidxx\",\"b\":\"mid\"}")).isTrue();
        assertThat(matches(contains, "{\"a\":\"xxmixx\",\"b\":\"mid\"}")).isFalse();
    }

    @Test
    void numericComparisons() {
        assertThat(matches(sel("    n|gt: 10\n"), "{\"n\":11}")).isTrue();
        assertThat(matches(sel("    n|gt: 10\n"), "{\"n\":10}")).isFalse();
        assertThat(matches(sel("    n|gte: 10\n"), "{\"n\":\"10\"}")).isTrue();
        assertThat(matches(sel("    n|lt: 10\n"), "{\"n\":9.5}")).isTrue();
        assertThat(matches(sel("    n|lt: 10\n"), "{\"n\":10}")).isFalse();
        assertThat(matches(sel("    n|lte: 10\n"), "{\"n\":10}")).isTrue();
        assertThat(matches(sel("    n|lte: 10\n"), "{\"n\":\"abc\"}")).isFalse();
        assertThat(error("  sel:\n    n|gt: ten\n  condition: sel\n").message()).contains("needs a number");
    }

    @Test
    void neqIsNotOfTheWholeItem() {
        Rule r = sel("    eventName: CreateUser\n    userAgent|neq: console.amazonaws.com\n");
        assertThat(matches(r, "{\"eventName\":\"CreateUser\",\"userAgent\":\"aws-cli\"}"))
                .isTrue();
        assertThat(matches(r, "{\"eventName\":\"CreateUser\",\"userAgent\":\"console.amazonaws.com\"}"))
                .isFalse();
        assertThat(matches(r, "{\"eventName\":\"CreateUser\"}"))
                .as("missing field satisfies neq")
                .isTrue();
        Rule list = sel("    f|neq:\n      - a\n      - b\n");
        assertThat(matches(list, "{\"f\":\"c\"}")).isTrue();
        assertThat(matches(list, "{\"f\":\"b\"}")).isFalse();
    }

    @Test
    void dateParts() {
        String t = "{\"eventTime\":\"2024-03-17T23:45:10Z\"}";
        assertThat(matches(sel("    eventTime|minute: 45\n"), t)).isTrue();
        assertThat(matches(sel("    eventTime|minute: 44\n"), t)).isFalse();
        assertThat(matches(sel("    eventTime|hour|gte: 22\n"), t)).isTrue();
        assertThat(matches(sel("    eventTime|hour|lt: 22\n"), t)).isFalse();
        assertThat(matches(sel("    eventTime|day: 17\n"), t)).isTrue();
        assertThat(matches(sel("    eventTime|week: 11\n"), t)).isTrue();
        assertThat(matches(sel("    eventTime|month: 3\n"), t)).isTrue();
        assertThat(matches(sel("    eventTime|year: 2024\n"), t)).isTrue();
        assertThat(matches(sel("    eventTime|year: 2023\n"), t)).isFalse();
        assertThat(error("  sel:\n    t|gt|hour: 3\n  condition: sel\n").message())
                .contains("'gt' must come after 'hour'");
    }

    @Test
    void expandPlaceholders() {
        Map<String, List<String>> ph = Map.of("regions", List.of("us-east-1", "eu-*"), "one", List.of("x"));
        Rule r = one("  sel:\n    awsRegion|expand: '%regions%'\n  condition: sel\n", ph);
        assertThat(matches(r, "{\"awsRegion\":\"us-east-1\"}")).isTrue();
        assertThat(matches(r, "{\"awsRegion\":\"eu-west-3\"}")).isTrue();
        assertThat(matches(r, "{\"awsRegion\":\"ap-south-1\"}")).isFalse();
        Rule literal = one("  sel:\n    f|expand: '100\\%-%one%'\n  condition: sel\n", ph);
        assertThat(matches(literal, "{\"f\":\"100%-x\"}")).isTrue();
        LoadError e = error("  sel:\n    f|expand: '%missing%'\n  condition: sel\n");
        assertThat(e.message()).contains("%missing%").contains("unresolved");
        assertThat(e.location().line()).isEqualTo(8);
        assertThat(e.location().column()).isEqualTo(15);
    }

    @Test
    void perAccountPlaceholderValuesReplaceTheGlobalOnesForThatAccount() {
        RuleLoader loader = new RuleLoader(
                RuleLoadOptions.defaults()
                        .withPlaceholders(Map.of("approved", List.of("us-east-1", "eu-west-1")))
                        .withAccountPlaceholders(Map.of("approved", Map.of("111111111111", List.of("ap-southeast-2")))),
                List.of(new SigmaLoader()));
        RuleLoader.Result loaded = loader.loadFiles(List.of(new SourceFile(
                "t.yml",
                null,
                SigmaTesting.rule("  sel:\n    awsRegion|expand: '%approved%'\n  condition: not sel\n"))));
        assertThat(loaded.errors()).isEmpty();
        Rule r = loaded.ruleSet().rules().get(0);
        CompiledMatcher compiled = CompiledMatcher.compile(List.of(r));
        String overridden = "{\"recipientAccountId\":\"111111111111\",\"awsRegion\":\"%s\"}";
        String other = "{\"recipientAccountId\":\"222222222222\",\"awsRegion\":\"%s\"}";
        // "not sel" fires for a region outside the account's approved list.
        assertThat(bothEvaluators(r, compiled, overridden.formatted("ap-southeast-2")))
                .isFalse();
        assertThat(bothEvaluators(r, compiled, overridden.formatted("us-east-1")))
                .isTrue();
        assertThat(bothEvaluators(r, compiled, other.formatted("us-east-1"))).isFalse();
        assertThat(bothEvaluators(r, compiled, other.formatted("ap-southeast-2")))
                .isTrue();
        // With no account at all, the global list applies.
        assertThat(bothEvaluators(r, compiled, "{\"awsRegion\":\"eu-west-1\"}")).isFalse();
    }

    private static boolean bothEvaluators(Rule r, CompiledMatcher compiled, String json) {
        boolean reference = matches(r, json);
        Event e;
        try {
            e = new Event(LogType.CLOUDTRAIL, (ObjectNode) SigmaTesting.JSON.readTree(json));
        } catch (Exception ex) {
            throw new AssertionError(ex);
        }
        assertThat(!compiled.matches(e).isEmpty())
                .as("compiled agrees with reference on " + json)
                .isEqualTo(reference);
        return reference;
    }

    // ---- modifier errors ----

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "f|bogus: x;unknown modifier 'bogus'",
                "f|contains|re: x;'re' must be the first modifier",
                "f|exists|contains: true;'exists' cannot be combined",
                "f|contains|exists: true;'exists' cannot be combined",
                "f|i: x;'i' is only valid after 're'",
                "f|contains|cidr: 10.0.0.0/8;'cidr' must be the first modifier",
                "f|re|contains: x;modifier 'contains' cannot be combined with 're'",
                "f|base64: 'a*b';'base64' cannot encode wildcards",
                "f|contains|base64: ab;'base64' cannot encode wildcards",
                "f|base64|base64offset: ab;'base64' and 'base64offset' cannot be combined",
                "f|wide: ab;'wide' must be followed by 'base64'",
                "f|contains|startswith: ab;only one of 'contains', 'startswith', 'endswith'",
                "f|contains|contains: ab;modifier 'contains' is given twice",
                "f|gt|lt: 1;only one of 'gt', 'gte', 'lt', 'lte'",
                "f|gt|contains: 1;modifier 'contains' cannot be combined with 'gt'",
                "f|fieldref|base64: b;modifier 'base64' cannot be combined with 'fieldref'",
                "f|base64|windash: ab;'windash' must come before 'base64'",
                "f|base64|expand: ab;'expand' must come before 'base64'",
            })
    void modifierErrorsPointAtTheKey(String item, String message) {
        LoadError e = error("  sel:\n    " + item + "\n  condition: sel\n");
        assertThat(e.message()).contains(message);
        assertThat(e.location().file()).isEqualTo("t.yml");
        assertThat(e.location().line()).isEqualTo(8);
        assertThat(e.location().column()).isEqualTo(message.contains("encode") ? 5 + item.indexOf(':') + 2 : 5);
    }

    @Test
    void valueErrorsPointAtTheValue() {
        LoadError e = error("  sel:\n    f|base64:\n      - ok\n      - 'a*b'\n  condition: sel\n");
        assertThat(e.message()).contains("cannot encode wildcards");
        assertThat(e.location().line()).isEqualTo(10);
        assertThat(e.location().column()).isEqualTo(9);
    }

    @Test
    void everySearchIdentifierErrorIsReported() {
        var r = SigmaTesting.load(
                SigmaTesting.rule("  a:\n    f|bogus: x\n  b:\n    g|re: '(?=x)'\n  condition: a or b\n"));
        assertThat(r.errors()).hasSize(2);
        assertThat(r.ruleSet().rules()).isEmpty();
    }
}
