package dev.tripline.io;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.DeadLetter;
import dev.tripline.flink.RawRecord;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Turns {@link SourceOptions} and {@link SinkOptions} into Flink sources and sinks, so that switching between
 * files, Kafka and Kinesis is configuration only. Watermarks are not assigned here: the job assigns them from
 * event time after parsing.
 */
public final class Connectors {
    public static final String UID_FILE_SOURCE = "tripline-file-source";
    public static final String UID_KAFKA_SOURCE = "tripline-kafka-source";
    public static final String UID_KINESIS_SOURCE = "tripline-kinesis-source";

    private Connectors() {}

    /** The raw records of the chosen source; {@code files} are read only by the file source. */
    public static DataStream<RawRecord> source(
            StreamExecutionEnvironment env, SourceOptions s, List<InputFile> files, RawRecordFormat reader) {
        TypeInformation<RawRecord> type = RawRecord.TYPE;
        return switch (s.kind()) {
            case FILE ->
                env.fromSource(RawRecordFormat.source(files, reader), WatermarkStrategy.noWatermarks(), "files", type)
                        .uid(UID_FILE_SOURCE);
            case KAFKA ->
                env.fromSource(KafkaConnectors.source(s.kafka()), WatermarkStrategy.noWatermarks(), "kafka", type)
                        .uid(UID_KAFKA_SOURCE);
            // The type is passed explicitly: the Kinesis source's own type extraction fails on erasure.
            case KINESIS ->
                env.fromSource(KinesisConnectors.source(s.kinesis()), WatermarkStrategy.noWatermarks(), "kinesis", type)
                        .uid(UID_KINESIS_SOURCE);
        };
    }

    /** The alert sink of a Kafka or Kinesis sink kind (the file kind is written by the caller). */
    public static Sink<AlertRecord> alertSink(SinkOptions s, AlertFormat format) {
        return switch (s.kind()) {
            case KAFKA -> KafkaConnectors.alertSink(s.kafka(), format);
            case KINESIS -> KinesisConnectors.alertSink(s.kinesis(), format);
            case FILE -> throw new IllegalArgumentException("the file sink is written by tripline run itself");
        };
    }

    /** The dead-letter sink of a Kafka or Kinesis sink kind; Kinesis without a dead-letter stream discards. */
    public static Sink<DeadLetter> deadLetterSink(SinkOptions s) {
        return switch (s.kind()) {
            case KAFKA -> KafkaConnectors.deadLetterSink(s.kafka());
            case KINESIS ->
                s.kinesis().deadLetterStream() == null
                        ? new DiscardingSink<>()
                        : KinesisConnectors.deadLetterSink(s.kinesis());
            case FILE -> throw new IllegalArgumentException("the file sink is written by tripline run itself");
        };
    }
}
