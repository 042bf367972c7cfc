package dev.tripline.correlate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.SourceFile;
import dev.tripline.testing.ChainedRules;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Aliases, chaining and dropped signals, with Sigma documents loaded the way rules/ is. */
class ChainingAndAliasesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");

    /** The shared brute-force-then-login chain, plus a rule and a correlation joined through aliases. */
    static final String RULES = ChainedRules.BRUTE_FORCE_THEN_LOGIN + """
            ---
            title: security group opened to an address
            id: sg-open
            name: sg_open
            logsource: {product: aws, service: cloudtrail}
            detection:
                sel: {eventName: AuthorizeSecurityGroupIngress}
                condition: sel
            ---
            title: login from an address later opened in a security group
            id: ip-join
            correlation:
                type: temporal_ordered
                rules: [ok_login, sg_open]
                group-by: [ip]
                aliases:
                    ip:
                        ok_login: sourceIPAddress
                        sg_open: requestParameters.cidrIp
                timespan: 1h
            """;

    final RuleSet rules;
    final CompiledMatcher matcher;
    final MapCorrelator correlator;
    final List<Fired> fired = new ArrayList<>();

    ChainingAndAliasesTest() {
        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults())
                .loadFiles(List.of(new SourceFile("t.yml", null, RULES)));
        assertThat(r.errors()).isEmpty();
        rules = r.ruleSet();
        matcher = CompiledMatcher.compile(rules.rules());
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        assertThat(engine.errors()).isEmpty();
        correlator = new MapCorrelator(engine);
    }

    void event(int minute, String json) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(json);
            root.put("eventTime", T0.plusSeconds(60L * minute).toString());
            Event e = new Event(LogType.CLOUDTRAIL, root);
            matcher.match(e, rule -> fired.addAll(correlator.onMatch(rule, e)));
        } catch (java.io.IOException ex) {
            throw new AssertionError(ex);
        }
    }

    void failed(int minute, String arn) {
        event(
                minute,
                "{\"eventName\":\"ConsoleLogin\",\"errorMessage\":\"Failed authentication\","
                        + "\"userIdentity\":{\"arn\":\"" + arn + "\"},\"sourceIPAddress\":\"203.0.113.9\"}");
    }

    void ok(int minute, String arn, String ip) {
        event(
                minute,
                "{\"eventName\":\"ConsoleLogin\",\"responseElements\":{\"ConsoleLogin\":\"Success\"},"
                        + "\"userIdentity\":{\"arn\":\"" + arn + "\"},\"sourceIPAddress\":\"" + ip + "\"}");
    }

    @Test
    void aFiredCorrelationFeedsTheOuterOneWithItsLastSeenAndGroup() {
        String arn = "arn:aws:iam::1:user/bob";
        failed(0, arn);
        failed(1, arn);
        failed(2, "arn:aws:iam::1:user/other");
        failed(3, arn);
        assertThat(fired).extracting(Fired::correlationId).containsExactly("brute");
        assertThat(fired.get(0).alert())
                .as("referenced by the outer correlation without generate")
                .isFalse();
        ok(20, arn, "198.51.100.1");
        assertThat(fired).extracting(Fired::correlationId).containsExactly("brute", "brute-then-login");
        Fired outer = fired.get(1);
        assertThat(outer.alert()).isTrue();
        assertThat(outer.firstSeen())
                .as("the inner signal's time is its last_seen")
                .isEqualTo(T0.plusSeconds(180).toEpochMilli());
        assertThat(outer.evidence()).hasSize(4);
        assertThat(outer.group()).containsEntry("userIdentity.arn", arn);
    }

    @Test
    void loginBeforeTheBruteForceCompletesDoesNotFireTheChain() {
        String arn = "arn:aws:iam::1:user/bob";
        ok(0, arn, "198.51.100.1");
        failed(1, arn);
        failed(2, arn);
        failed(3, arn);
        correlator.advanceWatermark(Long.MAX_VALUE / 2);
        assertThat(fired).extracting(Fired::correlationId).doesNotContain("brute-then-login");
        assertThat(correlator.openStates()).isZero();
    }

    @Test
    void aliasesJoinDifferentlyNamedFields() {
        ok(0, "arn:aws:iam::1:user/bob", "198.51.100.1");
        event(5, "{\"eventName\":\"AuthorizeSecurityGroupIngress\",\"requestParameters\":{\"cidrIp\":\"192.0.2.7\"}}");
        assertThat(fired).isEmpty();
        event(
                6,
                "{\"eventName\":\"AuthorizeSecurityGroupIngress\",\"requestParameters\":{\"cidrIp\":\"198.51.100.1\"}}");
        assertThat(fired).extracting(Fired::correlationId).containsExactly("ip-join");
        assertThat(fired.get(0).group()).containsEntry("ip", "198.51.100.1");
    }

    @Test
    void signalsMissingAGroupByFieldAreDroppedAndCounted() {
        event(0, "{\"eventName\":\"AuthorizeSecurityGroupIngress\",\"requestParameters\":{}}");
        event(1, "{\"eventName\":\"ConsoleLogin\",\"errorMessage\":\"Failed authentication\"}");
        assertThat(correlator.dropped()).isEqualTo(2);
        assertThat(correlator.openStates()).isZero();
    }
}
