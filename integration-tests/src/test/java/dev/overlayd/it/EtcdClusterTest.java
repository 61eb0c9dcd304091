package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode with the etcd backend, against a real etcd on the switch serving TLS with client
 * certificate authentication: nodes find each other
 * through it, keep carrying traffic while it is down for longer than their TTL, and after its
 * restart a new node joins and a stopped one leaves.
 */
class EtcdClusterTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);

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
        // null when the constructor failed, which removed what it had made itself.
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void membersSurviveAnEtcdRestartWhileTheOverlayCarriesTraffic() throws Exception {
        for (int n = 1; n <= 3; n++) {
            cluster.addEtcdHost(n, "3s");
        }
        cluster.start(1);
        cluster.start(2);
        awaitPeers(1, 1);
        awaitPeers(2, 1);
        ping(1, 2, 3);

        cluster.killEtcd();
        // Longer than the TTL: etcd's view would have expired, the overlay's must not.
        ping(1, 2, 6);
        assertEquals(1, cluster.peers(1).size(), cluster.logText(1));
        assertEquals(1, cluster.peers(2).size(), cluster.logText(2));

        cluster.startEtcd();
        cluster.start(3);
        for (int n = 1; n <= 3; n++) {
            awaitPeers(n, 2);
        }
        ping(3, 1, 3);
        cluster.stop(2, "TERM");
        awaitPeers(1, 1);
        awaitPeers(3, 1);
    }

    @Test
    void aRevokedNodeHearsItThroughEtcdAndStops() throws Exception {
        cluster.addEtcdHost(1, "3s");
        cluster.addEtcdHost(2, "3s");
        cluster.start(1);
        cluster.start(2);
        awaitPeers(1, 1);
        Cluster.overlayctl("cert", "revoke", "h2", "--ca", cluster.ca.toString());
        cluster.exec(1, Cluster.OVERLAYCTL.toString(), "revoke", cluster.ca.resolve("revoked.crl").toString(),
                cluster.iface(1));
        awaitPeers(1, 0);
        Await.until("h2 to stop, told through its watch that it is revoked", CONVERGE, () -> !cluster.running(2),
                () -> cluster.logText(2));
        assertTrue(cluster.logText(2).contains("h2's certificate (serial "), cluster.logText(2));
    }

    /**
     * {@code replies} echo replies from {@code to} within a deadline, one request a second: ping's
     * status alone would pass with a single lucky reply.
     */
    private void ping(int from, int to, int replies) throws Exception {
        String output = cluster.exec(from, "ping", "-c", String.valueOf(replies), "-i", "1",
                "-w", String.valueOf(replies + 5), cluster.overlay(to));
        assertTrue(output.contains(" " + replies + " received"), output);
    }

    private void awaitPeers(int n, int count) throws Exception {
        Await.until("h" + n + " to have " + count + " peers", CONVERGE, () -> cluster.peers(n).size() == count,
                () -> cluster.logText(n));
    }
}
