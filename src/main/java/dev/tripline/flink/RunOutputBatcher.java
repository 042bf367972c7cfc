package dev.tripline.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Groups an embedded run's lines into elements of up to {@code maxLines} lines or {@link #MAX_BYTES} bytes before
 * the collect sink ({@link RunOutputs}), in the order they come. A bounded input in BATCH mode groups (its lines
 * only leave when a stage has finished, so holding them costs no latency); a stream passes {@code maxLines} 1, so
 * each line leaves at once, as before.
 *
 * <p>State: the lines of the element being filled, in memory only; sent when full, before every checkpoint
 * barrier and when the input ends, so a checkpoint never leaves one behind.
 */
public final class RunOutputBatcher extends AbstractStreamOperator<RunOutputs>
        implements OneInputStreamOperator<RunOutput, RunOutputs>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** An element is sent once its lines reach this many bytes, so that one element stays a few of Flink's buffers. */
    static final int MAX_BYTES = 1 << 20;

    private final int maxLines;
    private transient List<RunOutput> held;
    private transient long heldBytes;

    public RunOutputBatcher(int maxLines) {
        if (maxLines < 1 || maxLines > RunOutputs.MAX_LINES_BOUND) {
            throw new IllegalArgumentException("lines per element must be 1 to " + RunOutputs.MAX_LINES_BOUND);
        }
        this.maxLines = maxLines;
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void open() throws Exception {
        super.open();
        held = new ArrayList<>();
    }

    @Override
    public void processElement(StreamRecord<RunOutput> element) {
        RunOutput line = element.getValue();
        held.add(line);
        heldBytes += line.utf8.length;
        if (held.size() >= maxLines || heldBytes >= MAX_BYTES) {
            send();
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) {
        send();
    }

    @Override
    public void endInput() {
        send();
    }

    private void send() {
        if (!held.isEmpty()) {
            output.collect(new StreamRecord<>(new RunOutputs(held)));
            held = new ArrayList<>();
            heldBytes = 0;
        }
    }
}
