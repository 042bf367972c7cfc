package dev.tripline.flink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Lines of an embedded run in the order one subtask made them, collected as one element ({@link RunOutputBatcher}
 * groups them): the collect sink, its coordinator and the client pay their work per element (Flink's coordinator
 * reads each element's length and bytes off the sink's socket with reads of their own), so grouping a run's tens
 * of thousands of alert lines saves most of that work. Immutable.
 */
public final class RunOutputs {
    public static final TypeInformation<RunOutputs> TYPE =
            new SingletonTypeInfo<>(RunOutputs.class, Serializer.INSTANCE, false);

    /** Lines per element at most, so that one element never holds more than a bounded share of a run. */
    static final int MAX_LINES_BOUND = 1 << 16;

    private final List<RunOutput> lines;

    RunOutputs(List<RunOutput> lines) {
        this.lines = List.copyOf(lines);
    }

    public List<RunOutput> lines() {
        return lines;
    }

    /** The line count, then each line as {@link RunOutput.Serializer} writes it. */
    public static final class Serializer extends ImmutableSerializer<RunOutputs> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        public RunOutputs createInstance() {
            return new RunOutputs(List.of());
        }

        @Override
        public void serialize(RunOutputs o, DataOutputView out) throws IOException {
            out.writeInt(o.lines.size());
            for (RunOutput line : o.lines) {
                RunOutput.Serializer.INSTANCE.serialize(line, out);
            }
        }

        @Override
        public RunOutputs deserialize(DataInputView in) throws IOException {
            int n = in.readInt();
            if (n < 0 || n > MAX_LINES_BOUND) {
                throw new IOException("corrupt run outputs: " + n + " lines");
            }
            List<RunOutput> lines = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                lines.add(RunOutput.Serializer.INSTANCE.deserialize(in));
            }
            return new RunOutputs(lines);
        }

        @Override
        public TypeSerializerSnapshot<RunOutputs> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Restores {@link Serializer#INSTANCE}. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RunOutputs> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
