package dev.tripline.flink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One line an embedded run writes: an encoded alert (with its rule id, for the summary), a dead letter, a late
 * record or what became of a live rule update. Immutable. The job's outputs travel to the client as one collected
 * stream of these, written by {@link Serializer}.
 */
@TypeInfo(RunOutput.TypeFactory.class)
public final class RunOutput {
    /** Flink's type for these records: {@link Serializer}, also what {@code TypeInformation.of} gives. */
    public static final TypeInformation<RunOutput> TYPE =
            new SingletonTypeInfo<>(RunOutput.class, Serializer.INSTANCE, false);

    private static final int ALERT = 1;
    private static final int UPDATE = 1 << 1;
    private static final int LATE = 1 << 2;
    private static final int RULE_UPDATE = 1 << 3;

    /** True for an alert line; false for a dead letter or a late record. */
    public final boolean alert;
    /** True for an alert line that updates an alert sent before (same alert id, revision above 0). */
    public final boolean update;
    /** True for a late record. */
    public final boolean late;
    /** True for what became of a live rule update ({@link #line} says which). */
    public final boolean ruleUpdate;
    /** The alert's (or late record's) rule or correlation id; null for a dead letter. */
    public final String ruleId;
    /** The alert's rule or correlation title; null for anything else. */
    public final String ruleTitle;
    /** For a late record: the stage it was late at, "correlate" (a signal) or "dedup" (an alert candidate). */
    public final String lateStage;
    /**
     * The JSON line in UTF-8, without its line break; for a rule update, its status message. Bytes rather than a
     * string: the collecting client reads them in one piece.
     */
    public final byte[] utf8;

    private RunOutput(int flags, String ruleId, String ruleTitle, String lateStage, byte[] utf8) {
        this.alert = (flags & ALERT) != 0;
        this.update = (flags & UPDATE) != 0;
        this.late = (flags & LATE) != 0;
        this.ruleUpdate = (flags & RULE_UPDATE) != 0;
        this.ruleId = ruleId;
        this.ruleTitle = ruleTitle;
        this.lateStage = lateStage;
        this.utf8 = utf8;
    }

    private int flags() {
        return (alert ? ALERT : 0) | (update ? UPDATE : 0) | (late ? LATE : 0) | (ruleUpdate ? RULE_UPDATE : 0);
    }

    /** An alert's line; {@code update} when it revises an alert sent before. */
    public static RunOutput alert(String ruleId, String ruleTitle, String line, boolean update) {
        return new RunOutput(ALERT | (update ? UPDATE : 0), ruleId, ruleTitle, null, utf8(line));
    }

    public static RunOutput deadLetter(String line) {
        return new RunOutput(0, null, null, null, utf8(line));
    }

    /** A late record: its stage, the rule or correlation it was for, and its JSON line. */
    public static RunOutput late(String stage, String ruleId, String line) {
        return new RunOutput(LATE, ruleId, null, stage, utf8(line));
    }

    public static RunOutput ruleUpdate(String message) {
        return new RunOutput(RULE_UPDATE, null, null, null, utf8(message));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The line as text. */
    public String line() {
        return new String(utf8, StandardCharsets.UTF_8);
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
     * A byte of flags, the rule id, title and late stage as {@link CompactText} ids (few and repeated: their form
     * worked out once per JVM), then the line as a block. A line crosses several serializers on its way to the
     * client (the exchange into the collect sink, the sink's buffer, the client's fetch); Flink's POJO serializer
     * would reach each field by reflection and write a string a character at a time.
     */
    public static final class Serializer extends ImmutableSerializer<RunOutput> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        public RunOutput createInstance() {
            return deadLetter("");
        }

        @Override
        public void serialize(RunOutput o, DataOutputView out) throws IOException {
            out.writeByte(o.flags());
            CompactText.writeId(o.ruleId, out);
            CompactText.writeId(o.ruleTitle, out);
            CompactText.writeId(o.lateStage, out);
            CompactText.writeBlock(o.utf8, out);
        }

        @Override
        public RunOutput deserialize(DataInputView in) throws IOException {
            int flags = in.readUnsignedByte();
            String ruleId = CompactText.readId(in);
            String ruleTitle = CompactText.readId(in);
            String lateStage = CompactText.readId(in);
            return new RunOutput(flags, ruleId, ruleTitle, lateStage, CompactText.readBlock(in, "run output: a line"));
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
