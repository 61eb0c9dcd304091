package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A host with several addresses on its underlay interface answers a peer from the address the
 * peer sent to, as wireguard-go and the kernel module do: otherwise the peer takes the answer for
 * a move and roams to the other address (wireguard-go's netns.sh, "reply to sender routing"). And
 * the source is sticky, but not too sticky: when that address goes, traffic leaves from one that
 * is still there. overlayd on host a, wireguard-go driven by `wg` on host b; b calls a at each of
 * a's addresses in turn, the one the kernel would not choose by itself among them too.
 */
class StickySourceTest {
    @Test
    void ipv4() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            String first = hosts.a.underlayIp;
            String second = "198.18.0.11";
            start(hosts, List.of(second + "/24"), null);
            for (String ip : List.of(second, first, second, first)) {
                assertRepliesFrom(hosts, ip + ":" + hosts.a.listenPort);
            }
            // The primary address goes and the secondary takes its place (promote_secondaries).
            hosts.a.exec("ip", "addr", "del", first + "/24", "dev", hosts.veth(hosts.a));
            assertFallsBackTo(hosts, second + ":" + hosts.a.listenPort);
        }
    }

    @Test
    void ipv6() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            // Unique-local addresses, inside the test's namespaces only.
            List<String> addresses = List.of("[fd00:aa::1]", "[fd00:aa::2]");
            start(hosts, List.of("fd00:aa::1/96", "fd00:aa::2/96"), "fd00:aa::3/96");
            for (String ip : List.of(addresses.get(0), addresses.get(1), addresses.get(0), addresses.get(1))) {
                assertRepliesFrom(hosts, ip + ":" + hosts.a.listenPort);
            }
            hosts.a.exec("ip", "addr", "del", "fd00:aa::2/96", "dev", hosts.veth(hosts.a));
            assertFallsBackTo(hosts, addresses.get(0) + ":" + hosts.a.listenPort);
        }
    }

    /**
     * More addresses for a, one for b unless it has one of that family (null), and the daemons: a
     * knows no endpoint for b, so it can only answer where b's datagrams came from.
     */
    private static void start(TwoHosts hosts, List<String> aAddresses, String bAddress) throws Exception {
        Host a = hosts.a;
        Host b = hosts.b;
        // As netns.sh does: no duplicate address detection to wait for, and removing the primary
        // IPv4 address promotes a secondary one instead of taking it along.
        for (Host h : List.of(a, b)) {
            h.exec("sysctl", "-q", "-w", "net.ipv6.conf." + hosts.veth(h) + ".accept_dad=0");
        }
        a.exec("sysctl", "-q", "-w", "net.ipv4.conf." + hosts.veth(a) + ".promote_secondaries=1");
        for (String address : aAddresses) {
            a.exec("ip", "addr", "add", address, "dev", hosts.veth(a));
        }
        if (bAddress != null) {
            b.exec("ip", "addr", "add", bAddress, "dev", hosts.veth(b));
        }
        a.startOverlayd();
        b.startWireguardGo();
        a.peerWith(b, false);
        b.peerWith(a, true);
    }

    /** b calls a at the endpoint and pings; a's answers come from there, so b's endpoint stays. */
    private static void assertRepliesFrom(TwoHosts hosts, String endpoint) throws Exception {
        hosts.b.exec("wg", "set", hosts.b.iface, "peer", hosts.a.publicKey, "endpoint", endpoint);
        hosts.assertPings(hosts.b, hosts.a);
        assertEquals(endpoint, hosts.b.wgShow("endpoints", hosts.a), "b's endpoint for a after pinging it at " + endpoint);
    }

    /** The address a last answered from is gone: a's pings to b still leave, from the one left, and b follows. */
    private static void assertFallsBackTo(TwoHosts hosts, String remaining) throws Exception {
        hosts.assertPings(hosts.a, hosts.b);
        assertEquals(remaining, hosts.b.wgShow("endpoints", hosts.a), "b heard from a's remaining address");
    }
}
