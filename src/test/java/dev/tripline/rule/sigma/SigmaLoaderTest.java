package dev.tripline.rule.sigma;

import static dev.tripline.rule.sigma.SigmaTesting.load;
import static dev.tripline.rule.sigma.SigmaTesting.matches;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.FieldPath;
import dev.tripline.rule.Level;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleFormat;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleTestCase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metadata, logsource mapping, sidecar tests and input limits. */
class SigmaLoaderTest {
    private static final String DETECTION = "detection:\n  sel:\n    eventName: X\n  condition: sel\n";

    @Test
    void metadataIsRead() {
        RuleLoader.Result r = load("title: T\nid: i\nname: n\ndescription: d\nlevel: high\nstatus: test\n"
                + "author: Florian Roth (Nextron Systems), frack113\ntags: [attack.t1078]\nreferences: https://x\n"
                + "fields:\n  - userIdentity.arn\n  - sourceIPAddress\nfalsepositives: [none]\ncustom_key: fine\n"
                + "logsource:\n  product: aws\n  service: cloudtrail\n" + DETECTION);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        Rule rule = r.ruleSet().rules().get(0);
        assertThat(rule.format()).isEqualTo(RuleFormat.SIGMA);
        assertThat(rule.id()).isEqualTo("i");
        assertThat(rule.name()).isEqualTo("n");
        assertThat(rule.title()).isEqualTo("T");
        assertThat(rule.description()).isEqualTo("d");
        assertThat(rule.level()).isEqualTo(Level.HIGH);
        assertThat(rule.authors()).containsExactly("Florian Roth (Nextron Systems), frack113");
        assertThat(rule.tags()).containsExactly("attack.t1078");
        assertThat(rule.references()).containsExactly("https://x");
        assertThat(rule.outputFields())
                .containsExactly(FieldPath.of("userIdentity.arn"), FieldPath.of("sourceIPAddress"));
        assertThat(rule.enabled()).isTrue();
        assertThat(rule.location().line()).isEqualTo(1);
    }

    @Test
    void levelDefaultsToMediumAndBadLevelIsAnError() {
        RuleLoader.Result ok = load("title: T\nid: i\nlogsource:\n  product: aws\n" + DETECTION);
        assertThat(ok.ruleSet().rules().get(0).level()).isEqualTo(Level.MEDIUM);
        RuleLoader.Result bad = load("title: T\nid: i\nlevel: severe\nlogsource:\n  product: aws\n" + DETECTION);
        assertThat(bad.errors()).singleElement().satisfies(e -> {
            assertThat(e.message()).contains("unknown level 'severe'");
            assertThat(e.location().toString()).isEqualTo("t.yml:3:8");
        });
    }

    @Test
    void deprecatedAndUnsupportedRulesLoadDisabled() {
        for (String status : List.of("deprecated", "unsupported")) {
            RuleLoader.Result r =
                    load("title: T\nid: i\nstatus: " + status + "\nlogsource:\n  product: aws\n" + DETECTION);
            assertThat(r.errors()).isEmpty();
            assertThat(r.ruleSet().rules().get(0).enabled()).isFalse();
            assertThat(r.warnings())
                    .singleElement()
                    .satisfies(w -> assertThat(w.message()).contains("disabled"));
        }
    }

