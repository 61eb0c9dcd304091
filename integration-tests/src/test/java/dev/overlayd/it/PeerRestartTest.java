package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One overlayd restarted (SIGTERM, then started again with the same key and configuration) while
 * its peer, another overlayd, stays up: the restarted side has lost every session, so the peer's
 * session is dead and a new handshake must replace it, without anyone touching the peer.
 */
class PeerRestartTest {
    @Test
    void theRestartedSideCallsAndThePeerTakesTheNewSession() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            Host b = hosts.b;
            connectAndRestartB(hosts);

            Capture capture = hosts.capture(a);
            try (capture) {
                hosts.assertPings(b, a);
                hosts.assertPings(a, b);
            }
            assertHandshake(capture, b, a);
        }
    }

    @Test
    void thePeerThatStayedUpNoticesTheDeadSessionAndRehandshakes() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            Host b = hosts.b;
            connectAndRestartB(hosts);

            Capture capture = hosts.capture(a);
            try (capture) {
                // Only a sends: its data, sealed for a session b forgot, goes unanswered until a's
                // new-handshake timer (KeepaliveTimeout + RekeyTimeout, 15 s) starts a handshake.
                Sh.Run ping = a.tryExec(90, "ping", "-c", "1", "-W", "1", "-w", "60", b.overlayIp);
                assertEquals(0, ping.status(), () -> ping.output() + "\n--- a's log:\n" + a.log() + "\n--- b's log:\n" + b.log());
            }
            assertHandshake(capture, a, b);
            hosts.assertPings(b, a);
        }
    }

    /** Two overlayd that know each other's endpoint, a session between them, then b restarted. */
    private static void connectAndRestartB(TwoHosts hosts) throws Exception {
        Host a = hosts.a;
        Host b = hosts.b;
        hosts.connectOverlayd();

        long before = b.overlaydPid();
        b.stopOverlayd();
        b.startOverlayd();
        b.peerWith(a, true);
        assertTrue(b.overlaydPid() != before, "b runs a new process");
    }

    /** The capture holds an initiation (type 1) from initiator and a response (type 2) from responder. */
    private static void assertHandshake(Capture capture, Host initiator, Host responder) throws Exception {
        List<Capture.Datagram> handshakes = capture.datagrams().stream().filter(d -> d.type() == 1 || d.type() == 2)
                .toList();
        assertTrue(handshakes.stream().anyMatch(d -> d.type() == 1 && d.source().equals(initiator.underlayIp))
                && handshakes.stream().anyMatch(d -> d.type() == 2 && d.source().equals(responder.underlayIp)),
                initiator.underlayIp + " initiated a new handshake and " + responder.underlayIp + " answered it: "
                        + handshakes.stream().map(d -> "type " + d.type() + " " + d.source() + " -> " + d.destination()).toList());
    }
}
