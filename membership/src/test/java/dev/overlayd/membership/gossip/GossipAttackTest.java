package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.PrivateKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the review of issue 11 found, each as an attack on gossip nodes in one process. Before
 * records were signed, a member's or a local process's forged record was merged as the member's
 * own (the first three tests fail that way on the unsigned code), a joiner's seenAs became the
 * member's endpoint, and every first join message kept a Noise handshake for 5 s.
 */
class GossipAttackTest {
    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

    @TempDir
    Path dir;
    private LocalCluster cluster;
    private LocalCluster.Node a;
    private LocalCluster.Node b;
    private LocalCluster.Node c;

    @BeforeEach
    void threeNodes() throws Exception {
        cluster = new LocalCluster(dir);
        a = cluster.start("a", 1);
        b = cluster.start("b", 2, a);
        c = cluster.start("c", 3, a);
        cluster.run(3);
        assertEquals(2, b.present.size());
    }

    @Test
    void aMemberCannotRemoveAnotherRaiseItsIncarnationOrMoveIt() throws Exception {
        Member aAsHeld = b.present.get("a");
        Member moved = new Member("a", a.certificate.encoded(), new InetSocketAddress("198.18.0.66", 9));
        long incarnation = new SignedRecord(recordBody(a), new byte[64]).parse().incarnation();
        try (SigningKey cKey = SigningKey.derive(c.key)) {
            List<Record> forged = List.of(
                    SignedRecord.sign(aAsHeld, Long.MAX_VALUE, 0, true, null, cKey),
                    SignedRecord.sign(moved, Long.MAX_VALUE, 0, false, null, cKey),
                    SignedRecord.sign(moved, incarnation, Long.MAX_VALUE, false, null, cKey));
            for (Record r : forged) {
                cluster.sendGossip(GossipMessage.of(GossipMessage.NEWS, List.of(r)).encode(), c.overlay(), b);
            }
        }
        cluster.run(1);
        assertEquals(aAsHeld, b.present.get("a"), "a stays as it said it is");
        assertTrue(b.events.stream().noneMatch(e -> e.startsWith("absent a")), b.events.toString());
        assertEquals(3, b.dropped(GossipDrops.Reason.BAD_SIGNATURE), b.drops.snapshot().toString());
    }

    @Test
    void aLocalProcessOnAMembersAddressCannotKeepItAliveNorRemoveIt() throws Exception {
        // a stops; a process on a's node, sending from a's overlay address, beats for it with a's
        // version but no key of a's, and then says it left.
        cluster.lost = s -> a.sent.contains(s);
        SignedRecord.Body last = new SignedRecord(recordBody(a), new byte[64]).parse();
        for (int beat = 1; beat <= LocalCluster.TTL.toSeconds() + 1; beat++) {
            byte[] body = CBOR.writeValueAsBytes(new SignedRecord.Body(last.reads(), "a", last.certificate(),
                    last.incarnation(), last.heartbeat() + 10 * beat, false, last.endpoint(), last.records()));
            byte[] signature = new byte[64];
            new SecureRandom().nextBytes(signature);
            cluster.sendGossip(new GossipMessage(GossipMessage.VERSION, GossipMessage.BEAT,
                    List.of(new GossipMessage.WireRecord(body, signature, null)), null, null, null, null, null, null).encode(),
                    a.overlay(), b);
            cluster.run(1);
        }
        assertTrue(b.events.contains("absent a: no heartbeat for 5s"), "forged beats kept a: " + b.events);
        assertTrue(b.dropped(GossipDrops.Reason.BAD_SIGNATURE) >= LocalCluster.TTL.toSeconds(), b.drops.snapshot().toString());

        // c is alive; a process on c's node says c left, under c's certificate, unsigned.
        Member cAsHeld = b.present.get("c");
        try (SigningKey other = SigningKey.derive(PrivateKey.generate(new SecureRandom()))) {
            Record forged = SignedRecord.sign(cAsHeld, Long.MAX_VALUE, 0, true, null, other);
            cluster.sendGossip(GossipMessage.of(GossipMessage.NEWS, List.of(forged)).encode(), c.overlay(), b);
        }
        cluster.deliver();
        assertEquals(cAsHeld, b.present.get("c"));
    }

    /** A digest of every name that lists none: a sync from one that knows nothing. */
    private static final Digest NOTHING = new Digest(null, null, List.of(), null);

