package dev.overlayd.noise;

import java.time.Duration;

/** A {@link Clock} that moves only when a test advances it: both readings move together. */
public final class ManualClock implements Clock {
    /** 2026-03-01T12:00:00Z. */
    private static final long START_EPOCH_NANOS = 1_772_366_400L * 1_000_000_000L;

    private long nanos;
    private long epochNanos = START_EPOCH_NANOS;

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized long epochNanos() {
        return epochNanos;
    }

    public synchronized void advance(long nanos) {
        this.nanos += nanos;
        this.epochNanos += nanos;
    }

    public void advance(Duration duration) {
        advance(duration.toNanos());
    }
}
