package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.identity.SigningKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plugin records on gossip nodes in one process: spread, healed, signed, bounded, gone with their member. */
class GossipRecordsTest {
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
    void aPublishedRecordReachesEveryMemberAtOnceAndAWithdrawnOneGoes() throws Exception {
        a.core.publish("discovery/web", bytes("100.64.0.2:80"));
        cluster.deliver();
        for (LocalCluster.Node n : List.of(a, b, c)) {
            assertEquals("100.64.0.2:80", text(n, "a", "discovery/web"), n.name + ", before any beat");
        }
        a.core.publish("discovery/web", null);
        cluster.deliver();
        for (LocalCluster.Node n : List.of(a, b, c)) {
            assertEquals(Map.of(), n.records.get("a"), n.name);
        }
        assertEquals(Map.of(), b.core.unsettled());
    }

    @Test
    void aLostDeltaIsSeenInTheNextBeatAndPulled() throws Exception {
        a.core.publish("k", bytes("1"));
        cluster.deliver();
        cluster.lost = s -> isRecords(s) && (a.sent.contains(s) && s.to().getAddress().equals(c.overlay()) || c.sent.contains(s));
        a.core.publish("k", bytes("2"));
        cluster.run(1);
        assertEquals("1", text(c, "a", "k"));
        String why = c.core.unsettled().get("a");
        assertTrue(why != null && why.matches("holds records v\\d+, announced v\\d+ \\d+ s ago"), c.core.unsettled().toString());

        cluster.lost = s -> false;
        cluster.run(2);
        assertEquals("2", text(c, "a", "k"));
        assertEquals(Map.of(), c.core.unsettled());
    }

    @Test
    void aPartitionHealsToTheSameRecordsOnBothSides() throws Exception {
        a.core.publish("k", bytes("a1"));
        c.core.publish("k", bytes("c1"));
        cluster.deliver();
        Set<LocalCluster.Node> side = Set.of(c);
        cluster.lost = s -> across(s, side);
        cluster.run((int) LocalCluster.TTL.toSeconds() + 2);
        assertEquals(Map.of(), a.records.get("c"), "c went, its records with it");
        a.core.publish("k", bytes("a2"));
        b.core.publish("j", bytes("b1"));
        c.core.publish("k", bytes("c2"));
        cluster.deliver();

        cluster.lost = s -> false;
        cluster.run(3 * GossipNode.REJOIN_EVERY);
        for (LocalCluster.Node n : List.of(a, b, c)) {
            assertEquals(2, n.present.size(), n.name + " " + n.present.keySet());
            assertEquals("a2", text(n, "a", "k"), n.name);
            assertEquals("b1", text(n, "b", "j"), n.name);
            assertEquals("c2", text(n, "c", "k"), n.name);
            assertEquals(Map.of(), n.core.unsettled(), n.name);
        }
    }

    @Test
    void recordsSignedByAnotherMemberOrByNoOneAreRefusedAndCounted() throws Exception {
        a.core.publish("k", bytes("a's"));
        cluster.deliver();
        long version = partBody(lastRecordsSent(a)).version();
        try (SigningKey cKey = SigningKey.derive(c.key)) {
            // From a's address (a process on a's node), a newer change and a whole set, signed with a
            // key that is not a's (here c's).
            cluster.sendGossip(RecordSetMessage.part(RecordSetPart.delta(version + 1, "k", bytes("c's"), cKey)).encode(),
                    a.overlay(), b);
            cluster.sendGossip(RecordSetMessage.part(RecordSetPart.whole(version + 9, new TreeMap<>(), cKey).getFirst())
                    .encode(), a.overlay(), b);
        }
        // The same, with a's version numbers and no signature at all.
        byte[] body = RecordSetMessage.decode(lastRecordsSent(a)).signed().body();
        cluster.sendGossip(new RecordSetMessage(RecordSetMessage.VERSION, RecordSetMessage.PART, withdrawn(body, version + 1),
                new byte[64], null, null).encode(), a.overlay(), b);
        // a's own delta, passed on by c: checked as c's, whose it is not.
        cluster.sendGossip(lastRecordsSent(a), c.overlay(), b);
        cluster.run(2);
        assertEquals("a's", text(b, "a", "k"));
        assertEquals(Map.of(), b.records.getOrDefault("c", Map.of()), "nor did c's set change");
        assertEquals(4, b.dropped(GossipDrops.Reason.BAD_SIGNATURE), b.drops.snapshot().toString());
        assertEquals(Map.of(), b.core.unsettled(), "a forged announcement is no reason to wait");
    }

