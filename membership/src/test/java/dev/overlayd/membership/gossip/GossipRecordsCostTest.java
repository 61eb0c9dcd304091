package dev.overlayd.membership.gossip;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.membership.identity.VerifyingKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What plugin records cost, for issue 13's estimate of a large cluster: printed, never asserted
 * (times depend on the machine). A change is one service instance, ~200 bytes of JSON under a
 * 31-character key, as the discovery plugin publishes it.
 */
class GossipRecordsCostTest {
    /** What one datagram inside the overlay costs on the underlay besides its payload: inner IPv4+UDP, WireGuard's header and tag, outer IPv4+UDP. */
    private static final int TUNNEL_OVERHEAD = 28 + 32 + 28;

    @TempDir
    Path dir;

    @Test
    void printsTheBytesAndCpuOfAChange() throws Exception {
        LocalCluster cluster = new LocalCluster(dir);
        LocalCluster.Node a = cluster.start("a", 1);
        LocalCluster.Node b = cluster.start("b", 2, a);
        LocalCluster.Node c = cluster.start("c", 3, a);
        cluster.run(3);
        int before = a.sent.size();
        a.core.publish(key(0), instance(0));
        cluster.deliver();
        List<LocalCluster.Sent> change = a.sent.subList(before, a.sent.size());
        int bytes = change.stream().mapToInt(s -> s.bytes().length).sum();
        System.out.printf("per change and receiving member: %d datagram(s), %d bytes of UDP payload (%d on the underlay, padded to 16 by WireGuard)%n",
                change.size() / 2, bytes / 2, padded(bytes / 2) + TUNNEL_OVERHEAD);

        try (SigningKey key = SigningKey.derive(a.key)) {
            Member member = new Member("web-node-17", a.certificate.encoded(), a.underlay);
            int without = GossipMessage.beat(SignedRecord.sign(member, 1_790_000_000_000L, 12345, false, null, key)).encode().length;
            int with = GossipMessage.beat(SignedRecord.sign(member, 1_790_000_000_000L, 12345, false, 1_790_000_000_000_123L, key))
                    .encode().length;
            System.out.printf("per beat: %d bytes without the records version, %d with it (+%d)%n", without, with, with - without);

            TreeMap<String, byte[]> catalog = new TreeMap<>();
            for (int i = 0; i < 20; i++) {
                catalog.put(key(i), instance(i));
            }
            List<RecordSetPart> parts = RecordSetPart.whole(1_790_000_000_000_123L, catalog, key);
            int whole = parts.stream().mapToInt(p -> RecordSetMessage.part(p).encode().length).sum();
            System.out.printf("a whole set of 20 instances (a pull's answer): %d parts, %d bytes of UDP payload (%d on the underlay)%n",
                    parts.size(), whole, whole + parts.size() * (TUNNEL_OVERHEAD + 15));

            VerifyingKey verifying = key.verifyingKey();
            byte[] value = instance(1);
            int rounds = 1000;
            long sink = 0;
            for (int warm = 0; warm < 2; warm++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < rounds; i++) {
                    sink += RecordSetMessage.part(RecordSetPart.delta(1_790_000_000_000_000L + i, key(i), value, key)).encode().length;
                }
                long t1 = System.nanoTime();
                byte[] datagram = RecordSetMessage.part(RecordSetPart.delta(1_790_000_000_000_001L, key(1), value, key)).encode();
                for (int i = 0; i < rounds; i++) {
                    RecordSetPart part = RecordSetMessage.decode(datagram).signed();
                    sink += part.parse().version();
                    sink += part.signedBy(verifying) ? 1 : 0;
                }
                long t2 = System.nanoTime();
                RecordSetPart part = RecordSetMessage.decode(datagram).signed();
                for (int i = 0; i < rounds; i++) {
                    sink += part.signedBy(verifying) ? 1 : 0;
                }
                long t3 = System.nanoTime();
                if (warm == 1) {
                    System.out.printf("per change: sign and encode %.1f us at the publisher; decode and verify %.1f us at each"
                            + " receiver, of which the signature check %.1f us (%d rounds; %d)%n", (t1 - t0) / 1e3 / rounds,
                            (t2 - t1) / 1e3 / rounds, (t3 - t2) / 1e3 / rounds, rounds, sink % 10);
                }
            }
        }
        System.out.println("b holds " + b.records.get("a").keySet() + ", c " + c.records.get("a").keySet());
    }

    private static int padded(int payload) {
        return (payload + 15) / 16 * 16;
    }

    private static String key(int i) {
        return String.format("discovery/%012x:8080/tcp", 0x3f2a9c1d0b7eL + i);
    }

    /** A service instance as the discovery plugin encodes it (its JSON), ~200 bytes. */
    private static byte[] instance(int i) {
        return String.format("{\"service\":\"web-frontend\",\"id\":\"%064x\",\"address\":\"100.64.3.%d\",\"port\":8080,"
                + "\"protocol\":\"tcp\",\"tags\":[\"v2\",\"primary\"],\"health\":\"passing\",\"since\":1790000000000}", i, 2 + i)
                .getBytes(StandardCharsets.UTF_8);
    }
}