    @Test
    void unknownLogsourceLoadsWithNoLogTypeAndAWarning() {
        RuleLoader.Result r =
                load("title: T\nid: i\nlogsource:\n  product: windows\n  service: security\n" + DETECTION);
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().rules().get(0).logTypes()).isEmpty();
        assertThat(r.warnings()).singleElement().satisfies(w -> {
            assertThat(w.message()).contains("will see no events").contains("windows");
            assertThat(w.location().line()).isEqualTo(4);
        });
        assertThat(matches(r.ruleSet().rules().get(0), "{\"eventName\":\"X\"}")).isFalse();
        RuleLoader.Result awsOnly = load("title: T\nid: i\nlogsource:\n  product: aws\n" + DETECTION);
        assertThat(awsOnly.warnings()).isEmpty();
        assertThat(matches(awsOnly.ruleSet().rules().get(0), "{\"eventName\":\"X\"}"))
                .isTrue();
    }

    @Test
    void requiredKeysAreReported() {
        RuleLoader.Result r = load("id: i\nlogsource:\n  product: aws\n" + DETECTION);
        assertThat(r.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("no 'title'"));
        RuleLoader.Result noLogsource = load("title: T\nid: i\n" + DETECTION);
        assertThat(noLogsource.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("no 'logsource'"));
        RuleLoader.Result noCondition =
                load("title: T\nid: i\nlogsource:\n  product: aws\ndetection:\n  sel:\n    a: b\n");
        assertThat(noCondition.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("no 'condition'"));
    }

    @Test
    void oneBadDocumentDoesNotHideTheNext() {
        RuleLoader.Result r = load("title: A\nid: a\nlogsource:\n  product: aws\ndetection:\n  sel:\n    f|nope: x\n"
                + "  condition: sel\n---\ntitle: B\nid: b\nlogsource:\n  product: aws\ndetection:\n  sel:\n    f|re: '(?=x)'\n"
                + "  condition: sel\n---\ntitle: C\nid: c\nlogsource:\n  product: aws\n" + DETECTION);
        assertThat(r.errors()).extracting(e -> e.location().line()).containsExactly(7, 16);
        assertThat(r.ruleSet().rules()).extracting(Rule::id).containsExactly("c");
    }

    // ---- limits ----

    @Test
    void aliasBombIsRejected() {
        StringBuilder y =
                new StringBuilder("title: T\nid: i\nlogsource:\n  product: aws\nx0: &a0 [v, v, v, v, v, v]\n");
        for (int i = 1; i <= 8; i++) {
            String p = "*a" + (i - 1);
            y.append("x")
                    .append(i)
                    .append(": &a")
                    .append(i)
                    .append(" [")
                    .append(String.join(", ", List.of(p, p, p, p, p, p)))
                    .append("]\n");
        }
        y.append("detection:\n  sel:\n    - *a8\n  condition: sel\n");
        RuleLoader.Result r = load(y.toString());
        assertThat(r.ruleSet().rules()).isEmpty();
        assertThat(r.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("alias bomb"));
    }

    @Test
    void oversizedFileIsRejected(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("big.yml");
        Files.writeString(
                f, "title: T\nid: i\nlogsource:\n  product: aws\n" + DETECTION + "# " + "x".repeat(5000) + "\n");
        RuleLoader loader = new RuleLoader(new RuleLoadOptions(Map.of(), 1000), List.of(new SigmaLoader()));
        RuleLoader.Result r = loader.load(List.of(f));
        assertThat(r.ruleSet().rules()).isEmpty();
        assertThat(r.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("over the limit"));
    }

    // ---- sidecar tests ----

    private static final String RULE = "title: Root usage\nid: root-usage\nlogsource:\n  product: aws\n"
            + "detection:\n  sel:\n    userIdentity.type: Root\n  condition: sel\n";

    @Test
    void sidecarTestsAttachToTheRule(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("root.yml"), RULE);
        Files.writeString(
                dir.resolve("root.tests.yml"),
                "tests:\n"
                        + "  - name: root call\n    expected: true\n    event:\n      userIdentity:\n        type: Root\n"
                        + "  - name: user call\n    expected: false\n    event: '{\"userIdentity\": {\"type\": \"IAMUser\"}}'\n");
        RuleLoader.Result r = new RuleLoader(RuleLoadOptions.defaults(), List.of(new SigmaLoader())).load(List.of(dir));
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().rules()).hasSize(1);
        Rule rule = r.ruleSet().rules().get(0);
        assertThat(rule.tests()).extracting(RuleTestCase::name).containsExactly("root call", "user call");
        for (RuleTestCase t : rule.tests()) {
            assertThat(matches(rule, t.event().toString())).as(t.name()).isEqualTo(t.expected());
        }
        assertThat(rule.tests().get(1).location().toString()).endsWith("root.tests.yml:7:5");
    }

    @Test
    void sidecarForSeveralRulesNeedsRuleKeys(@TempDir Path dir) throws IOException {
        String two = RULE + "---\n" + RULE.replace("root-usage", "other").replace("Root usage", "Other");
        Files.writeString(dir.resolve("two.yml"), two);
        Files.writeString(
                dir.resolve("two.tests.yml"),
                "tests:\n"
                        + "  - name: a\n    rule: other\n    expected: true\n    event: {userIdentity: {type: Root}}\n"
                        + "  - name: b\n    expected: true\n    event: {}\n"
                        + "  - name: c\n    rule: missing\n    expected: true\n    event: {}\n"
                        + "  - name: d\n    rule: other\n    expected: maybe\n    event: {}\n"
                        + "  - name: e\n    rule: other\n    expected: true\n    event: '[1]'\n");
        RuleLoader.Result r = new RuleLoader(RuleLoadOptions.defaults(), List.of(new SigmaLoader())).load(List.of(dir));
        assertThat(r.errors())
                .extracting(LoadError::message)
                .satisfiesExactlyInAnyOrder(
                        m -> assertThat(m).contains("must say 'rule:"),
                        m -> assertThat(m).contains("names rule 'missing'"),
                        m -> assertThat(m).contains("'expected' must be true or false"),
                        m -> assertThat(m).contains("JSON must be an object"));
        assertThat(r.ruleSet().rule("other").orElseThrow().tests())
                .extracting(RuleTestCase::name)
                .containsExactly("a");
        assertThat(r.ruleSet().rule("root-usage").orElseThrow().tests()).isEmpty();
    }
}
