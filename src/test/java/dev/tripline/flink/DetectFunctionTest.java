package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.alert.Alert;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.Signal;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import dev.tripline.testing.Flagship;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DetectFunction in a Flink operator harness: good CloudTrail records interleaved with every kind of bad input,
 * over the flagship rule file (with the access-key building block made to alert on its own, to exercise the
 * single-match output).
 */
class DetectFunctionTest {
    static final String REGION_PLAN = Flagship.REGION_PLAN;
    static final String KEY_PLAN = Flagship.KEY_PLAN;
    static final String ENABLED = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a01";
    static final String CREATED = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a02";
    static final String ACCESS_KEY = "5d0c7a0e-4b7e-4c1e-9a57-2f3c8f1e6a03";
    static final String MALLORY = "arn:aws:iam::123456789012:user/mallory";
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");

    static CompiledMatcher matcher;
    static CorrelationEngine engine;

    @BeforeAll
    static void load() {
        RuleSet loaded = Flagship.rules();
        List<Rule> rules = new ArrayList<>();
        for (Rule r : loaded.rules()) {
            rules.add(r.id().equals(ACCESS_KEY) ? r.withSignalOnly(false) : r);
        }
        RuleSet set = new RuleSet(rules, loaded.correlations());
        matcher = CompiledMatcher.compile(set.rules());
        engine = CorrelationEngine.compile(set);
        assertThat(engine.errors()).isEmpty();
    }

