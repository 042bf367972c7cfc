package dev.tripline.io;

import dev.tripline.alert.Alert;
import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.DeadLetter;
import dev.tripline.flink.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka source of raw records and the Kafka sinks of alerts and dead letters.
 *
 * <p>Each message value is one {@link RawRecord} (a CloudTrail record, a CloudTrail log file, an EventBridge
 * envelope: the event parser tells them apart); its origin is {@code kafka:TOPIC-PARTITION} and its position the
 * offset, so that a dead letter says where its input is. Tombstones (null values) are skipped.
 *
 * <p>An alert is written with the dedup key as message key (one key's alerts stay in order on one partition),
 * the alert encoded in the run's format as value, and headers {@value #H_RULE_ID}, {@value #H_KIND} and
 * {@value #H_ALERT_ID}. A dead letter's value is the raw input bytes, so replaying one is producing its value
 * again; the reason and where it came from travel in headers.
 */
public final class KafkaConnectors {
    public static final String H_RULE_ID = "tripline.rule-id";
    public static final String H_KIND = "tripline.kind";
    public static final String H_ALERT_ID = "tripline.alert-id";
    public static final String H_REASON = "tripline.reason";
    public static final String H_MESSAGE = "tripline.message";
    public static final String H_WHERE = "tripline.where";
    public static final String H_ORIGIN = "tripline.origin";
    public static final String H_POSITION = "tripline.position";
    public static final String H_SOURCE_TOPIC = "tripline.source-topic";
    public static final String H_SOURCE_PARTITION = "tripline.source-partition";
    public static final String H_SOURCE_OFFSET = "tripline.source-offset";
    /** Set when the raw bytes were too large to carry; the value is then empty. */
    public static final String H_RAW_OMITTED = "tripline.raw-omitted";

    static final String ORIGIN_PREFIX = "kafka:";

    private KafkaConnectors() {}

    /**
     * Null when the brokers of {@code o} answer within {@code timeout}, else why not, with every
     * client property value (credentials among them) masked: the Kafka source itself retries an unreachable
     * broker silently and forever, so a run asks first.
     */
    public static String unreachable(KafkaSourceOptions o, java.time.Duration timeout) {
        Properties p = o.properties().toProperties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", o.bootstrapServers()));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin admin = Admin.create(p)) {
            // The cluster, not the topics: a topic may be created after the job starts.
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String m = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
            for (String v : o.properties().toProperties().stringPropertyNames()) {
                String value = o.properties().toProperties().getProperty(v);
                if (value != null && value.length() >= 4) {
                    m = m.replace(value, Secrets.MASK);
                }
            }
            return Secrets.mask(m);
        }
    }

    public static KafkaSource<RawRecord> source(KafkaSourceOptions o) {
        KafkaSourceBuilder<RawRecord> b = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(String.join(",", o.bootstrapServers()))
                .setTopics(o.topics())
                .setGroupId(o.groupId())
                .setDeserializer(new RawRecordDeserializer())
                .setProperties(o.properties().toProperties());
        b.setStartingOffsets(
                switch (o.start()) {
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                    case TIMESTAMP ->
                        OffsetsInitializer.timestamp(o.startTimestamp().toEpochMilli());
                    case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                });
        if (o.bounded()) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    public static KafkaSink<AlertRecord> alertSink(KafkaSinkOptions o, AlertFormat format) {
        return sink(o, "alerts", new AlertSerializer(o.topic(), format));
    }

    public static KafkaSink<DeadLetter> deadLetterSink(KafkaSinkOptions o) {
        return sink(o, "dead-letters", new DeadLetterSerializer(o.deadLetterTopic()));
    }

    private static <T> KafkaSink<T> sink(KafkaSinkOptions o, String what, KafkaRecordSerializationSchema<T> schema) {
        Properties p = o.properties().toProperties();
        p.setProperty(
                "transaction.timeout.ms", Long.toString(o.transactionTimeout().toMillis()));
        return KafkaSink.<T>builder()
                .setBootstrapServers(String.join(",", o.bootstrapServers()))
                .setKafkaProducerConfig(p)
                .setRecordSerializer(schema)
                .setDeliveryGuarantee(
                        o.delivery() == KafkaSinkOptions.Delivery.EXACTLY_ONCE
                                ? DeliveryGuarantee.EXACTLY_ONCE
                                : DeliveryGuarantee.AT_LEAST_ONCE)
                // Two transactional sinks in one job must not share transactional ids.
                .setTransactionalIdPrefix(o.transactionalIdPrefix() + "-" + what)
                .build();
    }

    /** The origin a record from this topic-partition carries. */
    public static String origin(String topic, int partition) {
        return ORIGIN_PREFIX + topic + "-" + partition;
    }

    static final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
            if (record.value() != null) {
                out.collect(new RawRecord(origin(record.topic(), record.partition()), record.offset(), record.value()));
            }
        }

        @Override
        public TypeInformation<RawRecord> getProducedType() {
            return RawRecord.TYPE;
        }
    }

    static final class AlertSerializer implements KafkaRecordSerializationSchema<AlertRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;
        private final AlertFormat format;

        AlertSerializer(String topic, AlertFormat format) {
            this.topic = Objects.requireNonNull(topic);
            this.format = Objects.requireNonNull(format);
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(AlertRecord r, KafkaSinkContext context, Long timestamp) {
            Alert a = r.alert();
            RecordHeaders h = new RecordHeaders();
            h.add(H_RULE_ID, utf8(r.ruleId));
            h.add(H_KIND, utf8(r.kind));
            h.add(H_ALERT_ID, utf8(a.alertId()));
            return new ProducerRecord<>(topic, null, null, utf8(r.dedupKey), utf8(format.encode(a)), h);
        }
    }

    static final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        DeadLetterSerializer(String topic) {
            this.topic = Objects.requireNonNull(topic);
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
            RecordHeaders h = new RecordHeaders();
            h.add(H_REASON, utf8(d.reason));
            h.add(H_MESSAGE, utf8(d.message));
            h.add(H_WHERE, utf8(d.where));
            h.add(H_ORIGIN, utf8(d.origin));
            h.add(H_POSITION, utf8(Long.toString(d.position)));
            String origin = d.origin == null ? "" : d.origin;
            int dash = origin.lastIndexOf('-');
            if (origin.startsWith(ORIGIN_PREFIX) && dash > ORIGIN_PREFIX.length()) {
                h.add(H_SOURCE_TOPIC, utf8(origin.substring(ORIGIN_PREFIX.length(), dash)));
                h.add(H_SOURCE_PARTITION, utf8(origin.substring(dash + 1)));
                h.add(H_SOURCE_OFFSET, utf8(Long.toString(d.position)));
            }
            byte[] value = d.raw;
            if (value == null) {
                h.add(H_RAW_OMITTED, utf8(d.reason));
                value = new byte[0];
            }
            return new ProducerRecord<>(topic, null, null, utf8(origin), value, h);
        }
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
