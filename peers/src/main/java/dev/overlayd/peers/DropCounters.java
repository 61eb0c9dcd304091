package dev.overlayd.peers;

import java.util.EnumMap;
import java.util.Map;
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

    /** The reasons with a non-zero count. */
    public Map<Drop, Long> nonZero() {
        Map<Drop, Long> out = new EnumMap<>(Drop.class);
        for (Drop d : Drop.values()) {
            long n = counts.get(d.ordinal());
            if (n != 0) {
                out.put(d, n);
            }
        }
        return out;
    }
}
