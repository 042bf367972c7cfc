package dev.tripline.flink;

import java.util.function.Supplier;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/**
 * The snapshot of a serializer whose byte layout replaced the one written under {@code former} snapshots: state
 * of the former layout is refused at restore (incompatible) instead of being read with the new layout. Keeps no
 * state of its own.
 */
abstract class ReplacingLayoutSnapshot<T> extends SimpleTypeSerializerSnapshot<T> {
    private final Class<?> former;

    ReplacingLayoutSnapshot(Supplier<? extends TypeSerializer<T>> serializer, Class<?> former) {
        super(serializer);
        this.former = former;
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
        return former.isInstance(old)
                ? TypeSerializerSchemaCompatibility.incompatible()
                : super.resolveSchemaCompatibility(old);
    }
}
