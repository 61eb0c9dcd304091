package dev.overlayd.membership;

import static dev.overlayd.membership.identity.TestKeys.signingKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.HandSigned;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SavedRevocations;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.Bind;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.Endpoint;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.peers.Peer;
import dev.overlayd.peers.Timing;
import dev.overlayd.tun.MemoryTun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device's peers as members come and go, and the members refused although their certificate is
 * this CA's: allowed IPs outside the overlay, or overlapping this node's or an admitted member's.
 */
class ClusterPeersTest {
    @TempDir
    Path dir;

    private CertificateAuthority authority;
    private Device device;
    private ClusterPeers peers;

    @BeforeEach
    void setUp() throws Exception {
        authority = CertificateAuthority.init(dir.resolve("ca"), "prod", IpPrefix.parse("100.64.0.0/16"), 30);
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        NodeCertificate self = authority.issue(CertificateAuthority.Request.node("h1", key.publicKey(), signingKey()));
        device = new Device(new MemoryTun("ovt-peers"), new NullBind(), dev.overlayd.noise.Clock.SYSTEM, Timing.PROTOCOL);
        device.setPrivateKey(key);
        // The node's own copy of the CA: it hears of revocations only when they are handed to it.
        ClusterCa ca = ClusterCa.decode(authority.publicCa().encoded());
        peers = new ClusterPeers(device, new CaAdmission(ca, Clock.systemUTC(), new SavedRevocations(dir)), self, () -> {});
    }

    @AfterEach
    void tearDown() {
        device.close();
    }

    private NodeCertificate issue(String name) throws Exception {
        return authority.issue(CertificateAuthority.Request.node(name, PrivateKey.generate(new SecureRandom()).publicKey(), signingKey()));
    }

    private static Member member(NodeCertificate cert) {
        return new Member(cert.name(), cert.encoded(), null);
    }

    private List<IpPrefix> allowedIps(NodeCertificate cert) {
        Peer peer = device.peer(cert.publicKey());
        return peer == null ? null : device.allowedIps(peer);
    }

    @Test
    void aPresentMemberIsAPeerWithItsAllowedIpsAndAnAbsentOneIsNot() throws Exception {
        NodeCertificate h2 = issue("h2");
        peers.present(member(h2));
        assertEquals(List.of(IpPrefix.parse("100.64.1.0/24")), allowedIps(h2));

        peers.absent(member(h2), "left the cluster");
        assertNull(allowedIps(h2));
    }

    @Test
    void aRevokedNodeNotYetKnownRevokedCannotTakeTheBlockTheCaGaveANewOne() throws Exception {
        // h2 is revoked, and its /24 goes to h3; this node has not heard of the revocation yet
        // (restarted without it, say) when h2 comes back.
        NodeCertificate h2 = issue("h2");
        authority.revoke("h2");
        NodeCertificate h3 = issue("h3");
        assertEquals(h2.subnet(), h3.subnet());
        peers.present(member(h3));

        peers.present(member(h2));

        assertEquals(List.of(IpPrefix.parse("100.64.1.0/24")), allowedIps(h3));
        assertNull(allowedIps(h2));
        assertEquals(List.of("h3"), device.peers().stream().map(p -> peers.byKey(p.publicKey()).member().name()).toList());

        // Once the holder is gone, the waiting one is checked again: nothing else keeps it out here.
        peers.absent(member(h3), "left the cluster");
        assertEquals(List.of(IpPrefix.parse("100.64.1.0/24")), allowedIps(h2));
    }

    @Test
    void watchersHearOnlyWhatIsConfiguredAndAWaitingMemberWhenItIsLetIn() throws Exception {
        NodeCertificate h2 = issue("h2");
        authority.revoke("h2");
        NodeCertificate h3 = issue("h3");
        peers.present(member(h3));
        List<String> early = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> late = new java.util.concurrent.CopyOnWriteArrayList<>();
        peers.watch(recorder(early));
        assertEquals(List.of("+h3"), early, "a new watcher hears the members configured already");

        peers.present(member(h2));
        ClusterPeers.Watch lateWatch = peers.watch(recorder(late));
        peers.absent(member(h3), "left the cluster");

        assertEquals(List.of("+h3", "-h3 (left the cluster)", "+h2"), early, "h2 only once it holds its block");
        assertEquals(List.of("+h3", "-h3 (left the cluster)", "+h2"), late);
        lateWatch.close();
        peers.absent(member(h2), "left the cluster");
        assertEquals(List.of("+h3", "-h3 (left the cluster)", "+h2"), late, "a closed watch hears nothing more");
        assertEquals("-h2 (left the cluster)", early.getLast());
    }

    private static ClusterPeers.Watcher recorder(List<String> heard) {
        return new ClusterPeers.Watcher() {
            @Override
            public void configured(ClusterPeers.Configured member) {
                heard.add("+" + member.member().name());
            }

            @Override
            public void removed(ClusterPeers.Configured member, String why) {
                heard.add("-" + member.member().name() + " (" + why + ")");
            }
        };
    }

    @Test
    void aMemberOverlappingThisNodeIsRefused() throws Exception {
        NodeCertificate intruder = HandSigned.node(dir.resolve("ca"), "h9", PrivateKey.generate(new SecureRandom()).publicKey(),
                InetAddress.getByName("100.64.0.9"), IpPrefix.parse("100.64.0.0/24"), Instant.now().truncatedTo(ChronoUnit.SECONDS));

        peers.present(new Member("h9", intruder.encoded(), new InetSocketAddress("198.18.1.9", 51820)));

        assertEquals(List.of(), device.peers());
    }

    @Test
    void aMemberWithASubnetOutsideTheOverlayIsRefused() throws Exception {
        NodeCertificate intruder = HandSigned.node(dir.resolve("ca"), "h9", PrivateKey.generate(new SecureRandom()).publicKey(),
                InetAddress.getByName("100.64.9.1"), IpPrefix.parse("10.0.0.0/8"), Instant.now().truncatedTo(ChronoUnit.SECONDS));

        peers.present(member(intruder));

        assertEquals(List.of(), device.peers());
    }

    @Test
    void aRenewedCertificateMayKeepItsOwnBlock() throws Exception {
        NodeCertificate h2 = issue("h2");
        peers.present(member(h2));
        NodeCertificate renewed = HandSigned.node(dir.resolve("ca"), "h2", h2.publicKey(), h2.address(), h2.subnet(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS));

        peers.present(member(renewed));

        assertEquals(List.of(IpPrefix.parse("100.64.1.0/24")), allowedIps(renewed));
        assertEquals(renewed, peers.byKey(h2.publicKey()).certificate());
    }

    /** No underlay: nothing here is sent. */
    private static final class NullBind implements Bind {
        @Override
        public int open(int port, Receiver receiver) {
            return port;
        }

        @Override
        public void send(byte[] buf, int off, int len, Endpoint to) {
        }

        @Override
        public void close() {
        }
    }
}
