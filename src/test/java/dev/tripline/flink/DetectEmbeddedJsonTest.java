package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.Corpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** A policy document that is not JSON: the event is matched as usual, the unreadable text is counted. */
class DetectEmbeddedJsonTest {

    private static String putRolePolicy(String id, String policy) {
        return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::123456789012:"
                + "user/mallory\",\"accountId\":\"123456789012\"},\"eventTime\":\"2024-03-05T10:00:00Z\","
                + "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"PutRolePolicy\",\"awsRegion\":\"us-east-1\","
                + "\"eventID\":\"" + id + "\",\"recipientAccountId\":\"123456789012\",\"requestParameters\":"
                + "{\"roleName\":\"r\",\"policyName\":\"p\",\"policyDocument\":\"" + policy.replace("\"", "\\\"")
                + "\"}}";
    }

    @Test
    void unreadablePolicyTextIsCountedAndTheEventIsNotLost() throws Exception {
        RuleLoader.Result loaded = Corpus.defaultLoader()
                .load(List.of(Path.of("rules/aws/cloudtrail/aws_iam_policy_grants_all_actions.yml")));
        assertThat(loaded.errors()).isEmpty();
        CompiledMatcher matcher = CompiledMatcher.compile(loaded.ruleSet().rules());
        CorrelationEngine engine = CorrelationEngine.compile(loaded.ruleSet());
        DetectFunction detect = new DetectFunction(matcher, engine);
        try (BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h = Harnesses.detect(detect)) {
            String[] records = {
                putRolePolicy("good", "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"}]}"),
                putRolePolicy("broken", "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\""),
                putRolePolicy("narrow", "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}]}"),
            };
            for (int i = 0; i < records.length; i++) {
                h.processElement(new RawRecord("t.jsonl", i, records[i].getBytes(StandardCharsets.UTF_8)), i);
            }
            assertThat(h.getSideOutput(DetectFunction.DEAD_LETTERS)).isNullOrEmpty();
            assertThat(h.getSideOutput(DetectFunction.SINGLE_MATCHES).stream()
                            .map(StreamRecord::getValue)
                            .map(m -> m.alert().evidence().get(0).eventId()))
                    .containsExactly("good");
            Accumulator<Long, Long> unreadable =
                    detect.getRuntimeContext().getAccumulator(DetectFunction.ACC_EMBEDDED_JSON_UNREADABLE);
            assertThat(unreadable.getLocalValue()).isEqualTo(1L);
        }
    }
}
