package dev.tripline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.ParseResult;
import dev.tripline.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * CloudTrail parse throughput, one record per message (as Kafka and Kinesis deliver them): Tripline's
 * EventParser (envelope detection, limits, event time, typed failures) against plain Jackson tree parsing of
 * the same bytes. Scores are records per second on one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g"})
public class ParseBenchmark {
    static final int RECORDS = 4096;

    byte[][] messages;
    EventParser parser;
    ObjectMapper jackson;

    @Setup
    public void setUp() {
        List<ObjectNode> all = SharedData.allCloudTrailRecords();
        messages = new byte[RECORDS][];
        for (int i = 0; i < RECORDS; i++) {
            messages[i] = all.get(i % all.size()).toString().getBytes(StandardCharsets.UTF_8);
        }
        parser = new EventParser();
        jackson = new ObjectMapper();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void tripline(Blackhole bh) {
        for (byte[] m : messages) {
            ParseResult r = parser.parse(m);
            for (Event e : r.events()) {
                bh.consume(e);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void jacksonTree(Blackhole bh) throws IOException {
        for (byte[] m : messages) {
            JsonNode n = jackson.readTree(m);
            bh.consume(n);
        }
    }
}
