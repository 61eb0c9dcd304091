package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's fleet size: however many members a node holds, no datagram it sends, a join's
 * included, is larger than {@link GossipMessage#MAX_DATAGRAM}, and a cluster at the backend's
 * limit refuses the next join, saying so once on each side. Members beyond the few started are
 * records only: made and signed by their nodes' keys, handed to a node in news from a member.
 */
class GossipFleetTest {
    @TempDir
    Path dir;
    private LocalCluster cluster;
    private LocalCluster.Node a;
    private LocalCluster.Node b;

    @BeforeEach
    void twoNodes() throws Exception {
        cluster = new LocalCluster(dir, IpPrefix.parse("100.64.0.0/10"));
        a = cluster.start("a", 1);
        b = cluster.start("b", 2, a);
        cluster.run(2);
        assertEquals(1, b.present.size());
    }

    @Test
    void withThreeHundredMembersEveryDatagramFitsAndAJoinerLearnsTheMembersBySync() throws Exception {
        List<Record> more = members(300);
        // A joiner while the cluster is below the limit, then the cluster grows to 300 (partitions
        // that healed) and a second joiner is refused.
        handTo(a, b, more.subList(0, GossipNode.MAX_NODES - 10));
        LocalCluster.Node j = cluster.start("j", 3, b);
        cluster.run(2);
        assertTrue(j.present.containsKey("b") && j.present.size() > GossipNode.MAX_PUSH,
                "the first sync brings a burst of members: " + j.present.size());
        handTo(a, b, more.subList(GossipNode.MAX_NODES - 10, more.size()));
        assertEquals(302, b.present.size(), "b holds a, j and the 300");
        LocalCluster.Node k = cluster.start("k", 4, b);
        cluster.run(2);
        assertTrue(k.present.isEmpty(), "k is refused");
        int largest = 0;
        int count = 0;
        for (LocalCluster.Node n : List.of(a, b, j, k)) {
            for (LocalCluster.Sent s : n.sent) {
                largest = Math.max(largest, s.bytes().length);
                count++;
            }
        }
        System.out.printf("300 members: %d datagrams sent, the largest %d bytes%n", count, largest);
        assertTrue(largest <= GossipMessage.MAX_DATAGRAM, "the largest datagram is " + largest + " bytes");
    }

    /** Hands {@code records} to {@code n} in news from {@code from}, as many datagrams as they take, each within the bound. */
    private void handTo(LocalCluster.Node from, LocalCluster.Node n, List<Record> records) {
        for (byte[] part : GossipMessage.parts(GossipMessage.NEWS, records)) {
            assertTrue(part.length <= GossipMessage.MAX_DATAGRAM, part.length + " bytes");
            cluster.sendGossip(part, from.overlay(), n);
            cluster.deliver();
        }
    }

    @Test
    void aSteadyClustersSyncsCarryNoCertificateAndALostChangeComesWithTheNextSyncs() throws Exception {
        LocalCluster.Node c = cluster.start("c", 3, a);
        cluster.run(3);
        List<LocalCluster.Node> three = List.of(a, b, c);
        List<Integer> before = three.stream().map(n -> n.sent.size()).toList();
        cluster.run(5);
        int syncs = 0;
        for (int i = 0; i < three.size(); i++) {
            List<LocalCluster.Sent> sent = three.get(i).sent;
            for (LocalCluster.Sent s : sent.subList(before.get(i), sent.size())) {
                GossipMessage m = GossipMessage.decode(s.bytes());
                syncs += m.kind().equals(GossipMessage.SYNC) ? 1 : 0;
                assertTrue(m.signedRecords().stream().allMatch(w -> w.certificate() == null) && m.staticHosts().isEmpty(),
                        "a " + m.kind() + " with a certificate");
            }
        }
        assertEquals(15, syncs, "one sync a node and interval");

        // c's new endpoint reaches a, but b misses the news: a sync between them brings it.
        cluster.lost = s -> c.sent.contains(s) && s.to().getAddress().equals(b.overlay());
        c.underlay = new InetSocketAddress("198.18.0.33", 51820);
        c.core.update(new Member("c", c.certificate.encoded(), c.underlay));
        cluster.deliver();
        cluster.lost = s -> false;
        assertEquals(new InetSocketAddress("198.18.0.33", 51820), a.present.get("c").endpoint());
        cluster.run(4);
        assertEquals(new InetSocketAddress("198.18.0.33", 51820), b.present.get("c").endpoint());
    }

    @Test
    void aRevocationListOfSeveralPartsArrivesWholeAndAPartOutOfTurnStartsOver() throws Exception {
        byte[] list = null;
        for (int i = 0; i < 40; i++) {
            list = cluster.authority.revoke(cluster.add("r" + i, 10 + i).name);
        }
        List<byte[]> parts = GossipMessage.revocationParts(list);
        assertTrue(parts.size() > 1, list.length + " bytes in " + parts.size() + " part(s)");
        // The last part alone, then the first twice: nothing adopted, the next whole list is.
        cluster.sendGossip(parts.getLast(), a.overlay(), b);
        cluster.sendGossip(parts.getFirst(), a.overlay(), b);
        cluster.deliver();
        assertTrue(!b.events.contains("revoked"), b.events.toString());
        int before = a.sent.size();
        assertTrue(a.core.revoke(list));
        cluster.deliver();
        assertTrue(b.events.contains("revoked"), b.events.toString());
        assertTrue(a.sent.subList(before, a.sent.size()).stream().allMatch(s -> s.bytes().length <= GossipMessage.MAX_DATAGRAM));
        System.out.printf("a revocation list of 40 serials: %d bytes in %d parts%n", list.length, parts.size());
    }

    @Test
    void aRecordWhoseCertificateCarriesItsIssuersStillFitsOneDatagram() throws Exception {
        // The issuer's certificate after the node's, and the long name in the certificate too.
        String name = "a-node-name-of-sixty-three-characters-as-a-dns-label-may-be-xyz";
        byte[] grown = Arrays.copyOf(a.certificate.encoded(), a.certificate.encoded().length + 350 + name.length() - 1);
        Member m = new Member(name, grown, new InetSocketAddress("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 65535));
        Record r;
        try (SigningKey key = SigningKey.derive(a.key)) {
            r = SignedRecord.sign(m, Long.MAX_VALUE, Long.MAX_VALUE, false, Long.MAX_VALUE, key);
        }
        Record today;
        try (SigningKey key = SigningKey.derive(b.key)) {
            today = SignedRecord.sign(b.self(), 1_790_000_000_000L, 12345, false, 1_790_000_000_000_123L, key);
        }
        List<byte[]> parts = GossipMessage.parts(GossipMessage.NEWS, List.of(r));
        System.out.printf("one record in news: %d bytes with its %d-byte certificate; at the worst (longest name, endpoint,"
                + " numbers) with a certificate 350 bytes longer: %d bytes%n",
                GossipMessage.of(GossipMessage.NEWS, List.of(today)).encode().length, b.certificate.encoded().length,
                parts.getFirst().length);
        JoinExchange joiner = JoinExchange.joiner(b.key, LocalCluster.PROLOGUE, 1);
        JoinExchange member = JoinExchange.member(a.key, LocalCluster.PROLOGUE, 1);
        member.read(joiner.write(1, new byte[0]));
        byte[] second = member.write(2, GossipMessage.of(GossipMessage.JOIN, List.of(r)).encode());
        System.out.printf("a join's second message with that record: %d bytes%n", second.length);
        joiner.close();
        member.close();
        assertTrue(second.length <= GossipMessage.MAX_DATAGRAM, second.length + " bytes");
        assertEquals(1, parts.size());
        assertTrue(parts.getFirst().length <= GossipMessage.MAX_DATAGRAM, parts.getFirst().length + " bytes");
    }

    @Test
    void aClusterAtTheLimitRefusesTheNextJoinAndSaysSoOnceOnEachSide() throws Exception {
        handTo(b, a, members(GossipNode.MAX_NODES - 2));
        assertEquals(GossipNode.MAX_NODES - 1, a.present.size(), "a and the others: the limit");
        List<String> warnings = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel() == Level.WARNING) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger log = Logger.getLogger(GossipNode.class.getName());
        log.addHandler(handler);
        try {
            LocalCluster.Node c = cluster.start("c", 3, a);
            LocalCluster.Node d = cluster.start("d", 4, a);
            for (int i = 0; i < 3; i++) {
                c.core.tick();
                d.core.tick();
                cluster.deliver();
            }
            assertTrue(c.present.isEmpty() && d.present.isEmpty(), "both refused");
            assertTrue(!a.present.containsKey("c") && !a.present.containsKey("d"));
            assertEquals(6, a.dropped(GossipDrops.Reason.REFUSED), a.drops.snapshot().toString());
            assertEquals(3, warnings.size(), "once at a, once at each joiner: " + warnings);
            assertTrue(warnings.stream().allMatch(w -> w.contains("etcd") && w.contains(GossipNode.MAX_NODES + " nodes")), warnings.toString());
        } finally {
            log.removeHandler(handler);
        }
    }

    /** {@code n} members' records, each signed by its own node, with certificates of the cluster's CA. */
    private List<Record> members(int n) throws Exception {
        List<Record> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            LocalCluster.Node m = cluster.add("m" + i, 10 + i % 200);
            try (SigningKey key = SigningKey.derive(m.key)) {
                out.add(SignedRecord.sign(new Member(m.name, m.certificate.encoded(), null), 1, 1, false, null, key));
            }
        }
        return out;
    }
}
