package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tripline.flink.CorrelateFunction;
import dev.tripline.flink.EventTimeBounds;
import dev.tripline.rule.LoadError;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every configuration key: a good value, a bad value (named with its key, value and position), unknown keys. */
class TriplineConfigTest {

    static TriplineConfig parse(String yaml) throws TriplineConfig.ConfigException {
        return TriplineConfig.parse("tripline.yml", yaml);
    }

    static List<String> errors(String yaml) {
        TriplineConfig.ConfigException e =
                catchThrowableOfType(() -> parse(yaml), TriplineConfig.ConfigException.class);
        assertThat(e).as("expected a configuration error for:\n" + yaml).isNotNull();
        return e.errors().stream().map(LoadError::toString).toList();
    }

    @Test
    void theDocumentedExampleLoadsAndMapsOntoTheJobOptions() throws Exception {
        TriplineConfig c = parse("""
                regions:
                  approved: [us-east-1, eu-west-1]
                  accounts:
                    "123456789012": [us-east-1, ap-southeast-2]
                placeholders:
                  Legitimate_Countries: [DE, FR]
                time:
                  out-of-orderness: 30m
                  idleness: 90s
                  allowed-lateness: 1h
                correlation:
                  suppression: 2h
                  state-ttl: 3d
                dedup:
                  default-period-minutes: 15
                  evidence-limit: 4
                output:
                  alerts: '-'
                  format: ocsf
                  dead-letters: dead.jsonl
                input:
                  paths: [AWSLogs/, extra.jsonl]
                """);
        assertThat(c.approvedRegions()).containsExactly("us-east-1", "eu-west-1");
        assertThat(c.accountRegions()).containsEntry("123456789012", List.of("us-east-1", "ap-southeast-2"));
        assertThat(c.placeholders()).containsEntry("Legitimate_Countries", List.of("DE", "FR"));
        TriplineConfig.Settings s = c.settings();
        assertThat(s.alerts()).isEqualTo("-");
        assertThat(s.format()).isEqualTo("ocsf");
        assertThat(s.deadLetters()).isEqualTo("dead.jsonl");
        assertThat(s.inputPaths()).containsExactly("AWSLogs/", "extra.jsonl");
        DetectionJob.Options o = s.applyTo(DetectionJob.Options.defaults());
        assertThat(o.outOfOrderness()).isEqualTo(Duration.ofMinutes(30));
        assertThat(o.idleness()).isEqualTo(Duration.ofSeconds(90));
        assertThat(o.allowedLateness()).isEqualTo(Duration.ofHours(1));
        assertThat(o.correlationSuppression()).isEqualTo(Duration.ofHours(2));
        assertThat(o.stateTtl()).isEqualTo(Duration.ofDays(3));
        assertThat(o.defaultDedupMinutes()).isEqualTo(15);
        assertThat(o.evidenceLimit()).isEqualTo(4);
        assertThat(DetectionJob.Options.defaults().evidenceLimit()).isEqualTo(10);
    }

    @Test
    void theCorrelationSlotLimitReachesTheRuleCompileAndIsChecked() throws Exception {
        assertThat(parse("correlation:\n  max-slots-per-rule: 500\n")
                        .ruleLoadOptions()
                        .maxSlotsPerRule())
                .isEqualTo(500);
        assertThat(parse("").ruleLoadOptions().maxSlotsPerRule())
                .isEqualTo(dev.tripline.rule.RuleLoadOptions.DEFAULT_MAX_SLOTS_PER_RULE);
        assertThat(errors("correlation:\n  max-slots-per-rule: 1\n"))
                .singleElement()
                .asString()
                .contains("correlation.max-slots-per-rule");
    }

