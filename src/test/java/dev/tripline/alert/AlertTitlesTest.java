package dev.tripline.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tripline.event.Event;
import dev.tripline.rule.Rule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertTitlesTest {
    private static final Event EVENT = AlertFixtures.parse("""
            {"eventVersion":"1.08","eventTime":"2024-03-01T10:00:00Z","eventSource":"ec2.amazonaws.com",
             "eventName":"RunInstances","awsRegion":"ap-east-1","errorCode":null,
             "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice","userName":"alice"},
             "requestParameters":{"instancesSet":{"items":[{"imageId":"ami-1"},{"imageId":"ami-2"}]},
             "tagSpecificationSet":{"items":[{"tags":[{"key":"k","value":"v"}]}]}}}""");

    private static String render(String template) {
        return AlertTitles.render(template, EVENT, true);
    }

    @Test
    void placeholdersTakeTheEventsValues() {
        assertThat(render("{eventName} in {awsRegion} by {userIdentity.arn}"))
                .isEqualTo("RunInstances in ap-east-1 by arn:aws:iam::123456789012:user/alice");
    }

    @Test
    void missingAndNullFieldsRenderAsMissing() {
        assertThat(render("Error {errorCode}, message {errorMessage}")).isEqualTo("Error <missing>, message <missing>");
    }

    @Test
    void fanOutJoinsValuesAndIndexesPickOne() {
        assertThat(render("{requestParameters.instancesSet.items.imageId}")).isEqualTo("ami-1, ami-2");
        assertThat(render("{requestParameters.instancesSet.items[1].imageId}")).isEqualTo("ami-2");
        assertThat(render("{requestParameters.instancesSet.items[*].imageId}")).isEqualTo("ami-1, ami-2");
        assertThat(render("{requestParameters.tagSpecificationSet.items[0].tags[0]}"))
                .isEqualTo("{\"key\":\"k\",\"value\":\"v\"}");
    }

    @Test
    void keyCaseFollowsTheRuleFormat() {
        assertThat(render("{EVENTNAME}")).isEqualTo("RunInstances");
        assertThat(AlertTitles.render("{EVENTNAME}", EVENT, false)).isEqualTo(AlertTitles.MISSING);
    }

    @Test
    void doubledBracesAreLiteralAndMalformedTextRendersAsWritten() {
        assertThat(render("{{literal}} {eventName}")).isEqualTo("{literal} RunInstances");
        assertThat(render("open { brace")).isEqualTo("open { brace");
        assertThat(render("not a path {a..b} or {} end }")).isEqualTo("not a path {a..b} or {} end }");
    }

    @Test
    void longValuesAreCut() {
        Event big = AlertFixtures.parse("{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-03-01T10:00:00Z\","
                + "\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"" + "x".repeat(5000) + "\"}");
        String title = AlertTitles.render("{eventName}{eventName}{eventName}", big, false);
        assertThat(title.length()).isLessThan(Limits.MAX_TITLE + 64);
        assertThat(title).contains("[truncated");
    }

    @Test
    void ruleWithoutTemplateUsesItsTitle() {
        Rule sigma = AlertFixtures.rule(AlertFixtures.SIGMA_ENABLE_REGION);
        assertThat(sigma.alertTitle()).isNull();
        assertThat(Alerts.single(sigma, EVENT).title()).isEqualTo(sigma.title());
    }

    @Test
    void correlationTitlesReadGroupFieldsThenEvidenceFields() {
        Map<String, String> group = new LinkedHashMap<>();
        group.put("account", "123456789012");
        group.put("principal", "arn:aws:iam::123456789012:user/mallory");
        group.put("region", null);
        List<Evidence> evidence = List.of(
                new Evidence(
                        "e1",
                        1000,
                        "EnableRegion",
                        "account.amazonaws.com",
                        "us-east-1",
                        Map.of("requestParameters.RegionName", JsonNodeFactory.instance.textNode("ap-east-1"))),
                new Evidence("e2", 2000, "CreateAccessKey", "iam.amazonaws.com", "us-east-1", Map.of()));
        assertThat(AlertTitles.renderCorrelation(
                        "{requestParameters.RegionName} by {principal} via {eventName}" + " in {awsRegion}",
                        group,
                        evidence))
                .isEqualTo("ap-east-1 by arn:aws:iam::123456789012:user/mallory via EnableRegion, CreateAccessKey"
                        + " in us-east-1");
        // A group field the events lacked, a field no evidence has, and text that is no placeholder.
        assertThat(AlertTitles.renderCorrelation("{region}/{userAgent}/{{x}}/{a b", group, evidence))
                .isEqualTo(AlertTitles.MISSING + "/" + AlertTitles.MISSING + "/{x}/{a b");
    }
}
