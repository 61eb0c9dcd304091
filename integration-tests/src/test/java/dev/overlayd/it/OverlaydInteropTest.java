package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * overlayd in a network namespace against wireguard-go and against itself, each side as the
 * initiator, configured with the stock `wg` and `ip` as an operator would: pings both ways, a TCP
 * transfer whose content is checked, `wg show` against overlayd, and no plaintext on the veth.
 */
class OverlaydInteropTest {
    /**
     * What ping fills its payload with (at most 16 bytes) and the TCP stream repeats: must cross the
     * tunnel, never the veth in clear.
     */
    private static final byte[] MARKER = "overlayd-marker".getBytes(StandardCharsets.US_ASCII);

    @Test
    void overlaydInitiatesToWireguardGo() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            start(hosts, WIREGUARD_GO, true, false);
            hosts.assertPings(hosts.a, hosts.b);
            hosts.assertPings(hosts.b, hosts.a);
            hosts.assertTcpTransfer(hosts.a, hosts.b);
        }
    }

    @Test
    void wireguardGoInitiatesToOverlayd() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            start(hosts, WIREGUARD_GO, false, true);
            hosts.assertPings(hosts.b, hosts.a);
            hosts.assertTcpTransfer(hosts.b, hosts.a);
        }
    }

    @Test
    void overlaydToOverlayd() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            start(hosts, OVERLAYD, true, true);
            hosts.assertPings(hosts.a, hosts.b);
            hosts.assertPings(hosts.b, hosts.a);
            hosts.assertTcpTransfer(hosts.a, hosts.b);
        }
    }

    @Test
    void wgShowsAndChangesOverlayd() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            start(hosts, WIREGUARD_GO, true, false);
            hosts.assertPings(hosts.a, hosts.b);

            String[] dump = hosts.a.exec("wg", "show", hosts.a.iface, "dump").strip().split("\n");
            assertEquals(2, dump.length, String.join("\n", dump));
            String[] device = dump[0].split("\t");
            assertEquals(hosts.a.privateKey, device[0]);
            assertEquals(hosts.a.publicKey, device[1]);
            assertEquals("51820", device[2]);
            String[] peer = dump[1].split("\t");
            assertEquals(hosts.b.publicKey, peer[0]);
            assertEquals("198.18.0.2:51820", peer[2]);
            assertEquals("100.64.0.2/32", peer[3]);
            assertTrue(Long.parseLong(peer[4]) > 0, "a handshake happened");
            assertTrue(Long.parseLong(peer[5]) > 0 && Long.parseLong(peer[6]) > 0, "bytes both ways");

            hosts.a.exec("wg", "set", hosts.a.iface, "peer", hosts.b.publicKey, "remove");
            assertEquals("", hosts.a.exec("wg", "show", hosts.a.iface, "peers").strip());
            assertFalse(hosts.a.tryExec(10, "ping", "-c", "1", "-W", "2", hosts.b.overlayIp).status() == 0,
                    "without the peer nothing crosses");
        }
    }

    /** Every frame on both ends of the veth, while pings and a TCP stream full of the marker cross the tunnel. */
    @Test
    void theUnderlayCarriesNoPlaintext() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            start(hosts, OVERLAYD, true, true);
            hosts.assertPings(hosts.a, hosts.b);

            Capture atA = hosts.capture(hosts.a);
            Capture atB = hosts.capture(hosts.b);
            try (atA; atB) {
                Sh.Run ping = hosts.a.tryExec(20, "ping", "-c", "5", "-i", "0.2", "-p", HexFormat.of().formatHex(MARKER),
                        hosts.b.overlayIp);
                assertEquals(0, ping.status(), ping.output());
                hosts.assertTcpTransfer(hosts.a, hosts.b,
                        "yes " + new String(MARKER, StandardCharsets.US_ASCII) + " | head -c " + TRANSFER);
            }
            for (Capture capture : List.of(atA, atB)) {
                List<Capture.Datagram> data = capture.datagrams().stream().filter(d -> d.type() == 4).toList();
                assertTrue(data.stream().filter(d -> d.payload().length >= 16 + 84).count() >= 5,
                        "the capture saw the pings as transport data");
                // tcpdump may miss a few frames on a busy machine, never most of the stream.
                long carried = data.stream().mapToLong(d -> d.payload().length).sum();
                assertTrue(carried >= TRANSFER / 2, "the capture saw the stream as transport data: " + carried + " bytes");
                assertFalse(Capture.contains(capture.bytes(), MARKER), "the marker appears in clear on the underlay");
            }
        }
    }

    /** Bytes of the TCP stream: thousands of full-sized segments. */
    private static final int TRANSFER = 4 << 20;

    private static final boolean WIREGUARD_GO = true;
    private static final boolean OVERLAYD = false;

    /**
     * overlayd on host a, overlayd or wireguard-go on host b, each peered with the other; a host
     * that knows the other's endpoint can initiate, one that does not must wait to be called.
     */
    private static void start(TwoHosts hosts, boolean bRunsWireguardGo, boolean aKnowsEndpoint, boolean bKnowsEndpoint)
            throws Exception {
        hosts.a.startOverlayd();
        if (bRunsWireguardGo) {
            hosts.b.startWireguardGo();
        } else {
            hosts.b.startOverlayd();
        }
        hosts.a.peerWith(hosts.b, aKnowsEndpoint);
        hosts.b.peerWith(hosts.a, bKnowsEndpoint);
    }
}
