package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.Fired;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.flink.Harnesses.CorrelateHarness;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.SourceFile;
import dev.tripline.testing.ChainedRules;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * A correlation over a correlation across two correlate stages: the inner firing leaves the first stage as the
 * outer plan's signal on {@link CorrelateFunction#CHAINED_SIGNALS}, keyed for the outer group, and the second
 * stage fires the outer correlation with the inner evidence.
 */
class CorrelateChainingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final String ARN = "arn:aws:iam::1:user/bob";
    static final String RULES = ChainedRules.BRUTE_FORCE_THEN_LOGIN;

    final CompiledMatcher matcher;
    final CorrelationEngine engine;

    CorrelateChainingTest() {
        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("t.yml", null, RULES)));
        assertThat(r.errors()).isEmpty();
        RuleSet rules = r.ruleSet();
        matcher = CompiledMatcher.compile(rules.rules());
        engine = CorrelationEngine.compile(rules);
        assertThat(engine.errors()).isEmpty();
    }

    List<SignalRecord> signals(int minute, String json) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(json);
        root.put("eventTime", T0.plusSeconds(60L * minute).toString());
        Event e = new Event(LogType.CLOUDTRAIL, root);
        List<SignalRecord> out = new ArrayList<>();
        matcher.match(
                e,
                rule -> engine.consumersOf(rule.id())
                        .forEach(p -> p.signals(rule, e)
                                .signals()
                                .forEach(s -> out.add(SignalRecord.of(p, s, engine.stageOf(p.id()))))));
        return out;
    }

    List<SignalRecord> failed(int minute) throws Exception {
        return signals(
                minute,
                "{\"eventName\":\"ConsoleLogin\",\"errorMessage\":\"Failed authentication\","
                        + "\"userIdentity\":{\"arn\":\"" + ARN + "\"}}");
    }

    CorrelateHarness harness() throws Exception {
        var h = Harnesses.correlate(new CorrelateFunction(engine));
        h.open();
        return h;
    }

    @Test
    void anInnerFiringBecomesTheOuterSignalForTheNextStage() throws Exception {
        List<SignalRecord> chained;
        try (var first = harness()) {
            for (int m = 0; m < 3; m++) {
                for (SignalRecord s : failed(m)) {
                    first.processElement(new StreamRecord<>(s, s.time));
                }
            }
            assertThat(first.extractOutputValues())
                    .as("referenced without generate: the inner firing feeds the outer correlation, it does not alert")
                    .isEmpty();
            chained = first.getSideOutput(CorrelateFunction.CHAINED_SIGNALS).stream()
                    .map(StreamRecord::getValue)
                    .toList();
            assertThat(chained).singleElement().satisfies(s -> {
                assertThat(s.planId).isEqualTo("brute-then-login");
                assertThat(s.key())
                        .isEqualTo(new GroupKey(
                                "brute-then-login",
                                engine.plan("brute-then-login").fingerprint(),
                                List.of(ARN)));
                assertThat(s.time).isEqualTo(T0.plusSeconds(120).toEpochMilli());
                assertThat(Harnesses.signal(s, engine).evidence()).hasSize(3);
            });
        }
        try (var second = harness()) {
            for (SignalRecord s : chained) {
                second.processElement(new StreamRecord<>(s, s.time));
            }
            for (SignalRecord s : signals(
                    20,
                    "{\"eventName\":\"ConsoleLogin\",\"responseElements\":"
                            + "{\"ConsoleLogin\":\"Success\"},\"userIdentity\":{\"arn\":\"" + ARN + "\"}}")) {
                second.processElement(new StreamRecord<>(s, s.time));
            }
            List<Fired> outer = second.extractOutputValues().stream()
                    .map(FiredRecord::fired)
                    .toList();
            assertThat(outer).singleElement().satisfies(f -> {
                assertThat(f.correlationId()).isEqualTo("brute-then-login");
                assertThat(f.alert()).isTrue();
                assertThat(f.evidence()).hasSize(4);
            });
            second.processWatermark(new Watermark(Long.MAX_VALUE));
            assertThat(second.numKeyedStateEntries()).isZero();
            assertThat(second.numEventTimeTimers()).isZero();
        }
    }
}
