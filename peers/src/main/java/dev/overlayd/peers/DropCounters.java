package dev.overlayd.peers;

import java.util.concurrent.atomic.AtomicLongArray;

/** Drops by reason, counted without locks or allocation from any thread. */
public final class DropCounters {
    private final AtomicLongArray counts = new AtomicLongArray(Drop.values().length);

    public void count(Drop drop) {
        counts.incrementAndGet(drop.ordinal());
    }

    public long get(Drop drop) {
        return counts.get(drop.ordinal());
    }
}
