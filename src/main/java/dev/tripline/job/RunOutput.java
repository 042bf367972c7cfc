package dev.tripline.job;

import dev.tripline.flink.SingletonTypeInfo;
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
     * A byte of flags (the four booleans, and which strings are there), the strings present as their length and
     * their chars, two bytes each (any string, lone surrogates included, comes back as it was), then the line as a
     * length and its bytes. Written by hand because a line crosses several
     * serializers on its way to the client (the exchange into the collect sink, the sink's buffer, the client's
     * fetch), and Flink's POJO serializer reaches each field by reflection and writes a string a character at a
     * time, through a lock per byte on the sink's and the client's byte streams. A copy is shallow: nothing
     * changes a line's bytes once it is made.
     */
    public static final class Serializer extends TypeSerializerSingleton<RunOutput> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        private static final int ALERT = 1;
        private static final int UPDATE = 1 << 1;
        private static final int LATE = 1 << 2;
        private static final int RULE_UPDATE = 1 << 3;
        private static final int RULE_ID = 1 << 4;
        private static final int RULE_TITLE = 1 << 5;
        private static final int LATE_STAGE = 1 << 6;

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
            int flags = (o.alert ? ALERT : 0)
                    | (o.update ? UPDATE : 0)
                    | (o.late ? LATE : 0)
                    | (o.ruleUpdate ? RULE_UPDATE : 0)
                    | (o.ruleId != null ? RULE_ID : 0)
                    | (o.ruleTitle != null ? RULE_TITLE : 0)
                    | (o.lateStage != null ? LATE_STAGE : 0);
            out.writeByte(flags);
            if (o.ruleId != null) {
                writeText(o.ruleId, out);
            }
            if (o.ruleTitle != null) {
                writeText(o.ruleTitle, out);
            }
            if (o.lateStage != null) {
                writeText(o.lateStage, out);
            }
            writeBytes(o.utf8, out);
        }

        private static void writeBytes(byte[] bytes, DataOutputView out) throws IOException {
            out.writeInt(bytes.length);
            out.write(bytes);
        }

        private static void writeText(String s, DataOutputView out) throws IOException {
            byte[] chars = new byte[2 * s.length()];
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                chars[2 * i] = (byte) (c >>> 8);
                chars[2 * i + 1] = (byte) c;
            }
            writeBytes(chars, out);
        }

        private static String readText(DataInputView in) throws IOException {
            byte[] bytes = readBytes(in);
            char[] chars = new char[bytes.length / 2];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = (char) ((bytes[2 * i] & 0xFF) << 8 | (bytes[2 * i + 1] & 0xFF));
            }
            return new String(chars);
        }

        private static byte[] readBytes(DataInputView in) throws IOException {
            int length = in.readInt();
            if (length < 0) {
                throw new IOException("run output: a field of negative length " + length);
            }
            byte[] bytes = new byte[length];
            in.readFully(bytes);
            return bytes;
        }

        @Override
        public RunOutput deserialize(DataInputView in) throws IOException {
            int flags = in.readUnsignedByte();
            RunOutput o = new RunOutput();
            o.alert = (flags & ALERT) != 0;
            o.update = (flags & UPDATE) != 0;
            o.late = (flags & LATE) != 0;
            o.ruleUpdate = (flags & RULE_UPDATE) != 0;
            o.ruleId = (flags & RULE_ID) != 0 ? readText(in) : null;
            o.ruleTitle = (flags & RULE_TITLE) != 0 ? readText(in) : null;
            o.lateStage = (flags & LATE_STAGE) != 0 ? readText(in) : null;
            o.utf8 = readBytes(in);
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
