package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** The per-source token bucket (20 a second, burst 5), its sources, and its bounded table. */
class RateLimiterTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long ONE_PACKET = SECOND / 20;

    private final ManualClock clock = new ManualClock();
    private final RateLimiter limiter = new RateLimiter(clock, new SecureRandom());

    /**
     * As wireguard-go's own test, a nanosecond passes before each message: the bucket must hold
     * strictly more than one message's cost, so at a single instant the last of the burst would not fit.
     */
    private boolean send(InetAddress source) {
        clock.advance(1);
        return limiter.allow(source);
    }

    private void spendBurst(InetAddress source) {
        for (int i = 0; i < 5; i++) {
            assertTrue(send(source), "burst message " + i);
        }
        assertFalse(send(source), "after the burst");
    }

    @Test
    void aSourceGetsABurstOfFiveThenIsRefused() throws Exception {
        spendBurst(ip("198.18.0.1"));
    }

    @Test
    void atOneInstantAFreshSourceGetsFour() throws Exception {
        InetAddress source = ip("198.18.0.1");
        for (int i = 0; i < 4; i++) {
            assertTrue(limiter.allow(source));
        }
        assertFalse(limiter.allow(source), "exactly one message's cost left: not enough");
        clock.advance(1);
        assertTrue(limiter.allow(source));
    }

    @Test
    void tokensComeBackAtTwentyASecond() throws Exception {
        InetAddress source = ip("198.18.0.1");
        spendBurst(source);
        clock.advance(ONE_PACKET);
        assertTrue(send(source), "50 ms buy one message");
        assertFalse(send(source));
        clock.advance(2 * ONE_PACKET);
        assertTrue(send(source), "100 ms buy two");
        assertTrue(send(source));
        assertFalse(send(source));
        clock.advance(ONE_PACKET / 2);
        assertFalse(send(source), "25 ms are not enough");
        clock.advance(ONE_PACKET / 2);
        assertTrue(send(source));
    }

    @Test
    void idleTimeFillsTheBucketToTheBurstOnly() throws Exception {
        InetAddress source = ip("198.18.0.1");
        spendBurst(source);
        clock.advance(60 * SECOND);
        spendBurst(source);
    }

    @Test
    void sourcesHaveBucketsOfTheirOwn() throws Exception {
        spendBurst(ip("198.18.0.1"));
        spendBurst(ip("198.18.0.2"));
        spendBurst(ip("2001:db8:0:1::1"));
        spendBurst(ip("2001:db8:0:2::1"));
    }

    @Test
    void anIpv6Slash64IsOneSource() throws Exception {
        spendBurst(ip("2001:db8:0:1::1"));
        assertFalse(send(ip("2001:db8:0:1:ffff:ffff:ffff:ffff")), "same /64");
        assertTrue(send(ip("2001:db8:0:2::1")), "the next /64");
        assertTrue(send(ip("2001:db8:0:0:ffff:ffff:ffff:ffff")), "the /64 before");
    }

    @Test
    void anIpv4MappedAddressIsItsIpv4Address() throws Exception {
        InetAddress mapped = mapped("198.18.0.1");
        assertInstanceOf(Inet6Address.class, mapped, "as a dual-stack socket may report it");
        spendBurst(ip("198.18.0.1"));
        assertFalse(send(mapped), "the IPv4 source's bucket");
        spendBurst(mapped("198.18.0.2"));
        assertFalse(send(ip("198.18.0.2")));
        // All of ::ffff:0:0/96 is in ::/64: grouping it by /64 would have made these one source.
        assertTrue(send(mapped("198.18.0.3")));
    }

    @Test
    void aFullTableRefusesNewSourcesButServesItsOwn() throws Exception {
        fill(0, RateLimiter.MAX_ENTRIES);
        assertFalse(send(ip("198.18.0.1")), "no room for a new source");
        assertFalse(send(ip("2001:db8::1")), "of either family");
        assertTrue(send(numbered(0)), "a tracked source keeps its tokens");
        assertTrue(send(numbered(RateLimiter.MAX_ENTRIES - 1)));
    }

    @Test
    void collectingGarbageForgetsSourcesIdleForMoreThanASecond() throws Exception {
        fill(0, RateLimiter.MAX_ENTRIES);
        clock.advance(SECOND / 2);
        int active = 0;
        for (int i = 0; i < RateLimiter.MAX_ENTRIES; i += 3) {
            assertTrue(limiter.allow(numbered(i)), "every third source stays active");
            active++;
        }
        clock.advance(SECOND / 2);
        limiter.collectGarbage();
        assertFalse(limiter.allow(ip("198.18.0.1")), "idle for exactly a second: still tracked");

        clock.advance(1);
        limiter.collectGarbage();
        fill(RateLimiter.MAX_ENTRIES, RateLimiter.MAX_ENTRIES - active);
        assertFalse(limiter.allow(ip("198.18.0.1")), "exactly the room the idle ones left");
        // The table is full, so an active source that had been lost could not come back.
        for (int i = 0; i < RateLimiter.MAX_ENTRIES; i += 3) {
            assertTrue(limiter.allow(numbered(i)), "source " + i + " is still tracked");
        }
    }

    /** New sources at one instant, so that they go idle together; a new source is always let through. */
    private void fill(int first, int count) {
        for (int i = first; i < first + count; i++) {
            assertTrue(limiter.allow(numbered(i)), "source " + i);
        }
    }

    /** Source {@code i} of a table-filling flood: 10.0.0.0/8, counting up. */
    private static InetAddress numbered(int i) {
        try {
            return InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    private static InetAddress mapped(String ipv4) throws UnknownHostException {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(ip(ipv4).getAddress(), 0, b, 12, 4);
        return Inet6Address.getByAddress(null, b, -1);
    }
}
