package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The interface's MTU changed while the daemons run, as an operator, wg-quick or the second round
 * of wireguard-go's tests/netns.sh changes it, on an underlay that keeps its 1500 bytes (so the
 * large datagrams cross it in fragments, as they would cross EC2's 9001). TCP must go on carrying
 * every byte at every size up to the largest, and the padding must follow the new MTU.
 */
class MtuChangeTest {
    /** The second round of wireguard-go's tests/netns.sh: 34816 - 1500 + the default 1420. */
    private static final int NETNS_SH_MTU = 34736;
    /** The most the kernel lets a TUN be set to. */
    private static final int TUN_MAX_MTU = 65535;
    /**
     * What overlayd brings that down to: one IPv4 UDP datagram (65,507 bytes) less WireGuard's 32,
     * rounded down to a multiple of 16, so that a peer's padding cannot push it past either.
     */
    private static final int OVERLAYD_MAX_MTU = 65472;
    private static final int WIREGUARD_OVERHEAD = 32;

    @Test
    void overlaydFollowsTheMtuUpAndDown() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            hosts.connectOverlayd();
            // The capture is to see datagrams as a NIC sends them, not the veth's UDP GSO batches.
            hosts.a.exec("ip", "link", "set", "dev", hosts.veth(hosts.a), "gso_max_segs", "1");
            // Neither is a multiple of 16: a full-sized packet is padded to exactly the MTU, not beyond.
            // 9001 is EC2's jumbo frame; 1300 is below the default, where a stale 1420 would pad past it.
            for (int mtu : new int[] {9001, 1300}) {
                setBoth(hosts, mtu);
                Capture capture = hosts.capture(hosts.a);
                try (capture) {
                    hosts.assertTcpTransfer(hosts.a, hosts.b);
                }
                int largest = capture.datagrams().stream()
                        .filter(d -> d.type() == 4 && d.source().equals(hosts.a.underlayIp))
                        .mapToInt(Capture.Datagram::length).max().orElse(0);
                assertEquals(mtu + WIREGUARD_OVERHEAD, largest, "the largest data message at MTU " + mtu);
            }
            setBoth(hosts, NETNS_SH_MTU);
            hosts.assertTcpTransfer(hosts.a, hosts.b);
            hosts.assertTcpTransfer(hosts.b, hosts.a);

            hosts.a.setMtu(TUN_MAX_MTU);
            hosts.b.setMtu(TUN_MAX_MTU);
            awaitFollowed(hosts.a, OVERLAYD_MAX_MTU);
            awaitFollowed(hosts.b, OVERLAYD_MAX_MTU);
            assertEquals(OVERLAYD_MAX_MTU, hosts.a.mtu(), "overlayd lowered the MTU to what one datagram carries");
            assertEquals(OVERLAYD_MAX_MTU, hosts.b.mtu());
            hosts.assertTcpTransfer(hosts.a, hosts.b);
            hosts.assertTcpTransfer(hosts.b, hosts.a);
        }
    }

    @Test
    void overlaydAndWireguardGoAtLargeMtus() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            hosts.a.startOverlayd();
            hosts.b.startWireguardGo();
            hosts.a.peerWith(hosts.b, true);
            hosts.b.peerWith(hosts.a, true);
            hosts.assertPings(hosts.a, hosts.b);
            // wireguard-go keeps 65535 on its interface (it caps only its padding, at 65503): TCP's
            // MSS keeps both ways within overlayd's side, whose 65472 wireguard-go's padding keeps.
            for (int mtu : new int[] {NETNS_SH_MTU, TUN_MAX_MTU}) {
                hosts.a.setMtu(mtu);
                hosts.b.setMtu(mtu);
                awaitFollowed(hosts.a, Math.min(mtu, OVERLAYD_MAX_MTU));
                hosts.assertTcpTransfer(hosts.a, hosts.b);
                hosts.assertTcpTransfer(hosts.b, hosts.a);
            }
        }
    }

    private static void setBoth(TwoHosts hosts, int mtu) throws Exception {
        hosts.a.setMtu(mtu);
        hosts.b.setMtu(mtu);
        awaitFollowed(hosts.a, mtu);
        awaitFollowed(hosts.b, mtu);
    }

    /** The daemon says when it takes on a new MTU; until then its packets may still be padded for the old one. */
    private static void awaitFollowed(Host h, int mtu) throws Exception {
        Await.until(h.iface + "'s overlayd to follow MTU " + mtu, Duration.ofSeconds(20),
                () -> h.log().contains(h.iface + ": MTU " + mtu + ","), h::log);
    }
}
