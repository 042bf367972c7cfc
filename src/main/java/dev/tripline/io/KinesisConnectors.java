package dev.tripline.io;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.DeadLetter;
import dev.tripline.flink.RawRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kinesis.sink.KinesisStreamsSink;
import org.apache.flink.connector.kinesis.sink.PartitionKeyGenerator;
import org.apache.flink.connector.kinesis.source.KinesisStreamsSource;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants;
import org.apache.flink.connector.kinesis.source.serialization.KinesisDeserializationSchema;
import org.apache.flink.kinesis.shaded.org.apache.flink.connector.aws.util.AWSClientUtil;
import org.apache.flink.kinesis.shaded.org.apache.flink.connector.aws.util.AWSGeneralUtil;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.http.SdkHttpClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.http.SdkHttpConfigurationOption;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.http.apache.ApacheHttpClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.KinesisClient;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Record;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.utils.AttributeMap;
import org.apache.flink.util.Collector;

/**
 * The Kinesis source of raw records and the Kinesis sinks of alerts and dead letters (flink-connector-kinesis
 * 4.3.0-1.19, which runs on Flink 1.20).
 *
 * <p>Each Kinesis record's data is one {@link RawRecord}: a CloudTrail record, or a CloudWatch Logs
 * subscription payload (gzip, {@code DATA_MESSAGE} with {@code logEvents}; a {@code CONTROL_MESSAGE} yields no
 * event), which the event parser unwraps. The origin names stream, shard and sequence number (a sequence number
 * does not fit the long position). Credentials come from the AWS default chain unless the properties choose
 * another provider; region and endpoint come from the options.
 *
 * <p>Alerts are written at least once (Kinesis has no transactions) with the dedup key as partition key, hashed
 * when above Kinesis' 256-character limit. Dead letters, when a stream is configured, are JSON lines with the
 * raw bytes in base64.
 */
public final class KinesisConnectors {
    static final String ORIGIN_PREFIX = "kinesis:";
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    private KinesisConnectors() {}

    /** Why a Kinesis source cannot start: its endpoint does not answer, or its stream does not exist. */
    public record Unreachable(boolean streamMissing, String message) {}

