package dev.overlayd.noise;

/** The outcome of a handshake-path step: a value, or the reason it was refused. */
public sealed interface Result<T> {

    record Accepted<T>(T value) implements Result<T> {}

    record Rejected<T>(Rejection reason) implements Result<T> {}

    static <T> Result<T> accept(T value) {
        return new Accepted<>(value);
    }

    static <T> Result<T> reject(Rejection reason) {
        return new Rejected<>(reason);
    }

    default boolean isAccepted() {
        return this instanceof Accepted;
    }

    /** The value; for callers that checked {@link #isAccepted()} or whose tests expect acceptance. */
    default T value() {
        return switch (this) {
            case Accepted<T> a -> a.value();
            case Rejected<T> r -> throw new IllegalStateException("rejected: " + r.reason());
        };
    }

    /** The rejection, or null when accepted. */
    default Rejection rejection() {
        return this instanceof Rejected<T> r ? r.reason() : null;
    }
}
