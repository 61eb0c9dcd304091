package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.overlayd.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Preshared keys between overlayd (host a) and wireguard-go (host b), set with `wg set ...
 * preshared-key FILE` on both. The same key on both sides: traffic flows. Different keys: the
 * initiator cannot open the responder's answer (the key is mixed in there), so no session is made
 * and nothing crosses, whichever side initiates.
 */
class PresharedKeyTest {
    @Test
    void withTheSameKeyOnBothSidesTrafficFlows() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Path psk = presharedKey(hosts, "psk");
            start(hosts, psk, psk, true);
            hosts.assertPings(hosts.a, hosts.b);
            hosts.assertPings(hosts.b, hosts.a);
            hosts.assertTcpTransfer(hosts.a, hosts.b);
            String key = Files.readString(psk).strip();
            assertEquals(key, hosts.a.wgShow("preshared-keys", hosts.b), "overlayd took the key");
            assertEquals(key, hosts.b.wgShow("preshared-keys", hosts.a));
        }
    }

    @ParameterizedTest(name = "overlayd initiates: {0}")
    @ValueSource(booleans = {true, false})
    void withDifferentKeysNoHandshakeCompletes(boolean overlaydInitiates) throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            start(hosts, presharedKey(hosts, "psk-a"), presharedKey(hosts, "psk-b"), overlaydInitiates);
            Host initiator = overlaydInitiates ? hosts.a : hosts.b;
            Host responder = overlaydInitiates ? hosts.b : hosts.a;
            Capture capture = hosts.capture(hosts.a);
            // Pings keep a packet waiting for a session, so the initiator keeps trying.
            Process pings = new ProcessBuilder(initiator.inside("ping", "-i", "0.5", responder.overlayIp))
                    .redirectErrorStream(true).redirectOutput(hosts.dir().resolve("ping.log").toFile()).start();
            try (capture) {
                // A second initiation after the responder's answer: the first handshake failed at the initiator.
                Await.until("an answered initiation, and one more", Duration.ofSeconds(60), () -> {
                    List<Capture.Datagram> seen = capture.datagrams();
                    return count(seen, 1, initiator) >= 2 && count(seen, 2, responder) >= 1;
                }, () -> capture.log() + "\n" + hosts.a.log() + "\n" + hosts.b.log());
            } finally {
                Commands.stop(pings, Duration.ofSeconds(10));
            }
            List<Capture.Datagram> seen = capture.datagrams();
            assertEquals(0, seen.stream().filter(d -> d.type() == 4).count(), "a data message crossed: " + seen.size());
            assertEquals("0", hosts.a.wgShow("latest-handshakes", hosts.b), "overlayd made a session");
            assertEquals("0", hosts.b.wgShow("latest-handshakes", hosts.a), "wireguard-go made a session");
            assertNotEquals(0, hosts.a.tryExec(10, "ping", "-c", "1", "-W", "2", hosts.b.overlayIp).status());
            String pinged = Files.readString(hosts.dir().resolve("ping.log"));
            assertFalse(pinged.contains("bytes from"), "a ping came back:\n" + pinged);
        }
    }

    private static long count(List<Capture.Datagram> datagrams, int type, Host sender) {
        return datagrams.stream().filter(d -> d.type() == type && d.source().equals(sender.underlayIp)).count();
    }

    /** A new preshared key in a root-only file, as `wg genpsk > FILE` makes one. */
    private static Path presharedKey(TwoHosts hosts, String name) throws Exception {
        Path file = hosts.dir().resolve(name);
        Sh.ok("sh", "-c", "umask 077 && wg genpsk > " + file);
        return file;
    }

    /**
     * overlayd on a, wireguard-go on b, peered with `wg` and `ip` and each given its preshared key;
     * only the initiator knows the other's endpoint.
     */
    private static void start(TwoHosts hosts, Path aKey, Path bKey, boolean overlaydInitiates) throws Exception {
        hosts.a.startOverlayd();
        hosts.b.startWireguardGo();
        hosts.a.peerWith(hosts.b, overlaydInitiates);
        hosts.b.peerWith(hosts.a, !overlaydInitiates);
        hosts.a.exec("wg", "set", hosts.a.iface, "peer", hosts.b.publicKey, "preshared-key", aKey.toString());
        hosts.b.exec("wg", "set", hosts.b.iface, "peer", hosts.a.publicKey, "preshared-key", bKey.toString());
    }
}
