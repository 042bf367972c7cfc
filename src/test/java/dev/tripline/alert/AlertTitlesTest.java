package dev.tripline.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.Event;
import dev.tripline.rule.Rule;
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
}
