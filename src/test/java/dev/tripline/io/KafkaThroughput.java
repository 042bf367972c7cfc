package dev.tripline.io;

import dev.tripline.alert.AlertFormat;
import dev.tripline.flink.RawRecord;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedRun;
import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Throughput of Kafka -> job -> Kafka beside file -> job -> Kafka over the same records in the same JVM, for
 * BENCHMARKS.md (not a test; run by hand, see there). Both runs use the exactly-once sink with 10 s
 * checkpoints and parallelism 2; the wall time includes job start-up.
 */
public final class KafkaThroughput {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        List<String> lines = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String user = "user" + (i % 2000);
            int minute = i / 100;
            lines.add(
                    switch (i % 10) {
                        case 0 ->
                            CloudTrailScenario.enable(
                                    "e" + i, i % 20 == 0 ? "ap-southeast-1" : "eu-west-1", minute, user);
                        case 1, 2 -> CloudTrailScenario.run("r" + i, "ap-southeast-1", minute, user);
                        default -> CloudTrailScenario.describe("d" + i, minute, user);
                    });
        }
        Path file = Files.createTempFile("tripline-throughput", ".jsonl");
        Files.write(file, lines, StandardCharsets.UTF_8);
        RuleSet rules = CloudTrailScenario.rules();
        try (KafkaTestCluster kafka = new KafkaTestCluster()) {
            kafka.createTopic("in", 2);
            for (String t : List.of("out-file", "dead-file", "out-kafka", "dead-kafka")) {
                kafka.createTopic(t, 2);
            }
            List<byte[][]> records = new ArrayList<>(n);
            for (String l : lines) {
                records.add(new byte[][] {null, l.getBytes(StandardCharsets.UTF_8)});
            }
            long p0 = System.nanoTime();
            kafka.produce("in", records);
            double produceS = (System.nanoTime() - p0) / 1e9;

            SinkOptions sinkFile = sink(kafka, "out-file", "dead-file");
            double fileS = time(
                    rules,
                    sinkFile,
                    env -> Connectors.source(
                            env,
                            SourceOptions.files(),
                            ArchiveFiles.list(List.of(file.toString()), ArchiveFiles.Scope.ALL)
                                    .files(),
                            new RawRecordFormat()));
            SourceOptions kafkaIn = new SourceOptions(
                    SourceOptions.Kind.KAFKA,
                    new KafkaSourceOptions(
                            List.of(kafka.bootstrap()),
                            List.of("in"),
                            "bench",
                            KafkaSourceOptions.Start.EARLIEST,
                            null,
                            true,
                            ClientProperties.empty()),
                    null);
            double kafkaS = time(
                    rules,
                    sink(kafka, "out-kafka", "dead-kafka"),
                    env -> Connectors.source(env, kafkaIn, List.of(), new RawRecordFormat()));
            int alertsFile = kafka.readCommitted("out-file").size();
            int alertsKafka = kafka.readCommitted("out-kafka").size();
            System.out.printf(
                    "records %d (%.1f MB), producing them took %.1f s%n", n, Files.size(file) / 1e6, produceS);
            System.out.printf(
                    "file  -> job -> kafka: %.1f s, %,.0f records/s, %d alerts%n", fileS, n / fileS, alertsFile);
            System.out.printf(
                    "kafka -> job -> kafka: %.1f s, %,.0f records/s, %d alerts%n", kafkaS, n / kafkaS, alertsKafka);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static SinkOptions sink(KafkaTestCluster kafka, String topic, String dead) {
        return new SinkOptions(
                SourceOptions.Kind.KAFKA,
                SinkOptions.DEFAULT_CHECKPOINT_INTERVAL,
                new KafkaSinkOptions(
                        List.of(kafka.bootstrap()),
                        topic,
                        dead,
                        KafkaSinkOptions.Delivery.EXACTLY_ONCE,
                        "bench-" + topic,
                        java.time.Duration.ofMinutes(5),
                        ClientProperties.empty()),
                null);
    }

    private interface SourceFactory {
        DataStream<RawRecord> make(StreamExecutionEnvironment env);
    }

    private static double time(RuleSet rules, SinkOptions sink, SourceFactory source) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        EmbeddedRun.enableCheckpointing(env, sink.checkpointInterval());
        long t0 = System.nanoTime();
        new EmbeddedRun(
                        RuleProgram.of(rules),
                        DetectionJob.Options.defaults(),
                        AlertFormat.JSONL,
                        new RawRecordFormat())
                .runAttached(
                        env,
                        RuntimeExecutionMode.STREAMING,
                        source.make(env),
                        0,
                        0,
                        Connectors.alertSink(sink, AlertFormat.JSONL),
                        Connectors.deadLetterSink(sink));
        return (System.nanoTime() - t0) / 1e9;
    }

    private KafkaThroughput() {}
}
