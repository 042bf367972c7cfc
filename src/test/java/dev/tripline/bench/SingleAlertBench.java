package dev.tripline.bench;

import dev.tripline.alert.SingleAlertTemplate;
import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.event.Event;
import dev.tripline.event.EventParser;
import dev.tripline.flink.SingleMatch;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.program.FieldDemand;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The CPU of one single-alert candidate as detect makes it ({@link SingleMatch#of(SingleAlertTemplate, Event,
 * DataOutputSerializer)}: alert bytes, dedup key, alert id), in one thread: every round parses and matches the
 * lines twice, once without and once with a candidate for each match of a rule that alerts, and the difference of
 * the two CPU times over the candidates is the figure (median of the rounds after the first, with its quartiles).
 * DetectBench's whole detect step cannot resolve a change of a few per cent; this isolates the candidates, still
 * with the first reads of the event fields they show. The CRC covers every candidate's bytes, key and id.
 *
 * <p>{@code java -cp target/classes:target/test-classes:$(cat /tmp/cp.txt) dev.tripline.bench.SingleAlertBench
 * --file /tmp/e2e/ct-300k.jsonl --records 100000 --rounds 15}
 */
public final class SingleAlertBench {
    private SingleAlertBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o =
                BenchOptions.parse("SingleAlertBench", args, List.of("--file", "--records", "--rounds"));
        String file = o.getOrDefault("--file", "/tmp/e2e/ct-300k.jsonl");
        int records = Integer.parseInt(o.getOrDefault("--records", "100000"));
        int rounds = Integer.parseInt(o.getOrDefault("--rounds", "15"));
        RuleSet rules = EndToEndBench.rules();
        CompiledMatcher matcher = CompiledMatcher.compile(rules.rules());
        EventParser parser = EventParser.forDetection(FieldDemand.of(matcher, CorrelationEngine.compile(rules)));
        List<byte[]> lines = DetectBench.read(Path.of(file), records);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Rule, SingleAlertTemplate> templates = new IdentityHashMap<>();
        DataOutputSerializer buffer = new DataOutputSerializer(4096);
        long[] without = new long[rounds];
        long[] with = new long[rounds];
        long[] singles = new long[1];
        CRC32 crc = new CRC32();
        for (int round = 0; round < rounds; round++) {
            for (int build = 0; build < 2; build++) {
                boolean candidates = build == 1;
                singles[0] = 0;
                crc.reset();
                long t0 = threads.getCurrentThreadCpuTime();
                for (byte[] line : lines) {
                    for (Event e : parser.parse(line).events()) {
                        matcher.match(e, rule -> {
                            if (candidates && !rule.signalOnly()) {
                                SingleMatch m = SingleMatch.of(
                                        templates.computeIfAbsent(rule, SingleAlertTemplate::of), e, buffer);
                                singles[0]++;
                                crc.update(m.alert);
                                crc.update(m.alertId.getBytes(StandardCharsets.UTF_8));
                                crc.update(m.dedupKey.getBytes(StandardCharsets.UTF_8));
                            }
                        });
                    }
                }
                long cpu = threads.getCurrentThreadCpuTime() - t0;
                if (candidates) {
                    with[round] = cpu;
                } else {
                    without[round] = cpu;
                }
            }
        }
        double[] each = new double[rounds - 1];
        for (int r = 1; r < rounds; r++) {
            each[r - 1] = (with[r] - without[r]) / 1e3 / singles[0];
        }
        Arrays.sort(each);
        System.out.printf(
                "%,d candidates, CRC %d: %.2f us each (median of rounds 2..%d; quartiles %.2f..%.2f);"
                        + " parse + match %.0f ms, with candidates %.0f ms (medians)%n",
                singles[0],
                crc.getValue(),
                each[each.length / 2],
                rounds,
                each[each.length / 4],
                each[3 * each.length / 4],
                PairedBuilds.medianOfLater(without) / 1e6,
                PairedBuilds.medianOfLater(with) / 1e6);
    }
}
