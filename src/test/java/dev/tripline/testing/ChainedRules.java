package dev.tripline.testing;

/**
 * A correlation over a correlation, shared by the tests of chaining: three failed console logins of one
 * principal within 10 minutes (brute force, referenced without generate, so it only feeds), then a successful
 * login of that principal within 30 minutes.
 */
public final class ChainedRules {
    private ChainedRules() {}

    /** {@link #BRUTE_FORCE_THEN_LOGIN}, loaded; fails on any load error. */
    public static dev.tripline.rule.RuleSet rules() {
        dev.tripline.rule.RuleLoader.Result r = dev.tripline.rule.RuleLoader.standard(
                        dev.tripline.rule.RuleLoadOptions.defaults())
                .loadFiles(
                        java.util.List.of(new dev.tripline.rule.SourceFile("chain.yml", null, BRUTE_FORCE_THEN_LOGIN)));
        if (!r.ok()) {
            throw new IllegalStateException("chained rules failed to load: " + r.errors());
        }
        return r.ruleSet();
    }

    public static final String BRUTE_FORCE_THEN_LOGIN = """
            title: failed console login
            id: failed-login
            name: failed_login
            logsource: {product: aws, service: cloudtrail}
            detection:
                sel: {eventName: ConsoleLogin, errorMessage: Failed authentication}
                condition: sel
            ---
            title: console login
            id: ok-login
            name: ok_login
            logsource: {product: aws, service: cloudtrail}
            detection:
                sel: {eventName: ConsoleLogin, responseElements.ConsoleLogin: Success}
                condition: sel
            ---
            title: brute force
            id: brute
            name: brute
            correlation:
                type: event_count
                rules: failed_login
                group-by: [userIdentity.arn]
                timespan: 10m
                condition: {gte: 3}
            ---
            title: brute force then login
            id: brute-then-login
            correlation:
                type: temporal_ordered
                rules: [brute, ok_login]
                group-by: [userIdentity.arn]
                timespan: 30m
            level: high
            """;
}
