package dev.tripline.io;

import dev.tripline.rule.yaml.YamlMap;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Where alerts (and optionally dead letters) go on Kinesis: {@code sink.kinesis} in the configuration. Kinesis
 * has no transactions: delivery is at least once, and a consumer deduplicates by the alert id.
 *
 * <pre>
 * sink:
 *   kind: kinesis
 *   kinesis:
 *     stream: tripline-alerts
 *     dead-letter-stream: tripline-dead-letters   # optional; without it dead letters are only counted
 *     region: us-east-1
 *     endpoint: https://kinesis.us-east-1.amazonaws.com   # optional override
 *     max-buffer-time: 5s                          # how long a record may wait for its batch
 *     properties: { aws.credentials.provider: AUTO }
 * </pre>
 */
public record KinesisSinkOptions(
        String stream,
        String deadLetterStream,
        String region,
        String endpoint,
        Duration maxBufferTime,
        ClientProperties properties)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    static final Set<String> KEYS =
            Set.of("stream", "dead-letter-stream", "region", "endpoint", "max-buffer-time", "properties");
    public static final Duration DEFAULT_MAX_BUFFER_TIME = Duration.ofSeconds(5);

    public KinesisSinkOptions {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(maxBufferTime, "maxBufferTime");
        Objects.requireNonNull(properties, "properties");
    }

    public static KinesisSinkOptions parse(ConfigReader r, YamlMap m, String prefix) {
        r.onlyKeys(m, prefix, KEYS);
        String stream = r.string(m, prefix, "stream", true);
        String dls = r.string(m, prefix, "dead-letter-stream", false);
        String region = r.string(m, prefix, "region", true);
        String endpoint = endpoint(r, m, prefix);
        Duration buffer = r.duration(m, prefix, "max-buffer-time", DEFAULT_MAX_BUFFER_TIME);
        ClientProperties props = r.properties(m, prefix, "properties");
        if (stream != null && stream.equals(dls)) {
            r.error(m.get("dead-letter-stream"), prefix + ".dead-letter-stream must differ from " + prefix + ".stream");
        }
        if (stream == null || region == null) {
            return null;
        }
        return new KinesisSinkOptions(stream, dls, region, endpoint, buffer, props);
    }

    /** An optional http(s) endpoint override. */
    static String endpoint(ConfigReader r, YamlMap m, String prefix) {
        String e = r.string(m, prefix, "endpoint", false);
        if (e == null) {
            return null;
        }
        try {
            URI u = URI.create(e);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return e;
        } catch (IllegalArgumentException ex) {
            r.error(m.get("endpoint"), prefix + ".endpoint: '" + e + "' is not an http(s) URL");
            return null;
        }
    }
}
