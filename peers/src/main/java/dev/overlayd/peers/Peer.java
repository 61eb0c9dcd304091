package dev.overlayd.peers;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import dev.overlayd.noise.CookieGenerator;
import dev.overlayd.noise.Handshake;
import dev.overlayd.noise.Keypairs;
import dev.overlayd.noise.PublicKey;

/**
 * One peer of the device: its handshake, sessions, endpoint, staged packets, timers and counters.
 * The protocol logic that spans peers lives in {@link Device}; this holds the per-peer state.
 */
public final class Peer {
    /** Packets waiting for a session; the oldest goes when it is full (wireguard-go's size). */
    static final int MAX_STAGED = 128;
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** Creation order: the UAPI lists peers in the order they were added. */
    final long sequence = SEQUENCE.incrementAndGet();
    final PublicKey publicKey;
    final Handshake handshake;
    final CookieGenerator cookies;
    final Keypairs keypairs = new Keypairs();
    final PeerTimers timers;
    final DropCounters drops = new DropCounters();

    final AtomicLong rxBytes = new AtomicLong();
    final AtomicLong txBytes = new AtomicLong();
    /** Datagrams, beside the bytes: what a metrics scrape shows per peer (WireGuard's UAPI has bytes only). */
    final AtomicLong rxPackets = new AtomicLong();
    final AtomicLong txPackets = new AtomicLong();

    /** A packet waiting for a session: plaintext at buf[16, 16+length), room behind it for padding and tag. */
    record Staged(byte[] buf, int length) {}

    private final ArrayDeque<Staged> staged = new ArrayDeque<>();

    volatile Endpoint endpoint;
    volatile int persistentKeepaliveSeconds;
    /** Wall-clock nanoseconds of the last completed handshake, 0 for never. */
    volatile long lastHandshakeEpochNanos;
    /** The index-table entry of the handshake under way, 0 for none. */
    int handshakeIndex;

    Peer(PublicKey publicKey, Handshake handshake, CookieGenerator cookies, PeerTimers.Factory timers) {
        this.publicKey = publicKey;
        this.handshake = handshake;
        this.cookies = cookies;
        this.timers = timers.create(this);
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The last known address of the peer, or null before it has one. */
    public InetSocketAddress endpoint() {
        Endpoint e = endpoint;
        return e == null ? null : e.address();
    }

    /** Wall-clock nanoseconds since the epoch of the last completed handshake; 0 for never. */
    public long lastHandshakeEpochNanos() {
        return lastHandshakeEpochNanos;
    }

    public long rxBytes() {
        return rxBytes.get();
    }

    public long txBytes() {
        return txBytes.get();
    }

    public long rxPackets() {
        return rxPackets.get();
    }

    public long txPackets() {
        return txPackets.get();
    }

    /** What was dropped on this peer's account (the device's counters include these). */
    public DropCounters drops() {
        return drops;
    }

    /** Queues a packet until a session can carry it. */
    void stage(Staged packet, Device device) {
        Staged dropped = null;
        synchronized (staged) {
            if (staged.size() >= MAX_STAGED) {
                dropped = staged.poll();
            }
            staged.add(packet);
        }
        if (dropped != null) {
            device.count(this, Drop.STAGED_QUEUE_FULL);
        }
    }

    Staged pollStaged() {
        synchronized (staged) {
            return staged.poll();
        }
    }

    /** Puts a packet back at the head, for when a session ran out mid-flush. */
    void unpoll(Staged packet) {
        synchronized (staged) {
            staged.addFirst(packet);
        }
    }

    boolean hasStaged() {
        synchronized (staged) {
            return !staged.isEmpty();
        }
    }

    int clearStaged() {
        synchronized (staged) {
            int n = staged.size();
            staged.clear();
            return n;
        }
    }

    @Override
    public String toString() {
        String key = publicKey.toBase64();
        return "peer(" + key.substring(0, 4) + "…" + key.substring(39) + ")";
    }
}
