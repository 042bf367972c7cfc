package dev.tripline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
 * Reading inside policy documents ({@code [json]} steps) on the real policy-writing CloudTrail records of
 * ../shared/data, as several rules would: eight lookups per event. {@code decodedOncePerEvent} is what the
 * matcher does (the event caches the decoded document); {@code decodedPerLookup} decodes the text on every
 * lookup, as a rule engine without the cache would. Scores are events per second on one thread; each event is
 * new, so the cached variant pays its one decode per event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g"})
public class EmbeddedJsonBenchmark {
    static final int EVENTS = 1024;
    static final Set<String> POLICY_WRITES =
            Set.of("PutUserPolicy", "PutRolePolicy", "PutGroupPolicy", "CreatePolicy", "CreatePolicyVersion");

    ObjectNode[] records;
    FieldPath[] paths;

    @Setup
    public void setUp() {
        List<ObjectNode> policies = new ArrayList<>();
        for (ObjectNode r : SharedData.allCloudTrailRecords()) {
            if (POLICY_WRITES.contains(r.path("eventName").asText())
                    && r.path("requestParameters").path("policyDocument").isTextual()) {
                policies.add(r);
            }
        }
        if (policies.isEmpty()) {
            throw new IllegalStateException("no policy-writing records in ../shared/data");
        }
        records = new ObjectNode[EVENTS];
        for (int i = 0; i < EVENTS; i++) {
            records[i] = policies.get(i % policies.size());
        }
        String doc = "requestParameters.policyDocument[json].";
        paths = new FieldPath[] {
            FieldPath.of(doc + "Statement.Action"), FieldPath.of(doc + "Statement.Effect"),
            FieldPath.of(doc + "Statement.Resource"), FieldPath.of(doc + "Version"),
            FieldPath.of(doc + "Statement.NotAction"), FieldPath.of(doc + "Statement.Principal"),
            FieldPath.caseInsensitive(doc + "Statement.Condition"), FieldPath.caseInsensitive(doc + "Statement.Sid"),
        };
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void decodedOncePerEvent(Blackhole bh) {
        for (ObjectNode root : records) {
            Event event = new Event(LogType.CLOUDTRAIL, root);
            for (FieldPath p : paths) {
                bh.consume(event.anyValue(p, EmbeddedJsonBenchmark::isStar));
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void decodedPerLookup(Blackhole bh) {
        for (ObjectNode root : records) {
            for (FieldPath p : paths) {
                bh.consume(Event.anyValue(root, p, EmbeddedJsonBenchmark::isStar));
            }
        }
    }

    private static boolean isStar(JsonNode v) {
        return v.isTextual() && v.textValue().equals("*");
    }
}
