package dev.tripline.bench;

import com.dslplatform.json.DslJson;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.event.FieldSet;
import dev.tripline.event.ParseLimits;
import dev.tripline.event.ParseResult;
import dev.tripline.program.FieldDemand;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Rule;
import dev.tripline.testing.Corpus;
import dev.tripline.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
 * EventParser (envelope detection, limits, event time, typed failures), building whole records
 * ({@code tripline}) and building only the fields the full rule set reads ({@code selective}: rules/ plus
 * SigmaHQ AWS and the correlations of rules/, through {@link FieldDemand}), against plain Jackson tree parsing
 * of the same bytes ({@code jacksonTree}, the baseline), Jackson's tokenizer alone skipping every value
 * ({@code jacksonSkip}, the floor of any Jackson-based parser) and dsl-json reading each record into a map
 * ({@code dslJsonMap}). Scores are records per second on one thread.
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
    EventParser selectiveParser;
    ObjectMapper jackson;
    JsonFactory tokens;
    DslJson<Object> dslJson;

    @Setup
    public void setUp() {
        List<ObjectNode> all = SharedData.allCloudTrailRecords();
        messages = new byte[RECORDS][];
        for (int i = 0; i < RECORDS; i++) {
            messages[i] = all.get(i % all.size()).toString().getBytes(StandardCharsets.UTF_8);
        }
        parser = new EventParser();
        List<Rule> rules = Corpus.allRules().stream().filter(Rule::enabled).toList();
        List<CorrelationRule> correlations = Corpus.defaultLoader()
                .load(List.of(Path.of(System.getProperty("tripline.rules", "rules"))))
                .ruleSet()
                .correlations();
        FieldSet fields = FieldDemand.of(rules, correlations);
        if (fields.isAll()) {
            throw new IllegalStateException("the rule set needs whole records; nothing selective to measure");
        }
        selectiveParser = new EventParser(ParseLimits.defaults(), false, fields);
        jackson = new ObjectMapper();
        tokens = new JsonFactory();
        dslJson = new DslJson<>();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void selective(Blackhole bh) {
        for (byte[] m : messages) {
            ParseResult r = selectiveParser.parse(m);
            for (Event e : r.events()) {
                bh.consume(e);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void jacksonSkip(Blackhole bh) throws IOException {
        for (byte[] m : messages) {
            try (JsonParser p = tokens.createParser(m)) {
                p.nextToken();
                p.skipChildren();
                bh.consume(p.currentToken());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void dslJsonMap(Blackhole bh) throws IOException {
        for (byte[] m : messages) {
            bh.consume(dslJson.deserialize(Map.class, m, m.length));
        }
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
