package dev.tripline.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.alert.Alerts;
import dev.tripline.alert.CandidateStore;
import dev.tripline.alert.Dedup;
import dev.tripline.alert.DedupPolicy;
import dev.tripline.alert.DedupState;
import dev.tripline.alert.EvidenceSample;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.flink.AlertRecord;
import dev.tripline.job.TriplineConfig;
import dev.tripline.match.ReferenceEvaluator;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.SharedData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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

/**
 * The dedup stage's work per alert candidate, on one busy key: the 64 earliest matches of Panther's
 * IAMAnythingChanged by one user in the Invictus Stratus logs, folded into one period from empty state, with the
 * state kept as bytes between candidates as Flink's heap and RocksDB backends keep it. {@code countOnly} is the
 * stage before evidence samples (read the 21-byte state, count, write it back); {@code withEvidenceSample} also
 * keeps the sample of 10 as {@code DedupFunction} does: the period and the sample's order keys as bytes, and each
 * kept candidate's serialized alert as an entry of its own, copied in once when it enters the sample and removed
 * when it leaves (none decoded). Scores are candidates per second on one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g"})
public class DedupBenchmark {
    static final int CANDIDATES = 64;
    static final DedupPolicy HOUR = new DedupPolicy(Duration.ofHours(1).toMillis(), 1);

    AlertRecord[] records;

    @Setup
    public void setUp() {
        RuleLoader.Result loaded =
                RuleLoader.standard(TriplineConfig.defaults().ruleLoadOptions()).load(List.of(Path.of("rules")));
        Rule rule = loaded.ruleSet().rule("AWS.CloudTrail.IAMAnythingChanged").orElseThrow();
        EventParser parser = new EventParser();
        List<Event> matches = new ArrayList<>();
        for (Path f : SharedData.files("data/invictus-aws-stratus", ".json")) {
            for (var r : SharedData.readTree(f).path("Records")) {
                Event e = parser.parse(((ObjectNode) r).toString().getBytes(StandardCharsets.UTF_8))
                        .events()
                        .get(0);
                if (ReferenceEvaluator.matches(rule, e)
                        && e.principal() != null
                        && e.principal().endsWith(":user/bert-jan")) {
                    matches.add(e);
                }
            }
        }
        matches.sort(Comparator.comparingLong(Event::eventTimeMillis));
        if (matches.size() < CANDIDATES) {
            throw new IllegalStateException("only " + matches.size() + " matches");
        }
        records = new AlertRecord[CANDIDATES];
        for (int i = 0; i < CANDIDATES; i++) {
            records[i] = AlertRecord.of(Alerts.single(rule, matches.get(i)));
        }
    }

    @Benchmark
    @OperationsPerInvocation(CANDIDATES)
    public byte[] countOnly() throws IOException {
        byte[] held = null;
        for (AlertRecord r : records) {
            DedupState s = held == null ? null : DedupState.read(new DataInputStream(new ByteArrayInputStream(held)));
            Dedup.Decision d = Dedup.offer(s, r.eventTime, HOUR);
            ByteArrayOutputStream out = new ByteArrayOutputStream(DedupState.SERIALIZED_BYTES);
            d.state().write(new DataOutputStream(out));
            held = out.toByteArray();
        }
        return held;
    }

    @Benchmark
    @OperationsPerInvocation(CANDIDATES)
    public byte[] withEvidenceSample() throws IOException {
        byte[] held = null;
        CandidateStore candidates = new CopyingStore();
        for (AlertRecord r : records) {
            DedupState s = null;
            EvidenceSample sample = new EvidenceSample(EvidenceSample.DEFAULT_LIMIT, candidates);
            if (held != null) {
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(held));
                s = DedupState.read(in);
                sample = EvidenceSample.read(in, candidates);
            }
            Dedup.Decision d = Dedup.offer(s, r.eventTime, HOUR);
            sample.add(r.firstSeen, r.eventTime, r.count, r.occurrences, r.alertId, () -> r.alert);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            d.state().write(out);
            sample.write(out);
            held = bytes.toByteArray();
        }
        return held;
    }

    /** Map state as RocksDB keeps it: an entry's bytes are copied in when written. */
    static final class CopyingStore implements CandidateStore {
        private final Map<String, byte[]> entries = new HashMap<>();

        @Override
        public byte[] get(String candidateId) {
            return entries.get(candidateId);
        }

        @Override
        public void put(String candidateId, byte[] serialized) {
            entries.put(candidateId, serialized.clone());
        }

        @Override
        public void remove(String candidateId) {
            entries.remove(candidateId);
        }
    }
}