    @Test
    void theNewTermsHistoryStartReachesTheRuleCompileAndIsChecked() throws Exception {
        assertThat(parse("correlation:\n  new-terms-history-start: 2026-12-01T06:00:00Z\n")
                        .ruleLoadOptions()
                        .newTermsHistoryStart())
                .isEqualTo(java.time.Instant.parse("2026-12-01T06:00:00Z").toEpochMilli());
        assertThat(parse("correlation:\n  new-terms-history-start: 2026-12-01\n")
                        .ruleLoadOptions()
                        .newTermsHistoryStart())
                .isEqualTo(java.time.Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
        assertThat(parse("").ruleLoadOptions().newTermsHistoryStart()).isEqualTo(Long.MIN_VALUE);
        assertThat(errors("correlation:\n  new-terms-history-start: yesterday\n"))
                .singleElement()
                .asString()
                .contains("correlation.new-terms-history-start: 'yesterday' is not a date");
    }

    @Test
    void eventTimeBoundsAreSetKeyByKeyOverTheSourcesDefaults() throws Exception {
        TriplineConfig c = parse("""
                time:
                  max-event-age: 90d
                  max-ahead-of-source: 6h
                """);
        assertThat(DetectionJob.Options.defaults().eventTimeBounds()).isEqualTo(EventTimeBounds.ARCHIVE);
        assertThat(c.settings().applyTo(DetectionJob.Options.defaults()).eventTimeBounds())
                .isEqualTo(new EventTimeBounds(Duration.ofDays(90), Duration.ofDays(1), Duration.ofHours(6)));
        assertThat(c.settings().eventTimeBounds(EventTimeBounds.LIVE))
                .isEqualTo(new EventTimeBounds(Duration.ofDays(90), Duration.ofHours(1), Duration.ofHours(6)));
    }

    @Test
    void absentKeysLeaveTheDefaults() throws Exception {
        TriplineConfig c = parse("regions:\n  approved: [us-east-1]\n");
        assertThat(c.settings()).isEqualTo(TriplineConfig.Settings.NONE);
        assertThat(c.settings().applyTo(DetectionJob.Options.defaults())).isEqualTo(DetectionJob.Options.defaults());
        assertThat(DetectionJob.Options.defaults().stateTtl()).isEqualTo(CorrelateFunction.NO_STATE_TTL);
        assertThat(parse("").settings()).isEqualTo(TriplineConfig.Settings.NONE);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "time|out-of-orderness|20m|soon|not a duration: 'soon'",
                "time|out-of-orderness|0s|PT-5M|negative duration: 'PT-5M'",
                "time|idleness|PT2M|0s|'0s' must be longer than zero",
                "time|allowed-lateness|0s|later|not a duration: 'later'",
                "time|allowed-lateness|10m|99999d|duration above 3650 days: '99999d'",
                "time|max-event-age|90d|0d|'0d' must be longer than zero",
                "time|max-event-future|0s|tomorrow|not a duration: 'tomorrow'",
                "time|max-ahead-of-source|2d|0s|'0s' must be longer than zero",
                "correlation|suppression|30m|0m|'0m' must be longer than zero",
                "correlation|state-ttl|2d|forever|not a duration: 'forever'",
                "dedup|default-period-minutes|45|0|'0' is not a whole number of minutes",
                "dedup|default-period-minutes|1440|1h|'1h' is not a whole number of minutes",
                "dedup|evidence-limit|20|1|'1' is not a whole number of matches from 2 to 100",
                "dedup|evidence-limit|100|ten|'ten' is not a whole number of matches from 2 to 100",
                "output|alerts|alerts.jsonl|''|'' is not a file path",
                "output|format|jsonl|xml|'xml' is not an alert format",
                "output|dead-letters|dead.jsonl|'-'|'-' (stdout) is for alerts only",
                "input|paths|logs/|''|'' is not a file or directory path",
            })
    void eachKeyAcceptsAGoodValueAndNamesABadOne(String section, String key, String good, String bad, String message)
            throws Exception {
        TriplineConfig c = parse(section + ":\n  " + key + ": " + good + "\n");
        assertThat(c.settings()).isNotEqualTo(TriplineConfig.Settings.NONE);

        List<String> errs = errors("# line 1\n" + section + ":\n  " + key + ": " + bad + "\n");
        assertThat(errs)
                .singleElement()
                .satisfies(e -> assertThat(e)
                        .startsWith("tripline.yml:3:")
                        .contains(section + "." + key + ": ")
                        .contains(message));
    }

    @ParameterizedTest
    @CsvSource({"time", "correlation", "dedup", "output", "input", "regions"})
    void unknownKeysInEverySectionAreErrors(String section) {
        assertThat(errors(section + ":\n  typo_key: 1\n"))
                .singleElement()
                .satisfies(e -> assertThat(e)
                        .startsWith("tripline.yml:2:")
                        .contains("unknown configuration key '" + section + ".typo_key'"));
    }

    @Test
    void unknownTopLevelKeysAndWrongShapesAreErrors() {
        assertThat(errors("timing:\n  idleness: 1m\n"))
                .singleElement()
                .satisfies(e -> assertThat(e)
                        .contains("unknown configuration key 'timing'")
                        .contains("time"));
        assertThat(errors("time: 15m\n"))
                .singleElement()
                .satisfies(e -> assertThat(e).contains("'time' must be a map"));
        assertThat(errors("time:\n  idleness: [1m, 2m]\n"))
                .singleElement()
                .satisfies(e -> assertThat(e).contains("time.idleness must be a single value"));
    }

