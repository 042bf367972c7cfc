package dev.tripline.flink;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.CorrelationPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.FunctionInitializationContext;

/**
 * Where the new_terms history of a correlate operator's state starts, kept in the state itself: operator (union)
 * state {@value #STATE_NAME} of the correlate operators, one entry per new_terms plan version
 * ({@code id@fingerprint}) with the event time (epoch millis) from which the terms in the state were seen. A job
 * writes the history start of every new_terms plan it runs on each checkpoint; a hunt's priming savepoint
 * ({@code tripline hunt --prime-savepoint}) writes the hunt's. A job that starts from such state runs each plan
 * of a listed version from the earlier of its own start ({@code correlation.new-terms-history-start}) and the
 * listed one, so a primed rule alerts on new terms instead of learning. An entry goes with its plan: a version
 * the job no longer runs is not written again.
 */
public final class NewTermsHistory {
    /** The operator state's name: never change it. */
    public static final String STATE_NAME = "new-terms-history";

    /** (plan version {@code id@fingerprint}, history start in epoch millis). */
    public static final ListStateDescriptor<Tuple2<String, Long>> STATE =
            new ListStateDescriptor<>(STATE_NAME, Types.TUPLE(Types.STRING, Types.LONG));

    private NewTermsHistory() {}

    /** The operator's history state, from {@code CheckpointedFunction#initializeState}. */
    public static ListState<Tuple2<String, Long>> state(FunctionInitializationContext context) throws Exception {
        return context.getOperatorStateStore().getUnionListState(STATE);
    }

    /** The restored history starts by plan version, the earliest where several subtasks wrote one. */
    public static Map<String, Long> restored(ListState<Tuple2<String, Long>> state) throws Exception {
        Map<String, Long> starts = new TreeMap<>();
        Iterable<Tuple2<String, Long>> all = state.get();
        if (all != null) {
            for (Tuple2<String, Long> e : all) {
                starts.merge(e.f0, e.f1, Math::min);
            }
        }
        return starts;
    }

    /** {@code engine} with the restored history starts applied ({@link CorrelationEngine#withNewTermsHistoryStarts}). */
    public static CorrelationEngine apply(CorrelationEngine engine, Map<String, Long> starts) {
        return starts.isEmpty() ? engine : engine.withNewTermsHistoryStarts(starts);
    }

    /** The entries of the new_terms plans {@code engine} runs whose history start is known. */
    public static List<Tuple2<String, Long>> entries(CorrelationEngine engine) {
        List<Tuple2<String, Long>> out = new ArrayList<>();
        for (CorrelationPlan p : engine.plans()) {
            long start = p.options().newTermsHistoryStart();
            if (p.isNewTerms() && start != Long.MAX_VALUE) {
                out.add(Tuple2.of(p.id() + "@" + p.fingerprint(), start));
            }
        }
        return out;
    }
}
