package dev.overlayd.membership.gossip;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import dev.overlayd.noise.RateLimiter;

/**
 * The datagrams on their way from the receiving threads to the membership's thread: at most
 * {@code capacity} of them and {@code maxBytes} in all, the rest dropped and counted, so that
 * nothing anyone sends can grow the heap. Join messages, which come from anywhere, always cost
 * their source a token of a {@link RateLimiter}; gossip, which only present members' addresses
 * get this far, does under load (the queue a quarter full), so that one busy source cannot crowd
 * out the others' beats.
 */
final class Inbox {
    enum Kind { GOSSIP, JOIN }

    record Datagram(Kind kind, byte[] bytes, InetSocketAddress from) {}

    private final ArrayBlockingQueue<Datagram> queue;
    private final int capacity;
    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();
    private final RateLimiter limiter;
    private final GossipDrops drops;

    Inbox(int capacity, long maxBytes, RateLimiter limiter, GossipDrops drops) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.limiter = limiter;
        this.drops = drops;
    }

    /** Queues a copy of the datagram when it fits; returns whether it was queued. */
    boolean offer(Kind kind, byte[] buf, int off, int len, InetSocketAddress from) {
        boolean limited = kind == Kind.JOIN || queue.size() > capacity / 4;
        if (limited && !limiter.allow(from.getAddress())) {
            drops.count(GossipDrops.Reason.RATE_LIMITED);
            return false;
        }
        if (bytes.addAndGet(len) > maxBytes) {
            bytes.addAndGet(-len);
            drops.count(GossipDrops.Reason.QUEUE_FULL);
            return false;
        }
        if (!queue.offer(new Datagram(kind, Arrays.copyOfRange(buf, off, off + len), from))) {
            bytes.addAndGet(-len);
            drops.count(GossipDrops.Reason.QUEUE_FULL);
            return false;
        }
        return true;
    }

    /** The next datagram, or null when there is none. */
    Datagram poll() {
        Datagram d = queue.poll();
        if (d != null) {
            bytes.addAndGet(-d.bytes().length);
        }
        return d;
    }

    /** The bytes queued now. */
    long bytes() {
        return bytes.get();
    }

    /** Forgets idle sources' tokens; what the owner runs every {@link RateLimiter#GARBAGE_COLLECT_TIME}. */
    void collectGarbage() {
        limiter.collectGarbage();
    }
}
