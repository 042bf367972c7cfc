package dev.tripline.io;

import dev.tripline.rule.yaml.YamlMap;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where the Kinesis source reads: {@code source.kinesis} in the configuration. Credentials come from the AWS
 * default chain unless {@code properties} say otherwise (e.g. {@code aws.credentials.provider: PROFILE}).
 *
 * <pre>
 * source:
 *   kind: kinesis
 *   kinesis:
 *     stream-arn: arn:aws:kinesis:us-east-1:123456789012:stream/cloudtrail
 *     region: us-east-1                    # default: the stream ARN's region
 *     endpoint: https://kinesis.us-east-1.amazonaws.com   # optional override (VPC endpoint, local test)
 *     start: latest                        # latest | trim-horizon | timestamp
 *     start-timestamp: 2024-03-05T10:00:00Z
 *     shard-discovery-interval: 10s
 *     properties: { aws.credentials.provider: AUTO }
 * </pre>
 */
public record KinesisSourceOptions(
        String streamArn,
        String region,
        String endpoint,
        Start start,
        Instant startTimestamp,
        Duration shardDiscoveryInterval,
        ClientProperties properties)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    static final Pattern STREAM_ARN =
            Pattern.compile("arn:aws[a-z-]*:kinesis:([a-z0-9-]+):\\d{12}:stream/[A-Za-z0-9_.-]{1,128}");
    static final Set<String> KEYS = Set.of(
            "stream-arn", "region", "endpoint", "start", "start-timestamp", "shard-discovery-interval", "properties");
    public static final Duration DEFAULT_SHARD_DISCOVERY = Duration.ofSeconds(10);

    public enum Start {
        LATEST,
        TRIM_HORIZON,
        TIMESTAMP
    }

    public KinesisSourceOptions {
        Objects.requireNonNull(streamArn, "streamArn");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(shardDiscoveryInterval, "shardDiscoveryInterval");
        Objects.requireNonNull(properties, "properties");
        if (start == Start.TIMESTAMP && startTimestamp == null) {
            throw new IllegalArgumentException("start: timestamp needs a start-timestamp");
        }
    }

    public static KinesisSourceOptions parse(ConfigReader r, YamlMap m, String prefix) {
        r.onlyKeys(m, prefix, KEYS);
        String arn = r.string(m, prefix, "stream-arn", true);
        String region = r.string(m, prefix, "region", false);
        if (arn != null) {
            java.util.regex.Matcher am = STREAM_ARN.matcher(arn);
            if (!am.matches()) {
                r.error(
                        m.get("stream-arn"),
                        prefix + ".stream-arn: '" + arn
                                + "' is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)");
                arn = null;
            } else if (region == null) {
                region = am.group(1);
            }
        }
        String endpoint = KinesisSinkOptions.endpoint(r, m, prefix);
        Start start = r.choice(
                m,
                prefix,
                "start",
                Map.of("latest", Start.LATEST, "trim-horizon", Start.TRIM_HORIZON, "timestamp", Start.TIMESTAMP),
                Start.LATEST);
        Instant ts = r.instant(m, prefix, "start-timestamp");
        if (start == Start.TIMESTAMP && ts == null && !m.has("start-timestamp")) {
            r.error(m.get("start"), prefix + ".start: timestamp needs " + prefix + ".start-timestamp");
        }
        Duration discovery = r.duration(m, prefix, "shard-discovery-interval", DEFAULT_SHARD_DISCOVERY);
        ClientProperties props = r.properties(m, prefix, "properties");
        if (arn == null || region == null || (start == Start.TIMESTAMP && ts == null)) {
            return null;
        }
        return new KinesisSourceOptions(arn, region, endpoint, start, ts, discovery, props);
    }

    /** The stream name, from the ARN. */
    public String streamName() {
        return streamArn.substring(streamArn.lastIndexOf('/') + 1);
    }
}
