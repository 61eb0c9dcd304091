package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Roaming: a peer that turns up at another address or port is followed there, as soon as
 * authenticated traffic comes from it, by the overlayd that stayed put (host a, which alone knew an
 * endpoint at first) and nothing else. Anyone can send a datagram from anywhere, so only a packet
 * that authenticates, and is not a replay, may move the endpoint.
 */
class RoamingTest {
    @Test
    void overlaydFollowsAPeerToItsNewAddress() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            Host b = hosts.b;
            // Not wireguard-go on b: it keeps sending from the source address it last used, which is
            // removed here ("network is unreachable"); overlayd leaves the choice to the kernel.
            hosts.connectOverlayd();

            // The session survives the move: only a's idea of where b is must change.
            hosts.moveUnderlay(b, "198.18.0.3");
            hosts.assertPings(b, a);
            assertEquals("198.18.0.3:51820", a.wgShow("endpoints", b));
            hosts.assertPings(a, b);
        }
    }

    @Test
    void overlaydFollowsAPeerRestartedOnAnotherPort() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            Host b = hosts.b;
            hosts.connectOverlayd();

            // A new process: a learns the port from b's handshake initiation, not from data.
            b.stopOverlayd();
            b.listenPort = 51821;
            b.startOverlayd();
            b.peerWith(a, true);
            hosts.assertPings(b, a);
            assertEquals("198.18.0.2:51821", a.wgShow("endpoints", b));
            hosts.assertPings(a, b);
        }
    }

    @Test
    void neitherAReplayedNorATamperedPacketMovesTheEndpoint() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            Host b = hosts.b;
            a.startOverlayd();
            b.startOverlayd();
            a.peerWith(b, true);
            b.peerWith(a, true);

            Capture capture = hosts.capture(a);
            try (capture) {
                hosts.assertPings(b, a);
            }
            byte[] data = capture.datagrams().stream()
                    .filter(d -> d.type() == 4 && d.source().equals(b.underlayIp) && d.payload().length > 32)
                    .findFirst().orElseThrow(() -> new AssertionError("no data message from b was captured"))
                    .payload();
            byte[] tampered = data.clone();
            tampered[tampered.length - 1] ^= 1;
            JsonNode before = dropsOfPeer(a);

            for (byte[] packet : List.of(data, tampered)) {
                Path file = hosts.dir().resolve("packet.bin");
                Files.write(file, packet);
                // From b's address but another port: where an attacker's copy would come from.
                b.exec("sh", "-c", "nc -u -w 1 -p 40000 " + a.underlayIp + " " + a.listenPort + " < " + file);
            }
            // Both reached a and were counted as what they are, once each, against b's session.
            long replayed = before.path("replayed_counter").asLong() + 1;
            long tamperedCount = before.path("authentication_failed").asLong() + 1;
            Await.until("a to count the replayed and the tampered datagram", Duration.ofSeconds(20), () -> {
                JsonNode drops = dropsOfPeer(a);
                return drops.path("replayed_counter").asLong() >= replayed
                        && drops.path("authentication_failed").asLong() >= tamperedCount;
            }, a::log);
            JsonNode after = dropsOfPeer(a);
            assertEquals(replayed, after.path("replayed_counter").asLong(), after.toString());
            assertEquals(tamperedCount, after.path("authentication_failed").asLong(), after.toString());
            // Nothing authenticated from b may come in before these checks: it would set the
            // endpoint right again and hide a wrong move. a's pings go wherever it believes b is.
            assertEquals(b.underlayIp + ":" + b.listenPort, a.wgShow("endpoints", b));
            hosts.assertPings(a, b);
        }
    }

    /** The drops `overlayctl peers` counts against the host's one peer, by reason. */
    private static JsonNode dropsOfPeer(Host host) throws Exception {
        return host.overlaydStatus().get("peers").get(0).path("drops");
    }
}
