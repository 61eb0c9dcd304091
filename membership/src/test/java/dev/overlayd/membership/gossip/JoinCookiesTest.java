package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JoinCookiesTest {
    private final LocalCluster.TestClock clock = new LocalCluster.TestClock();
    private final JoinCookies cookies = new JoinCookies(clock, new SecureRandom());
    private final InetSocketAddress joiner = new InetSocketAddress("198.18.0.5", 51820);

    @Test
    void aCookieHoldsForItsSourceAndExchangeThroughOneRotationAndNoLonger() {
        byte[] cookie = cookies.cookie(joiner, 7);
        assertTrue(cookies.valid(cookie, joiner, 7));
        assertFalse(cookies.valid(cookie, joiner, 8), "another exchange");
        assertFalse(cookies.valid(cookie, new InetSocketAddress("198.18.0.5", 51821), 7), "another port");
        assertFalse(cookies.valid(cookie, new InetSocketAddress("198.18.0.6", 51820), 7), "another address");
        clock.advance(Duration.ofNanos(JoinCookies.ROTATE_NANOS));
        assertTrue(cookies.valid(cookie, joiner, 7), "handed out just before the secret changed");
        clock.advance(Duration.ofNanos(JoinCookies.ROTATE_NANOS));
        assertFalse(cookies.valid(cookie, joiner, 7), "two secrets later");
    }
}
