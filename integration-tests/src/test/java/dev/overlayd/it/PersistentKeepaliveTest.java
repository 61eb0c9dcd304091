package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PersistentKeepalive on the wire: a tunnel nobody uses, seen on the underlay with tcpdump. The
 * side whose wg-quick file sets PersistentKeepalive = N sends a keepalive (a data message with an
 * empty payload: 32 bytes of UDP) every N seconds; the side without sends none, not even in answer
 * to them (a keepalive is not data to acknowledge).
 */
class PersistentKeepaliveTest {
    private static final int INTERVAL = 2;
    private static final int KEEPALIVES = 4;

    @Test
    void onlyTheSideWithPersistentKeepaliveSendsKeepalivesEveryIntervalOnAnIdleTunnel() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            Host b = hosts.b;
            b.startOverlayd();
            b.peerWith(a, false);
            a.startFromConfig(a.writeWgQuickConfig(Host.peerSection(b, true, b.overlayHostPrefix())
                    + "PersistentKeepalive = " + INTERVAL + "\n"));
            hosts.assertPings(a, b);
            assertEquals(Integer.toString(INTERVAL), a.wgShow("persistent-keepalive", b));
            assertEquals("off", b.wgShow("persistent-keepalive", a));

            // From here on nothing uses the tunnel.
            Capture capture = hosts.capture(a);
            try (capture) {
                Await.until(KEEPALIVES + " keepalives from a", Duration.ofSeconds(60),
                        () -> keepalivesFrom(capture.datagrams(), a).size() >= KEEPALIVES, capture::log);
            }
            List<Capture.Datagram> all = capture.datagrams();
            List<Capture.Datagram> fromA = keepalivesFrom(all, a);
            // Timers fire late on a busy machine, never early: no two keepalives closer than the interval
            // (less the timer's slack), so they are the persistent ones, not some other kind.
            for (int i = 1; i < fromA.size(); i++) {
                long gap = fromA.get(i).micros() - fromA.get(i - 1).micros();
                assertTrue(gap >= INTERVAL * 1_000_000L - 250_000, "keepalive " + i + " came " + gap + " µs after the one before");
            }
            assertEquals(List.of(), keepalivesFrom(all, b), "b, without PersistentKeepalive, sent keepalives");
            assertEquals(0, all.stream().filter(d -> d.type() == 4 && !d.keepalive()).count(),
                    "nothing but keepalives crossed the idle tunnel");
        }
    }

    private static List<Capture.Datagram> keepalivesFrom(List<Capture.Datagram> datagrams, Host sender) {
        return datagrams.stream().filter(d -> d.keepalive() && d.source().equals(sender.underlayIp)).toList();
    }
}
