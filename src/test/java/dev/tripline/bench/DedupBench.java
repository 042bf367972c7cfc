package dev.tripline.bench;

import dev.tripline.alert.AlertFormat;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.flink.AlertRecord;
import dev.tripline.flink.DedupFunction;
import dev.tripline.flink.DetectFunction;
import dev.tripline.flink.Harnesses;
import dev.tripline.flink.RawRecord;
import dev.tripline.flink.SingleMatch;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.RuleSet;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * CPU of the stages after correlate in a BATCH run, per build: dedup ({@link DedupFunction}, FINAL lines) over the
 * single-match candidates detect makes of the first {@code --records} lines, handed over in the order BATCH sorts
 * them (dedup key, time, encoded alert), and the encoding of its lines as {@code tripline run} encodes them. With
 * {@code --base CLASSPATH} the base build runs in a class loader of its own, alternating with this one in every
 * round (this class must be on both class paths); the CPU of this thread per step, median of the rounds after the
 * first, and the per-round ratio this/base. Every round checks the CRC32 of the lines, in order: builds that print
 * the same wrote the same bytes.
 *
 * <p>{@code java -cp target/classes:target/test-classes:$(cat /tmp/cp.txt) dev.tripline.bench.DedupBench --file
 * /tmp/e2e/ct-300k.jsonl --records 300000 --rounds 9 --base BASE_CLASSPATH}
 */
public final class DedupBench {
    private DedupBench() {}

    private static final String[] STEPS = {"dedup", "encode"};

    public static void main(String[] args) throws Exception {
        Map<String, String> o =
                BenchOptions.parse("DedupBench", args, List.of("--file", "--records", "--rounds", "--base"));
        String file = o.getOrDefault("--file", "/tmp/e2e/ct-300k.jsonl");
        int records = Integer.parseInt(o.getOrDefault("--records", "300000"));
        int rounds = Integer.parseInt(o.getOrDefault("--rounds", "9"));
        String base = o.get("--base");
        List<String> names = PairedBuilds.names(base);
        List<Supplier<long[]>> builds = PairedBuilds.builds(base, DedupBench.class, file, records);
        long[][][] cpu = PairedBuilds.alternate(
                builds,
                rounds,
                (round, b, c) -> EndToEndBench.log(
                        "round %d %-4s: dedup %.0f ms, encode %.0f ms, lines %d, crc %d",
                        round + 1, names.get(b), c[0] / 1e6, c[1] / 1e6, c[2], c[3]));
        for (int b = 0; b < builds.size(); b++) {
            System.out.printf(
                    "%-4s CPU ms (median of rounds 2..%d): dedup %.0f, encode %.0f%n",
                    names.get(b),
                    rounds,
                    PairedBuilds.medianOfLater(cpu[b][0]) / 1e6,
                    PairedBuilds.medianOfLater(cpu[b][1]) / 1e6);
        }
        if (builds.size() == 2) {
            for (int step = 0; step <= STEPS.length; step++) {
                System.out.printf(
                        "%s CPU this/base, median of the rounds' ratios: %.3f%n",
                        step < STEPS.length ? STEPS[step] : "dedup + encode",
                        step < STEPS.length
                                ? PairedBuilds.medianRatioOfLater(cpu[1][step], cpu[0][step])
                                : PairedBuilds.medianRatioOfLater(bothSteps(cpu[1]), bothSteps(cpu[0])));
            }
        }
    }

    /** Per round, the CPU of dedup and encoding together. */
    private static long[] bothSteps(long[][] cpu) {
        long[] sum = new long[cpu[0].length];
        for (int round = 0; round < sum.length; round++) {
            sum[round] = cpu[0][round] + cpu[1][round];
        }
        return sum;
    }

    /**
     * The candidates of the first {@code records} lines of {@code file}, then on each call one round: this thread's
     * CPU nanoseconds of dedup and of encoding, the lines and their CRC32.
     */
    public static Supplier<long[]> rounds(String file, int records) throws Exception {
        List<AlertRecord> candidates = candidates(file, records);
        EndToEndBench.log("%,d single-match candidates", candidates.size());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return () -> {
            try {
                long t0 = threads.getCurrentThreadCpuTime();
                List<AlertRecord> out = dedup(candidates);
                long t1 = threads.getCurrentThreadCpuTime();
                CRC32 crc = new CRC32();
                for (AlertRecord r : out) {
                    crc.update(AlertFormat.JSONL.encode(r.alert()).getBytes(StandardCharsets.UTF_8));
                }
                long t2 = threads.getCurrentThreadCpuTime();
                return new long[] {t1 - t0, t2 - t1, out.size(), crc.getValue()};
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** Dedup's lines, FINAL, for candidates in BATCH's order; every period ends with the input. */
    static List<AlertRecord> dedup(List<AlertRecord> candidates) throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, AlertRecord, AlertRecord> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new DedupFunction(0, 10, DedupFunction.Emission.FINAL)),
                        r -> r.dedupKey,
                        org.apache.flink.api.common.typeinfo.Types.STRING)) {
            h.open();
            for (AlertRecord r : candidates) {
                h.processElement(new StreamRecord<>(r, r.eventTime));
            }
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            return new ArrayList<>(h.extractOutputValues());
        }
    }

    /** The single matches detect makes of the lines, as dedup's input, sorted as a BATCH run hands them over. */
    static List<AlertRecord> candidates(String file, int records) throws Exception {
        RuleSet rules = EndToEndBench.rules();
        CompiledMatcher matcher = CompiledMatcher.compile(rules.rules());
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        List<byte[]> lines = DetectBench.read(Path.of(file), records);
        List<AlertRecord> candidates = new ArrayList<>();
        try (var h = Harnesses.detect(new DetectFunction(matcher, engine))) {
            long n = 0;
            for (byte[] line : lines) {
                h.processElement(new RawRecord("bench", ++n, line), 0L);
                var singles = h.getSideOutput(DetectFunction.SINGLE_MATCHES);
                if (singles != null) {
                    for (StreamRecord<SingleMatch> m : singles) {
                        candidates.add(AlertRecord.of(m.getValue()));
                    }
                    singles.clear();
                }
                h.getOutput().clear();
            }
        }
        candidates.sort(Comparator.<AlertRecord, String>comparing(r -> r.dedupKey)
                .thenComparingLong(r -> r.eventTime)
                .thenComparing((a, b) -> Arrays.compareUnsigned(a.alertBytes(), b.alertBytes())));
        return candidates;
    }
}