    static String event(String name, String source, String region, int minutes, String identity, String extra) {
        return "{\"eventVersion\":\"1.08\"," + identity + "\"eventTime\":\"" + T0.plusSeconds(minutes * 60L)
                + "\",\"eventSource\":\"" + source + "\",\"eventName\":\"" + name + "\",\"awsRegion\":\"" + region
                + "\",\"eventID\":\"ev-" + name + minutes + "\",\"recipientAccountId\":\"123456789012\""
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static String user(String arn) {
        return "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"" + arn + "\",\"accountId\":\"123456789012\"},";
    }

    static RawRecord raw(long position, String text) {
        return new RawRecord("test.jsonl", position, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void recordsTravelWithFlinkSerializersNotKryo() {
        for (Class<?> c : List.of(DeadLetter.class, FiredRecord.class)) {
            assertThat(TypeInformation.of(c)).as(c.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
        }
        assertThat(TypeInformation.of(SignalRecord.class))
                .as("the busiest records have serializers of their own")
                .isSameAs(SignalRecord.TYPE);
        assertThat(TypeInformation.of(RawRecord.class)).isSameAs(RawRecord.TYPE);
        assertThat(TypeInformation.of(SingleMatch.class)).isSameAs(SingleMatch.TYPE);
        assertThat(TypeInformation.of(AlertRecord.class)).isSameAs(AlertRecord.TYPE);
    }

    @Test
    void goodEventsAreMatchedAndEveryBadRecordIsADeadLetterWithItsReason() throws Exception {
        List<RawRecord> input = new ArrayList<>();
        input.add(raw(
                1,
                event(
                        "EnableRegion",
                        "account.amazonaws.com",
                        "us-east-1",
                        0,
                        user(MALLORY),
                        "\"requestParameters\":{\"RegionName\":\"ap-southeast-1\"}")));
        input.add(raw(2, "{\"eventVersion\":\"1.08\", \"eventName\": "));
        input.add(raw(3, "42"));
        input.add(new RawRecord("test.jsonl", 4, new byte[] {0x00, (byte) 0xff, 0x13, 0x00, 0x7f, 0x01}));
        input.add(raw(
                5,
                "{\"eventVersion\":\"1.08\",\"eventSource\":\"ec2.amazonaws.com\","
                        + "\"eventName\":\"RunInstances\",\"awsRegion\":\"ap-southeast-1\"}"));
        input.add(raw(
                6,
                event(
                        "CreateAccessKey",
                        "iam.amazonaws.com",
                        "us-east-1",
                        5,
                        user(MALLORY),
                        "\"requestParameters\":{\"userName\":\"backdoor\"}")));
        input.add(raw(7, event("DescribeInstances", "ec2.amazonaws.com", "eu-west-1", 6, user(MALLORY), "")));
        input.add(raw(8, "[{\"hello\":1}]"));
        // Would match the resource-creation rule but has no userIdentity: a dead letter, nothing to key it by.
        input.add(raw(9, event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", 7, "", "")));
        input.add(raw(10, event("RunInstances", "ec2.amazonaws.com", "ap-southeast-1", 8, user(MALLORY), "")));

        try (BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h =
                Harnesses.detect(new DetectFunction(matcher, engine))) {
            for (RawRecord r : input) {
                h.processElement(r, r.position);
            }
            List<Signal> signals = h.extractOutputValues().stream()
                    .map(r -> Harnesses.signal(r, engine))
                    .toList();
            List<String> plans =
                    h.extractOutputValues().stream().map(s -> s.planId).toList();
            List<String> routed = new ArrayList<>();
            for (int i = 0; i < plans.size(); i++) {
                routed.add(plans.get(i) + " <- " + signals.get(i).ruleId());
            }
            // CreateAccessKey is also on the resource-creation list, so it feeds both plans; the RunInstances
            // without an identity (record 9) is a dead letter.
            assertThat(routed)
                    .containsExactlyInAnyOrder(
                            REGION_PLAN + " <- " + ENABLED,
                            KEY_PLAN + " <- " + ENABLED,
                            REGION_PLAN + " <- " + CREATED,
                            KEY_PLAN + " <- " + ACCESS_KEY,
                            REGION_PLAN + " <- " + CREATED);
            assertThat(signals.get(0).group()).containsExactly("123456789012", MALLORY, "ap-southeast-1");
            Signal last = signals.get(signals.size() - 1);
            assertThat(last.group()).containsExactly("123456789012", MALLORY, "ap-southeast-1");
            assertThat(last.time()).isEqualTo(T0.plusSeconds(8 * 60).toEpochMilli());
            assertThat(last.evidence())
                    .singleElement()
                    .satisfies(e -> assertThat(e.eventId()).isEqualTo("ev-RunInstances8"));
            assertThat(h.extractOutputValues().get(1).key())
                    .isEqualTo(new GroupKey(
                            KEY_PLAN,
                            engine.plan(KEY_PLAN).fingerprint(),
                            signals.get(1).group()));

            List<SingleMatch> singles = h.getSideOutput(DetectFunction.SINGLE_MATCHES).stream()
                    .map(StreamRecord::getValue)
                    .toList();
            assertThat(singles).singleElement().satisfies(m -> {
                assertThat(m.ruleId).isEqualTo(ACCESS_KEY);
                Alert a = m.alert();
                assertThat(a.kind()).isEqualTo(Alert.Kind.SINGLE);
                assertThat(a.principal()).isEqualTo(MALLORY);
                assertThat(a.dedupKey()).isEqualTo(m.dedupKey);
                assertThat(a.evidence()).hasSize(1);
            });

            List<DeadLetter> dead = h.getSideOutput(DetectFunction.DEAD_LETTERS).stream()
                    .map(StreamRecord::getValue)
                    .toList();
            assertThat(dead)
                    .extracting(d -> d.position + " " + d.reason)
                    .containsExactly(
                            "2 MALFORMED_JSON",
                            "3 NOT_AN_OBJECT",
                            "4 BINARY_INPUT",
                            "5 MISSING_EVENT_TIME",
                            "8 NOT_CLOUDTRAIL",
                            "9 MISSING_IDENTITY");
            assertThat(dead).allSatisfy(d -> {
                assertThat(d.origin).isEqualTo("test.jsonl");
                assertThat(d.message).isNotBlank();
                assertThat(DeadLetter.fromJsonLine(d.toJsonLine())).isEqualTo(d);
                assertThat(d.toJsonLine()).doesNotContain("\n");
            });
        }
    }

    @Test
    void aCloudTrailLogFileInOneRecordYieldsAllItsEventsAndItsBadElements() throws Exception {
        String file = "{\"Records\":["
                + event(
                        "EnableRegion",
                        "account.amazonaws.com",
                        "us-east-1",
                        0,
                        user(MALLORY),
                        "\"requestParameters\":{\"RegionName\":\"af-south-1\"}")
                + ",\"oops\","
                + event("RunInstances", "ec2.amazonaws.com", "af-south-1", 3, user(MALLORY), "") + "]}";
        try (BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h =
                Harnesses.detect(new DetectFunction(matcher, engine))) {
            h.processElement(new RawRecord("s3://bucket/file.json.gz", 0, file.getBytes(StandardCharsets.UTF_8)), 0);
            assertThat(h.extractOutputValues()).extracting(s -> s.ruleId).containsExactly(ENABLED, ENABLED, CREATED);
            assertThat(h.getSideOutput(DetectFunction.DEAD_LETTERS))
                    .singleElement()
                    .satisfies(d -> {
                        assertThat(d.getValue().reason).isEqualTo("NOT_AN_OBJECT");
                        assertThat(d.getValue().where).contains("Records[1]");
                    });
        }
    }
}
