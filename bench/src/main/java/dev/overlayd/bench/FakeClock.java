package dev.overlayd.bench;

import dev.overlayd.noise.Clock;

/**
 * Protocol time that moves only when a benchmark moves it, so that the responder's replay and flood
 * checks see handshakes as far apart as the benchmark says, however fast it runs them.
 */
final class FakeClock implements Clock {
    /** Mid-2025: TAI64N only needs a plausible wall clock that keeps increasing. */
    private static final long START_EPOCH_NANOS = 1_750_000_000L * 1_000_000_000L;

    private long elapsed;

    void advance(long nanos) {
        elapsed += nanos;
    }

    @Override
    public long nanoTime() {
        return elapsed;
    }

    @Override
    public long epochNanos() {
        return START_EPOCH_NANOS + elapsed;
    }
}
