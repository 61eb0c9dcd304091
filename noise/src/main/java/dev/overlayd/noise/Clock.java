package dev.overlayd.noise;

/**
 * Time as the protocol sees it, injected so that the core runs under a test's control.
 * Monotonic nanoseconds drive every age and timeout; wall-clock time only feeds TAI64N timestamps.
 */
public interface Clock {
    /** Monotonic nanoseconds, comparable only with other values from the same clock. */
    long nanoTime();

    /** Nanoseconds since the Unix epoch. */
    long epochNanos();

    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long epochNanos() {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }
    };
}
