package dev.tripline.flink;

import dev.tripline.correlate.CorrelationEngine;
import dev.tripline.correlate.Signal;
import java.util.List;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

/** Flink test harnesses over the job's detect and correlate functions, set up as the job runs them. */
public final class Harnesses {
    private Harnesses() {}

    /** Detect with its broadcast rule-update input, opened. */
    public static BroadcastOperatorTestHarness<RawRecord, RuleUpdate, SignalRecord> detect(DetectFunction f)
            throws Exception {
        return ProcessFunctionTestHarnesses.forBroadcastProcessFunction(f, LiveRules.STATE);
    }

    /**
     * Correlate as a STREAMING job runs it (no tie ordering). Opening it also does what the job's rule-update
     * validator does at once: send the control side's final watermark, so that event time is the signals' alone.
     */
    public static CorrelateHarness correlate(CorrelateFunction f) throws Exception {
        return new CorrelateHarness(f);
    }

    /** The correlate operator's harness, with the keyed-state and timer counts tests assert on. */
    public static final class CorrelateHarness
            extends KeyedBroadcastOperatorTestHarness<GroupKey, SignalRecord, RuleUpdate, FiredRecord> {
        CorrelateHarness(CorrelateFunction f) throws Exception {
            super(new CorrelateOperator(f, null), SignalRecord::key, GroupKey.TYPE, 128, 1, 0);
        }

        @Override
        public void open() throws Exception {
            super.open();
            processBroadcastWatermark(new Watermark(Long.MAX_VALUE));
        }

        /** Keyed state entries of every kind (correlation state, timer, held signals). */
        public int numKeyedStateEntries() {
            return ((HeapKeyedStateBackend<?>) ((AbstractStreamOperator<?>) getOperator()).getKeyedStateBackend())
                    .numKeyValueStateEntries();
        }

        /** Slots held over every group: the evidence entries of the correlation state. */
        @SuppressWarnings("unchecked")
        public long slotEntries() throws Exception {
            var backend = (HeapKeyedStateBackend<GroupKey>)
                    (HeapKeyedStateBackend<?>) ((AbstractStreamOperator<?>) getOperator()).getKeyedStateBackend();
            var descriptor = CorrelateFunction.slotsDescriptor(null);
            List<GroupKey> keys = backend.getKeys(descriptor.getName(), VoidNamespace.INSTANCE)
                    .toList();
            long n = 0;
            for (GroupKey k : keys) {
                backend.setCurrentKey(k);
                var slots = backend.getPartitionedState(
                        VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
                for (var ignored : slots.keys()) {
                    n++;
                }
            }
            return n;
        }
    }

    /** The signal a record carries, read with its plan in {@code engine}. */
    public static Signal signal(SignalRecord r, CorrelationEngine engine) {
        return r.signal(engine.plan(r.planId));
    }
}
