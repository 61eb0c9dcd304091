package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode with the embedded membership, on three or four real daemons on one switch: nodes
 * join through one seed and reach members they never named, a graceful stop is known at once,
 * a crash after the TTL, a revocation cuts a node off, another cluster's node gets nowhere, and
 * the two sides of a healed partition find each other again.
 */
class ClusterTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private Cluster cluster;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new Cluster(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        cluster.close();
    }

    private void threeNodes(String ttl) throws Exception {
        cluster.addHost(1, ttl);
        cluster.addHost(2, ttl, 1);
        cluster.addHost(3, ttl, 1);
        for (int n = 1; n <= 3; n++) {
            cluster.start(n);
        }
        for (int n = 1; n <= 3; n++) {
            awaitPeers(n, 2);
        }
    }

    @Test
    void nodesJoinThroughOneSeedReachEachOtherAndAGracefulStopIsKnownAtOnce() throws Exception {
        // A TTL far beyond the wait below: only the departure announcement can remove h3 in time.
        threeNodes("120s");
        cluster.exec(2, "ping", "-c", "1", "-W", "5", cluster.overlay(3));
        String members = Cluster.overlayctl("members", Cluster.iface(2), "--json");
        for (String name : new String[] {"\"h1\"", "\"h2\"", "\"h3\""}) {
            assertTrue(members.contains(name), members);
        }
        String peers = Cluster.overlayctl("peers", Cluster.iface(2));
        assertTrue(peers.contains("h1") && peers.contains("h3"), "peers are named by their certificates:\n" + peers);

        cluster.stop(3, "TERM");
        awaitPeers(1, 1);
        awaitPeers(2, 1);
        assertTrue(cluster.logText(1).contains("member h3 removed: left the cluster"), cluster.logText(1));
    }

    @Test
    void aCrashedNodeGoesAfterTheTtlAndARevokedOneAtOnce() throws Exception {
        threeNodes("3s");
        cluster.stop(3, "KILL");
        awaitPeers(1, 1);
        awaitPeers(2, 1);
        assertTrue(cluster.logText(2).contains("member h3 removed: no heartbeat for 3s"), cluster.logText(2));

        Cluster.overlayctl("cert", "revoke", "h2", "--ca", cluster.ca.toString());
        cluster.exec(1, Cluster.OVERLAYCTL.toString(), "revoke", cluster.ca.resolve("revoked.crl").toString(),
                Cluster.iface(1));
        awaitPeers(1, 0);
        assertTrue(cluster.logText(1).contains("member h2 removed: h2: certificate revoked"), cluster.logText(1));
    }

    @Test
    void aNodeOfAnotherClusterIsNotAdmitted() throws Exception {
        cluster.addHost(1, "10s");
        cluster.start(1);
        Path other = dir.resolve("other");
        Cluster.overlayctl("ca", "init", "--dir", other.toString(), "--name", "test", "--overlay", "100.64.0.0/16");
        Path yaml = cluster.addHost(2, "10s", 1);
        Path home = yaml.getParent();
        Files.delete(home.resolve("h2.key"));
        Cluster.overlayctl("cert", "issue", "h2", "--ca", other.toString(), "--out", home.toString(), "--subnet",
                "100.64.9.0/24", "--address", "100.64.9.1");
        Files.writeString(yaml, Files.readString(yaml).replace("../ca/ca.crt", "../other/ca.crt"));
        cluster.start(2, yaml);
        Await.until("h2 to fail joining", CONVERGE,
                () -> cluster.logText(2).contains("join with 198.18.1.1:51820 failed at step 2"), () -> cluster.logText(2));
        assertEquals(0, cluster.peers(1).size());
        assertEquals(0, cluster.peers(2).size());
    }

    @Test
    void theSidesOfAHealedPartitionFindEachOtherAgain() throws Exception {
        threeNodes("3s");
        cluster.exec(3, "ip", "link", "set", "ovt-u3", "down");
        awaitPeers(1, 1);
        awaitPeers(3, 0);
        cluster.exec(3, "ip", "link", "set", "ovt-u3", "up");
        for (int n = 1; n <= 3; n++) {
            awaitPeers(n, 2);
        }
        cluster.exec(3, "ping", "-c", "1", "-W", "5", cluster.overlay(2));
    }

    private void awaitPeers(int n, int count) throws Exception {
        Await.until("h" + n + " to have " + count + " peers", CONVERGE, () -> cluster.peers(n).size() == count,
                () -> cluster.logText(n));
    }
}
