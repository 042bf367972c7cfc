package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Level;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.SourceFile;
import dev.tripline.rule.SourceLocation;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A signal's evidence written straight from the event by its {@link SignalTemplate} is, byte for byte, the packed
 * form ({@link Encoding#writePackedEvidence}) of the evidence the event shows, built here by hand as a list: the
 * head fields, the output fields by name in the rule's order (a name listed twice shown once, a missing field left
 * out, a container as its JSON text), values that equal a group value written as references to it.
 */
class SignalTemplateTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static final String RULES = """
            title: a call
            id: call
            name: call
            logsource: {product: aws, service: cloudtrail}
            detection:
                sel: {eventName: CreateUser}
                condition: sel
            fields:
                - userIdentity.userName
                - sourceIPAddress
                - requestParameters
                - not.there
                - userIdentity.userName
            ---
            title: addresses per user
            id: per-user
            correlation:
                type: value_count
                rules: [call]
                group-by: [account, user]
                aliases:
                    user:
                        call: userIdentity.userName
                timespan: 1h
                condition:
                    field: sourceIPAddress
                    gte: 2
            """;

    static final String EVENT = """
            {"eventID":"ev-1","eventTime":"2024-03-05T10:00:00Z","eventName":"CreateUser",
             "eventSource":"iam.amazonaws.com","awsRegion":"us-east-1","recipientAccountId":"123456789012",
             "sourceIPAddress":"203.0.113.9","userIdentity":{"userName":"alice","accountId":"123456789012"},
             "requestParameters":{"userName":"bob","tags":["a","b"]}}""";

    final RuleSet loaded;

    SignalTemplateTest() {
        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("t.yml", null, RULES)));
        assertThat(r.errors()).isEmpty();
        loaded = r.ruleSet();
    }

    static Event event(LogType type, String json) throws IOException {
        return new Event(type, (ObjectNode) JSON.readTree(json));
    }

    /** The packed form of {@code evidence} as a slot of {@code rule} at its time and {@code group} keeps it. */
    static byte[] packed(Evidence evidence, Rule rule, List<String> group) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Encoding.writePackedEvidence(
                new DataOutputStream(bytes),
                List.of(evidence),
                rule.id(),
                evidence.eventTimeMillis(),
                rule.outputFields().stream().map(FieldPath::text).toList(),
                group);
        return bytes.toByteArray();
    }

    @Test
    void aSignalsPackedEvidenceIsTheListFormOfWhatItsEventShows() throws IOException {
        CorrelationEngine engine = CorrelationEngine.compile(loaded);
        Rule call = loaded.rule("call").orElseThrow();
        CorrelationPlan plan = engine.plan("per-user");
        Event e = event(LogType.CLOUDTRAIL, EVENT);

        CorrelationPlan.Signals s = plan.signals(call, e);

        assertThat(s.signals()).hasSize(1);
        Signal signal = s.signals().get(0);
        assertThat(signal.group()).containsExactly("123456789012", "alice");
        assertThat(signal.value()).isEqualTo("203.0.113.9");
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("userIdentity.userName", "alice"); // a group value: written as a reference to it
        fields.put("sourceIPAddress", "203.0.113.9");
        fields.put("requestParameters", "{\"userName\":\"bob\",\"tags\":[\"a\",\"b\"]}");
        Evidence expected = new Evidence(
                "call", "ev-1", e.eventTimeMillis(), "CreateUser", "iam.amazonaws.com", "us-east-1", fields);
        assertThat(plan.packed(signal)).isEqualTo(packed(expected, call, signal.group()));
        assertThat(signal.evidence()).containsExactly(expected);
        // The template is kept for the rule object, and made again for another one.
        assertThat(plan.signalTemplate(call)).isSameAs(plan.signalTemplate(call));
    }

    @Test
    void signalsOfOneEventShareItsHeadValuesAndTheNextEventReadsItsOwn() throws IOException {
        CorrelationEngine engine = CorrelationEngine.compile(loaded);
        Rule call = loaded.rule("call").orElseThrow();
        CorrelationPlan plan = engine.plan("per-user");
        SignalTemplate.Reads reads = new SignalTemplate.Reads();
        Event first = event(LogType.CLOUDTRAIL, EVENT);
        Event second = event(LogType.CLOUDTRAIL, EVENT.replace("ev-1", "ev-2").replace("us-east-1", "eu-west-1"));

        Signal a =
                plan.signals(plan.signalTemplate(call), first, reads).signals().get(0);
        Signal again =
                plan.signals(plan.signalTemplate(call), first, reads).signals().get(0);
        Signal b =
                plan.signals(plan.signalTemplate(call), second, reads).signals().get(0);

        assertThat(plan.packed(again)).isEqualTo(plan.packed(a));
        assertThat(b.evidence().get(0).eventId()).isEqualTo("ev-2");
        assertThat(b.evidence().get(0).awsRegion()).isEqualTo("eu-west-1");
        assertThat(plan.packed(b))
                .isEqualTo(plan.packed(plan.signals(call, second).signals().get(0)));
    }

    @Test
    void anAzureEventShowsItsOwnHeadFields() throws IOException {
        CorrelationEngine engine = CorrelationEngine.compile(loaded);
        Rule call = loaded.rule("call").orElseThrow();
        CorrelationPlan plan = engine.plan("per-user");
        Event e = event(LogType.AZURE_ACTIVITY, """
                {"eventDataId":"az-1","time":"2024-03-05T10:00:00Z","operationName":"Microsoft.Compute/x/write",
                 "subscriptionId":"sub-1","caller":"alice@example.com","sourceIPAddress":"203.0.113.9",
                 "userIdentity":{"userName":"alice"}}""");
        SignalTemplate.Parts p = plan.signalTemplate(call).read(e, new SignalTemplate.Reads());
        assertThat(p).isNotNull();
        Evidence ev = plan.unpack(p.evidence(), 0, p.time(), List.of(p.group())).get(0);
        assertThat(ev.eventId()).isEqualTo("az-1");
        assertThat(ev.eventName()).isEqualTo("Microsoft.Compute/x/write");
        assertThat(ev.eventSource()).isEqualTo(first(e, "azure.resource.provider"));
        assertThat(ev.awsRegion()).isEqualTo(first(e, "cloud.region"));
    }

    private static String first(Event e, String path) {
        List<com.fasterxml.jackson.databind.JsonNode> v = e.values(FieldPath.of(path));
        return v.isEmpty() ? null : Event.stringForm(v.get(0));
    }

    @Test
    void aMissingGroupOrValueFieldMakesNoSignal() throws IOException {
        CorrelationEngine engine = CorrelationEngine.compile(loaded);
        Rule call = loaded.rule("call").orElseThrow();
        CorrelationPlan plan = engine.plan("per-user");
        assertThat(plan.signals(call, event(LogType.CLOUDTRAIL, EVENT.replace("\"alice\"", "null"))))
                .isEqualTo(CorrelationPlan.Signals.NONE);
        assertThat(plan.signals(call, event(LogType.CLOUDTRAIL, EVENT.replace("sourceIPAddress", "x"))))
                .isEqualTo(CorrelationPlan.Signals.NONE);
    }

    @Test
    void aPlanKeepingNoEvidencePacksAnEmptyList() throws IOException {
        CorrelationEngine engine = CorrelationEngine.compile(loaded, new CorrelationPlan.Options(10_000, 0));
        Rule call = loaded.rule("call").orElseThrow();
        CorrelationPlan plan = engine.plan("per-user");
        Signal signal =
                plan.signals(call, event(LogType.CLOUDTRAIL, EVENT)).signals().get(0);
        assertThat(plan.packed(signal)).containsExactly(0);
        assertThat(signal.evidence()).isEmpty();
    }

    @Test
    void newTermsCombinationsEachPackTheEventAgainstTheirOwnGroup() throws IOException {
        CorrelationRule terms = new CorrelationRule(
                "nt",
                "nt",
                "new tag per user",
                null,
                Level.LOW,
                List.of(),
                List.of(),
                CorrelationRule.Type.NEW_TERMS,
                List.of("call"),
                List.of("userIdentity.userName", "requestParameters.tags"),
                Duration.ofMinutes(10),
                List.of(),
                null,
                List.of(),
                null,
                Map.of(),
                true,
                null,
                new SourceLocation("t.toml", 1, 1),
                true,
                Set.of(),
                Map.of(),
                List.of());
        RuleSet rules = new RuleSet(loaded.rules(), List.of(terms));
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        assertThat(engine.errors()).isEmpty();
        Rule call = rules.rule("call").orElseThrow();
        CorrelationPlan plan = engine.plan("nt");
        Event e =
                event(LogType.CLOUDTRAIL, EVENT.replace("\"tags\":[\"a\",\"b\"]", "\"tags\":[\"b\",\"a\",\"alice\"]"));

        List<Signal> signals = plan.signals(call, e).signals();

        List<List<String>> groups = new ArrayList<>();
        for (Signal s : signals) {
            groups.add(s.group());
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("userIdentity.userName", "alice");
            fields.put("sourceIPAddress", "203.0.113.9");
            fields.put("requestParameters", "{\"userName\":\"bob\",\"tags\":[\"b\",\"a\",\"alice\"]}");
            Evidence expected = new Evidence(
                    "call", "ev-1", e.eventTimeMillis(), "CreateUser", "iam.amazonaws.com", "us-east-1", fields);
            assertThat(plan.packed(s)).isEqualTo(packed(expected, call, s.group()));
        }
        assertThat(groups).containsExactly(List.of("alice", "a"), List.of("alice", "alice"), List.of("alice", "b"));
    }
}
