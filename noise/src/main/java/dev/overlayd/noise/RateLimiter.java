package dev.overlayd.noise;

import java.net.InetAddress;
import java.security.SecureRandom;
import dev.overlayd.noise.crypto.SipHash;

/**
 * wireguard-go's ratelimiter: under load, a handshake message whose cookie proved its source
 * address still costs that source a token, 20 a second with a burst of 5, so one source that
 * holds a cookie cannot keep the handshake worker busy alone. A source is an IPv4 address (an
 * IPv4-mapped IPv6 address counts as its IPv4 address) or an IPv6 /64: wireguard-go keys IPv6 by
 * the whole address, but a host commonly owns a whole /64, so the Linux kernel's grouping is used.
 *
 * <p>Sources idle for more than a second are forgotten only when the caller runs
 * {@link #collectGarbage()}, which it should do every {@link #GARBAGE_COLLECT_TIME}.
 */
public final class RateLimiter {
    private static final long PACKETS_PER_SECOND = 20;
    private static final long PACKETS_BURSTABLE = 5;
    /** Tokens are nanoseconds of credit, refilled as time passes: a packet costs its share of a second. */
    private static final long PACKET_COST = 1_000_000_000L / PACKETS_PER_SECOND;
    private static final long MAX_TOKENS = PACKET_COST * PACKETS_BURSTABLE;
    /** How long a source may stay idle before {@link #collectGarbage()} forgets it, and how often to run that. */
    public static final long GARBAGE_COLLECT_TIME = 1_000_000_000L;
    /**
     * The most sources tracked at once, the kernel's limit on hosts with more than 1 GiB (a few MB
     * here). Past it a new source is refused until a collection makes room: evicting instead would
     * let a flood of new sources push out one that spent its tokens, which would come back with a
     * full bucket.
     */
    static final int MAX_ENTRIES = 65_536;
    /** Eight entries a bucket when full, as in the kernel. */
    private static final int BUCKETS = MAX_ENTRIES / 8;

    private final Clock clock;
    private final long hashKey0;
    private final long hashKey1;
    private final Entry[] buckets = new Entry[BUCKETS];
    private int size;

    /** One source's bucket, chained with the others that hash alike. */
    private static final class Entry {
        final boolean ipv6;
        final long source;
        long tokens;
        long lastTime;
        Entry next;

        Entry(boolean ipv6, long source, long tokens, long lastTime, Entry next) {
            this.ipv6 = ipv6;
            this.source = source;
            this.tokens = tokens;
            this.lastTime = lastTime;
            this.next = next;
        }
    }

    public RateLimiter(Clock clock, SecureRandom random) {
        this.clock = clock;
        this.hashKey0 = random.nextLong();
        this.hashKey1 = random.nextLong();
    }

    /** Whether a message from {@code source} fits its budget, which it then spends from. */
    public synchronized boolean allow(InetAddress source) {
        byte[] ip = source.getAddress();
        boolean ipv6 = ip.length == 16 && !isIpv4Mapped(ip);
        long key = ipv6 ? bigEndian(ip, 0, 8) : bigEndian(ip, ip.length - 4, 4);
        int bucket = (int) SipHash.hash(hashKey0, hashKey1, key) & (BUCKETS - 1);
        long now = clock.nanoTime();
        for (Entry e = buckets[bucket]; e != null; e = e.next) {
            if (e.source == key && e.ipv6 == ipv6) {
                e.tokens = Math.min(MAX_TOKENS, e.tokens + (now - e.lastTime));
                e.lastTime = now;
                // Strictly more than the cost, as wireguard-go: at one instant a fresh source gets
                // four messages, not five; the fifth needs a nanosecond's refill.
                if (e.tokens > PACKET_COST) {
                    e.tokens -= PACKET_COST;
                    return true;
                }
                return false;
            }
        }
        if (size == MAX_ENTRIES) {
            return false;
        }
        buckets[bucket] = new Entry(ipv6, key, MAX_TOKENS - PACKET_COST, now, buckets[bucket]);
        size++;
        return true;
    }

    /** Forgets the sources idle for more than {@link #GARBAGE_COLLECT_TIME}. */
    public synchronized void collectGarbage() {
        if (size == 0) {
            return;
        }
        long now = clock.nanoTime();
        for (int i = 0; i < BUCKETS; i++) {
            Entry previous = null;
            for (Entry e = buckets[i]; e != null; e = e.next) {
                if (now - e.lastTime > GARBAGE_COLLECT_TIME) {
                    if (previous == null) {
                        buckets[i] = e.next;
                    } else {
                        previous.next = e.next;
                    }
                    size--;
                } else {
                    previous = e;
                }
            }
        }
    }

    private static boolean isIpv4Mapped(byte[] ip) {
        for (int i = 0; i < 10; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
    }

    private static long bigEndian(byte[] b, int off, int len) {
        long v = 0;
        for (int i = off; i < off + len; i++) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }
}
