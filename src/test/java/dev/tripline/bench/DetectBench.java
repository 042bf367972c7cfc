package dev.tripline.bench;

import dev.tripline.correlate.AnchorPruning;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.flink.DetectFunction;
import dev.tripline.flink.Harnesses;
import dev.tripline.flink.PrunableSignals;
import dev.tripline.flink.RawRecord;
import dev.tripline.flink.RuleUpdate;
import dev.tripline.flink.SignalRecord;
import dev.tripline.flink.SignalRouter;
import dev.tripline.flink.SingleMatch;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.program.FieldDemand;
import dev.tripline.rule.RuleSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * The per-record CPU of the detect operator in one thread, in three steps over the same lines held in memory:
 * {@code parse} (the detect parser, {@link EventParser#forDetection}), {@code match} (parse and the compiled
 * matcher, matches counted) and {@code detect} ({@link DetectFunction} in Flink's test harness, each signal
 * keyed and written as the keyed exchange writes it, each single match written: all detect does per record in
 * the job, less the reader and the network) and {@code route} (detect, then the BATCH job's {@link SignalRouter}
 * with its pruning, every output written as its exchange writes it). Every step runs in every round, CPU time of this thread; the
 * median of the rounds after the first is reported per step, and the difference between steps is what matching
 * and the per-match work cost.
 *
 * <p>The first round also sums a CRC32 of every record written, in order: two builds that print the same
 * checksums wrote the same bytes for every signal and single match.
 *
 * <p>{@code java -cp target/classes:target/test-classes:$(cat /tmp/cp.txt) dev.tripline.bench.DetectBench
 * --file /tmp/e2e/ct-300k.jsonl --records 100000 --rounds 7}
 */
public final class DetectBench {
    private DetectBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o =
                BenchOptions.parse("DetectBench", args, List.of("--file", "--records", "--rounds", "--base"));
        String file = o.getOrDefault("--file", "/tmp/e2e/ct-300k.jsonl");
        int records = Integer.parseInt(o.getOrDefault("--records", "100000"));
        int rounds = Integer.parseInt(o.getOrDefault("--rounds", "7"));
        String base = o.get("--base");
        List<String> names = PairedBuilds.names(base);
        List<Supplier<long[]>> builds = PairedBuilds.builds(base, DetectBench.class, file, records);
        long[][][] cpu = PairedBuilds.alternate(
                builds,
                rounds,
                (round, b, c) -> EndToEndBench.log(
                        "round %d %-4s: parse %.0f ms, match %.0f ms, detect %.0f ms, route %.0f ms",
                        round + 1, names.get(b), c[0] / 1e6, c[1] / 1e6, c[2] / 1e6, c[3] / 1e6));
        for (int b = 0; b < builds.size(); b++) {
            double[] m = new double[STEPS.length];
            for (int step = 0; step < STEPS.length; step++) {
                m[step] = PairedBuilds.medianOfLater(cpu[b][step]) / 1e6;
            }
            System.out.printf(
                    "%-4s %,d records, CPU ms (median of rounds 2..%d): parse %.0f, match %.0f, detect %.0f, route %.0f;"
                            + " match - parse %.0f, detect - match %.0f, route - match %.0f; us/record detect %.2f,"
                            + " route %.2f%n",
                    names.get(b),
                    records,
                    rounds,
                    m[0],
                    m[1],
                    m[2],
                    m[3],
                    m[1] - m[0],
                    m[2] - m[1],
                    m[3] - m[1],
                    1000 * m[2] / records,
                    1000 * m[3] / records);
        }
        if (builds.size() == 2) {
            System.out.printf(
                    "detect CPU this/base, median of the rounds' ratios: %.3f%n",
                    PairedBuilds.medianRatioOfLater(cpu[1][2], cpu[0][2]));
            System.out.printf(
                    "route CPU this/base, median of the rounds' ratios: %.3f%n",
                    PairedBuilds.medianRatioOfLater(cpu[1][3], cpu[0][3]));
        }
    }

    private static final String[] STEPS = {"parse", "match", "detect", "route"};

    /**
     * One round of every step over the first {@code records} lines of {@code file}, on each call: this thread's
     * CPU nanoseconds of parse, match and detect. The first call also logs what each step saw.
     */
    public static Supplier<long[]> rounds(String file, int records) throws IOException {
        RuleSet rules = EndToEndBench.rules();
        CompiledMatcher matcher = CompiledMatcher.compile(rules.rules());
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        EventParser parser = EventParser.forDetection(FieldDemand.of(matcher, engine));
        List<byte[]> lines = read(Path.of(file), records);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean[] first = {true};
        return () -> {
            long[] cpu = new long[STEPS.length];
            for (int step = 0; step < STEPS.length; step++) {
                long t0 = threads.getCurrentThreadCpuTime();
                Totals t;
                try {
                    t = switch (step) {
                        case 0 -> parse(parser, lines);
                        case 1 -> match(parser, matcher, lines);
                        case 2 -> detect(matcher, engine, lines, first[0]);
                        default -> route(matcher, engine, lines, first[0]);
                    };
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                cpu[step] = threads.getCurrentThreadCpuTime() - t0;
                if (first[0]) {
                    EndToEndBench.log("%-6s %s", STEPS[step], t);
                }
            }
            first[0] = false;
            return cpu;
        };
    }

    /** What a step saw: events, matches, and for detect the records written, their bytes and checksum. */
    record Totals(long events, long matches, long signals, long singles, long bytes, long crc) {}

    static List<byte[]> read(Path file, int records) throws IOException {
        List<byte[]> lines = new ArrayList<>(records);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String l;
            while (lines.size() < records && (l = r.readLine()) != null) {
                lines.add(l.getBytes(StandardCharsets.UTF_8));
            }
        }
        return lines;
    }

    static Totals parse(EventParser parser, List<byte[]> lines) {
        long events = 0;
        for (byte[] line : lines) {
            events += parser.parse(line).events().size();
        }
        return new Totals(events, 0, 0, 0, 0, 0);
    }

    static Totals match(EventParser parser, CompiledMatcher matcher, List<byte[]> lines) {
        long[] n = new long[2];
        for (byte[] line : lines) {
            for (Event e : parser.parse(line).events()) {
                n[0]++;
                matcher.match(e, rule -> n[1]++);
            }
        }
        return new Totals(n[0], n[1], 0, 0, 0, 0);
    }

    /** {@link DetectFunction} over the lines, its output written as the job's exchanges write it. */
    static Totals detect(CompiledMatcher matcher, CorrelationEngine engine, List<byte[]> lines, boolean checksum)
            throws Exception {
        Written w = new Written(checksum);
        try (BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h =
                Harnesses.detect(new DetectFunction(matcher, engine))) {
            long n = 0;
            for (byte[] line : lines) {
                h.processElement(new RawRecord("bench", ++n, line), 0L);
                if (n % 1024 == 0) {
                    w.drain(h);
                }
            }
            w.drain(h);
        }
        return new Totals(0, 0, w.signals, w.singles, w.bytes, w.crc.getValue());
    }

    /**
     * {@link DetectFunction} and the BATCH job's {@link SignalRouter} after it, with pruning as the job prunes
     * ({@link AnchorPruning}): what leaves for the correlate stages keyed and written, the runs of prunable signals,
     * the anchors' hashes and the single matches written, as the exchanges write them. The checksum covers the
     * keyed signals and single matches only (a build may write the runs in its own form); the bytes count all.
     */
    static Totals route(CompiledMatcher matcher, CorrelationEngine engine, List<byte[]> lines, boolean checksum)
            throws Exception {
        Written w = new Written(checksum);
        try (BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h =
                        Harnesses.detect(new DetectFunction(matcher, engine));
                OneInputStreamOperatorTestHarness<SignalRecord, SignalRecord> router =
                        new OneInputStreamOperatorTestHarness<>(
                                new SignalRouter(AnchorPruning.of(engine), engine.stages()))) {
            router.open();
            long n = 0;
            for (byte[] line : lines) {
                h.processElement(new RawRecord("bench", ++n, line), 0L);
                if (n % 1024 == 0) {
                    w.drain(h, router, engine.stages());
                }
            }
            w.drain(h, router, engine.stages());
            router.endInput();
            w.drainRouted(router, engine.stages());
        }
        return new Totals(0, 0, w.signals, w.singles, w.bytes, w.crc.getValue());
    }

    /** The records detect emitted, each keyed and written to a reused buffer, as the job's exchanges do. */
    private static final class Written {
        final DataOutputSerializer out = new DataOutputSerializer(4096);
        final CRC32 crc = new CRC32();
        final boolean checksum;
        long signals;
        long singles;
        long bytes;
        /** Key hashes summed, so that the keys cannot be left unmade. */
        long hashes;

        Written(boolean checksum) {
            this.checksum = checksum;
        }

        void drain(BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h) throws IOException {
            for (SignalRecord s : h.extractOutputValues()) {
                hashes += s.key().hashCode();
                out.clear();
                SignalRecord.Serializer.INSTANCE.serialize(s, out);
                written();
                signals++;
            }
            h.getOutput().clear();
            drainSingles(h);
        }

        /** Detect's output through {@code router}, then what the router sent on. */
        void drain(
                BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h,
                OneInputStreamOperatorTestHarness<SignalRecord, SignalRecord> router,
                int stages)
                throws Exception {
            for (StreamRecord<SignalRecord> s : h.getOutput().stream()
                    .map(o -> (StreamRecord<SignalRecord>) o)
                    .toList()) {
                router.processElement(s);
            }
            h.getOutput().clear();
            drainSingles(h);
            drainRouted(router, stages);
        }

        void drainRouted(OneInputStreamOperatorTestHarness<SignalRecord, SignalRecord> router, int stages)
                throws IOException {
            List<SignalRecord> keyed = new ArrayList<>(router.extractOutputValues());
            router.getOutput().clear();
            for (int k = 2; k <= stages; k++) {
                Queue<StreamRecord<SignalRecord>> stage = router.getSideOutput(SignalRouter.stage(k));
                if (stage != null) {
                    stage.forEach(r -> keyed.add(r.getValue()));
                    stage.clear();
                }
            }
            for (SignalRecord s : keyed) {
                hashes += s.key().hashCode();
                out.clear();
                SignalRecord.Serializer.INSTANCE.serialize(s, out);
                written();
                signals++;
            }
            Queue<StreamRecord<PrunableSignals>> runs = router.getSideOutput(SignalRouter.PRUNABLE);
            if (runs != null) {
                for (StreamRecord<PrunableSignals> run : runs) {
                    out.clear();
                    PrunableSignals.Serializer.INSTANCE.serialize(run.getValue(), out);
                    bytes += out.length();
                }
                runs.clear();
            }
            Queue<StreamRecord<Long>> anchors = router.getSideOutput(SignalRouter.ANCHORS);
            if (anchors != null) {
                bytes += 8L * anchors.size();
                anchors.clear();
            }
        }

        private void drainSingles(BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> h)
                throws IOException {
            Queue<StreamRecord<SingleMatch>> singles = h.getSideOutput(DetectFunction.SINGLE_MATCHES);
            if (singles != null) {
                for (StreamRecord<SingleMatch> m : singles) {
                    hashes += m.getValue().dedupKey.hashCode();
                    out.clear();
                    SingleMatch.Serializer.INSTANCE.serialize(m.getValue(), out);
                    written();
                    this.singles++;
                }
                singles.clear();
            }
            var dead = h.getSideOutput(DetectFunction.DEAD_LETTERS);
            if (dead != null) {
                dead.clear();
            }
        }

        private void written() {
            bytes += out.length();
            if (checksum) {
                crc.update(out.getSharedBuffer(), 0, out.length());
            }
        }
    }
}