    @Test
    void aForgedSyncFromAMembersAddressIsNotAnswered() throws Exception {
        int sentBefore = b.sent.size();
        Member aAsHeld = b.present.get("a");
        try (SigningKey other = SigningKey.derive(PrivateKey.generate(new SecureRandom()))) {
            Record forged = SignedRecord.sign(aAsHeld, Long.MAX_VALUE, 0, false, null, other);
            cluster.sendGossip(GossipMessage.sync(forged, NOTHING).encode(), a.overlay(), b);
        }
        cluster.sendGossip(new GossipMessage(GossipMessage.VERSION, GossipMessage.SYNC, null, null, null, null, null, NOTHING, null)
                .encode(), a.overlay(), b);
        cluster.deliver();
        assertEquals(sentBefore, b.sent.size(), "no answer to a sync its sender did not sign");

        // a's own sync, as if a knew nothing: answered with all b holds.
        cluster.clock.advance(LocalCluster.INTERVAL);
        GossipMessage.WireRecord aBeat = GossipMessage.decode(GossipNodeTest.lastSent(a, GossipMessage.BEAT)).signedRecords().getFirst();
        cluster.sendGossip(new GossipMessage(GossipMessage.VERSION, GossipMessage.SYNC, List.of(aBeat), null, null, null, null,
                NOTHING, null).encode(), a.overlay(), b);
        cluster.deliver();
        int records = 0;
        for (LocalCluster.Sent s : b.sent.subList(sentBefore, b.sent.size())) {
            records += GossipMessage.decode(s.bytes()).signedRecords().size();
        }
        assertEquals(3, records, "a real sync is answered with what its sender lacks");
    }

    @Test
    void noOneMovesAStaticHostAndAStaticHostSaysNothing() throws Exception {
        NodeCertificate db1 = cluster.authority.issue(new CertificateAuthority.Request("db1",
                PrivateKey.generate(new SecureRandom()).publicKey(), null, null, null, List.of(), 30,
                NodeCertificate.Kind.STATIC_HOST, "198.18.0.40:51820"));
        InetSocketAddress where = new InetSocketAddress("198.18.0.40", 51820);
        a.core.host(new Member("db1", db1.encoded(), where));
        cluster.deliver();
        assertEquals(where, b.present.get("db1").endpoint());

        Member moved = new Member("db1", db1.encoded(), new InetSocketAddress("198.18.0.66", 9));
        try (SigningKey cKey = SigningKey.derive(c.key)) {
            Record signedByC = SignedRecord.sign(moved, Long.MAX_VALUE, 0, false, null, cKey);
            cluster.sendGossip(GossipMessage.of(GossipMessage.NEWS, List.of(signedByC)).encode(), c.overlay(), b);
        }
        // A static host's record is its certificate: there is nothing else in it to change.
        cluster.sendGossip(GossipMessage.of(GossipMessage.NEWS, List.of(new Record(moved, Long.MAX_VALUE, 0, false, null)))
                .encode(), c.overlay(), b);
        // The host itself, from its overlay address, is no node: its gossip is not read.
        cluster.sendGossip(GossipMessage.of(GossipMessage.NEWS, List.of(new Record(moved, Long.MAX_VALUE, 0, true, null)))
                .encode(), db1.address(), b);
        cluster.run(1);
        assertEquals(where, b.present.get("db1").endpoint());
        assertEquals(1, b.dropped(GossipDrops.Reason.REFUSED), "a static host's certificate signs nothing: " + b.drops.snapshot());
        assertEquals(1, b.dropped(GossipDrops.Reason.NOT_A_MEMBER));
    }

