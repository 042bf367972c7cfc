package dev.tripline.bench;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.flink.CorrelateFunction;
import dev.tripline.flink.Harnesses;
import dev.tripline.flink.SignalRecord;
import dev.tripline.rule.RuleSet;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The correlate operator alone, for comparing two builds of it on a busy machine: {@link CorrelateBench}'s flagship
 * signals (the day, replayed {@code copies} days), fed on one thread through the operator's test harness (heap
 * state, the job's operator and function), with a watermark 15 minutes behind the latest time every
 * {@code watermarkEvery} signals. It reports signals per CPU-second of that thread: no network, no serialisation,
 * no source, no collector threads, so what other processes take of the cores changes it far less than the wall
 * figures of {@link CorrelateBench}. It also reports the bytes that thread allocated per signal, which the load
 * does not change at all (what the young collections have to do follows it). Not a figure against CEP; run it with
 * each build's classes, alternating.
 *
 * <p>The day's signals are cached in {@code target/bench/flagship-day.bin} (records in their serializer's form)
 * after the first run, so that later runs skip detection.
 *
 * <p>Input {@code memory} (the default) hands the operator records made in memory: the thread makes each
 * record's key from its group strings, as detect does before the keyed exchange. Input {@code wire} hands it
 * records as the keyed exchange delivers them in a job: each is deserialised inside the timed loop from bytes its
 * serializer wrote before the reps (key made first, as the exchange does), so the thread reads the key's bytes
 * and the evidence array off the record, which is what the correlate thread of a job (and of
 * {@link CorrelateBench}) does.
 *
 * <pre>
 * java -Dtripline.shared=../shared -cp &lt;classes&gt;:target/test-classes:&lt;test classpath&gt; \
 *     dev.tripline.bench.CorrelateOperatorBench [reps=5] [copies=10] [watermarkEvery=32768] [input=memory|wire]
 * </pre>
 */
public final class CorrelateOperatorBench {
    private CorrelateOperatorBench() {}

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int copies = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int watermarkEvery = args.length > 2 ? Integer.parseInt(args[2]) : 32_768;
        boolean wire = args.length > 3 && args[3].equals("wire");
        if (args.length > 3 && !wire && !args[3].equals("memory")) {
            throw new IllegalArgumentException("input must be memory or wire, not " + args[3]);
        }
        RuleSet rules = EndToEndBench.rules();
        CorrelationEngine engine = CorrelationEngine.compile(rules);
        List<SignalRecord> all = CorrelateBench.replay(day(rules), copies, engine);
        List<byte[]> written = new ArrayList<>(wire ? all.size() : 0);
        if (wire) {
            DataOutputSerializer out = new DataOutputSerializer(1024);
            for (SignalRecord r : all) {
                out.clear();
                r.key();
                SignalRecord.Serializer.INSTANCE.serialize(r, out);
                written.add(out.getCopyOfBuffer());
            }
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Double> rates = new ArrayList<>();
        List<Double> allocations = new ArrayList<>();
        for (int rep = 0; rep <= reps; rep++) { // the first is a warm-up
            // Each run gets its own evidence arrays, as records read off the network do.
            List<SignalRecord> in = new ArrayList<>(wire ? 0 : all.size());
            for (SignalRecord r : wire ? List.<SignalRecord>of() : all) {
                SignalRecord c = SignalRecord.Serializer.INSTANCE.copy(r);
                c.evidence = r.evidence.clone();
                in.add(c);
            }
            System.gc();
            long outputs = 0; // firings sent on (the watermarks the harness also collects are not counted)
            try (var h = Harnesses.correlate(new CorrelateFunction(engine))) {
                h.open();
                long cpu = threads.getCurrentThreadCpuTime();
                long allocated = threads.getCurrentThreadAllocatedBytes();
                long latest = Long.MIN_VALUE;
                for (int i = 0; i < all.size(); i++) {
                    SignalRecord r = wire
                            ? SignalRecord.Serializer.INSTANCE.deserialize(new DataInputDeserializer(written.get(i)))
                            : in.set(i, null);
                    h.processElement(new StreamRecord<>(r, r.time));
                    latest = Math.max(latest, r.time);
                    if ((i + 1) % watermarkEvery == 0) {
                        h.processWatermark(new Watermark(latest - CorrelateBench.OUT_OF_ORDERNESS.toMillis()));
                        outputs += records(h.getOutput());
                        h.getOutput().clear();
                    }
                }
                h.processWatermark(new Watermark(Long.MAX_VALUE));
                outputs += records(h.getOutput());
                double seconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
                double bytesPerSignal = (threads.getCurrentThreadAllocatedBytes() - allocated) / (double) all.size();
                if (rep > 0) {
                    rates.add(all.size() / seconds);
                    allocations.add(bytesPerSignal);
                }
                System.out.printf(
                        "%s %d: %,.0f signals per CPU-second of the thread, %,.0f bytes allocated per signal (%,d"
                                + " signals, %,d firings)%n",
                        rep == 0 ? "warm-up" : "rep", rep, all.size() / seconds, bytesPerSignal, all.size(), outputs);
            }
        }
        Collections.sort(rates);
        Collections.sort(allocations);
        System.out.printf(
                "median of %d: %,.0f signals per CPU-second of the thread, %,.0f bytes allocated per signal%n",
                reps, rates.get(reps / 2), allocations.get(reps / 2));
    }

    private static long records(java.util.Collection<Object> output) {
        return output.stream().filter(o -> o instanceof StreamRecord).count();
    }

    /** The day's flagship signals, from the cache or by detection over CorrelateBench's generated file. */
    static List<SignalRecord> day(RuleSet rules) throws Exception {
        Path cache = Path.of("target/bench/flagship-day.bin");
        if (!Files.exists(cache)) {
            Path file = Path.of("target/bench/cloudtrail-2000000.jsonl");
            EndToEndBench.ensureFile(file, CloudTrailGenerator.Config.defaults().withRecords(2_000_000));
            List<SignalRecord> day = CorrelateBench.flagshipSignals(file, rules);
            Files.createDirectories(cache.getParent());
            try (var out = new DataOutputViewStreamWrapper(new BufferedOutputStream(Files.newOutputStream(cache)))) {
                out.writeInt(day.size());
                for (SignalRecord r : day) {
                    SignalRecord.Serializer.INSTANCE.serialize(r, out);
                }
            }
        }
        List<SignalRecord> day = new ArrayList<>();
        try (var in = new DataInputViewStreamWrapper(new BufferedInputStream(Files.newInputStream(cache)))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                day.add(SignalRecord.Serializer.INSTANCE.deserialize(in));
            }
        }
        return day;
    }
}