    @Test
    void anOlderVersionReplayedChangesNothing() throws Exception {
        a.core.publish("k", bytes("1"));
        cluster.deliver();
        byte[] first = lastRecordsSent(a);
        long version = partBody(first).version();
        a.core.publish("k", bytes("2"));
        cluster.deliver();
        Map<String, byte[]> before = b.records.get("a");
        cluster.sendGossip(first, a.overlay(), b);
        try (SigningKey aKey = SigningKey.derive(a.key)) {
            // What a itself signed earlier: the whole set at the first version.
            TreeMap<String, byte[]> old = new TreeMap<>(Map.of("k", bytes("1")));
            cluster.sendGossip(RecordSetMessage.part(RecordSetPart.whole(version, old, aKey).getFirst()).encode(), a.overlay(), b);
        }
        cluster.run(2);
        assertEquals("2", text(b, "a", "k"));
        assertTrue(before == b.records.get("a"), "not even told again");
    }

    @Test
    void aLargeSetTravelsInPartsNoneOverTheBudgetAndArrivesWhole() throws Exception {
        byte[] value = new byte[900];
        for (int i = 0; i < 300; i++) {
            value[0] = (byte) i;
            a.core.publish(String.format("discovery/%012x:80/tcp", i), value);
        }
        cluster.deliver();
        LocalCluster.Node d = cluster.start("d", 4, b);
        cluster.run(3);
        assertEquals(300, d.records.get("a").size());
        assertEquals(a.records.get("a").keySet(), d.records.get("a").keySet());
        assertArrayEquals(a.records.get("a").get("discovery/00000000012b:80/tcp"), d.records.get("a").get("discovery/00000000012b:80/tcp"));
        int parts = 0;
        for (LocalCluster.Sent s : a.sent) {
            if (isRecords(s)) {
                assertTrue(s.bytes().length <= RecordSetPart.BUDGET, s.bytes().length + " bytes");
                RecordSetMessage m = RecordSetMessage.decode(s.bytes());
                parts += m.kind().equals(RecordSetMessage.PART) && !m.signed().parse().delta() ? 1 : 0;
            }
        }
        assertTrue(parts >= 300, "the whole set in " + parts + " parts");
    }

    @Test
    void aSetLargerThanTheReceiversQueueTakesInOneBurstArrivesOverAFewPulls() throws Exception {
        byte[] value = new byte[900];
        for (int i = 0; i < 300; i++) {
            a.core.publish(String.format("k%03d", i), value);
        }
        cluster.deliver();
        LocalCluster.Node d = cluster.start("d", 4, b);
        // d's queue takes 64 of a burst from a, as the inbox does under load, and drops the rest.
        int[] taken = {0};
        cluster.lost = s -> a.sent.contains(s) && isRecords(s) && s.to().getAddress().equals(d.overlay()) && ++taken[0] > 64;
        int beats = 0;
        while (d.records.getOrDefault("a", Map.of()).size() < 300 && beats++ < 10) {
            taken[0] = 0;
            cluster.run(1);
        }
        assertEquals(300, d.records.getOrDefault("a", Map.of()).size(), "after " + beats + " beats: " + d.core.unsettled());
    }

