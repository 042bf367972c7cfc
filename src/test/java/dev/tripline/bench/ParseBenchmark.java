package dev.tripline.bench;

import com.alibaba.fastjson2.JSONReader;
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
import dev.tripline.event.StrictJsonPass;
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
 * ({@code dslJsonMap}). The {@code fastjson*} methods weigh fastjson2's low-level reader (skipping, decoding,
 * building trees, building eight top-level fields lazily), and {@code strictPass} / {@code strictIndexLazy} what
 * the job's checks cost before anything is built ({@link StrictJsonPass}). Scores are records per second on one
 * thread. {@link #main} runs every variant in paired rounds in one JVM, for a loaded machine.
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

    /**
     * Paired rounds in one JVM, for a machine too busy for JMH's separate trials: every round runs each variant
     * once (five passes over the records), so every variant sees the same load; prints the median records/s of
     * the second half of the rounds and its ratio to {@code jacksonTree}. Arguments: the number of rounds (30),
     * then optionally the variants to run, comma-separated ({@code jacksonTree} must be among them).
     */
    public static void main(String[] args) throws Exception {
        int rounds = PairedRounds.rounds(args, 30);
        ParseBenchmark b = new ParseBenchmark();
        b.setUp();
        Blackhole bh = new Blackhole(
                "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        Map<String, PairedRounds.Pass> variants = new java.util.LinkedHashMap<>();
        variants.put("jacksonTree", () -> b.jacksonTree(bh));
        variants.put("tripline", () -> b.tripline(bh));
        variants.put("selective", () -> b.selective(bh));
        variants.put("jacksonSkip", () -> b.jacksonSkip(bh));
        variants.put("dslJsonMap", () -> b.dslJsonMap(bh));
        variants.put("fastjsonSkip", () -> b.fastjsonSkip(bh));
        variants.put("fastjsonWalk", () -> b.fastjsonWalk(bh));
        variants.put("fastjsonTree", () -> b.fastjsonTree(bh));
        variants.put("fastjsonJackson", () -> b.fastjsonJackson(bh));
        variants.put("fastjsonLazy", () -> b.fastjsonLazy(bh));
        variants.put("fastjsonLazyStrict", () -> b.fastjsonLazyStrict(bh));
        variants.put("strictPass", () -> b.strictPass(bh));
        variants.put("strictIndexLazy", () -> b.strictIndexLazy(bh));
        Map<String, PairedRounds.Times> times = PairedRounds.run(PairedRounds.selected(variants, args), rounds);
        double baseline = recordsPerSecond(times.get("jacksonTree"));
        for (Map.Entry<String, PairedRounds.Times> t : times.entrySet()) {
            double m = recordsPerSecond(t.getValue());
            System.out.printf("%-14s %,12.0f records/s  %.2fx jacksonTree%n", t.getKey(), m, m / baseline);
        }
    }

    /** The median records/s of the later rounds, each round's rate taken from its wall time. */
    private static double recordsPerSecond(PairedRounds.Times t) {
        double[] rates = java.util.Arrays.stream(t.wall())
                .map(nanos -> RECORDS * 1e9 / nanos)
                .toArray();
        return PairedRounds.laterMedian(rates);
    }

    // Three forks for the two sides of the goal's ratio: one fork's figure is as much the luck of its JIT as the
    // parser's (Jackson's readTree read 211,977 and 300,989 records/s in two runs of one fork each, unchanged code).
    @Fork(
            value = 3,
            jvmArgsAppend = {"-Xmx2g"})
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
    public void fastjsonSkip(Blackhole bh) {
        for (byte[] m : messages) {
            // The low-level reader only: nothing is bound to classes, autotype stays off.
            try (JSONReader r = JSONReader.of(m, 0, m.length)) {
                r.skipValue();
                bh.consume(r.isEnd());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void fastjsonWalk(Blackhole bh) {
        for (byte[] m : messages) {
            // The low-level reader only: nothing is bound to classes, autotype stays off.
            try (JSONReader r = JSONReader.of(m, 0, m.length)) {
                walk(r, bh);
                bh.consume(r.isEnd());
            }
        }
    }

    /** Decodes every name and scalar as a parser building whole records must, but keeps nothing. */
    private static void walk(JSONReader r, Blackhole bh) {
        if (r.nextIfObjectStart()) {
            while (!r.nextIfObjectEnd()) {
                bh.consume(r.readFieldName());
                walk(r, bh);
            }
        } else if (r.nextIfArrayStart()) {
            while (!r.nextIfArrayEnd()) {
                walk(r, bh);
            }
        } else if (r.isString()) {
            bh.consume(r.readString());
        } else if (r.isNumber()) {
            bh.consume(r.readNumber());
        } else if (r.nextIfNull()) {
            bh.consume(0);
        } else {
            bh.consume(r.readBoolValue());
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void fastjsonTree(Blackhole bh) {
        for (byte[] m : messages) {
            // The low-level reader only: readObject builds plain maps and lists, autotype stays off.
            try (JSONReader r = JSONReader.of(m, 0, m.length)) {
                bh.consume(r.readObject());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void fastjsonJackson(Blackhole bh) {
        for (byte[] m : messages) {
            try (JSONReader r = JSONReader.of(m, 0, m.length)) {
                bh.consume(jacksonNode(r));
            }
        }
    }

    /**
     * The most a parser that builds lazily could save on fastjson2: the top-level fields every record needs
     * (the matcher's index fields, the event time, the caller) are built, every other value is skipped and only
     * its offsets are kept, for decoding on first access. No strictness checks beyond fastjson2's own.
     */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void fastjsonLazy(Blackhole bh) {
        int[] offsets = new int[256];
        for (byte[] m : messages) {
            try (JSONReader r = JSONReader.of(m, 0, m.length)) {
                ObjectNode o = NODES.objectNode();
                int kept = 0;
                r.nextIfObjectStart();
                while (!r.nextIfObjectEnd()) {
                    String name = r.readFieldName();
                    if (EAGER.contains(name)) {
                        o.set(name, jacksonNode(r));
                    } else {
                        offsets[kept++ & 255] = r.getOffset();
                        r.skipValue();
                        offsets[kept++ & 255] = r.getOffset();
                    }
                }
                bh.consume(o);
                bh.consume(offsets);
            }
        }
    }

    /**
     * {@link #fastjsonLazy} after a strict pass over the bytes for what fastjson2's reader lets through (see
     * {@link StrictJsonPass}): the least a lazy parser on fastjson2 must do to keep Tripline's guarantees.
     */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void fastjsonLazyStrict(Blackhole bh) {
        for (byte[] m : messages) {
            if (StrictJsonPass.firstError(m, 0, m.length, DEPTH, NUMBER_LENGTH) >= 0) {
                throw new IllegalStateException("a benchmark record failed the strict pass");
            }
        }
        fastjsonLazy(bh);
    }

    /** {@link StrictJsonPass} alone: what keeping Tripline's guarantees costs before anything is built. */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void strictPass(Blackhole bh) {
        for (byte[] m : messages) {
            bh.consume(StrictJsonPass.firstError(m, 0, m.length, DEPTH, NUMBER_LENGTH));
        }
    }

    /**
     * A lazy parser on one strict pass: {@link StrictJsonPass} checks the record and indexes its top-level
     * members on the way; only the members every record needs are decoded (by fastjson2's reader over their
     * bytes), the others keep their offsets. The least a lazy parser keeping Tripline's guarantees costs.
     */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void strictIndexLazy(Blackhole bh) {
        int[] members = new int[1 + StrictJsonPass.MEMBER_INTS * 64];
        for (byte[] m : messages) {
            if (StrictJsonPass.firstError(m, 0, m.length, DEPTH, NUMBER_LENGTH, members, false) >= 0) {
                throw new IllegalStateException("a benchmark record failed the strict pass");
            }
            ObjectNode o = NODES.objectNode();
            for (int k = 0; k < Math.min(members[0], 64); k++) {
                int name = members[1 + StrictJsonPass.MEMBER_INTS * k + StrictJsonPass.NAME_START];
                int valueStart = members[1 + StrictJsonPass.MEMBER_INTS * k + StrictJsonPass.VALUE_START];
                String key = eagerName(m, name, valueStart);
                if (key != null) {
                    o.set(
                            key,
                            decode(
                                    m,
                                    valueStart,
                                    members[1 + StrictJsonPass.MEMBER_INTS * k + StrictJsonPass.VALUE_END]));
                }
            }
            bh.consume(o);
            bh.consume(members);
        }
    }

    private static final List<String> EAGER_LIST = List.of(
            "eventVersion",
            "eventSource",
            "eventName",
            "eventTime",
            "userIdentity",
            "recipientAccountId",
            "awsRegion",
            "errorCode");
    private static final java.util.Set<String> EAGER = java.util.Set.copyOf(EAGER_LIST);

    private static final byte[][] EAGER_BYTES = EAGER_LIST.stream()
            .map(n -> ("\"" + n + "\"").getBytes(StandardCharsets.UTF_8))
            .toArray(byte[][]::new);

    /**
     * The value in {@code m[from, to)} (checked already): a string without escapes straight from its bytes,
     * anything else through fastjson2's reader.
     */
    private static JsonNode decode(byte[] m, int from, int to) {
        while (m[from] == ' ' || m[from] == '\n' || m[from] == '\r' || m[from] == '\t') {
            from++;
        }
        while (m[to - 1] == ' ' || m[to - 1] == '\n' || m[to - 1] == '\r' || m[to - 1] == '\t') {
            to--;
        }
        if (m[from] == '"' && indexOfBackslash(m, from, to) < 0) {
            return NODES.textNode(new String(m, from + 1, to - from - 2, StandardCharsets.UTF_8));
        }
        try (JSONReader r = JSONReader.of(m, from, to - from)) {
            return jacksonNode(r);
        }
    }

    private static int indexOfBackslash(byte[] m, int from, int to) {
        for (int i = from; i < to; i++) {
            if (m[i] == '\\') {
                return i;
            }
        }
        return -1;
    }

    /** The eager member whose quoted name starts at {@code from} (before the colon at {@code to - 1}), or null. */
    private static String eagerName(byte[] m, int from, int to) {
        for (int k = 0; k < EAGER_BYTES.length; k++) {
            byte[] e = EAGER_BYTES[k];
            if (from + e.length < to && java.util.Arrays.equals(m, from, from + e.length, e, 0, e.length)) {
                return EAGER_LIST.get(k);
            }
        }
        return null;
    }

    private static final int DEPTH = ParseLimits.defaults().maxDepth();
    /** Jackson's default limit on the length of a number, which the job's parser inherits. */
    private static final int NUMBER_LENGTH = 1000;

    private static final com.fasterxml.jackson.databind.node.JsonNodeFactory NODES =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;

    private static JsonNode jacksonNode(JSONReader r) {
        if (r.nextIfObjectStart()) {
            ObjectNode o = NODES.objectNode();
            while (!r.nextIfObjectEnd()) {
                String name = r.readFieldName();
                o.set(name, jacksonNode(r));
            }
            return o;
        } else if (r.nextIfArrayStart()) {
            com.fasterxml.jackson.databind.node.ArrayNode a = NODES.arrayNode();
            while (!r.nextIfArrayEnd()) {
                a.add(jacksonNode(r));
            }
            return a;
        } else if (r.isString()) {
            return NODES.textNode(r.readString());
        } else if (r.isNumber()) {
            Number n = r.readNumber();
            return n instanceof Integer i
                    ? NODES.numberNode(i)
                    : n instanceof Long l ? NODES.numberNode(l) : NODES.numberNode(n.doubleValue());
        } else if (r.nextIfNull()) {
            return NODES.nullNode();
        } else {
            return NODES.booleanNode(r.readBoolValue());
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

    // Three forks, as for selective: the goal's baseline.
    @Fork(
            value = 3,
            jvmArgsAppend = {"-Xmx2g"})
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void jacksonTree(Blackhole bh) throws IOException {
        for (byte[] m : messages) {
            JsonNode n = jackson.readTree(m);
            bh.consume(n);
        }
    }
}
