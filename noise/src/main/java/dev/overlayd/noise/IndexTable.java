package dev.overlayd.noise;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps the random 32-bit indices this device hands out to the handshake or keypair they name.
 * Lookups happen for every data message and must not lock or box; changes happen once per
 * handshake. So writers rebuild an immutable open-addressing table under a lock and publish it
 * through a volatile field, and readers probe whatever table they see.
 *
 * @param <P> the device's peer type
 */
public final class IndexTable<P> {

    /** What an index names: a handshake under way, or (after it completed) its keypair. */
    public record Entry<P>(P peer, Handshake handshake, Keypair keypair) {}

    /** Never handed out, so that callers can use it for "no index". */
    public static final int NONE = 0;

    private final SecureRandom random;
    private final Map<Integer, Entry<P>> entries = new HashMap<>();
    private volatile Probe<P> probe = Probe.build(Map.of());

    public IndexTable(SecureRandom random) {
        this.random = random;
    }

    /** Draws a fresh, non-zero index for a handshake of {@code peer}, redrawing on collision. */
    public synchronized int insertHandshake(P peer, Handshake handshake) {
        int index;
        do {
            index = random.nextInt();
        } while (index == NONE || entries.containsKey(index));
        entries.put(index, new Entry<>(peer, handshake, null));
        publish();
        return index;
    }

    /** Re-points a completed handshake's index at its keypair; false when the index is gone. */
    public synchronized boolean swapToKeypair(int index, Keypair keypair) {
        Entry<P> entry = entries.get(index);
        if (entry == null) {
            return false;
        }
        entries.put(index, new Entry<>(entry.peer(), null, keypair));
        publish();
        return true;
    }

    public synchronized void remove(int index) {
        if (entries.remove(index) != null) {
            publish();
        }
    }

    public Entry<P> lookup(int index) {
        return probe.get(index);
    }

    public synchronized int size() {
        return entries.size();
    }

    private void publish() {
        probe = Probe.build(entries);
    }

    private record Probe<P>(int[] keys, Entry<P>[] values, int mask) {
        @SuppressWarnings("unchecked")
        static <P> Probe<P> build(Map<Integer, Entry<P>> entries) {
            int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2) - 1) << 1;
            int[] keys = new int[capacity];
            Entry<P>[] values = new Entry[capacity];
            for (Map.Entry<Integer, Entry<P>> e : entries.entrySet()) {
                int slot = mix(e.getKey()) & (capacity - 1);
                while (values[slot] != null) {
                    slot = (slot + 1) & (capacity - 1);
                }
                keys[slot] = e.getKey();
                values[slot] = e.getValue();
            }
            return new Probe<>(keys, values, capacity - 1);
        }

        Entry<P> get(int key) {
            for (int slot = mix(key) & mask; values[slot] != null; slot = (slot + 1) & mask) {
                if (keys[slot] == key) {
                    return values[slot];
                }
            }
            return null;
        }

        /** Fibonacci hashing: spreads whatever index a datagram names over the table. */
        private static int mix(int key) {
            int h = key * 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }
}
