package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd lost for longer than the membership TTL, and back with none of its data (a disk replaced,
 * nothing restored): the worst case of an outage, where every lease, record and revision the nodes
 * knew is gone. The nodes keep their tunnels meanwhile, register again by themselves once etcd
 * answers, and follow the new etcd's changes (a node that joins after it is seen by them).
 */
class EtcdOutageTest {
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** The TTL of the nodes' leases; the outage lasts several of them. */
    private static final int TTL_SECONDS = 3;
    private static final int OUTAGE_SECONDS = 4 * TTL_SECONDS;

    @TempDir
    Path dir;
    private Cluster cluster;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new Cluster(dir);
        cluster.startEtcd();
    }

    @AfterEach
    void tearDown() throws Exception {
        cluster.close();
    }

    @Test
    void nodesKeepTheirTunnelsThroughAnOutageAndRegisterAgainWithAnEtcdThatLostEverything() throws Exception {
        for (int n = 1; n <= 3; n++) {
            cluster.addEtcdHost(n, TTL_SECONDS + "s");
        }
        cluster.start(1);
        cluster.start(2);
        awaitPeers(1, 1);
        awaitPeers(2, 1);

        cluster.killEtcd();
        cluster.dropEtcdData();
        // A reply a second through the whole outage: not one may be missing.
        String during = cluster.exec(1, "ping", "-c", String.valueOf(OUTAGE_SECONDS), "-i", "1",
                "-w", String.valueOf(OUTAGE_SECONDS + 5), cluster.overlay(2));
        assertTrue(during.contains(" " + OUTAGE_SECONDS + " received"), during);
        assertEquals(1, cluster.peers(1).size(), cluster.logText(1));
        assertEquals(1, cluster.peers(2).size(), cluster.logText(2));

        long back = System.nanoTime();
        cluster.startEtcd();
        // h3 learns of h1 and h2 only from the new etcd, and they of h3 only through their watches on it.
        cluster.start(3);
        long started = System.nanoTime();
        for (int n = 1; n <= 3; n++) {
            awaitPeers(n, 2);
        }
        System.out.printf("EtcdOutageTest: %d s outage (TTL %d s), etcd back empty: h3 started %.1f s after etcd, "
                + "all three nodes converged %.1f s after etcd (%.1f s after h3's start)%n", OUTAGE_SECONDS, TTL_SECONDS,
                (started - back) / 1e9, (System.nanoTime() - back) / 1e9, (System.nanoTime() - started) / 1e9);
        ping(3, 1);
        ping(3, 2);
        ping(1, 2);

        // Their leases on the new etcd are live: a node that stops is dropped by the others.
        cluster.stop(2, "KILL");
        awaitPeers(1, 1);
        awaitPeers(3, 1);
        for (int n : List.of(1, 3)) {
            assertTrue(cluster.running(n), "h" + n + " exited:\n" + cluster.logText(n));
            assertFalse(cluster.logText(n).contains("\tat "), "a stack trace in h" + n + "'s log:\n" + cluster.logText(n));
        }
    }

    private void ping(int from, int to) throws Exception {
        String output = cluster.exec(from, "ping", "-c", "3", "-i", "1", "-w", "8", cluster.overlay(to));
        assertTrue(output.contains(" 3 received"), output);
    }

    private void awaitPeers(int n, int count) throws Exception {
        Await.until("h" + n + " to have " + count + " peers", CONVERGE, () -> cluster.peers(n).size() == count,
                () -> cluster.logText(n));
    }
}
