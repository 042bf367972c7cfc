package dev.tripline.flink;

import java.util.function.Supplier;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/**
 * The snapshot of a serializer whose byte layout replaced the ones written under {@code former} snapshots: state
 * of a former layout is refused at restore (incompatible) instead of being read with the new layout. Keeps no
 * state of its own.
 */
abstract class ReplacingLayoutSnapshot<T> extends SimpleTypeSerializerSnapshot<T> {
    private final Class<?>[] former;

    ReplacingLayoutSnapshot(Supplier<? extends TypeSerializer<T>> serializer, Class<?>... former) {
        super(serializer);
        this.former = former.clone();
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
        for (Class<?> f : former) {
            if (f.isInstance(old)) {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
        }
        return super.resolveSchemaCompatibility(old);
    }
}
