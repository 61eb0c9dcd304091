package dev.overlayd.node.control;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import dev.overlayd.noise.PublicKey;

/**
 * Each peer's current rate: its byte counters sampled about once a second, the rate taken over the
 * last few samples so that one bursty second does not swing it.
 */
public final class TrafficRates {
    /** Samples kept per peer: the rate spans up to WINDOW - 1 intervals. */
    static final int WINDOW = 6;

    /** Bits per second in each direction. */
    public record Rate(long rxBitsPerSecond, long txBitsPerSecond) {
        static final Rate NONE = new Rate(0, 0);
    }

    private record Sample(long nanos, long rxBytes, long txBytes) {}

    private final Map<PublicKey, ArrayDeque<Sample>> samples = new HashMap<>();

    /** Records one peer's counters at {@code nanos} (monotonic). */
    public synchronized void sample(PublicKey peer, long nanos, long rxBytes, long txBytes) {
        ArrayDeque<Sample> window = samples.computeIfAbsent(peer, k -> new ArrayDeque<>(WINDOW));
        if (window.size() == WINDOW) {
            window.removeFirst();
        }
        window.addLast(new Sample(nanos, rxBytes, txBytes));
    }

    /** Forgets peers that are gone, so that a removed and re-added peer starts afresh. */
    public synchronized void retain(Set<PublicKey> present) {
        samples.keySet().retainAll(present);
    }

    public synchronized Rate rate(PublicKey peer) {
        ArrayDeque<Sample> window = samples.get(peer);
        if (window == null || window.size() < 2) {
            return Rate.NONE;
        }
        Sample first = window.getFirst();
        Sample last = window.getLast();
        long nanos = last.nanos() - first.nanos();
        if (nanos <= 0) {
            return Rate.NONE;
        }
        return new Rate(bitsPerSecond(last.rxBytes() - first.rxBytes(), nanos),
                bitsPerSecond(last.txBytes() - first.txBytes(), nanos));
    }

    private static long bitsPerSecond(long bytes, long nanos) {
        // Counters only grow; a negative difference means the peer was replaced under the same key.
        return bytes <= 0 ? 0 : (long) (bytes * 8 * 1e9 / nanos);
    }
}
