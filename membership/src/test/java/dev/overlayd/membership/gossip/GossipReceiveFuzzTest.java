package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import dev.overlayd.membership.Member;

/**
 * Datagrams into a member of a two-node cluster: gossip from the other member's overlay address
 * (the only senders gossip is read from) and joins from anyone on the underlay. Each is taken or
 * dropped and counted; none throws, and none moves or removes the other member, whose records only
 * its key can sign. The harness starts the fuzzer from the real format: a datagram the other
 * member really sent, with the fuzzer's bytes XORed onto it.
 */
class GossipReceiveFuzzTest {
    private static final InetSocketAddress STRANGER = new InetSocketAddress("198.18.0.99", 51820);
    @TempDir
    static Path dir;
    private static LocalCluster cluster;
    private static LocalCluster.Node a;
    private static LocalCluster.Node b;
    private static Member bAtA;
    private static List<byte[]> fromB;

    @BeforeAll
    static void twoNodes() throws Exception {
        cluster = new LocalCluster(dir);
        a = cluster.start("a", 1);
        b = cluster.start("b", 2, a);
        cluster.run(3);
        bAtA = a.present.get("b");
        if (bAtA == null) {
            throw new IllegalStateException("b did not join a");
        }
        fromB = b.sent.stream().filter(s -> !s.join()).map(LocalCluster.Sent::bytes).toList();
    }

    @FuzzTest
    void datagramsIntoAMember(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, 2);
        switch (mode) {
            case 0 -> cluster.sendGossip(data.consumeRemainingAsBytes(), b.overlay(), a);
            case 1 -> {
                byte[] real = fromB.get(data.consumeInt(0, fromB.size() - 1)).clone();
                byte[] mask = data.consumeRemainingAsBytes();
                for (int i = 0; i < mask.length && i < real.length; i++) {
                    real[i] ^= mask[i];
                }
                cluster.sendGossip(real, b.overlay(), a);
            }
            default -> cluster.sendJoin(data.consumeRemainingAsBytes(), STRANGER, a);
        }
        cluster.deliver();
        assertEquals(bAtA, a.present.get("b"), "a datagram moved or removed a member it was not signed by");
        assertFalse(a.present.containsKey("a"));
    }
}
