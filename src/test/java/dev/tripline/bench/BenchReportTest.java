package dev.tripline.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchReportTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rewriteReplacesOnlyTheGeneratedSection() {
        String doc = "# Benchmarks\n\nprose before\n\n" + BenchReport.BEGIN + "\nold table\n| a |\n" + BenchReport.END
                + "\n\nprose after\n";
        String out = BenchReport.rewrite(doc, "new table");
        assertThat(out)
                .isEqualTo("# Benchmarks\n\nprose before\n\n" + BenchReport.BEGIN + "\nnew table\n" + BenchReport.END
                        + "\n\nprose after\n");
        // Rewriting again with the same section changes nothing: the section does not grow.
        assertThat(BenchReport.rewrite(out, "new table")).isEqualTo(out);
    }

    @Test
    void rewriteRefusesADocumentWithoutExactlyOnePairOfMarkers() {
        assertThatThrownBy(() -> BenchReport.rewrite("no markers", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BenchReport.rewrite(BenchReport.END + BenchReport.BEGIN, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        String twice = BenchReport.BEGIN + BenchReport.END + BenchReport.BEGIN + BenchReport.END;
        assertThatThrownBy(() -> BenchReport.rewrite(twice, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jmhFiguresAreTheMedianOfTheMeasuredIterationsKeyedByClassMethodAndParameters() throws Exception {
        JsonNode jmh = JSON.readTree("""
                [{"benchmark": "dev.tripline.bench.MatcherScalingBenchmark.compiled", "params": {"rules": "10"},
                  "primaryMetric": {"score": 9, "rawData": [[5.0, 1.0, 100.0, 3.0, 4.0]]}},
                 {"benchmark": "dev.tripline.bench.ParseBenchmark.tripline",
                  "primaryMetric": {"score": 2, "rawData": [[2.0, 8.0], [4.0, 6.0]]}}]
                """);
        Map<String, Double> m = BenchReport.jmhMedians(jmh);
        assertThat(m)
                .containsEntry("MatcherScalingBenchmark.compiled[rules=10]", 4.0)
                .containsEntry("ParseBenchmark.tripline", 5.0);
    }

    @Test
    void tableHasARowPerFigureWithRatiosAndGoalVerdicts() throws Exception {
        Map<String, Double> jmh = Map.of("ParseBenchmark.tripline", 300.0, "ParseBenchmark.jacksonTree", 400.0);
        JsonNode correlate = JSON.readTree("""
                {"throughput": {"signalsPerDay": 10, "copies": 2, "tripline": [10, 20, 30], "cep": [10, 10, 10],
                  "triplineAlerts": 4, "cepAlerts": 4, "keysOnlyTripline": 0, "keysOnlyCep": 0, "planted": 4},
                 "state": null}
                """);
        List<BenchReport.Row> rows = BenchReport.rows(jmh, correlate, null);
        assertThat(rows).extracting(BenchReport.Row::ratio).containsExactly("0.75×", "2.00×", "");
        assertThat(rows.get(1).goal()).isEqualTo("≥ 3× CEP: MISSED");
        assertThat(rows.get(2).goal()).isEqualTo("same alerts, same groups");
        String table = BenchReport.table(rows);
        assertThat(table.lines()).hasSize(2 + rows.size());
        assertThat(table).contains("| 1 parse | records/s, one core: EventParser vs Jackson readTree | 300 | 400 |");
    }

    @Test
    void parseRowsCompareEveryParserWithReadTreeAndJudgeTheSelectiveOne() {
        Map<String, Double> jmh = Map.of(
                "ParseBenchmark.tripline", 300.0,
                "ParseBenchmark.jacksonTree", 400.0,
                "ParseBenchmark.selective", 900.0,
                "ParseBenchmark.jacksonSkip", 600.0,
                "ParseBenchmark.dslJsonMap", 380.0);
        List<BenchReport.Row> rows = BenchReport.rows(jmh, null, null);
        assertThat(rows).extracting(BenchReport.Row::ratio).containsExactly("0.75×", "2.25×", "1.50×", "0.95×");
        assertThat(rows.get(1).goal()).isEqualTo("≥ 2×: met");
        assertThat(BenchReport.rows(
                                Map.of("ParseBenchmark.jacksonTree", 400.0, "ParseBenchmark.selective", 500.0),
                                null,
                                null)
                        .get(0)
                        .goal())
                .isEqualTo("≥ 2×: MISSED");
    }

    @Test
    void huntRowsGiveTheRatioAgainstParseOnlyAndCheckThePlants() throws Exception {
        JsonNode hunt = JSON.readTree("""
                {"parallelism": 2, "files": 120, "records": 5000, "gzipBytes": 3145728,
                 "hunt": [10, 20, 30], "parseOnly": [40, 40, 40], "huntMedian": 20, "parseOnlyMedian": 40,
                 "pairedRatio": 0.5, "flagshipComposites": 7, "planted": 8}
                """);
        List<BenchReport.Row> rows = BenchReport.huntRows(hunt);
        assertThat(rows).extracting(BenchReport.Row::ratio).containsExactly("0.50×", "0.50×", "");
        assertThat(rows.get(0).measure()).contains("5,000 records, 120 files, 3 MB gzip; 3 reps, parallelism 2");
        assertThat(rows.get(0).goal()).isEqualTo("≥ 0.70: MISSED");
        assertThat(rows.get(2).goal()).isEqualTo("MISMATCH");
        assertThat(BenchReport.huntRows(null)).isEmpty();
    }
}
