package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * overlayd and wireguard-go with nothing but IPv6: the underlay (fd00:18::/64 on the veth) carries
 * the tunnel, the overlay (fd00:64::/64 on the tunnels) carries pings and TCP both ways, each side
 * as the initiator.
 */
class Ipv6Test {
    @Test
    void overlaydInitiatesToWireguardGo() throws Exception {
        try (TwoHosts hosts = TwoHosts.ipv6()) {
            start(hosts, true, false);
            assertCarries(hosts, hosts.a, hosts.b);
        }
    }

    @Test
    void wireguardGoInitiatesToOverlayd() throws Exception {
        try (TwoHosts hosts = TwoHosts.ipv6()) {
            start(hosts, false, true);
            assertCarries(hosts, hosts.b, hosts.a);
        }
    }

    /** overlayd on a, wireguard-go on b, configured with `wg` and `ip`; only a host that knows an endpoint can initiate. */
    private static void start(TwoHosts hosts, boolean aKnowsEndpoint, boolean bKnowsEndpoint) throws Exception {
        hosts.a.startOverlayd();
        hosts.b.startWireguardGo();
        hosts.a.peerWith(hosts.b, aKnowsEndpoint);
        hosts.b.peerWith(hosts.a, bKnowsEndpoint);
    }

    /** The initiator's first packet makes the session; then traffic both ways, over an IPv6 underlay. */
    private static void assertCarries(TwoHosts hosts, Host initiator, Host responder) throws Exception {
        assertTrue(initiator.overlayIp.startsWith("fd00:") && responder.underlayIp.startsWith("fd00:"));
        hosts.assertPings(initiator, responder);
        hosts.assertPings(responder, initiator);
        hosts.assertTcpTransfer(initiator, responder);
        hosts.assertTcpTransfer(responder, initiator);
        // Each learnt the other's endpoint on the IPv6 underlay, from its datagrams when it had none.
        assertEquals(hosts.b.endpoint(), hosts.a.wgShow("endpoints", hosts.b));
        assertEquals(hosts.a.endpoint(), hosts.b.wgShow("endpoints", hosts.a));
        assertEquals(hosts.b.overlayHostPrefix(), hosts.a.wgShow("allowed-ips", hosts.b));
    }
}
