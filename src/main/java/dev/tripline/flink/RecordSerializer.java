package dev.tripline.flink;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The serializer of a record passed between the job's operators, written by hand because Flink's POJO serializer
 * reaches every field by reflection, on every record and on every copy between chained operators. A record's length
 * varies, and a reused instance is never filled: a record is made whole as it is read. A subclass says how a record
 * is made, copied, written, read and snapshotted. A copy is shallow: nothing changes the strings and arrays a record
 * holds once it is made. {@link #copy(DataInputView, DataOutputView)} reads and writes the record again unless the
 * subclass copies its bytes more cheaply. Records nothing changes at all take {@link ImmutableSerializer}.
 */
public abstract class RecordSerializer<T> extends TypeSerializerSingleton<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public final T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public final int getLength() {
        return -1;
    }

    @Override
    public final T deserialize(T reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }
}