    /**
     * Null when the stream of {@code o} answers DescribeStreamSummary within {@code timeout}, else why not, with
     * every client property value (credentials among them) masked. Asked with the client the source itself builds
     * (same credentials provider, region, endpoint and HTTP settings), whose own retries would otherwise keep a job
     * silently waiting for an endpoint that never answers.
     */
    public static Unreachable unreachable(KinesisSourceOptions o, java.time.Duration timeout) {
        Properties p = new Properties();
        p.putAll(clientProperties(o.region(), o.endpoint(), o.properties()));
        SdkHttpClient http = AWSGeneralUtil.createSyncHttpClient(
                AttributeMap.builder()
                        .put(SdkHttpConfigurationOption.CONNECTION_TIMEOUT, timeout)
                        .put(SdkHttpConfigurationOption.READ_TIMEOUT, timeout)
                        .build(),
                ApacheHttpClient.builder());
        ExecutorService asker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tripline-kinesis-check");
            t.setDaemon(true);
            return t;
        });
        try (KinesisClient client = AWSClientUtil.createAwsSyncClient(
                p,
                http,
                KinesisClient.builder(),
                "Apache Flink %s (%s) Kinesis Connector",
                "aws.kinesis.client.user-agent-prefix")) {
            // The SDK retries on its own; the whole question is bounded here.
            asker.submit(() -> client.describeStreamSummary(b -> b.streamARN(o.streamArn())))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unreachable(false, "interrupted");
        } catch (TimeoutException e) {
            return new Unreachable(false, "no answer within " + timeout.toSeconds() + " s");
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                if (root instanceof ResourceNotFoundException) {
                    break;
                }
                root = root.getCause();
            }
            String m = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
            for (String v : o.properties().values().values()) {
                if (v != null && v.length() >= 4) {
                    m = m.replace(v, "***");
                }
            }
            return new Unreachable(root instanceof ResourceNotFoundException, m);
        } finally {
            asker.shutdownNow();
            http.close();
        }
    }

    public static KinesisStreamsSource<RawRecord> source(KinesisSourceOptions o) {
        Configuration c = new Configuration();
        for (Map.Entry<String, String> e :
                clientProperties(o.region(), o.endpoint(), o.properties()).entrySet()) {
            c.setString(e.getKey(), e.getValue());
        }
        c.set(
                KinesisStreamsSourceConfigConstants.STREAM_INITIAL_POSITION,
                switch (o.start()) {
                    case LATEST -> KinesisStreamsSourceConfigConstants.InitialPosition.LATEST;
                    case TRIM_HORIZON -> KinesisStreamsSourceConfigConstants.InitialPosition.TRIM_HORIZON;
                    case TIMESTAMP -> KinesisStreamsSourceConfigConstants.InitialPosition.AT_TIMESTAMP;
                });
        if (o.startTimestamp() != null) {
            c.set(KinesisStreamsSourceConfigConstants.STREAM_TIMESTAMP_DATE_FORMAT, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
            c.set(KinesisStreamsSourceConfigConstants.STREAM_INITIAL_TIMESTAMP, TIMESTAMP.format(o.startTimestamp()));
        }
        c.set(
                KinesisStreamsSourceConfigConstants.SHARD_DISCOVERY_INTERVAL_MILLIS,
                o.shardDiscoveryInterval().toMillis());
        return KinesisStreamsSource.<RawRecord>builder()
                .setStreamArn(o.streamArn())
                .setSourceConfig(c)
                .setDeserializationSchema(new RawRecordDeserializer())
                .build();
    }

    public static KinesisStreamsSink<AlertRecord> alertSink(KinesisSinkOptions o, AlertFormat format) {
        return KinesisStreamsSink.<AlertRecord>builder()
                .setKinesisClientProperties(properties(o))
                .setStreamName(o.stream())
                .setSerializationSchema(new AlertSerializer(format))
                .setPartitionKeyGenerator(new AlertPartitionKey())
                .setMaxTimeInBufferMS(o.maxBufferTime().toMillis())
                .build();
    }

    /** Dead letters to {@code dead-letter-stream}; the caller discards them when none is configured. */
    public static KinesisStreamsSink<DeadLetter> deadLetterSink(KinesisSinkOptions o) {
        Objects.requireNonNull(o.deadLetterStream(), "dead-letter-stream");
        return KinesisStreamsSink.<DeadLetter>builder()
                .setKinesisClientProperties(properties(o))
                .setStreamName(o.deadLetterStream())
                .setSerializationSchema(d -> d.toJsonLineWithRaw().getBytes(StandardCharsets.UTF_8))
                .setPartitionKeyGenerator(new DeadLetterPartitionKey())
                .setMaxTimeInBufferMS(o.maxBufferTime().toMillis())
                .build();
    }

    private static Properties properties(KinesisSinkOptions o) {
        Properties p = new Properties();
        p.putAll(clientProperties(o.region(), o.endpoint(), o.properties()));
        return p;
    }

    /** Region and endpoint as the connector's {@code aws.*} keys; explicit properties win. */
    static Map<String, String> clientProperties(String region, String endpoint, ClientProperties props) {
        ClientProperties p = props.withDefault("aws.region", region).withDefault("aws.endpoint", endpoint);
        if (endpoint != null && endpoint.startsWith("http:")) {
            // A plain-http endpoint (a local Kinesis) cannot negotiate HTTP/2.
            p = p.withDefault("aws.http.protocol.version", "HTTP1_1");
        }
        return p.values();
    }

    /** Kinesis partition keys are 1 to 256 characters. */
    static String partitionKey(String key) {
        if (key == null || key.isEmpty()) {
            return "-";
        }
        if (key.length() <= 256) {
            return key;
        }
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class RawRecordDeserializer implements KinesisDeserializationSchema<RawRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(Record record, String stream, String shardId, Collector<RawRecord> out) {
            String name = stream == null ? "" : stream.substring(stream.lastIndexOf('/') + 1);
            out.collect(new RawRecord(
                    ORIGIN_PREFIX + name + "/" + shardId + "/" + record.sequenceNumber(),
                    -1,
                    record.data().asByteArray()));
        }

        @Override
        public TypeInformation<RawRecord> getProducedType() {
            return RawRecord.TYPE;
        }
    }

    static final class AlertSerializer implements SerializationSchema<AlertRecord> {
        private static final long serialVersionUID = 1L;
        private final AlertFormat format;

        AlertSerializer(AlertFormat format) {
            this.format = format;
        }

        @Override
        public byte[] serialize(AlertRecord r) {
            return format.encode(r.alert()).getBytes(StandardCharsets.UTF_8);
        }
    }

    static final class AlertPartitionKey implements PartitionKeyGenerator<AlertRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public String apply(AlertRecord r) {
            return partitionKey(r.dedupKey);
        }
    }

    static final class DeadLetterPartitionKey implements PartitionKeyGenerator<DeadLetter> {
        private static final long serialVersionUID = 1L;

        @Override
        public String apply(DeadLetter d) {
            return partitionKey(d.origin);
        }
    }
}
