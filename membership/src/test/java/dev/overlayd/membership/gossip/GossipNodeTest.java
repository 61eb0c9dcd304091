package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Joins, dissemination and the checks on every record, on gossip nodes in one process. */
class GossipNodeTest {
    @TempDir
    Path dir;
    private LocalCluster cluster;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new LocalCluster(dir);
    }

    private LocalCluster.Node[] threeNodes() throws Exception {
        LocalCluster.Node a = cluster.start("a", 1);
        LocalCluster.Node b = cluster.start("b", 2, a);
        LocalCluster.Node c = cluster.start("c", 3, a);
        cluster.run(3);
        return new LocalCluster.Node[] {a, b, c};
    }

    @Test
    void nodesJoinThroughOneSeedAndLearnMembersTheyNeverNamed() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        for (LocalCluster.Node n : nodes) {
            assertEquals(2, n.present.size(), n.name + " knows " + n.present.keySet());
        }
        LocalCluster.Node b = nodes[1];
        LocalCluster.Node c = nodes[2];
        assertEquals(c.underlay, b.present.get("c").endpoint(), "b learned c from a, with the endpoint c found itself");
        assertEquals(nodes[0].underlay, c.present.get("a").endpoint());
        assertEquals(Set.of(nodes[0].overlay(), c.overlay()), b.core.senders(), "gossip is taken from the present nodes only");
    }

    @Test
    void aNodeThatFoundNoEndpointPublishesTheOneOnItsRouteAndAConfiguredOneWins() throws Exception {
        LocalCluster.Node a = cluster.add("a", 1);
        InetSocketAddress advertised = new InetSocketAddress(InetAddress.getByName("198.18.1.7"), 51999);
        a.begin(advertised);
        LocalCluster.Node b = cluster.start("b", 2);
        b.seeds.add(new InetSocketAddress(InetAddress.getByName("198.18.0.1"), 51820));
        cluster.run(2);
        assertEquals(advertised, b.present.get("a").endpoint(), "advertise: is what a publishes");
        assertEquals(b.underlay, a.present.get("b").endpoint(), "b's own route towards its seed");
        a.underlay = new InetSocketAddress(InetAddress.getByName("198.18.0.33"), 51820);
        cluster.run(2);
        assertEquals(advertised, b.present.get("a").endpoint(), "advertise: outlives a change of address");
    }

    @Test
    void aNodeWhoseUnderlayAddressChangesPublishesItsNewEndpoint() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        LocalCluster.Node c = nodes[2];
        InetSocketAddress moved = new InetSocketAddress(InetAddress.getByName("198.18.0.33"), 51820);
        c.underlay = moved;
        cluster.run(1);
        assertEquals(moved, c.self().endpoint());
        assertEquals(moved, nodes[0].present.get("c").endpoint(), "a has c's new endpoint");
        assertEquals(moved, nodes[1].present.get("c").endpoint(), "b has c's new endpoint");
        assertEquals(List.of(), nodes[0].events.stream().filter(e -> e.startsWith("absent")).toList());
    }

    @Test
    void aGracefulDepartureIsKnownAtOnceAndASilentNodeGoesAfterTheTtl() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        nodes[2].core.leave();
        cluster.deliver();
        assertTrue(nodes[0].events.contains("absent c: left the cluster"), nodes[0].events.toString());
        assertTrue(nodes[1].events.contains("absent c: left the cluster"), nodes[1].events.toString());

        LocalCluster.Node b = nodes[1];
        cluster.lost = s -> b.sent.contains(s);
        cluster.run((int) LocalCluster.TTL.toSeconds() + 1);
        assertTrue(nodes[0].events.contains("absent b: no heartbeat for 5s"), nodes[0].events.toString());
    }

    @Test
    void aSeedThatCrashedAndRestartedIsJoinedByTheOthersLongBeforeTheTtl() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        LocalCluster.Node a = nodes[0];
        // a, the others' seed, comes back with an empty table and no seeds of its own: it has nobody to
        // join, and the others still hold its old record, so only they can bring it back.
        a.present.clear();
        a.begin(null);
        cluster.run(1);
        assertTrue(a.present.isEmpty(), a.present.toString());
        int beats = 1;
        while (a.present.size() < 2 && beats < LocalCluster.TTL.toSeconds()) {
            cluster.run(1);
            beats++;
        }
        assertEquals(Set.of("b", "c"), a.present.keySet(), "joined by both within " + beats + " beats");
        assertTrue(beats < LocalCluster.TTL.toSeconds(), beats + " beats, the TTL is " + LocalCluster.TTL.toSeconds());
        assertFalse(nodes[1].events.contains("absent a: no heartbeat for 5s"), nodes[1].events.toString());
    }

    @Test
    void aStaticHostsEndpointIsTheOneItsCertificateNames() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        NodeCertificate db1 = staticHost("db1", "198.18.0.40:51820");
        // The caller's idea of where it is does not matter: every node reads it from the certificate.
        nodes[0].core.host(new Member("db1", db1.encoded(), new InetSocketAddress("198.18.0.99", 1)));
        cluster.deliver();
        for (LocalCluster.Node n : nodes) {
            Member m = n.name.equals("a") ? n.core.view().stream().filter(x -> x.name().equals("db1")).findFirst().orElseThrow()
                    : n.present.get("db1");
            assertEquals(new InetSocketAddress("198.18.0.40", 51820), m.endpoint(), n.name);
        }
        LocalCluster.Node d = cluster.start("d", 4, nodes[1]);
        cluster.run(2);
        assertEquals(new InetSocketAddress("198.18.0.40", 51820), d.present.get("db1").endpoint(), "a newcomer is welcomed with it");
    }

    @Test
    void aRecordSignedByAnotherKeyOrNamingAnotherCertificateIsDropped() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        LocalCluster.Node a = nodes[0];
        LocalCluster.Node b = nodes[1];
        Record aNow = b.core.view().stream().filter(m -> m.name().equals("a")).findFirst()
                .map(m -> SignedRecord.sign(m, Long.MAX_VALUE, 0, true, null, SigningKey.derive(PrivateKey.generate(new SecureRandom()))))
                .orElseThrow();
        cluster.sendGossip(GossipMessage.of(GossipMessage.NEWS, List.of(aNow)).encode(), a.overlay(), b);
        // a's own key, but a body naming c's certificate while the message carries a's.
        Record underOther;
        try (SigningKey aKey = SigningKey.derive(a.key)) {
            underOther = SignedRecord.sign(new Member("a", nodes[2].certificate.encoded(), null), Long.MAX_VALUE, 0, true, null, aKey);
        }
        cluster.sendGossip(GossipMessage.of(GossipMessage.NEWS,
                List.of(new Record(a.self(), Long.MAX_VALUE, 0, true, underOther.signed()))).encode(), a.overlay(), b);
        cluster.deliver();
        assertTrue(b.present.containsKey("a"));
        assertEquals(2, b.dropped(GossipDrops.Reason.BAD_SIGNATURE) + b.dropped(GossipDrops.Reason.REFUSED),
                "both counted: " + b.drops.snapshot());
    }

    @Test
    void aRevocationTheCaSignedReachesEveryNodeAndOneAnotherCaSignedIsIgnored() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        CertificateAuthority other = CertificateAuthority.init(dir.resolve("other"), "test", IpPrefix.parse("100.64.0.0/16"), 30);
        try (SigningKey key = SigningKey.derive(nodes[2].key)) {
            other.issue(CertificateAuthority.Request.node("c", nodes[2].key.publicKey(), key.verifyingKey()));
        }
        byte[] forged = other.revoke("c");
        for (byte[] part : GossipMessage.revocationParts(forged)) {
            cluster.sendGossip(part, nodes[0].overlay(), nodes[1]);
        }
        cluster.deliver();
        assertTrue(nodes[1].present.containsKey("c") && !nodes[1].events.contains("revoked"), nodes[1].events.toString());

        assertTrue(nodes[0].core.revoke(cluster.authority.revoke("c")));
        cluster.deliver();
        for (LocalCluster.Node n : List.of(nodes[0], nodes[1])) {
            assertTrue(n.events.contains("absent c: c: certificate revoked"), n.name + ": " + n.events);
        }
    }

    @Test
    void aRevokedNodeThatJoinsAgainIsSentTheListInPartsAndAdoptsIt() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        LocalCluster.Node c = nodes[2];
        // Enough other revoked serials that the list takes more than one datagram.
        for (int i = 0; i < 40; i++) {
            try (SigningKey key = SigningKey.derive(PrivateKey.generate(new SecureRandom()))) {
                cluster.authority.issue(CertificateAuthority.Request.node("gone" + i, PrivateKey.generate(new SecureRandom()).publicKey(),
                        key.verifyingKey()));
            }
            cluster.authority.revoke("gone" + i);
        }
        byte[] list = cluster.authority.revoke("c");
        assertTrue(GossipMessage.revocationParts(list).size() > 1, list.length + " bytes");
        assertTrue(nodes[0].core.revoke(list));
        int before = c.sent.size();
        // Cut off, c loses the others after the TTL and joins its seed again.
        cluster.run((int) LocalCluster.TTL.toSeconds() + 3);
        assertTrue(c.events.contains("revoked"), c.events.toString());
        assertTrue(c.admission.isRevoked(c.self()), "c holds the list that names it");
        List<LocalCluster.Sent> notices = java.util.stream.Stream.of(nodes[0], nodes[1]).flatMap(n -> n.sent.stream())
                .filter(s -> s.join() && JoinExchange.step(s.bytes()) == JoinExchange.REVOKED).toList();
        assertFalse(notices.isEmpty());
        assertTrue(notices.stream().allMatch(s -> s.to().equals(c.underlay) && s.bytes().length <= GossipMessage.MAX_DATAGRAM),
                "to c alone, each in one datagram");
        assertTrue(c.sent.subList(before, c.sent.size()).stream().anyMatch(LocalCluster.Sent::join), "it did join again");
        assertEquals(0, c.dropped(GossipDrops.Reason.MALFORMED) + c.dropped(GossipDrops.Reason.UNEXPECTED_JOIN),
                c.drops.snapshot().toString());
    }

    @Test
    void aRevocationNoticeOutsideAJoinInProgressIsDroppedAndCounted() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        byte[] part = GossipMessage.revocationParts(cluster.authority.revoke("c")).getFirst();
        cluster.sendJoin(JoinExchange.revokedNotice(7, part), nodes[0].underlay, nodes[1]);
        cluster.deliver();
        assertEquals(1, nodes[1].dropped(GossipDrops.Reason.UNEXPECTED_JOIN), nodes[1].drops.snapshot().toString());
        assertFalse(nodes[1].events.contains("revoked"), "only the member being joined may tell");
    }

    @Test
    void theUnsignedVersionOneAndUnknownVersionsAreDroppedAndCounted() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        LocalCluster.Node b = nodes[1];
        String v1 = "{\"kind\":\"news\",\"records\":[{\"name\":\"a\",\"certificate\":\"AQ==\",\"incarnation\":9,\"heartbeat\":0,\"left\":true}]}";
        cluster.sendGossip(v1.getBytes(StandardCharsets.UTF_8), nodes[0].overlay(), b);
        cluster.sendGossip(new GossipMessage(GossipMessage.VERSION + 1, GossipMessage.NEWS, null, null, null, null, null, null, null)
                .encode(), nodes[0].overlay(), b);
        byte[] oldJoin = new byte[40];
        oldJoin[0] = JoinExchange.TYPE;
        oldJoin[1] = 1;
        cluster.sendJoin(oldJoin, new InetSocketAddress("198.18.0.9", 51820), b);
        cluster.deliver();
        assertEquals(3, b.dropped(GossipDrops.Reason.UNKNOWN_VERSION), b.drops.snapshot().toString());
        assertTrue(b.present.containsKey("a"));
    }

    @Test
    void aBeatSpeaksForItsSenderAlone() throws Exception {
        LocalCluster.Node[] nodes = threeNodes();
        LocalCluster.Node a = nodes[0];
        LocalCluster.Node b = nodes[1];
        cluster.lost = s -> a.sent.contains(s);
        a.core.tick();
        cluster.lost = s -> false;
        // a's newest beat, signed by a, relayed by c as if it were c's.
        cluster.sendGossip(lastSent(a, GossipMessage.BEAT), nodes[2].overlay(), b);
        cluster.deliver();
        assertEquals(1, b.dropped(GossipDrops.Reason.MALFORMED), b.drops.snapshot().toString());
    }

    /** The last gossip datagram of this kind that {@code n} sent. */
    static byte[] lastSent(LocalCluster.Node n, String kind) throws Dropped {
        for (int i = n.sent.size() - 1; i >= 0; i--) {
            LocalCluster.Sent s = n.sent.get(i);
            if (!s.join() && GossipMessage.decode(s.bytes()).kind().equals(kind)) {
                return s.bytes();
            }
        }
        throw new AssertionError(n.name + " sent no " + kind);
    }

    private NodeCertificate staticHost(String name, String endpoint) throws Exception {
        return cluster.authority.issue(new CertificateAuthority.Request(name, PrivateKey.generate(new SecureRandom()).publicKey(),
                null, null, null, List.of(), 30, NodeCertificate.Kind.STATIC_HOST, endpoint));
    }
}