    @Test
    void aJoinersClaimDoesNotChooseTheMembersEndpoint() throws Exception {
        LocalCluster.Node e = cluster.add("e", 5);
        JoinExchange exchange = JoinExchange.joiner(e.key, LocalCluster.PROLOGUE, 7);
        byte[] first = exchange.write(1, new byte[0]);
        cluster.sendJoin(first, e.underlay, a);
        cluster.deliver();
        cluster.sendJoin(JoinExchange.withCookie(first, JoinExchange.cookie(lastJoin(a))), e.underlay, a);
        cluster.deliver();
        exchange.read(lastJoin(a));
        Record eRecord;
        try (SigningKey eKey = SigningKey.derive(e.key)) {
            eRecord = SignedRecord.sign(new Member("e", e.certificate.encoded(), e.underlay), 1, 0, false, null, eKey);
        }
        // Version 1's field, and any other a joiner might add: the member reads neither.
        ObjectNode payload = (ObjectNode) CBOR.readTree(GossipMessage.of(GossipMessage.JOIN, List.of(eRecord)).encode());
        payload.put("seenAs", "198.18.0.66:9");
        payload.put("endpoint", "198.18.0.66:9");
        cluster.sendJoin(exchange.write(3, CBOR.writeValueAsBytes(payload)), e.underlay, a);
        cluster.deliver();
        assertTrue(a.present.containsKey("e"), "the join itself went through");
        assertEquals(a.underlay, a.self().endpoint());
        assertEquals(a.underlay, b.present.get("a").endpoint());
        exchange.close();
    }

    @Test
    void firstJoinMessagesKeepNoStateWithoutACookieAndOneSourceHoldsAtMostItsShare() throws Exception {
        LocalCluster.Node x = cluster.add("x", 66);
        int sentBefore = a.sent.size();
        long cookiesBefore = a.dropped(GossipDrops.Reason.NO_COOKIE);
        for (int id = 0; id < 1000; id++) {
            try (JoinExchange exchange = JoinExchange.joiner(x.key, LocalCluster.PROLOGUE, id)) {
                cluster.sendJoin(exchange.write(1, new byte[0]), x.underlay, a);
            }
        }
        cluster.deliver();
        assertEquals(0, a.core.exchanges(), "no handshake kept for a source that did not show it receives");
        assertEquals(1000, a.dropped(GossipDrops.Reason.NO_COOKIE) - cookiesBefore);
        assertEquals(1000, a.sent.size() - sentBefore, "one cookie each, no larger than the message it answers");

        // The source does receive, and echoes the cookies, from many ports: it still holds only its share.
        for (int id = 0; id < 100; id++) {
            InetSocketAddress from = new InetSocketAddress(x.underlay.getAddress(), 40000 + id);
            JoinExchange exchange = JoinExchange.joiner(x.key, LocalCluster.PROLOGUE, id);
            byte[] first = exchange.write(1, new byte[0]);
            cluster.sendJoin(first, from, a);
            cluster.deliver();
            cluster.sendJoin(JoinExchange.withCookie(first, JoinExchange.cookie(lastJoin(a))), from, a);
            cluster.deliver();
            exchange.close();
        }
        assertEquals(GossipNode.MAX_ANSWERING_PER_SOURCE, a.core.exchanges());

        LocalCluster.Node d = cluster.start("d", 4, a);
        cluster.run(2);
        assertTrue(d.present.containsKey("a") && a.present.containsKey("d"), "a real joiner still gets in");
    }

    @Test
    void aCookieIsBoundToItsSourceAndExchange() throws Exception {
        LocalCluster.Node x = cluster.add("x", 66);
        long cookiesBefore = a.dropped(GossipDrops.Reason.NO_COOKIE);
        try (JoinExchange exchange = JoinExchange.joiner(x.key, LocalCluster.PROLOGUE, 1)) {
            byte[] first = exchange.write(1, new byte[0]);
            cluster.sendJoin(first, x.underlay, a);
            cluster.deliver();
            byte[] cookie = JoinExchange.cookie(lastJoin(a));
            cluster.sendJoin(JoinExchange.withCookie(first, cookie), new InetSocketAddress("198.18.0.67", 51820), a);
            cluster.sendJoin(JoinExchange.withCookie(first, cookie), new InetSocketAddress(x.underlay.getAddress(), 1), a);
            cluster.deliver();
        }
        assertEquals(0, a.core.exchanges());
        assertEquals(3, a.dropped(GossipDrops.Reason.NO_COOKIE) - cookiesBefore);
    }

    private static byte[] lastJoin(LocalCluster.Node n) {
        for (int i = n.sent.size() - 1; i >= 0; i--) {
            if (n.sent.get(i).join()) {
                return n.sent.get(i).bytes();
            }
        }
        throw new AssertionError(n.name + " sent no join message");
    }

    /** The body of the last record {@code n} signed, from its last beat. */
    private static byte[] recordBody(LocalCluster.Node n) throws Exception {
        return GossipMessage.decode(GossipNodeTest.lastSent(n, GossipMessage.BEAT)).signedRecords().getFirst().body();
    }
}
