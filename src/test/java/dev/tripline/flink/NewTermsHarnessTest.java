package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.correlate.Fired;
import dev.tripline.flink.CorrelationTypesHarnessTest.Run;
import dev.tripline.rule.CorrelationRule.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A new_terms correlation (history window 60 minutes) through {@link CorrelateOperator} in Flink's keyed harness
 * with explicit watermarks: a first sighting fires when the watermark reaches it, never on arrival; a sighting
 * within the window after another does not; the state survives a snapshot and restore, and once the window after
 * the last sighting has passed no keyed state entry and no timer is left.
 */
class NewTermsHarnessTest {

    static Run newTerms() throws Exception {
        return new Run(
                CorrelationTypesHarnessTest.rule("nt", Type.NEW_TERMS, List.of("r0"), List.of(), List.of(), null));
    }

    @Test
    void aFirstSightingFiresAtTheWatermarkAndTheStateGoesOneWindowAfterTheLast() throws Exception {
        try (Run r = newTerms()) {
            assertThat(r.at(0, 10)).as("never on arrival").isEmpty();
            assertThat(r.watermark(9.99)).isEmpty();
            List<Fired> first = r.watermark(10);
            assertThat(first).singleElement().satisfies(f -> {
                assertThat(f.type()).isEqualTo(Type.NEW_TERMS);
                assertThat(f.firstSeen()).isEqualTo(10 * CorrelationTypesHarnessTest.MIN);
            });
            r.restart();
            assertThat(r.at(0, 40)).isEmpty();
            assertThat(r.watermark(60))
                    .as("seen 30 minutes before, across the restore")
                    .isEmpty();
            assertThat(r.watermark(99.99)).isEmpty();
            assertThat(r.h.numKeyedStateEntries())
                    .as("40 still covers up to 100")
                    .isPositive();
            assertThat(r.watermark(100)).isEmpty();
            r.assertEmpty();
            r.at(0, 101);
            assertThat(r.watermark(101))
                    .as("unseen for the whole window: new again")
                    .hasSize(1);
        }
    }

    @Test
    void anOutOfOrderEarlierSightingIsTheNewOne() throws Exception {
        try (Run r = newTerms()) {
            r.at(0, 20);
            r.at(0, 5);
            assertThat(r.watermark(30))
                    .singleElement()
                    .satisfies(f -> assertThat(f.firstSeen()).isEqualTo(5 * CorrelationTypesHarnessTest.MIN));
            r.watermark(80);
            r.assertEmpty();
        }
    }
}
