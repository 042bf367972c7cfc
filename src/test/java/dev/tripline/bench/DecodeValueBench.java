package dev.tripline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.ParseLimits;
import dev.tripline.event.StrictJsonPass;
import dev.tripline.event.ValidJsonTree;
import dev.tripline.testing.JacksonValue;
import dev.tripline.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cost of decoding every top-level member value of real CloudTrail records (ParseBenchmark's 4,096, one per
 * message) once {@link StrictJsonPass} has checked each record and indexed its members: through a Jackson parser
 * created per value ({@code jacksonPerValue}, what a lazy parser does with Jackson), through {@link
 * ValidJsonTree} per value ({@code validJsonTree}), against {@code ObjectMapper.readTree} of the whole record
 * ({@code readTreeWhole}, the reference) and {@link ValidJsonTree} over the whole record
 * ({@code validJsonTreeWhole}). The strict pass is timed only in {@code strictPassAndValidJsonTree}, which indexes
 * each record and decodes every member: a lazy parser whose rules read every member. Paired rounds in one JVM:
 * every round runs every variant over all records five times; prints the median of the later half of the rounds,
 * in wall-clock and thread CPU nanoseconds per record.
 *
 * <p>Arguments: the number of rounds (30), then optionally the variants to run, comma-separated
 * ({@code jacksonPerValue}, the base of the ratios, must be among them).
 */
public final class DecodeValueBench {
    private static final int RECORDS = ParseBenchmark.RECORDS;
    private static final int MAX_MEMBERS = 256;
    private static final int DEPTH = ParseLimits.defaults().maxDepth();
    /** Jackson's default limit on the length of a number, which the job's parser inherits. */
    private static final int NUMBER_LENGTH = 1000;

    private final byte[][] messages = new byte[RECORDS][];
    /** Per record, the value ranges of its members: from, to, from, to, ... */
    private final int[][] spans = new int[RECORDS][];

    private final ObjectMapper mapper = new ObjectMapper();
    private long sink;

    private DecodeValueBench() {
        List<ObjectNode> all = SharedData.allCloudTrailRecords();
        int[] members = new int[1 + StrictJsonPass.MEMBER_INTS * MAX_MEMBERS];
        for (int i = 0; i < RECORDS; i++) {
            byte[] m = all.get(i % all.size()).toString().getBytes(StandardCharsets.UTF_8);
            if (StrictJsonPass.firstError(m, 0, m.length, DEPTH, NUMBER_LENGTH, members, false) >= 0
                    || members[0] > MAX_MEMBERS) {
                throw new IllegalStateException("record " + i + " fails the strict pass or has too many members");
            }
            int[] s = new int[2 * members[0]];
            for (int k = 0; k < members[0]; k++) {
                s[2 * k] = members[1 + StrictJsonPass.MEMBER_INTS * k + StrictJsonPass.VALUE_START];
                s[2 * k + 1] = members[1 + StrictJsonPass.MEMBER_INTS * k + StrictJsonPass.VALUE_END];
                if (!JacksonValue.decode(m, s[2 * k], s[2 * k + 1])
                        .equals(ValidJsonTree.decodeValue(m, s[2 * k], s[2 * k + 1]))) {
                    throw new IllegalStateException("the decoders disagree on record " + i + " member " + k);
                }
            }
            messages[i] = m;
            spans[i] = s;
        }
    }

    private void jacksonPerValue() {
        for (int i = 0; i < RECORDS; i++) {
            int[] s = spans[i];
            for (int k = 0; k < s.length; k += 2) {
                sink += JacksonValue.decode(messages[i], s[k], s[k + 1]).size();
            }
        }
    }

    private void validJsonTree() {
        for (int i = 0; i < RECORDS; i++) {
            int[] s = spans[i];
            for (int k = 0; k < s.length; k += 2) {
                sink += ValidJsonTree.decodeValue(messages[i], s[k], s[k + 1]).size();
            }
        }
    }

    /** The strict pass indexing each record, then every member decoded: a lazy parser whose rules read it all. */
    private void strictPassAndValidJsonTree() {
        int[] members = new int[1 + StrictJsonPass.MEMBER_INTS * MAX_MEMBERS];
        for (byte[] m : messages) {
            if (StrictJsonPass.firstError(m, 0, m.length, DEPTH, NUMBER_LENGTH, members, false) >= 0) {
                throw new IllegalStateException("a benchmark record failed the strict pass");
            }
            for (int k = 0; k < members[0]; k++) {
                sink += ValidJsonTree.decodeValue(
                                m,
                                members[1 + StrictJsonPass.MEMBER_INTS * k + StrictJsonPass.VALUE_START],
                                members[1 + StrictJsonPass.MEMBER_INTS * k + StrictJsonPass.VALUE_END])
                        .size();
            }
        }
    }

    private void readTreeWhole() throws IOException {
        for (byte[] m : messages) {
            sink += mapper.readTree(m).size();
        }
    }

    private void validJsonTreeWhole() {
        for (byte[] m : messages) {
            sink += ValidJsonTree.decodeValue(m, 0, m.length).size();
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = PairedRounds.rounds(args, 30);
        DecodeValueBench b = new DecodeValueBench();
        Map<String, PairedRounds.Pass> variants = new LinkedHashMap<>();
        variants.put("jacksonPerValue", b::jacksonPerValue);
        variants.put("validJsonTree", b::validJsonTree);
        variants.put("strictPassAndValidJsonTree", b::strictPassAndValidJsonTree);
        variants.put("readTreeWhole", b::readTreeWhole);
        variants.put("validJsonTreeWhole", b::validJsonTreeWhole);
        Map<String, PairedRounds.Times> times = PairedRounds.run(PairedRounds.selected(variants, args), rounds);
        int values = Arrays.stream(b.spans).mapToInt(s -> s.length / 2).sum();
        System.out.printf(
                "%d records of %.0f bytes on average, %.1f top-level values per record, %d rounds (median of the last"
                        + " %d)%n",
                RECORDS,
                Arrays.stream(b.messages).mapToInt(m -> m.length).average().orElse(0),
                (double) values / RECORDS,
                rounds,
                rounds - rounds / 2);
        double base = PairedRounds.laterMedian(times.get("jacksonPerValue").cpu()) / RECORDS;
        for (Map.Entry<String, PairedRounds.Times> t : times.entrySet()) {
            double wall = PairedRounds.laterMedian(t.getValue().wall()) / RECORDS;
            double cpu = PairedRounds.laterMedian(t.getValue().cpu()) / RECORDS;
            System.out.printf(
                    "%-27s %,8.0f ns/record wall %,8.0f ns/record cpu  %.2fx jacksonPerValue (cpu)%n",
                    t.getKey(), wall, cpu, cpu / base);
        }
        System.out.println("(sink " + b.sink + ")");
    }
}
