package dev.tripline.rule.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import dev.tripline.correlate.Fired;
import dev.tripline.correlate.MapCorrelator;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.RuleLoader;
import dev.tripline.rule.RuleSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * new_terms over multi-valued fields, as Elastic evaluates them: each value of an array field is a term of its own,
 * several fields give one term per combination of their values (duplicates once, in any array order), and one event
 * gives at most {@link CorrelationPlan#MAX_TERM_COMBINATIONS}, the rest counted as cut.
 */
class NewTermsCombinationsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2024-03-05T10:00:00Z");
    static final String QUERY = "event.provider: \"s3.amazonaws.com\" and event.action: \"GetObject\"";

    final List<Fired> fired = new ArrayList<>();
    CompiledMatcher matcher;
    MapCorrelator correlator;

    void load(String... fields) {
        String list = java.util.Arrays.stream(fields).map(f -> "\"" + f + "\"").collect(Collectors.joining(", "));
        String toml = ElasticRules.toml("new_terms", "kuery", QUERY, "") + """

                [rule.new_terms]
                field = "new_terms_fields"
                value = [%s]
                [[rule.new_terms.history_window_start]]
                field = "history_window_start"
                value = "now-7d"
                """.formatted(list);
        RuleLoader.Result r = ElasticRules.load("terms.toml", toml);
        assertThat(r.errors()).isEmpty();
        RuleSet rules = r.ruleSet();
        matcher = CompiledMatcher.compile(rules.rules());
        correlator = new MapCorrelator(CorrelationEngine.compile(rules));
        fired.clear();
    }

    /** A GetObject call touching {@code resources} (each {@code {ARN, type}}), as CloudTrail records data events. */
    void getObject(long seconds, String user, List<String[]> resources) throws Exception {
        String res = resources.stream()
                .map(x -> "{\"ARN\": \"" + x[0] + "\", \"type\": \"" + x[1] + "\", \"accountId\": \"123456789012\"}")
                .collect(Collectors.joining(", "));
        ObjectNode root = (ObjectNode)
                JSON.readTree(ElasticRules.cloudTrail("s3.amazonaws.com", "GetObject", "\"resources\": [" + res + "]")
                        .replace("user/mallory", "user/" + user));
        root.put("eventTime", T0.plusSeconds(seconds).toString());
        Event e = new Event(LogType.CLOUDTRAIL, root);
        matcher.match(e, rule -> fired.addAll(correlator.onMatch(rule, e)));
    }

    static String[] object(String key) {
        return new String[] {"arn:aws:s3:::bucket/" + key, "AWS::S3::Object"};
    }

    Set<String> firedTerms() {
        fired.addAll(correlator.advanceWatermark(Long.MAX_VALUE / 2));
        return fired.stream()
                .map(f -> String.join(" ", f.group().values()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void eachValueOfAnArrayFieldIsATermOfItsOwn() throws Exception {
        load("aws.cloudtrail.resources.arn");
        getObject(0, "mallory", List.of(object("a"), object("b"), object("a")));
        getObject(3600, "mallory", List.of(object("b"), object("c")));
        assertThat(firedTerms())
                .containsExactly("arn:aws:s3:::bucket/a", "arn:aws:s3:::bucket/b", "arn:aws:s3:::bucket/c");
        assertThat(fired)
                .as("b was seen an hour before its second event: one alert each")
                .hasSize(3);
        assertThat(correlator.combinationsCut()).isZero();
    }

    @Test
    void severalFieldsGiveOneTermPerCombinationOfTheirValues() throws Exception {
        load("aws.cloudtrail.user_identity.arn", "aws.cloudtrail.resources.arn");
        getObject(0, "mallory", List.of(object("a"), object("b")));
        getObject(60, "trent", List.<String[]>of(object("a")));
        getObject(120, "mallory", List.<String[]>of(object("b"))); // a known combination
        assertThat(firedTerms())
                .containsExactly(
                        "arn:aws:iam::123456789012:user/mallory arn:aws:s3:::bucket/a",
                        "arn:aws:iam::123456789012:user/mallory arn:aws:s3:::bucket/b",
                        "arn:aws:iam::123456789012:user/trent arn:aws:s3:::bucket/a");
        assertThat(fired).hasSize(3);
        assertThat(fired).allSatisfy(f -> assertThat(f.evidence()).isNotEmpty());
    }

    @Test
    void oneEventGivesAtMostAHundredCombinationsWhateverItsArrayOrderTheRestCounted() throws Exception {
        // Eleven objects of ten types: 110 combinations of arn and type.
        List<String[]> resources = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            resources.add(new String[] {"arn:aws:s3:::bucket/k" + (char) ('a' + i), "Type" + (i % 10)});
        }
        load("aws.cloudtrail.resources.arn", "aws.cloudtrail.resources.type");
        getObject(0, "mallory", resources);
        Set<String> forward = firedTerms();
        assertThat(forward).hasSize(CorrelationPlan.MAX_TERM_COMBINATIONS);
        assertThat(correlator.combinationsCut()).isEqualTo(10);
        // The bound keeps the same combinations in any array order: the last object's ten are cut.
        assertThat(forward).noneMatch(t -> t.startsWith("arn:aws:s3:::bucket/kk "));

        List<String[]> reversed = new ArrayList<>(resources);
        java.util.Collections.reverse(reversed);
        load("aws.cloudtrail.resources.arn", "aws.cloudtrail.resources.type");
        getObject(0, "mallory", reversed);
        assertThat(firedTerms()).isEqualTo(forward);
        assertThat(correlator.combinationsCut()).isEqualTo(10);
    }
}
