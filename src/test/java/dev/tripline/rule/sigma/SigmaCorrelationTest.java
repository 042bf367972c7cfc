package dev.tripline.rule.sigma;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SigmaCorrelationTest {
    private static final Path EXAMPLES = SigmaCorpusTest.SHARED.resolve("corpus/sigma-correlation-examples");

    /** Rules the spec examples reference but do not define; each example is loaded beside these stand-ins. */
    private static final List<String> EXTERNAL = List.of(
            "5638f7c0-ac70-491d-8465-2a65075e0d86",
            "recon_cmd_a",
            "recon_cmd_b",
            "recon_cmd_c",
            "website_access",
            "rule_a_id",
            "process_creation",
            "internal_error",
            "new_network_connection",
            "many_failed_logins",
            "successful_login");

    private static String stubs(List<SourceFile> besides) {
        List<String> docs = new ArrayList<>();
        for (String name : EXTERNAL) {
            if (besides.stream()
                    .anyMatch(f -> f.text().lines().anyMatch(l -> l.trim().equals("name: " + name)))) {
                continue;
            }
            docs.add("title: stub " + name + "\nid: stub-" + name + "\nname: " + name
                    + "\nlogsource:\n  product: aws\ndetection:\n  sel:\n    eventName: " + name
                    + "\n  condition: sel\n");
        }
        return String.join("---\n", docs);
    }

    private static RuleLoader.Result loadWithStubs(Path... files) {
        List<SourceFile> sources = new ArrayList<>();
        for (Path f : files) {
            try {
                sources.add(new SourceFile(f.toString(), f, Files.readString(f)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // A stub for every name the examples refer to, except those an example defines itself (names are unique).
        sources.add(new SourceFile("stubs.yml", null, stubs(sources)));
        return new RuleLoader(RuleLoadOptions.defaults(), List.of(new SigmaLoader())).loadFiles(sources);
    }

    private static RuleLoader.Result load(String text) {
        return SigmaTesting.load(text);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "pySigma/tests/files/correlation_rule_valid/correlation_rule.yml",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_example_01.yml",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_example_02.yml",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_example_05.yml",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_example_06.yml",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_example_07.yml",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_example_08.yml",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_example_09.yml",
                "sigma-specification/tests/schema/correlation/event_count.yml",
                "sigma-specification/tests/schema/correlation/event_count_ecs.yml",
                "sigma-specification/tests/schema/correlation/temporal.yml",
                "sigma-specification/tests/schema/correlation/temporal_ordered.yml",
                "sigma-specification/tests/schema/correlation/value_avg.yml",
                "sigma-specification/tests/schema/correlation/value_count.yml",
                "sigma-specification/tests/schema/correlation/value_percentile.yml",
                "sigma-specification/tests/schema/correlation/value_sum.yml",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_01.yml",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_02.yml",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_03.yml",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_06.yml",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_07.yml",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_08.yml",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_09.yml",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_10.yml",
                "sigma-specification-branch-update-correlation-cond/tests/schema/correlation/temporal_condition.yml",
                "sigma-specification-branch-update-correlation-cond/tests/schema/correlation/temporal_ordered_condition.yml",
                "sigma-unmerged-prs/pr-5903/rules-threat-hunting/cloud/aws/cloudtrail/aws_cloudtrail_bedrock_multiple_invokemodel_requests.yml",
                "sigma-unmerged-prs/pr-6085/rules/windows/builtin/security/win_security_susp_failed_logon_bruteforce_single_account.yml",
                "sigma-unmerged-prs/pr-6168/rules/windows/process_creation/proc_creation_win_wsb_start_exec_chain_correlation.yml",
                "sigma-unmerged-prs/pr-5415/rules/windows/process_creation/proc_creation_multiple_archive.yml",
            })
    void validExamplesLoadAndResolve(String file) throws IOException {
        Path path = EXAMPLES.resolve(file);
        RuleLoader.Result r = loadWithStubs(path);
        assertThat(r.errors()).isEmpty();
        long documents = Files.readString(path)
                .lines()
                .filter(l -> l.startsWith("correlation:"))
                .count();
        assertThat(r.ruleSet().correlations()).hasSize((int) documents);
        for (CorrelationRule c : r.ruleSet().correlations()) {
            assertThat(c.rules())
                    .isNotEmpty()
                    .allSatisfy(id -> assertThat(r.ruleSet().rule(id).isPresent()
                                    || r.ruleSet().correlation(id).isPresent())
                            .as(id)
                            .isTrue());
            assertThat(c.groupBy()).isNotEmpty();
            assertThat(c.timespan()).isPositive();
        }
    }

    @Test
    void exampleCountsMatchTheResearchNote() throws IOException {
        try (Stream<Path> files = Files.walk(EXAMPLES)) {
            long docs = files.filter(p -> p.toString().endsWith(".yml"))
                    .mapToLong(p -> {
                        try {
                            return Files.readString(p)
                                    .lines()
                                    .filter(l -> l.startsWith("correlation:"))
                                    .count();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .sum();
            assertThat(docs).isEqualTo(44);
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "sigma-unmerged-prs/pr-5010/rules/windows/process_creation/proc_creation_win_correlation_msi_privesc.yml;no 'group-by'",
                "sigma-unmerged-prs/pr-5415/rules/windows/process_creation/proc_creation_discovery_ransomware.yml;no 'group-by'",
                "sigma-unmerged-prs/pr-5415/rules/windows/process_creation/proc_creation_win_discovery_commands.yml;found a map",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_example_03.yml;no 'title'",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_example_04.yml;no 'title'",
                "sigma-specification/spec-markdown-examples/spec_v2_1_0_aliases_example_multidoc.yml;no 'title'",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_04.yml;no 'title'",
                "sigma-specification-branch-update-correlation-cond/spec-markdown-examples/spec_draft_v2_2_0_example_05.yml;no 'title'",
                "sigma-specification-history/tests/correlation/value_max.yml;unknown correlation type 'value_max'",
                "sigma-specification-history/tests/correlation/value_min.yml;unknown correlation type 'value_min'",
            })
    void invalidExamplesAreRejected(String file, String message) {
        RuleLoader.Result r = loadWithStubs(EXAMPLES.resolve(file));
        assertThat(r.errors())
                .extracting(LoadError::message)
                .anySatisfy(m -> assertThat(m).contains(message));
    }

    @Test
    void temporalOrderedWithoutGroupByAndTimespanNamesBoth() {
        RuleLoader.Result r = loadWithStubs(EXAMPLES.resolve(
                "sigma-unmerged-prs/pr-5415/rules/windows/process_creation/proc_creation_discovery_ransomware.yml"));
        assertThat(r.errors())
                .extracting(LoadError::message)
                .anySatisfy(m -> assertThat(m).contains("no 'group-by'"))
                .anySatisfy(m -> assertThat(m).contains("no 'timespan'").contains("belongs inside 'correlation'"));
    }

    @Test
    void crossFileReferencesResolveWhenTheRulesAreLoadedToo() {
        Path dir = EXAMPLES.resolve("sigma-unmerged-prs/pr-5010");
        RuleLoader.Result r = new RuleLoader(RuleLoadOptions.defaults(), List.of(new SigmaLoader())).load(List.of(dir));
        // Only the missing group-by is wrong: both UUID references (one in another folder) resolve.
        assertThat(r.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("no 'group-by'"));
    }

    // ---- parsing details ----

    private static final String BASE = "title: base\nid: base-id\nname: base\nlogsource:\n  product: aws\n"
            + "detection:\n  sel:\n    eventName: X\n  condition: sel\n---\n"
            + "title: other\nid: other-id\nname: other\nlogsource:\n  product: aws\n"
            + "detection:\n  sel:\n    eventName: Y\n  condition: sel\n---\n";

    @Test
    void fullCorrelationParses() {
        RuleLoader.Result r = load(BASE + "title: c\nid: c1\nname: c_name\nlevel: high\nauthor: me\ntags: [t1]\n"
                + "correlation:\n  type: value_count\n  rules: base\n  group-by: userIdentity.arn\n  timespan: 2w\n"
                + "  condition:\n    gt: 3\n    lte: 10\n    field: [sourceIPAddress, userAgent]\n  generate: true\n");
        assertThat(r.errors()).isEmpty();
        CorrelationRule c = r.ruleSet().correlations().get(0);
        assertThat(c.type()).isEqualTo(CorrelationRule.Type.VALUE_COUNT);
        assertThat(c.rules()).containsExactly("base-id");
        assertThat(c.groupBy()).containsExactly("userIdentity.arn");
        assertThat(c.timespan()).isEqualTo(Duration.ofDays(14));
        assertThat(c.condition())
                .containsExactly(
                        new CorrelationRule.Bound(CorrelationRule.CompareOp.GT, new BigDecimal("3")),
                        new CorrelationRule.Bound(CorrelationRule.CompareOp.LTE, new BigDecimal("10")));
        assertThat(c.fields()).containsExactly("sourceIPAddress", "userAgent");
        assertThat(c.generate()).isTrue();
        assertThat(c.authors()).containsExactly("me");
        assertThat(r.ruleSet().rule("base-id").orElseThrow().signalOnly())
                .as("generate: true")
                .isFalse();
    }

    @Test
    void referencedRulesBecomeSignalOnlyUnlessGenerate() {
        RuleLoader.Result r = load(BASE + "title: c\nid: c1\ncorrelation:\n  type: event_count\n  rules: [base-id]\n"
                + "  group-by: [a]\n  timespan: 5m\n  condition:\n    gte: 5\n");
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().rule("base").orElseThrow().signalOnly()).isTrue();
        assertThat(r.ruleSet().rule("other").orElseThrow().signalOnly()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "30s;30",
                "10m;600",
                "2h;7200",
                "1d;86400",
                "1w;604800",
                "1M;2629746",
                "1y;31556952",
            })
    void timespanUnits(String text, long seconds) {
        RuleLoader.Result r = load(BASE + "title: c\nid: c1\ncorrelation:\n  type: temporal\n  rules: [base, other]\n"
                + "  group-by: [a]\n  timespan: " + text + "\n");
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().correlations().get(0).timespan()).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "type: event_count\\n  rules: [base]\\n  group-by: [a]\\n  timespan: 5m;needs a 'condition';24;3",
                "type: value_sum\\n  rules: [base]\\n  group-by: [a]\\n  timespan: 5m\\n  condition:\\n    gt: 5;needs 'field';29;5",
                "type: event_count\\n  rules: [base]\\n  group-by: [a]\\n  timespan: 5x\\n  condition:\\n    gt: 5;timespan must be;27;13",
                "type: event_count\\n  rules: [base]\\n  group-by: [a]\\n  timespan: 5m\\n  condition:\\n    gt: 5\\n    gte: 6;must form a range;29;5",
                "type: event_count\\n  rules: [base]\\n  group-by: [a]\\n  timespan: 5m\\n  condition:\\n    gt: 5\\n    between: 5;unknown condition key 'between';30;5",
                "type: event_count\\n  rules: [nope]\\n  group-by: [a]\\n  timespan: 5m\\n  condition:\\n    gt: 5;references 'nope';25;11",
                "type: bogus\\n  rules: [base]\\n  group-by: [a]\\n  timespan: 5m;unknown correlation type 'bogus';24;9",
                "type: temporal\\n  rules: [base, other]\\n  group-by: [a]\\n  timespan: 5m\\n  condition: base and nope;unknown search identifier 'nope';28;23",
                "type: event_count\\n  rules: [base]\\n  group-by: [a]\\n  timespan: 5m\\n  condition: base;must be a map;28;14",
                "type: temporal\\n  rules: [base, other]\\n  group-by: [a]\\n  timespan: 5m\\n  aliases:\\n    ip:\\n      base: src\\n      third: dst;alias 'ip' names 'third';31;7",
            })
    void correlationErrorsHaveLocations(String body, String message, int line, int column) {
        RuleLoader.Result r = load(BASE + "title: c\nid: c1\ncorrelation:\n  " + body.replace("\\n", "\n") + "\n");
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.message()).contains(message);
            assertThat(e.location().line()).isEqualTo(line);
            assertThat(e.location().column()).isEqualTo(column);
        });
    }

    @Test
    void extendedTemporalConditionIsKept() {
        RuleLoader.Result r = load(BASE + "title: c\nid: c1\ncorrelation:\n  type: temporal\n  rules: [base, other]\n"
                + "  group-by: [a]\n  timespan: 5m\n  condition: base AND NOT other\n");
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().correlations().get(0).temporalCondition()).isEqualTo("base AND NOT other");
    }

    @Test
    void aliasesResolveToRuleIds() {
        RuleLoader.Result r = load(BASE + "title: c\nid: c1\ncorrelation:\n  type: temporal\n  rules: [base, other]\n"
                + "  group-by: [ip]\n  timespan: 5m\n  aliases:\n    ip:\n      base: src.ip\n      other: dst.ip\n");
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().correlations().get(0).aliases())
                .isEqualTo(Map.of("ip", Map.of("base-id", "src.ip", "other-id", "dst.ip")));
    }

    @Test
    void aliasesMayNameRulesByNameWhenRulesListsIds() {
        RuleLoader.Result byName = load(BASE + "title: c\nid: c1\ncorrelation:\n  type: temporal\n"
                + "  rules: [base-id, other-id]\n  group-by: [ip]\n  timespan: 5m\n"
                + "  aliases:\n    ip:\n      base: src.ip\n      other: dst.ip\n");
        assertThat(byName.errors()).isEmpty();
        assertThat(byName.ruleSet().correlations().get(0).aliases())
                .isEqualTo(Map.of("ip", Map.of("base-id", "src.ip", "other-id", "dst.ip")));
        RuleLoader.Result byId = load(BASE + "title: c\nid: c1\ncorrelation:\n  type: temporal\n"
                + "  rules: [base, other]\n  group-by: [ip]\n  timespan: 5m\n"
                + "  aliases:\n    ip:\n      base-id: src.ip\n      other-id: dst.ip\n");
        assertThat(byId.errors()).isEmpty();
        assertThat(byId.ruleSet().correlations().get(0).aliases())
                .isEqualTo(Map.of("ip", Map.of("base-id", "src.ip", "other-id", "dst.ip")));
    }

    @Test
    void anAliasForALoadedRuleOutsideTheCorrelationIsRejected() {
        RuleLoader.Result r = load(BASE + "title: c\nid: c1\ncorrelation:\n  type: event_count\n"
                + "  rules: [base-id]\n  group-by: [ip]\n  timespan: 5m\n  condition:\n    gte: 2\n"
                + "  aliases:\n    ip:\n      base: src.ip\n      other: dst.ip\n");
        assertThat(r.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.message())
                        .contains("alias 'ip' names 'other'")
                        .contains("listed in this correlation"));
    }

    @Test
    void chainedCorrelationsResolveAndCyclesAreRejected() {
        String chain = BASE + "title: inner\nid: inner\ncorrelation:\n  type: event_count\n  rules: [base]\n"
                + "  group-by: [a]\n  timespan: 5m\n  condition:\n    gte: 3\n---\n"
                + "title: outer\nid: outer\ncorrelation:\n  type: temporal_ordered\n  rules: [inner, other]\n"
                + "  group-by: [a]\n  timespan: 10m\n";
        RuleLoader.Result ok = load(chain);
        assertThat(ok.errors()).isEmpty();
        assertThat(ok.ruleSet().correlation("outer").orElseThrow().rules()).containsExactly("inner", "other-id");

        String cycle = BASE + "title: x\nid: x\ncorrelation:\n  type: event_count\n  rules: [y]\n"
                + "  group-by: [a]\n  timespan: 5m\n  condition:\n    gte: 3\n---\n"
                + "title: y\nid: y\ncorrelation:\n  type: event_count\n  rules: [x]\n"
                + "  group-by: [a]\n  timespan: 5m\n  condition:\n    gte: 3\n";
        RuleLoader.Result bad = load(cycle);
        assertThat(bad.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("cycle").contains("x -> y -> x"));
        assertThat(bad.ruleSet().correlations()).isEmpty();
    }

    @Test
    void valueMedianGetsPercentile50AndPercentileIsRead() {
        RuleLoader.Result r = load(BASE + "title: m\nid: m\ncorrelation:\n  type: value_median\n  rules: base\n"
                + "  group-by: a\n  timespan: 1h\n  condition:\n    field: bytes\n    gt: 100\n---\n"
                + "title: p\nid: p\ncorrelation:\n  type: value_percentile\n  rules: base\n"
                + "  group-by: a\n  timespan: 1h\n  condition:\n    field: bytes\n    percentile: 95\n    gt: 100\n");
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().correlation("m").orElseThrow().percentile()).isEqualTo(50.0);
        assertThat(r.ruleSet().correlation("p").orElseThrow().percentile()).isEqualTo(95.0);
    }

    @Test
    void missingIdFallsBackToNameThenFileWithWarning() {
        RuleLoader.Result r = load(
                "title: a\nname: handle\nlogsource:\n  product: aws\ndetection:\n  s:\n    x: 1\n"
                        + "  condition: s\n---\ntitle: b\nlogsource:\n  product: aws\ndetection:\n  s:\n    x: 1\n  condition: s\n");
        assertThat(r.errors()).isEmpty();
        assertThat(r.ruleSet().rules()).extracting(Rule::id).containsExactly("handle", "t.yml#2");
        assertThat(r.warnings())
                .hasSize(2)
                .allSatisfy(w -> assertThat(w.message()).contains("no 'id'"));
    }
}
