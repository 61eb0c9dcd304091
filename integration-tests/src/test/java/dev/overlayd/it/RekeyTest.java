package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Rekeying under load: with rekey-after-time shortened to 2 s (the test-only setting; an initiation
 * still waits RekeyTimeout, 5 s, after the previous one) a TCP stream runs through several session
 * changes. The stream must arrive intact, and the wire must show that it really moved to new
 * sessions: handshake responses, and data under a new receiver index each time.
 */
class RekeyTest {
    private static final String SHORT_REKEY = "OVERLAYD_TEST_REKEY_AFTER_SECONDS=2";
    /** The first handshake and two rekeys. */
    private static final int SESSIONS = 3;

    @Test
    void overlaydRekeysWithOverlayd() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            hosts.a.startOverlayd(SHORT_REKEY);
            hosts.b.startOverlayd(SHORT_REKEY);
            hosts.a.peerWith(hosts.b, true);
            hosts.b.peerWith(hosts.a, true);
            assertStreamSurvivesRekeys(hosts);
        }
    }

    @Test
    void overlaydRekeysWithWireguardGo() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            hosts.a.startOverlayd(SHORT_REKEY);
            hosts.b.startWireguardGo();
            // Only the initiator of a session rekeys on time, and wireguard-go would wait 120 s:
            // b cannot call a, so a initiates every handshake.
            hosts.a.peerWith(hosts.b, true);
            hosts.b.peerWith(hosts.a, false);
            assertStreamSurvivesRekeys(hosts);
        }
    }

    private static void assertStreamSurvivesRekeys(TwoHosts hosts) throws Exception {
        Host a = hosts.a;
        Host b = hosts.b;
        Set<String> aHandshakes = new HashSet<>();
        Set<String> bHandshakes = new HashSet<>();
        Capture capture = hosts.capture(a);
        try (capture) {
            hosts.assertPings(a, b);
            // Handshakes are at least 5 s apart, so each shows as a new latest-handshake second.
            hosts.assertTcpTransferUntil(a, b, SESSIONS + " handshakes seen by both sides", Duration.ofSeconds(90), () -> {
                aHandshakes.add(a.wgShow("latest-handshakes", b));
                bHandshakes.add(b.wgShow("latest-handshakes", a));
                return aHandshakes.size() >= SESSIONS && bHandshakes.size() >= SESSIONS;
            });
        }

        List<Capture.Datagram> datagrams = capture.datagrams();
        long responses = datagrams.stream().filter(d -> d.type() == 2).count();
        assertTrue(responses >= SESSIONS, () -> "handshake responses on the wire: " + responses + " (handshakes a saw: "
                + aHandshakes + ", b saw: " + bHandshakes + ")\n" + capture.log());
        for (Host from : List.of(a, b)) {
            Set<Integer> sessions = datagrams.stream().filter(d -> d.type() == 4 && d.source().equals(from.underlayIp))
                    .map(Capture.Datagram::receiverIndex).collect(Collectors.toSet());
            assertTrue(sessions.size() >= SESSIONS, from.iface + " sent data under " + sessions.size() + " sessions");
        }
    }
}
