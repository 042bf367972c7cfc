package dev.tripline.testing;

/**
 * A rule file whose temporal_ordered correlation lists the same rule twice: it loads as YAML and as Sigma, but
 * cannot run, so every path that accepts rules must reject it, naming the repeated entry.
 */
public final class BrokenCorrelation {
    /** The second entry of {@code rules:} repeats the first; it sits at {@link #LINE}:{@link #COLUMN}. */
    public static final String LISTED_TWICE = """
            title: console login
            id: 0f1e2d3c-0000-4000-8000-000000000001
            name: console_login
            logsource: {product: aws, service: cloudtrail}
            detection:
              sel:
                eventName: ConsoleLogin
              condition: sel
            ---
            title: two logins in order
            id: 0f1e2d3c-0000-4000-8000-000000000002
            correlation:
              type: temporal_ordered
              rules:
                - console_login
                - console_login
              group-by: [userIdentity.arn]
              timespan: 10m
            """;

    public static final int LINE = 16;
    public static final int COLUMN = 7;

    private BrokenCorrelation() {}

    /** Where the error must point in a file named {@code file}. */
    public static String where(String file) {
        return file + ":" + LINE + ":" + COLUMN;
    }
}