    @Test
    void onePartAtTheLimitsFitsOneDatagram() throws Exception {
        String key = "k".repeat(Membership.MAX_RECORD_KEY);
        try (SigningKey aKey = SigningKey.derive(a.key)) {
            TreeMap<String, byte[]> set = new TreeMap<>(Map.of(key, new byte[Membership.MAX_RECORD_VALUE],
                    "other", new byte[Membership.MAX_RECORD_VALUE]));
            List<RecordSetPart> parts = RecordSetPart.whole(Long.MAX_VALUE, set, aKey);
            assertEquals(2, parts.size());
            for (RecordSetPart p : parts) {
                byte[] datagram = RecordSetMessage.part(p).encode();
                assertTrue(datagram.length <= RecordSetPart.MAX_DATAGRAM, datagram.length + " bytes");
            }
            byte[] delta = RecordSetMessage.part(RecordSetPart.delta(Long.MAX_VALUE, key, new byte[Membership.MAX_RECORD_VALUE],
                    aKey)).encode();
            assertTrue(delta.length <= RecordSetPart.MAX_DATAGRAM, delta.length + " bytes");
        }
    }

    @Test
    void aMemberThatLeavesOrFallsSilentTakesItsRecordsAndLateDatagramsDoNotBringThemBack() throws Exception {
        c.core.publish("k", bytes("c"));
        b.core.publish("k", bytes("b"));
        cluster.deliver();
        byte[] late = lastRecordsSent(c);
        c.core.leave();
        cluster.deliver();
        assertEquals(Map.of(), a.records.get("c"));
        assertEquals(Map.of(), b.records.get("c"));
        // From c's address, and passed on by a member that is still present: neither is c's word now.
        long refused = a.dropped(GossipDrops.Reason.NOT_A_MEMBER);
        cluster.sendGossip(late, c.overlay(), a);
        cluster.sendGossip(late, b.overlay(), a);
        cluster.deliver();
        assertEquals(Map.of(), a.records.get("c"));
        assertEquals(refused + 1, a.dropped(GossipDrops.Reason.NOT_A_MEMBER));
        assertEquals("b", text(a, "b", "k"), "b's set is b's");

        cluster.lost = s -> b.sent.contains(s);
        cluster.run((int) LocalCluster.TTL.toSeconds() + 1);
        assertTrue(a.events.contains("absent b: no heartbeat for 5s"), a.events.toString());
        assertEquals(Map.of(), a.records.get("b"));
    }

    @Test
    void aRevokedMemberTakesItsRecords() throws Exception {
        c.core.publish("k", bytes("c"));
        cluster.deliver();
        assertEquals("c", text(a, "c", "k"));
        assertTrue(b.core.revoke(cluster.authority.revoke("c")));
        cluster.deliver();
        assertEquals(Map.of(), a.records.get("c"));
        assertEquals(Map.of(), b.records.get("c"));
    }

    @Test
    void aRestartedNodesNewSetReplacesItsOldOne() throws Exception {
        b.core.publish("old", bytes("1"));
        b.core.publish("kept", bytes("1"));
        cluster.deliver();
        assertEquals(Set.of("old", "kept"), a.records.get("b").keySet());
        b.core.close();
        cluster.clock.advance(LocalCluster.INTERVAL);
        b.begin(null);
        b.core.publish("kept", bytes("2"));
        cluster.run(GossipNode.REJOIN_EVERY + 2);
        for (LocalCluster.Node n : List.of(a, c)) {
            assertEquals(Set.of("kept"), n.records.get("b").keySet(), n.name);
            assertEquals("2", text(n, "b", "kept"), n.name);
        }
    }

    @Test
    void pullsAreAnsweredAtABoundedRate() throws Exception {
        a.core.publish("k", bytes("1"));
        cluster.deliver();
        int before = a.sent.size();
        for (int i = 0; i < 100; i++) {
            cluster.sendGossip(RecordSetMessage.pull(null, null).encode(), b.overlay(), a);
        }
        cluster.deliver();
        assertEquals(1, a.sent.size() - before, "one answer, of one part");
        assertEquals(99, a.dropped(GossipDrops.Reason.RATE_LIMITED));
    }