    @Test
    void everyErrorInAFileIsReportedAtOnce() {
        assertThat(errors("""
                time:
                  idleness: never
                output:
                  format: pdf
                dedup:
                  default-period-minutes: -3
                """)).hasSize(3);
    }

    @Test
    void aStructuralErrorHidesNoOtherError() {
        // Three keys have the wrong shape (a value, a map, a list); every error after each must still be found.
        assertThat(errors("""
                regions: 5
                placeholders:
                  Legitimate_Countries: {DE: yes}
                  Other: [a, b]
                time:
                  idleness: never
                correlation: [suppression]
                output:
                  format: pdf
                source:
                  kind: carrier-pigeon
                """))
                .hasSize(6)
                .anySatisfy(e -> assertThat(e).startsWith("tripline.yml:1:10: 'regions' must be a map"))
                .anySatisfy(e -> assertThat(e).startsWith("tripline.yml:11:9: source.kind"))
                .anySatisfy(e -> assertThat(e).startsWith("tripline.yml:3:25: placeholders.Legitimate_Countries"))
                .anySatisfy(e -> assertThat(e).startsWith("tripline.yml:6:13: time.idleness"))
                .anySatisfy(e -> assertThat(e).startsWith("tripline.yml:7:14: 'correlation' must be a map"))
                .anySatisfy(e -> assertThat(e).startsWith("tripline.yml:9:11: output.format"));
    }

    @Test
    void structuralErrorsInsideRegionsHideNoOtherEntry() {
        assertThat(errors("""
                regions:
                  approved: {us-east-1: true}
                  accounts:
                    "123456789012": {a: b}
                    "12": [us-east-1]
                  azure:
                    approved: [[eastus]]
                    subscriptions: 3
                time:
                  idleness: never
                """))
                .anySatisfy(e -> assertThat(e).contains("regions.approved"))
                .anySatisfy(e -> assertThat(e).contains("regions.accounts.123456789012"))
                .anySatisfy(e -> assertThat(e).contains("'12' is not a 12-digit AWS account id"))
                .anySatisfy(e -> assertThat(e).contains("regions.azure.approved"))
                .anySatisfy(e -> assertThat(e).contains("'regions.azure.subscriptions' must be a map"))
                .anySatisfy(e -> assertThat(e).contains("time.idleness"));
    }

    @Test
    void embeddedKeysSetRestartsStateAndTheHeapLimitAndNameBadValues() throws Exception {
        TriplineConfig c = TriplineConfig.parse("tripline.yml", """
                embedded:
                  restart-attempts: 0
                  restart-delay: 500ms
                  state-backend: rocksdb
                  state-dir: /var/tmp/state
                  heap-limit-percent: 75
                """);
        assertThat(c.embedded())
                .isEqualTo(new EmbeddedOptions(
                        0, Duration.ofMillis(500), EmbeddedOptions.StateBackend.ROCKSDB, "/var/tmp/state", 75));
        org.apache.flink.configuration.Configuration flink =
                c.embedded().applyTo(new org.apache.flink.configuration.Configuration());
        assertThat(flink.toMap())
                .containsEntry("restart-strategy.type", "fixed-delay")
                .containsEntry("restart-strategy.fixed-delay.attempts", "0")
                .containsEntry("state.backend.type", "rocksdb")
                .containsEntry("state.backend.rocksdb.localdir", "/var/tmp/state");
        assertThat(TriplineConfig.defaults().embedded()).isEqualTo(EmbeddedOptions.DEFAULTS);
        assertThat(errors("""
                embedded:
                  restart-attempts: 101
                  state-backend: floppy
                  heap-limit-percent: 0
                """))
                .hasSize(3)
                .anySatisfy(e -> assertThat(e).startsWith("tripline.yml:2:21: embedded.restart-attempts"))
                .anySatisfy(e -> assertThat(e).startsWith("tripline.yml:3:18: embedded.state-backend: 'floppy'"))
                .anySatisfy(e -> assertThat(e).startsWith("tripline.yml:4:23: embedded.heap-limit-percent"));
    }

    @Test
    void theOldConstructorKeepsWorking() {
        TriplineConfig c = new TriplineConfig(List.of("us-east-1"), Map.of(), Map.of());
        assertThat(c.settings()).isEqualTo(TriplineConfig.Settings.NONE);
        assertThat(c.withApprovedRegions(List.of("eu-west-1")).settings()).isSameAs(c.settings());
    }
}
