package dev.tripline.flink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One line an embedded run writes: an encoded alert (with its rule id, for the summary), a dead letter or a late
 * record. The job's outputs travel to the client as one collected stream of these, written by {@link Serializer}.
 */
@TypeInfo(RunOutput.TypeFactory.class)
public class RunOutput {
    /** Flink's type for these records: {@link Serializer}, also what {@code TypeInformation.of} gives. */
    public static final TypeInformation<RunOutput> TYPE =
            new SingletonTypeInfo<>(RunOutput.class, Serializer.INSTANCE, false);

    /** True for an alert line; false for a dead letter or a late record. */
    public boolean alert;
    /** True for an alert line that updates an alert sent before (same alert id, revision above 0). */
    public boolean update;
    /** True for a late record. */
    public boolean late;
    /** The alert's (or late record's) rule or correlation id; null for a dead letter. */
    public String ruleId;
    /** The alert's rule or correlation title; null for a dead letter. */
    public String ruleTitle;
    /**
     * The JSON line in UTF-8, without its line break; for a rule update, its status message. Bytes rather than a
     * string: the collecting client reads them in one piece, a string character by character.
     */
    public byte[] utf8;
    /** True for what became of a live rule update ({@code line} says which). */
    public boolean ruleUpdate;
    /** For a late record: the stage it was late at, "correlate" (a signal) or "dedup" (an alert candidate). */
    public String lateStage;

    public RunOutput() {}

    public RunOutput(boolean alert, String ruleId, String ruleTitle, String line) {
        this.alert = alert;
        this.ruleId = ruleId;
        this.ruleTitle = ruleTitle;
        this.utf8 = line.getBytes(StandardCharsets.UTF_8);
    }

    /** The line as text. */
    public String line() {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    public static RunOutput ruleUpdate(String message) {
        RunOutput o = new RunOutput(false, null, null, message);
        o.ruleUpdate = true;
        return o;
    }

    /** A late record: its stage, the rule or correlation it was for, and its JSON line. */
    public static RunOutput late(String stage, String ruleId, String line) {
        RunOutput o = new RunOutput(false, ruleId, null, line);
        o.late = true;
        o.lateStage = stage;
        return o;
    }

    /** Makes {@code TypeInformation.of(RunOutput.class)} give {@link #TYPE}. */
    public static final class TypeFactory extends TypeInfoFactory<RunOutput> {
        @Override
        public TypeInformation<RunOutput> createTypeInfo(
                java.lang.reflect.Type t, Map<String, TypeInformation<?>> genericParameters) {
            return TYPE;
        }
    }

    /**
     * A byte of flags (the four booleans), the rule id, title and late stage as {@link CompactText} ids (few and
     * repeated: written once per JVM, read back shared), then the line as a block. Flink's POJO serializer would
     * reach each field by reflection and write a string a character at a time, and a line crosses several
     * serializers on its way to the client (the exchange into the collect sink, the sink's buffer, the client's
     * fetch). A copy is shallow: nothing changes a line's bytes once it is made.
     */
    public static final class Serializer extends TypeSerializerSingleton<RunOutput> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        private static final int ALERT = 1;
        private static final int UPDATE = 1 << 1;
        private static final int LATE = 1 << 2;
        private static final int RULE_UPDATE = 1 << 3;

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public RunOutput createInstance() {
            return new RunOutput();
        }

        @Override
        public RunOutput copy(RunOutput from) {
            RunOutput o = new RunOutput();
            o.alert = from.alert;
            o.update = from.update;
            o.late = from.late;
            o.ruleId = from.ruleId;
            o.ruleTitle = from.ruleTitle;
            o.utf8 = from.utf8;
            o.ruleUpdate = from.ruleUpdate;
            o.lateStage = from.lateStage;
            return o;
        }

        @Override
        public RunOutput copy(RunOutput from, RunOutput reuse) {
            return copy(from);
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(RunOutput o, DataOutputView out) throws IOException {
            out.writeByte((o.alert ? ALERT : 0)
                    | (o.update ? UPDATE : 0)
                    | (o.late ? LATE : 0)
                    | (o.ruleUpdate ? RULE_UPDATE : 0));
            CompactText.writeId(o.ruleId, out);
            CompactText.writeId(o.ruleTitle, out);
            CompactText.writeId(o.lateStage, out);
            CompactText.writeBlock(o.utf8, out);
        }

        @Override
        public RunOutput deserialize(DataInputView in) throws IOException {
            int flags = in.readUnsignedByte();
            RunOutput o = new RunOutput();
            o.alert = (flags & ALERT) != 0;
            o.update = (flags & UPDATE) != 0;
            o.late = (flags & LATE) != 0;
            o.ruleUpdate = (flags & RULE_UPDATE) != 0;
            o.ruleId = CompactText.readId(in);
            o.ruleTitle = CompactText.readId(in);
            o.lateStage = CompactText.readId(in);
            o.utf8 = CompactText.readBlock(in, "run output: a line");
            return o;
        }

        @Override
        public RunOutput deserialize(RunOutput reuse, DataInputView in) throws IOException {
            return deserialize(in);
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            serialize(deserialize(in), out);
        }

        @Override
        public TypeSerializerSnapshot<RunOutput> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Restores {@link Serializer#INSTANCE}. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RunOutput> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
