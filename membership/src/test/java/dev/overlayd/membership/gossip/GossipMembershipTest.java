package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.MembershipListener;
import dev.overlayd.noise.RateLimiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the receiving threads let through to the membership's thread, whatever arrives. */
class GossipMembershipTest {
    @TempDir
    Path dir;

    /** A transport that only hands the test its receiver. */
    private static final class Captured extends NullTransport {
        volatile Receiver receiver;

        @Override
        public void start(Receiver receiver) {
            this.receiver = receiver;
        }
    }

    @Test
    void junkIsDroppedAndCountedBeforeItIsCopiedAndJoinMessagesAreRateLimitedPerSource() throws Exception {
        LocalCluster cluster = new LocalCluster(dir);
        LocalCluster.Node a = cluster.add("a", 1);
        Captured transport = new Captured();
        GossipMembership membership = new GossipMembership("t", transport, a.key, LocalCluster.PROLOGUE, a.admission,
                new GossipSettings(List.of(), LocalCluster.TTL, LocalCluster.INTERVAL, GossipSettings.DEFAULT_PORT),
                cluster.clock, host -> new InetAddress[0]);
        try {
            membership.start(new Member("a", a.certificate.encoded(), a.underlay), new MembershipListener() {
                @Override
                public void present(Member member) {}

                @Override
                public void absent(Member member, String why) {}

                @Override
                public void revoked(byte[] revocationList) {}
            });
            byte[] junk = new byte[65000];
            InetAddress local = InetAddress.getByName("100.64.0.1");
            for (int i = 0; i < 10_000; i++) {
                // 650 MB in all, from the node's own overlay address (any local process): none of it kept.
                transport.receiver.gossip(junk, 0, junk.length, local);
            }
            assertEquals(10_000L, membership.drops().get("not-a-member"));

            byte[] first = new byte[JoinExchange.HEADER + JoinCookies.LENGTH + 32];
            first[0] = JoinExchange.TYPE;
            first[1] = 1;
            first[2] = GossipMessage.VERSION;
            InetSocketAddress source = new InetSocketAddress("198.18.0.66", 51820);
            for (int i = 0; i < 10_000; i++) {
                transport.receiver.join(first, 0, first.length, source);
            }
            // The test's clock stands still: the source's burst, and nothing after it.
            assertTrue(membership.drops().get("rate-limited") >= 9_990, membership.drops().toString());
        } finally {
            membership.close();
        }
    }

    @Test
    void recordsPublishedBeforeTheStartArePublishedAtItAndBadOnesAreRefusedEitherWay() throws Exception {
        LocalCluster cluster = new LocalCluster(dir);
        LocalCluster.Node a = cluster.add("a", 1);
        GossipMembership membership = new GossipMembership("t", new Captured(), a.key, LocalCluster.PROLOGUE, a.admission,
                new GossipSettings(List.of(), LocalCluster.TTL, LocalCluster.INTERVAL, GossipSettings.DEFAULT_PORT),
                cluster.clock, host -> new InetAddress[0]);
        Map<String, Map<String, byte[]>> told = new ConcurrentHashMap<>();
        try {
            membership.publish("early", new byte[] {1});
            membership.publish("withdrawn", new byte[] {2});
            membership.publish("withdrawn", null);
            assertThrows(IllegalArgumentException.class, () -> membership.publish("a key", new byte[] {1}));
            membership.start(new Member("a", a.certificate.encoded(), a.underlay), new MembershipListener() {
                @Override
                public void present(Member member) {}

                @Override
                public void absent(Member member, String why) {}

                @Override
                public void records(String member, Map<String, byte[]> records) {
                    told.put(member, records);
                }

                @Override
                public void revoked(byte[] revocationList) {}
            });
            assertEquals(Set.of("early"), told.get("a").keySet(), "told at the start");
            membership.publish("late", new byte[] {3});
            assertEquals(Set.of("early", "late"), told.get("a").keySet());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> membership.publish("late", new byte[Membership.MAX_RECORD_VALUE + 1]));
            assertEquals("a record value is at most 1024 bytes, not 1025", e.getMessage());
            assertEquals(Map.of(), membership.unsettled());
        } finally {
            membership.close();
        }
    }

    @Test
    void theInboxHoldsAtMostItsBytesAndCountsTheRest() throws Exception {
        GossipDrops drops = new GossipDrops();
        LocalCluster.TestClock clock = new LocalCluster.TestClock();
        Inbox inbox = new Inbox(GossipMembership.INBOX_CAPACITY, GossipMembership.INBOX_BYTES,
                new RateLimiter(clock, new SecureRandom()), drops);
        byte[] datagram = new byte[65000];
        int queued = 0;
        for (int i = 0; i < 10_000; i++) {
            // Each from its own source, so that only the bounds stop them.
            InetSocketAddress from = new InetSocketAddress(InetAddress.getByAddress(new byte[] {100, 64, (byte) (i >> 8), (byte) i}), 1);
            queued += inbox.offer(Inbox.Kind.GOSSIP, datagram, 0, datagram.length, from) ? 1 : 0;
        }
        assertTrue(inbox.bytes() <= GossipMembership.INBOX_BYTES, inbox.bytes() + " bytes queued");
        assertEquals(10_000 - queued, drops.get(GossipDrops.Reason.QUEUE_FULL) + drops.get(GossipDrops.Reason.RATE_LIMITED));
        while (inbox.poll() != null) {
            queued--;
        }
        assertEquals(0, queued);
        assertEquals(0, inbox.bytes());
    }
}
