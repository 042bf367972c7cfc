package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.testing.Corpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * An Azure record that names no caller reaches the rules: a single-event rule alerts on it (with no
 * principal), a correlation grouped by principal skips it and the skip is counted, and nothing is
 * dead-lettered.
 */
class AzureWithoutCallerTest {
    static final String SUB = "11111111-2222-3333-4444-555555555555";
    static final String SEED = "7f3b2c1e-5a64-4d0b-9c2e-8e1f0a4b6d01";
    static final String GROUP_SIGNAL = "7f3b2c1e-5a64-4d0b-9c2e-8e1f0a4b6d11";

    /** A resource group written in japaneast (not approved by default), by {@code identity} if any. */
    static String resourceGroupWrite(String time, String identity) {
        return "{\"time\":\"" + time + "\",\"resourceId\":\"/subscriptions/" + SUB + "/resourceGroups/rg1\","
                + "\"operationName\":\"MICROSOFT.RESOURCES/RESOURCEGROUPS/WRITE\",\"category\":\"Administrative\","
                + "\"resultType\":\"Success\",\"location\":\"japaneast\"" + identity + "}";
    }

    @Test
    void aRecordWithoutACallerIsEvaluatedAndACorrelationByPrincipalSkipsItCounted() throws Exception {
        RuleLoader.Result loaded = Corpus.defaultLoader()
                .load(List.of(
                        Path.of("rules/azure/activitylogs/azure_unused_region_then_activity.yml"),
                        Path.of("rules/azure/activitylogs/azure_resource_created_in_unapproved_region.yml")));
        assertThat(loaded.errors()).isEmpty();
        RuleSet rules = loaded.ruleSet();
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        assertThat(engine.errors()).isEmpty();

        String withCaller = resourceGroupWrite(
                "2024-03-05T10:00:00Z",
                ",\"identity\":{\"claims\":{"
                        + "\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\":\"mallory@contoso.example\"}}");
        String noCaller = resourceGroupWrite("2024-03-05T10:01:00Z", ",\"identity\":{}");
        try (BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h =
                Harnesses.detect(new DetectFunction(CompiledMatcher.compile(rules.rules()), engine))) {
            h.processElement(new RawRecord("a.json", 1, withCaller.getBytes(StandardCharsets.UTF_8)), 1);
            h.processElement(new RawRecord("a.json", 2, noCaller.getBytes(StandardCharsets.UTF_8)), 2);

            assertThat(h.getSideOutput(DetectFunction.DEAD_LETTERS)).isNullOrEmpty();
            // The seed rule alerts on both records; the one without a caller has no principal.
            List<SingleMatch> singles = h.getSideOutput(DetectFunction.SINGLE_MATCHES).stream()
                    .map(StreamRecord::getValue)
                    .toList();
            assertThat(singles).extracting(m -> m.ruleId).containsExactly(SEED, SEED);
            assertThat(singles).extracting(m -> m.alert().principal()).containsExactly("mallory@contoso.example", null);
            // Only the record with a caller becomes a correlation signal; the other is counted as dropped.
            assertThat(h.extractOutputValues()).singleElement().satisfies(s -> {
                assertThat(s.ruleId).isEqualTo(GROUP_SIGNAL);
                assertThat(List.of(s.group())).contains("mallory@contoso.example");
            });
            Accumulator<?, ?> dropped =
                    h.getEnvironment().getAccumulatorRegistry().getUserMap().get(DetectFunction.ACC_SIGNALS_DROPPED);
            assertThat(dropped.getLocalValue()).isEqualTo(1L);
        }
    }
}
