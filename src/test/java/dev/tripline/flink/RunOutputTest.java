package dev.tripline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.junit.jupiter.api.Test;

class RunOutputTest {
    @Test
    void everyKindOfLineComesBackAsItWasWritten() throws Exception {
        RunOutput update = RunOutput.alert("AWS.Rule", "Tïtle ✓ with \ud800 and \"quotes\"", "{\"a\":\"ü\"}", true);
        List<RunOutput> lines = List.of(
                update,
                RunOutput.alert("r", "", "", false),
                RunOutput.deadLetter("{\"dead\":true}"),
                RunOutput.late("correlate", "c-1", "{\"late\":1}"),
                RunOutput.ruleUpdate("rules v2 accepted"));
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (RunOutput o : lines) {
            RunOutput.Serializer.INSTANCE.serialize(o, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        for (RunOutput o : lines) {
            assertThat(RunOutput.Serializer.INSTANCE.deserialize(in))
                    .usingRecursiveComparison()
                    .isEqualTo(o);
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void theCollectedStreamUsesItsOwnSerializer() throws Exception {
        assertThat(TypeInformation.of(RunOutput.class)).isSameAs(RunOutput.TYPE);
        // The collect sink writes each line through java.io's streams, not Flink's memory views.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        RunOutput line = RunOutput.late("dedup", "r", "{}");
        RunOutput.Serializer.INSTANCE.serialize(line, new DataOutputViewStreamWrapper(bytes));
        assertThat(RunOutput.Serializer.INSTANCE.deserialize(new DataInputDeserializer(bytes.toByteArray())))
                .usingRecursiveComparison()
                .isEqualTo(line);
    }
}