    @Test
    void junkAndMangledPartsAreDroppedWithoutHarm() throws Exception {
        a.core.publish("k", bytes("1"));
        cluster.deliver();
        byte[] valid = lastRecordsSent(a);
        java.util.Random random = new java.util.Random(13);
        for (int i = 0; i < 2000; i++) {
            byte[] mangled = valid.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                mangled[random.nextInt(mangled.length)] ^= (byte) (1 << random.nextInt(8));
            }
            mangled[0] = valid[0];
            cluster.sendGossip(mangled, a.overlay(), b);
        }
        byte[] junk = new byte[1000];
        for (int i = 0; i < 200; i++) {
            random.nextBytes(junk);
            junk[0] = (byte) (0x80 | random.nextInt(32));
            cluster.sendGossip(junk.clone(), a.overlay(), b);
        }
        cluster.deliver();
        assertEquals("1", text(b, "a", "k"));
        assertEquals(Set.of("k"), b.records.get("a").keySet());
        // The rest named a version not newer than the one held: ignored before any check.
        assertTrue(b.dropped(GossipDrops.Reason.MALFORMED) > 1000 && b.dropped(GossipDrops.Reason.BAD_SIGNATURE) > 0,
                b.drops.snapshot().toString());
    }

    @Test
    void badKeysAndValuesAreRefusedWithTheLimit() {
        for (String key : new String[] {"", "a b", "k".repeat(Membership.MAX_RECORD_KEY + 1), "caf\u00e9"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> a.core.publish(key, bytes("x")));
            assertTrue(e.getMessage().startsWith("a record key"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.core.publish("k", new byte[Membership.MAX_RECORD_VALUE + 1]));
        assertEquals("a record value is at most 1024 bytes, not 1025", e.getMessage());
    }

    /** Whether {@code s} crosses between {@code side} and the rest. */
    private boolean across(LocalCluster.Sent s, Set<LocalCluster.Node> side) {
        LocalCluster.Node from = null;
        LocalCluster.Node to = null;
        for (LocalCluster.Node n : List.of(a, b, c)) {
            from = n.sent.contains(s) ? n : from;
            to = (s.join() ? n.underlay.equals(s.to()) : n.overlay().equals(s.to().getAddress())) ? n : to;
        }
        return from != null && to != null && side.contains(from) != side.contains(to);
    }

    static boolean isRecords(LocalCluster.Sent s) {
        return !s.join() && RecordSetMessage.is(s.bytes());
    }

    private static byte[] lastRecordsSent(LocalCluster.Node n) {
        for (int i = n.sent.size() - 1; i >= 0; i--) {
            if (isRecords(n.sent.get(i))) {
                return n.sent.get(i).bytes();
            }
        }
        throw new AssertionError(n.name + " sent no records");
    }

    private static RecordSetPart.Body partBody(byte[] datagram) throws Dropped {
        return RecordSetMessage.decode(datagram).signed().parse();
    }

    /** {@code body} (a's delta) as a delta that withdraws its key at {@code version}, unsigned. */
    private static byte[] withdrawn(byte[] body, long version) throws Exception {
        RecordSetPart.Body b = new RecordSetPart(body, new byte[64]).parse();
        RecordSetPart.Body changed = new RecordSetPart.Body(version, version - 1, 0, 1,
                List.of(new RecordSetPart.Entry(b.entries().getFirst().key(), null)));
        return new ObjectMapper(new CBORFactory()).writeValueAsBytes(changed);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(LocalCluster.Node at, String member, String key) {
        Map<String, byte[]> records = at.records.get(member);
        byte[] value = records == null ? null : records.get(key);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }
}
