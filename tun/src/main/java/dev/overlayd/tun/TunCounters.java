package dev.overlayd.tun;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a TUN's offloads did and what it dropped, counted without locks from the reading and writing
 * threads and readable from any thread.
 */
public final class TunCounters {
    private final LongAdder superPacketsRead = new LongAdder();
    private final LongAdder segmentsRead = new LongAdder();
    private final LongAdder superPacketsWritten = new LongAdder();
    private final LongAdder segmentsCoalesced = new LongAdder();
    private final AtomicLongArray drops = new AtomicLongArray(TunDrop.values().length);

    /** Reads that returned a TCP super-packet of more than one segment. */
    public long superPacketsRead() {
        return superPacketsRead.sum();
    }

    /** The segments those super-packets were split into. */
    public long segmentsRead() {
        return segmentsRead.sum();
    }

    /** Writes of a super-packet coalesced from more than one segment. */
    public long superPacketsWritten() {
        return superPacketsWritten.sum();
    }

    /** The segments those super-packets were coalesced from. */
    public long segmentsCoalesced() {
        return segmentsCoalesced.sum();
    }

    public long drops(TunDrop drop) {
        return drops.get(drop.ordinal());
    }

    void superPacketRead(int segments) {
        superPacketsRead.increment();
        segmentsRead.add(segments);
    }

    void superPacketWritten(int segments) {
        superPacketsWritten.increment();
        segmentsCoalesced.add(segments);
    }

    void drop(TunDrop drop) {
        drops.incrementAndGet(drop.ordinal());
    }

    void drop(TunDrop drop, int packets) {
        drops.addAndGet(drop.ordinal(), packets);
    }
}
