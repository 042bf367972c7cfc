package dev.tripline.flink;

/**
 * The serializer of a record nothing changes once it is made: a copy is the record itself, so chained operators
 * hand it on as it is.
 */
public abstract class ImmutableSerializer<T> extends RecordSerializer<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public final boolean isImmutableType() {
        return true;
    }

    @Override
    public final T copy(T from) {
        return from;
    }
}
